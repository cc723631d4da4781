/* select.c - the select backend: the portable baseline every event library
 * started from (4.2BSD, 1983), kept here to show what C10K was about.
 *
 * Technique: one select() call per loop iteration over two fd_sets (read
 * and write) copied from master sets, then a scan of every descriptor up
 * to the highest one: O(n) per wakeup, in the kernel and here, however few
 * sockets are ready. Level-triggered: a connection that used its read
 * budget is reported again by the next select(). This file is only that
 * wait and its translation; the accept drain, the cap, the EMFILE pause,
 * the stop and echo are the readiness core's (backends/lib/
 * readiness_core.h), as ae.c is for redis' ae_select.c.
 *
 * The hard limit: an fd_set holds descriptors 0..FD_SETSIZE-1 (1024 in
 * glibc); FD_SET() on a larger one writes past the set. So capacity() is
 * what fits under FD_SETSIZE, the backend says MCS_BACKEND_SELF_LIMITED, and
 * the core runs more workers to hold more connections. The readiness core
 * refuses (closes and counts in over_capacity) a connection beyond
 * max_connections or whose fd is >= FD_SETSIZE (its fd_ceiling), so such
 * an fd never reaches FD_SET(). While accepting pauses the listeners leave
 * the read set.
 *
 * Needs: POSIX select(); eventfd (Linux 2.6.22+).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "mcs_backend.h"
#include "readiness_core.h"

/* Descriptors under FD_SETSIZE kept free beside connections: stdio (3), the
 * eventfd, one spare to accept-and-close a connection beyond the cap, and
 * room for up to 11 listeners. capacity() does not know the listener count;
 * any fd that still lands at FD_SETSIZE or above is refused, never FD_SET. */
#define SELECT_RESERVED_FDS 16u

struct select_backend {
	struct readiness_core core; /* first: the hooks cast back to this */
	int max_fd;		    /* highest fd in either master set, or -1 */
	fd_set listening;	    /* the listeners */
	fd_set read_master;	   /* listeners, wake fd, connections to read */
	fd_set write_master;	   /* connections with a pending chunk */
	fd_set readable, writable; /* what the last select() reported */
	uint16_t handle_of_fd[FD_SETSIZE]; /* the connection on each fd */
};

static unsigned select_capacity(unsigned fd_limit)
{
	unsigned usable = fd_limit < FD_SETSIZE ? fd_limit : FD_SETSIZE;
	return usable > SELECT_RESERVED_FDS ? usable - SELECT_RESERVED_FDS : 0;
}

static void select_destroy(void *state)
{
	struct select_backend *b = state;
	if (!b)
		return;
	readiness_core_destroy(&b->core);
	free(b);
}

/* Put fd in the master read set; the caller made sure fd < FD_SETSIZE. */
static void watch_read(struct select_backend *b, int fd)
{
	FD_SET(fd, &b->read_master);
	if (fd > b->max_fd)
		b->max_fd = fd;
}

/* The listeners and the eventfd join the read set (the core made sure
 * they are under FD_SETSIZE). */
static void select_watch_own(struct select_backend *b)
{
	struct readiness_core *c = &b->core;
	watch_read(b, c->wake_fd);
	for (unsigned i = 0; i < c->listener_count; i++) {
		watch_read(b, c->listeners[i]);
		FD_SET(c->listeners[i], &b->listening);
	}
}

static int select_init(const struct mcs_worker_config *config, void **state,
		       char *why, size_t why_size)
{
	if (config->max_connections == 0 ||
	    config->max_connections > FD_SETSIZE) {
		snprintf(why, why_size,
			 "select: max_connections %u is not in 1..FD_SETSIZE "
			 "(%d)",
			 config->max_connections, FD_SETSIZE);
		return -EINVAL;
	}
	struct select_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, why_size,
			 "select: out of memory for worker state");
		return -ENOMEM;
	}
	b->max_fd = -1;
	FD_ZERO(&b->listening);
	FD_ZERO(&b->read_master);
	FD_ZERO(&b->write_master);
	struct readiness_params params = {
	    .name = "select",
	    .config = config,
	    .max_connections = config->max_connections,
	    .stats = config->stats,
	    .fd_ceiling = FD_SETSIZE,
	};
	int err = readiness_core_init(&b->core, &params, why, why_size);
	if (err) {
		select_destroy(b);
		return err;
	}
	select_watch_own(b);
	*state = b;
	return 0;
}

int readiness_backend_wait(struct readiness_core *c, int timeout_ms, char *why,
			   size_t why_size)
{
	struct select_backend *b = (struct select_backend *)c;
	struct timeval timeout = {timeout_ms / 1000,
				  (timeout_ms % 1000) * 1000};
	b->readable = b->read_master;
	b->writable = b->write_master;
	int n = select(b->max_fd + 1, &b->readable, &b->writable, NULL,
		       timeout_ms < 0 ? NULL : &timeout);
	if (n < 0 && errno != EINTR)
		snprintf(why, why_size, "select: %s", strerror(errno));
	return n < 0 ? -errno : n;
}

/* The O(n) part: every descriptor up to the highest is looked at, ready or
 * not. Listeners have the lowest fds, so a connection they accept now is
 * never in this scan's copy of the sets. */
void readiness_backend_dispatch(struct readiness_core *c, int ready)
{
	struct select_backend *b = (struct select_backend *)c;
	int top = b->max_fd;
	(void)ready;
	for (int fd = 0; fd <= top; fd++) {
		int r = FD_ISSET(fd, &b->readable);
		int w = FD_ISSET(fd, &b->writable);
		if ((!r && !w) || fd == c->wake_fd)
			continue;
		if (FD_ISSET(fd, &b->listening)) {
			if (r)
				readiness_core_accept(c, fd);
		} else if (FD_ISSET(fd, &b->read_master) ||
			   FD_ISSET(fd, &b->write_master)) {
			readiness_core_serve(c, b->handle_of_fd[fd],
					     (r ? READINESS_IN : 0u) |
						 (w ? READINESS_OUT : 0u));
		}
	}
}

int readiness_backend_watch(struct readiness_core *c, uint32_t handle, int fd)
{
	struct select_backend *b = (struct select_backend *)c;
	/* fd < FD_SETSIZE (the core's fd_ceiling); handle < max_connections,
	 * which is at most FD_SETSIZE. */
	b->handle_of_fd[fd] = (uint16_t)handle;
	watch_read(b, fd);
	return 0;
}

void readiness_backend_interest(struct readiness_core *c, uint32_t handle,
				int fd, enum readiness_interest interest)
{
	struct select_backend *b = (struct select_backend *)c;
	(void)handle;
	if (interest == READINESS_WRITE) {
		FD_CLR(fd, &b->read_master);
		FD_SET(fd, &b->write_master);
	} else {
		FD_CLR(fd, &b->write_master);
		FD_SET(fd, &b->read_master);
	}
}

void readiness_backend_forget(struct readiness_core *c, uint32_t handle, int fd)
{
	struct select_backend *b = (struct select_backend *)c;
	(void)handle;
	FD_CLR(fd, &b->read_master);
	FD_CLR(fd, &b->write_master);
	while (b->max_fd >= 0 && !FD_ISSET(b->max_fd, &b->read_master) &&
	       !FD_ISSET(b->max_fd, &b->write_master))
		b->max_fd--;
}

void readiness_backend_listening(struct readiness_core *c, int listening)
{
	struct select_backend *b = (struct select_backend *)c;
	for (unsigned i = 0; i < c->listener_count; i++) {
		if (listening)
			watch_read(b, c->listeners[i]);
		else
			FD_CLR(c->listeners[i], &b->read_master);
	}
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "select",
    .description = "select() over fd_sets, O(n) per wakeup, fds < "
		   "FD_SETSIZE (1024) only: more workers for more "
		   "connections (POSIX)",
    .flags = MCS_BACKEND_READINESS | MCS_BACKEND_SELF_LIMITED,
    READINESS_CORE_HOOKS(select),
};
