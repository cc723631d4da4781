/* epoll_loop.c - one edge-triggered epoll loop serving echo: the wait and
 * its translation; the readiness core (readiness_core.c) does the rest.
 *
 * Every socket is registered once with EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET,
 * so no epoll_ctl(MOD) is ever needed and the interest, forget and
 * listening hooks have nothing to do (close() also leaves the epoll set;
 * while accepting pauses, the core ignores the listeners' edges and drains
 * them when the pause ends). Edge-triggered, so the core keeps a ready list
 * of the connections that used their read budget, so a peer that never
 * stops sending cannot starve the others. An event without a hang-up ends
 * reading at a short read (what arrives later raises a new edge); one
 * with EPOLLERR closes the connection without a read (loop_ready).
 */
#include "epoll_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EPOLL_BATCH 512

/* epoll_event.data.u64: connections carry their handle (pool index); these
 * tags mark the others. */
#define TAG_LISTENER (1ull << 40)
#define TAG_WAKE     (1ull << 41)

struct epoll_loop {
	struct readiness_core core; /* first: the hooks cast back to this */
	int epoll_fd;
	struct epoll_event events[EPOLL_BATCH];
};

void epoll_loop_destroy(struct epoll_loop *l)
{
	if (!l)
		return;
	readiness_core_destroy(&l->core);
	if (l->epoll_fd >= 0)
		close(l->epoll_fd);
	free(l);
}

static int loop_add(struct epoll_loop *l, int fd, uint32_t events,
		    uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The epoll fd, with the eventfd and the listeners in it. */
static int loop_register(struct epoll_loop *l, char *why, size_t why_size)
{
	l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epoll_fd < 0) {
		int err = -errno;
		snprintf(why, why_size, "epoll_create1: %s", strerror(errno));
		return err;
	}
	int err = loop_add(l, l->core.wake_fd, EPOLLIN, TAG_WAKE);
	for (unsigned i = 0; !err && i < l->core.listener_count; i++)
		err = loop_add(l, l->core.listeners[i], EPOLLIN | EPOLLET,
			       TAG_LISTENER | i);
	if (err)
		snprintf(why, why_size, "epoll_ctl: %s", strerror(-err));
	return err;
}

int epoll_loop_create(const struct readiness_params *params,
		      struct epoll_loop **out, char *why, size_t why_size)
{
	struct epoll_loop *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(why, why_size, "epoll: out of memory for loop state");
		return -ENOMEM;
	}
	l->epoll_fd = -1;
	struct readiness_params edge = *params;
	edge.edge_triggered = 1;
	int err = readiness_core_init(&l->core, &edge, why, why_size);
	if (!err)
		err = loop_register(l, why, why_size);
	if (err) {
		epoll_loop_destroy(l);
		return err;
	}
	*out = l;
	return 0;
}

int readiness_backend_wait(struct readiness_core *c, int timeout_ms, char *why,
			   size_t why_size)
{
	struct epoll_loop *l = (struct epoll_loop *)c;
	int n = epoll_wait(l->epoll_fd, l->events, EPOLL_BATCH, timeout_ms);
	if (n < 0 && errno != EINTR)
		snprintf(why, why_size, "epoll_wait: %s", strerror(errno));
	return n < 0 ? -errno : n;
}

/* An event's bits for the core. A socket is reported writable once, when
 * it is added (EPOLLOUT alone: nothing to read, so no read). With no
 * hang-up in the event, a short read ends the reading: the peer's data or
 * FIN arriving after it raises a new edge. */
static unsigned loop_ready(uint32_t events)
{
	const uint32_t hangup = EPOLLRDHUP | EPOLLHUP | EPOLLERR;
	unsigned ready = 0;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		ready |= READINESS_IN;
	if (events & (EPOLLOUT | EPOLLHUP))
		ready |= READINESS_OUT;
	if (events & EPOLLERR)
		ready |= READINESS_ERROR;
	if (!(events & hangup))
		ready |= READINESS_SHORT_READ_ENDS;
	return ready;
}

void readiness_backend_dispatch(struct readiness_core *c, int ready)
{
	struct epoll_loop *l = (struct epoll_loop *)c;
	for (int i = 0; i < ready; i++) {
		uint64_t data = l->events[i].data.u64;
		uint32_t events = l->events[i].events;
		if (data & TAG_WAKE)
			continue;
		if (data & TAG_LISTENER)
			readiness_core_accept(c, c->listeners[data & 0xffff]);
		else
			readiness_core_serve(c, (uint32_t)data,
					     loop_ready(events));
	}
}

int readiness_backend_watch(struct readiness_core *c, uint32_t handle, int fd)
{
	return loop_add((struct epoll_loop *)c, fd,
			EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, handle);
}

void readiness_backend_interest(struct readiness_core *c, uint32_t handle,
				int fd, enum readiness_interest interest)
{
	(void)c, (void)handle, (void)fd, (void)interest;
}

void readiness_backend_forget(struct readiness_core *c, uint32_t handle, int fd)
{
	(void)c, (void)handle, (void)fd;
}

void readiness_backend_listening(struct readiness_core *c, int listening)
{
	(void)c, (void)listening;
}

int epoll_loop_run(struct epoll_loop *l, char *why, size_t why_size)
{
	return readiness_core_run(l, why, why_size);
}

void epoll_loop_stop(struct epoll_loop *l)
{
	readiness_core_stop(l);
}
