/* epoll_loop.h - one edge-triggered epoll event loop serving echo on its own
 * listeners. The engine of two backends: `epoll` runs one loop per worker
 * process; `thread-per-core` runs one per pinned thread, each with its own
 * SO_REUSEPORT listeners, sharing nothing on the hot path.
 *
 * Internal to the backends (backends/lib, the static library mcs_epoll_loop
 * linked into each plugin that runs it), not part of the ABI.
 */
#ifndef EPOLL_LOOP_H
#define EPOLL_LOOP_H

#include <stddef.h>

#include "mcs_backend.h"

struct epoll_loop;

/* Called after every batch of events (e.g. to publish thread-local
 * counters); may be NULL. */
typedef void (*epoll_loop_batch_fn)(void *arg);

struct epoll_loop_params {
	const struct mcs_worker_config *config; /* ports, buffers, backlog */
	unsigned max_connections;		/* this loop's cap */
	unsigned listen_flags;			/* enum mcs_listen_flag */
	struct mcs_worker_stats *counters;	/* where this loop counts */
	epoll_loop_batch_fn after_batch;
	void *after_batch_arg;
	/* Optional cap shared by several loops (thread-per-core: the fd
	 * table is per process). admit() returns 1 if one more connection
	 * may be held, counting it; release() gives the slot back. Without
	 * them the loop enforces max_connections alone. */
	int (*admit)(void *arg);
	void (*release)(void *arg);
	void *cap_arg;
};

/* 0, or -errno with a reason in why; on failure nothing is left open. */
int epoll_loop_create(const struct epoll_loop_params *params,
		      struct epoll_loop **loop, char *why, size_t why_size);
/* Serve until epoll_loop_stop(); 0, or -errno if epoll_wait failed. */
int epoll_loop_run(struct epoll_loop *loop, char *why, size_t why_size);
/* Async-signal-safe: sets a flag and writes the loop's eventfd. */
void epoll_loop_stop(struct epoll_loop *loop);
/* Close every connection and listener; free the loop. NULL is fine. */
void epoll_loop_destroy(struct epoll_loop *loop);

/* Descriptors a loop keeps besides its connections and listeners: the
 * epoll fd, the eventfd, and a spare for accept-and-close beyond the cap. */
#define EPOLL_LOOP_FIXED_FDS 3u

#endif /* EPOLL_LOOP_H */
