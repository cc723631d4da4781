/* epoll_loop.h - one edge-triggered epoll loop serving echo on its own
 * listeners: the epoll wait and its translation, under the readiness core
 * (readiness_core.h) that owns accepting, the cap, the pause, the stop and
 * echo. The engine of two backends: `epoll` runs one loop per worker
 * process; `thread-per-core` runs one per pinned thread, each with its own
 * SO_REUSEPORT listeners, sharing nothing on the hot path.
 *
 * Internal to the backends (backends/lib, the static library mcs_epoll_loop
 * linked into each plugin that runs it), not part of the ABI.
 */
#ifndef EPOLL_LOOP_H
#define EPOLL_LOOP_H

#include <stddef.h>

#include "readiness_core.h"

struct epoll_loop;

/* params as for readiness_core_init() (edge_triggered is implied). 0, or
 * -errno with a reason in why; on failure nothing is left open. */
int epoll_loop_create(const struct readiness_params *params,
		      struct epoll_loop **loop, char *why, size_t why_size);
/* Serve until epoll_loop_stop(); 0, or -errno if epoll_wait failed. */
int epoll_loop_run(struct epoll_loop *loop, char *why, size_t why_size);
/* Async-signal-safe: sets a flag and writes the loop's eventfd. */
void epoll_loop_stop(struct epoll_loop *loop);
/* Close every connection and listener; free the loop. NULL is fine. */
void epoll_loop_destroy(struct epoll_loop *loop);

/* Descriptors a loop keeps besides its connections and listeners: the
 * core's eventfd and spare, and the epoll fd. */
#define EPOLL_LOOP_FIXED_FDS (READINESS_CORE_FDS + 1u)

#endif /* EPOLL_LOOP_H */
