/* mcs_pool.c - fixed-size object pool: mmap-reserved region, bump pointer
 * for never-used objects, intrusive LIFO free list for returned ones. */
#include "mcs_pool.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int mcs_pool_init(struct mcs_pool *pool, size_t object_size, uint32_t capacity)
{
	memset(pool, 0, sizeof(*pool));
	pool->free_head = MCS_POOL_NONE;
	if (object_size == 0 || capacity == 0 || capacity == MCS_POOL_NONE)
		return -EINVAL;
	object_size = (object_size + 3u) & ~(size_t)3u;
	if (object_size > SIZE_MAX / capacity)
		return -EINVAL;
	size_t bytes = object_size * capacity;
	void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -ENOMEM;
	pool->base = base;
	pool->object_size = object_size;
	pool->reserved_bytes = bytes;
	pool->capacity = capacity;
	return 0;
}

void mcs_pool_destroy(struct mcs_pool *pool)
{
	if (pool->base)
		munmap(pool->base, pool->reserved_bytes);
	memset(pool, 0, sizeof(*pool));
	pool->free_head = MCS_POOL_NONE;
}

void *mcs_pool_alloc(struct mcs_pool *pool)
{
	unsigned char *object;
	if (pool->free_head != MCS_POOL_NONE) {
		object =
		    pool->base + (size_t)pool->free_head * pool->object_size;
		memcpy(&pool->free_head, object, sizeof(pool->free_head));
	} else if (pool->high_water < pool->capacity) {
		object =
		    pool->base + (size_t)pool->high_water * pool->object_size;
		pool->high_water++;
	} else {
		pool->failures++;
		return NULL;
	}
	pool->live++;
	if (pool->live > pool->peak)
		pool->peak = pool->live;
	pool->allocs++;
	return object;
}

void mcs_pool_free(struct mcs_pool *pool, void *object)
{
	uint32_t index = mcs_pool_index(pool, object);
	memcpy(object, &pool->free_head, sizeof(pool->free_head));
	pool->free_head = index;
	pool->live--;
}

uint32_t mcs_pool_index(const struct mcs_pool *pool, const void *object)
{
	size_t offset = (size_t)((const unsigned char *)object - pool->base);
	return (uint32_t)(offset / pool->object_size);
}

void *mcs_pool_at(const struct mcs_pool *pool, uint32_t index)
{
	return pool->base + (size_t)index * pool->object_size;
}

void mcs_pool_get_stats(const struct mcs_pool *pool,
			struct mcs_pool_stats *stats)
{
	stats->live = pool->live;
	stats->peak = pool->peak;
	stats->capacity = pool->capacity;
	stats->high_water = pool->high_water;
	stats->object_size = pool->object_size;
	stats->live_bytes = (size_t)pool->live * pool->object_size;
	stats->touched_bytes = (size_t)pool->high_water * pool->object_size;
	stats->allocs = pool->allocs;
	stats->failures = pool->failures;
}
