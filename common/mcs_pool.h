/* mcs_pool.h - fixed-size object pool with O(1) alloc and free.
 *
 * One contiguous region is reserved up front for `capacity` objects with
 * mmap(MAP_NORESERVE), so nothing is committed until used: pages are touched
 * only as the high-water mark of live objects grows, and the resident memory
 * of a pool is what its peak use needs, not what its capacity allows. Freed
 * objects go on an intrusive LIFO free list (the first 4 bytes of a free
 * object hold the index of the next), so the hottest memory is reused first.
 * No malloc per object, ever.
 *
 * Not thread-safe: one pool per thread (each event loop owns its pools).
 */
#ifndef MCS_POOL_H
#define MCS_POOL_H

#include <stddef.h>
#include <stdint.h>

#define MCS_POOL_NONE UINT32_MAX

struct mcs_pool {
	unsigned char *base;   /* start of the reserved region */
	size_t object_size;    /* bytes per object, >= 4, multiple of 4 */
	size_t reserved_bytes; /* bytes reserved by mmap */
	uint32_t capacity;     /* objects the region holds */
	uint32_t high_water;   /* objects ever handed out (bump pointer) */
	uint32_t free_head;    /* first free index, MCS_POOL_NONE if none */
	uint32_t live;	       /* objects handed out now */
	uint32_t peak;	       /* most objects live at once */
	uint64_t allocs;       /* successful allocations */
	uint64_t failures;     /* allocations refused: pool exhausted */
};

struct mcs_pool_stats {
	uint32_t live, peak, capacity, high_water;
	size_t object_size;
	size_t live_bytes;    /* live * object_size */
	size_t touched_bytes; /* high_water * object_size: memory ever used */
	uint64_t allocs, failures;
};

/* Reserve room for capacity objects of object_size bytes (rounded up to a
 * multiple of 4, at least 4). Returns 0, -EINVAL for a zero size or
 * capacity or one too large, -ENOMEM if the address space is not there. */
int mcs_pool_init(struct mcs_pool *pool, size_t object_size, uint32_t capacity);

/* Release the region. Safe on a zeroed or destroyed pool. */
void mcs_pool_destroy(struct mcs_pool *pool);

/* An object, or NULL when all capacity objects are live. The object's
 * bytes are not cleared: a reused object holds what its last user left. */
void *mcs_pool_alloc(struct mcs_pool *pool);

/* Give back an object this pool handed out. */
void mcs_pool_free(struct mcs_pool *pool, void *object);

/* The index of an object (0 .. capacity-1) and back: lets an event loop
 * carry a 32-bit handle instead of a pointer. */
uint32_t mcs_pool_index(const struct mcs_pool *pool, const void *object);
void *mcs_pool_at(const struct mcs_pool *pool, uint32_t index);

void mcs_pool_get_stats(const struct mcs_pool *pool,
			struct mcs_pool_stats *stats);

#endif /* MCS_POOL_H */
