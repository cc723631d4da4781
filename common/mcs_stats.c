/* mcs_stats.c - create, open and sum the shared-memory stats block. */
#include "mcs_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcs_clock.h"

void mcs_stats_connection_opened(struct mcs_worker_stats *stats)
{
	uint64_t live =
	    atomic_fetch_add_explicit(&stats->live, 1, memory_order_relaxed) +
	    1;
	mcs_stat_add(&stats->accepts, 1);
	/* Only this worker raises its peak; a plain max is enough. */
	if (live > mcs_stat_get(&stats->peak))
		mcs_stat_set(&stats->peak, live);
}

void mcs_stats_connection_closed(struct mcs_worker_stats *stats)
{
	mcs_stat_sub(&stats->live, 1);
	mcs_stat_add(&stats->closes, 1);
}

int mcs_stats_accept_failed(struct mcs_worker_stats *stats, int err)
{
	switch (err) {
	case EAGAIN:
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case ECANCELED: return 0;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM: mcs_stat_add(&stats->accept_fd_limit, 1); return 1;
	default: mcs_stat_add(&stats->accept_errors, 1); return 1;
	}
}

static size_t stats_map_size(unsigned worker_count)
{
	size_t header = (sizeof(struct mcs_stats_header) + 63u) & ~(size_t)63u;
	return header + (size_t)worker_count * sizeof(struct mcs_worker_stats);
}

static void stats_point(struct mcs_stats_block *block, void *map)
{
	size_t header = (sizeof(struct mcs_stats_header) + 63u) & ~(size_t)63u;
	block->header = map;
	block->workers = (struct mcs_worker_stats *)((char *)map + header);
}

int mcs_stats_create(struct mcs_stats_block *block, const char *name,
		     unsigned worker_count, const char *backend)
{
	memset(block, 0, sizeof(*block));
	if (worker_count == 0 || strlen(name) >= sizeof(block->name))
		return -EINVAL;
	shm_unlink(name);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -errno;
	size_t size = stats_map_size(worker_count);
	if (ftruncate(fd, (off_t)size) < 0) {
		int err = -errno;
		close(fd);
		shm_unlink(name);
		return err;
	}
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int err = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err) {
		shm_unlink(name);
		return err;
	}
	memset(map, 0, size);
	stats_point(block, map);
	block->map_size = size;
	block->owner = 1;
	snprintf(block->name, sizeof(block->name), "%s", name);

	struct mcs_stats_header *h = block->header;
	h->version = MCS_STATS_VERSION;
	h->stats_size = (uint32_t)sizeof(struct mcs_worker_stats);
	h->worker_count = worker_count;
	h->server_pid = getpid();
	h->started_ns = mcs_now_ns();
	snprintf(h->backend, sizeof(h->backend), "%s", backend ? backend : "");
	/* Magic last: a reader that sees it sees a complete header. */
	atomic_thread_fence(memory_order_release);
	h->magic = MCS_STATS_MAGIC;
	return 0;
}

int mcs_stats_open(struct mcs_stats_block *block, const char *name)
{
	memset(block, 0, sizeof(*block));
	if (strlen(name) >= sizeof(block->name))
		return -EINVAL;
	int fd = shm_open(name, O_RDWR, 0);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 ||
	    (size_t)st.st_size < sizeof(struct mcs_stats_header)) {
		close(fd);
		return -EPROTO;
	}
	size_t size = (size_t)st.st_size;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int err = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	struct mcs_stats_header *h = map;
	atomic_thread_fence(memory_order_acquire);
	if (h->magic != MCS_STATS_MAGIC || h->version != MCS_STATS_VERSION ||
	    h->stats_size != sizeof(struct mcs_worker_stats) ||
	    stats_map_size(h->worker_count) > size) {
		munmap(map, size);
		return -EPROTO;
	}
	stats_point(block, map);
	block->map_size = size;
	snprintf(block->name, sizeof(block->name), "%s", name);
	return 0;
}

void mcs_stats_close(struct mcs_stats_block *block)
{
	if (block->header) {
		munmap(block->header, block->map_size);
		if (block->owner)
			shm_unlink(block->name);
	}
	memset(block, 0, sizeof(*block));
}

void mcs_stats_sum(const struct mcs_stats_block *block,
		   struct mcs_stats_total *t)
{
	memset(t, 0, sizeof(*t));
	if (!block->header)
		return;
	t->workers = block->header->worker_count;
	for (unsigned i = 0; i < t->workers; i++) {
		struct mcs_worker_stats *w = &block->workers[i];
		t->live += mcs_stat_get(&w->live);
		t->peak += mcs_stat_get(&w->peak);
		t->accepts += mcs_stat_get(&w->accepts);
		t->closes += mcs_stat_get(&w->closes);
		t->reads += mcs_stat_get(&w->reads);
		t->writes += mcs_stat_get(&w->writes);
		t->bytes_in += mcs_stat_get(&w->bytes_in);
		t->bytes_out += mcs_stat_get(&w->bytes_out);
		t->accept_fd_limit += mcs_stat_get(&w->accept_fd_limit);
		t->accept_errors += mcs_stat_get(&w->accept_errors);
		t->over_capacity += mcs_stat_get(&w->over_capacity);
		t->resets += mcs_stat_get(&w->resets);
		t->read_errors += mcs_stat_get(&w->read_errors);
		t->write_errors += mcs_stat_get(&w->write_errors);
		t->backpressure += mcs_stat_get(&w->backpressure);
		t->pool_bytes += mcs_stat_get(&w->pool_bytes);
		t->buffer_bytes += mcs_stat_get(&w->buffer_bytes);
		switch (mcs_stat_get(&w->state)) {
		case MCS_WORKER_LISTENING: t->listening++; break;
		case MCS_WORKER_STOPPED: t->stopped++; break;
		case MCS_WORKER_FAILED: t->failed++; break;
		default: break;
		}
	}
}

void mcs_stats_fail(struct mcs_worker_stats *stats, const char *why)
{
	snprintf(stats->error, sizeof(stats->error), "%s", why ? why : "");
	atomic_thread_fence(memory_order_release);
	mcs_stat_set(&stats->state, MCS_WORKER_FAILED);
}
