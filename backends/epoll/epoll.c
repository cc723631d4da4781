/* epoll.c - the epoll backend: one edge-triggered epoll loop per worker
 * process (the loop itself is backends/lib/epoll_loop.c, shared with
 * thread-per-core).
 *
 * Technique: readiness, edge-triggered, accept4 until EAGAIN, batched
 * epoll_wait, 8-byte connections, shared read buffer, bounded pending
 * writes, pause-and-retry on EMFILE. Needs Linux 2.6.17+ (EPOLLRDHUP).
 */
#include <stddef.h>

#include "epoll_loop.h"
#include "mcs_backend.h"

/* Descriptors kept free beside connections: stdio and the loop's own. */
#define EPOLL_RESERVED_FDS (3u + EPOLL_LOOP_FIXED_FDS + 10u)

static unsigned epoll_capacity(unsigned fd_limit)
{
	return fd_limit > EPOLL_RESERVED_FDS ? fd_limit - EPOLL_RESERVED_FDS
					     : 0;
}

static int epoll_init(const struct mcs_worker_config *config, void **state,
		      char *why, size_t why_size)
{
	struct epoll_loop_params params = {
	    .config = config,
	    .max_connections = config->max_connections,
	    .listen_flags = 0,
	    .counters = config->stats,
	};
	struct epoll_loop *loop;
	int err = epoll_loop_create(&params, &loop, why, why_size);
	if (err)
		return err;
	*state = loop;
	return 0;
}

static int epoll_run(void *state, char *why, size_t why_size)
{
	return epoll_loop_run(state, why, why_size);
}

static void epoll_stop(void *state)
{
	epoll_loop_stop(state);
}

static void epoll_destroy(void *state)
{
	epoll_loop_destroy(state);
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "epoll",
    .description = "edge-triggered epoll, accept4 until EAGAIN, 8-byte "
		   "connections (Linux 2.6.17+)",
    .flags = MCS_BACKEND_READINESS,
    .capacity = epoll_capacity,
    .init = epoll_init,
    .run = epoll_run,
    .stop = epoll_stop,
    .destroy = epoll_destroy,
};
