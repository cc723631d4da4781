/* epoll.c - the epoll backend: one edge-triggered epoll loop per worker
 * process (the wait is backends/lib/epoll_loop.c, shared with
 * thread-per-core; accepting, the cap, the pause, the stop and echo are
 * the readiness core's, backends/lib/readiness_core.c).
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
	struct readiness_params params = {
	    .name = "epoll",
	    .config = config,
	    .max_connections = config->max_connections,
	    .stats = config->stats,
	};
	struct epoll_loop *loop;
	int err = epoll_loop_create(&params, &loop, why, why_size);
	if (err)
		return err;
	*state = loop;
	return 0;
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
    READINESS_CORE_HOOKS(epoll),
};
