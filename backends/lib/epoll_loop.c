/* epoll_loop.c - one edge-triggered epoll event loop serving echo.
 *
 * Every socket is registered once with EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET,
 * so no epoll_ctl(MOD) is ever needed. Listeners are drained with accept4()
 * until EAGAIN; connections are read and echoed through common/mcs_echo
 * (8 bytes per connection, shared read buffer, bounded pending-write
 * chunks). A connection that used up its read budget goes on a ready list
 * (one bit per connection marks it), so a peer that never stops sending
 * cannot starve the others.
 *
 * EMFILE/ENFILE on accept: the error is counted and accepting pauses for
 * ACCEPT_PAUSE_MS (epoll_wait's timeout), then every listener is drained
 * again; existing connections are served meanwhile and nothing spins.
 */
#include "epoll_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_clock.h"
#include "mcs_echo.h"
#include "mcs_net.h"
#include "mcs_pool.h"

#define EPOLL_BATCH	512
#define ACCEPT_PAUSE_MS 100

/* epoll_event.data.u64: connections carry their pool index; these tags
 * mark the others. */
#define TAG_LISTENER (1ull << 40)
#define TAG_WAKE     (1ull << 41)

struct epoll_loop {
	struct epoll_loop_params params;
	struct mcs_worker_stats *stats;
	int epoll_fd;
	int wake_fd; /* eventfd written by epoll_loop_stop() */
	volatile int stopping;
	int *listeners;
	unsigned listener_count;
	struct mcs_pool conns; /* struct mcs_conn */
	struct mcs_echo echo;
	uint64_t *ready_bits; /* one bit per pool index: on the ready list */
	uint32_t *ready;      /* connections to serve again before waiting */
	uint32_t *ready_next;
	uint32_t ready_count;
	int64_t accept_resume_ms; /* accepting paused until then, 0 if not */
	struct epoll_event events[EPOLL_BATCH];
};

/* Close a connection and give back its slot. */
static void loop_close(struct epoll_loop *l, struct mcs_conn *conn)
{
	/* close() also removes the fd from the epoll set. */
	mcs_echo_close(&l->echo, conn);
	mcs_pool_free(&l->conns, conn);
	if (l->params.release)
		l->params.release(l->params.cap_arg);
}

void epoll_loop_destroy(struct epoll_loop *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; i < l->conns.high_water; i++) {
		struct mcs_conn *conn = mcs_pool_at(&l->conns, i);
		if (conn->fd >= 0)
			loop_close(l, conn);
	}
	if (l->listeners)
		mcs_close_all(l->listeners, l->listener_count);
	if (l->wake_fd >= 0)
		close(l->wake_fd);
	if (l->epoll_fd >= 0)
		close(l->epoll_fd);
	mcs_echo_destroy(&l->echo);
	mcs_pool_destroy(&l->conns);
	free(l->listeners);
	free(l->ready_bits);
	free(l->ready);
	free(l->ready_next);
	free(l);
}

static int loop_add(struct epoll_loop *l, int fd, uint32_t events,
		    uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int epoll_loop_create(const struct epoll_loop_params *params,
		      struct epoll_loop **out, char *why, size_t why_size)
{
	int err;
	const struct mcs_worker_config *config = params->config;
	struct epoll_loop *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(why, why_size, "epoll: out of memory for loop state");
		return -ENOMEM;
	}
	l->params = *params;
	l->stats = params->counters;
	l->epoll_fd = -1;
	l->wake_fd = -1;
	uint32_t max = params->max_connections ? params->max_connections : 1;
	l->listeners = malloc(sizeof(int) * config->port_count);
	l->ready_bits = calloc((max + 63) / 64, sizeof(uint64_t));
	l->ready = calloc(max, sizeof(uint32_t));
	l->ready_next = calloc(max, sizeof(uint32_t));
	if (!l->listeners || !l->ready_bits || !l->ready || !l->ready_next) {
		err = -ENOMEM;
		snprintf(why, why_size, "epoll: out of memory for loop state");
		goto err;
	}
	for (unsigned i = 0; i < config->port_count; i++)
		l->listeners[i] = -1;
	l->listener_count = config->port_count;
	err = mcs_pool_init(&l->conns, sizeof(struct mcs_conn), max);
	if (err) {
		snprintf(why, why_size, "epoll: connection pool for %u: %s",
			 max, strerror(-err));
		goto err;
	}
	err = mcs_echo_init(&l->echo, config->read_buffer_size,
			    config->write_backlog_limit, max, l->stats);
	if (err) {
		snprintf(why, why_size, "epoll: echo buffers: %s",
			 strerror(-err));
		goto err;
	}
	l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epoll_fd < 0 || l->wake_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "epoll_create1/eventfd: %s",
			 strerror(errno));
		goto err;
	}
	err = loop_add(l, l->wake_fd, EPOLLIN, TAG_WAKE);
	if (err) {
		snprintf(why, why_size, "epoll_ctl(eventfd): %s",
			 strerror(-err));
		goto err;
	}
	for (unsigned i = 0; i < config->port_count; i++) {
		int fd = mcs_listen_tcp(config->address, config->ports[i],
					config->listen_backlog,
					params->listen_flags, why, why_size);
		if (fd < 0) {
			err = fd;
			goto err;
		}
		l->listeners[i] = fd;
		err = loop_add(l, fd, EPOLLIN | EPOLLET, TAG_LISTENER | i);
		if (err) {
			snprintf(why, why_size, "epoll_ctl(listener): %s",
				 strerror(-err));
			goto err;
		}
	}
	*out = l;
	return 0;
err:
	epoll_loop_destroy(l);
	return err;
}

static void mark_ready(struct epoll_loop *l, uint32_t index)
{
	uint64_t bit = 1ull << (index % 64);
	if (l->ready_bits[index / 64] & bit)
		return;
	l->ready_bits[index / 64] |= bit;
	l->ready_next[l->ready_count++] = index;
}

static void serve(struct epoll_loop *l, uint32_t index, int writable)
{
	struct mcs_conn *conn = mcs_pool_at(&l->conns, index);
	if (conn->fd < 0)
		return;
	enum mcs_echo_result result;
	if (conn->pending != MCS_POOL_NONE)
		result = writable ? mcs_echo_on_writable(&l->echo, conn)
				  : MCS_ECHO_BLOCKED;
	else
		result = mcs_echo_on_readable(&l->echo, conn);
	if (result == MCS_ECHO_CLOSE)
		loop_close(l, conn);
	else if (result == MCS_ECHO_YIELD) {
		mark_ready(l, index);
	}
}

/* Accept until EAGAIN. Returns 0, or -1 if accepting must pause. */
static int drain_listener(struct epoll_loop *l, int listener)
{
	for (;;) {
		int fd =
		    accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN)
				return 0;
			if (!mcs_stats_accept_failed(l->stats, errno))
				continue;
			return -1;
		}
		struct mcs_conn *conn = NULL;
		if (l->params.admit) {
			if (l->params.admit(l->params.cap_arg)) {
				conn = mcs_pool_alloc(&l->conns);
				if (!conn)
					l->params.release(l->params.cap_arg);
			}
		} else if (l->conns.live < l->params.max_connections) {
			conn = mcs_pool_alloc(&l->conns);
		}
		if (!conn) {
			close(fd);
			mcs_stat_add(&l->stats->over_capacity, 1);
			continue;
		}
		uint32_t index = mcs_pool_index(&l->conns, conn);
		mcs_echo_open(&l->echo, conn, fd);
		mcs_stat_set(&l->stats->pool_bytes,
			     (uint64_t)l->conns.high_water *
				 l->conns.object_size);
		int err = loop_add(
		    l, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, index);
		if (err) {
			mcs_stat_add(&l->stats->accept_errors, 1);
			loop_close(l, conn);
		}
	}
}

static void drain_all_listeners(struct epoll_loop *l)
{
	for (unsigned i = 0; i < l->listener_count; i++) {
		if (drain_listener(l, l->listeners[i]) < 0) {
			l->accept_resume_ms = mcs_now_ms() + ACCEPT_PAUSE_MS;
			return;
		}
	}
	l->accept_resume_ms = 0;
}

int epoll_loop_run(struct epoll_loop *l, char *why, size_t why_size)
{
	while (!l->stopping) {
		int timeout = -1;
		if (l->ready_count)
			timeout = 0;
		else if (l->accept_resume_ms) {
			int64_t left = l->accept_resume_ms - mcs_now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		int n =
		    epoll_wait(l->epoll_fd, l->events, EPOLL_BATCH, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, why_size, "epoll_wait: %s",
				 strerror(errno));
			return -errno;
		}
		if (l->accept_resume_ms && mcs_now_ms() >= l->accept_resume_ms)
			drain_all_listeners(l);

		/* Swap the ready list out before serving, so that what
		 * yields again now is served after the next wait. */
		uint32_t *ready = l->ready_next;
		uint32_t ready_count = l->ready_count;
		l->ready_next = l->ready;
		l->ready = ready;
		l->ready_count = 0;
		for (uint32_t i = 0; i < ready_count; i++)
			l->ready_bits[ready[i] / 64] &=
			    ~(1ull << (ready[i] % 64));

		for (int i = 0; i < n; i++) {
			uint64_t data = l->events[i].data.u64;
			uint32_t events = l->events[i].events;
			if (data & TAG_WAKE)
				continue;
			if (data & TAG_LISTENER) {
				if (!l->accept_resume_ms &&
				    drain_listener(
					l, l->listeners[data & 0xffff]) < 0)
					l->accept_resume_ms =
					    mcs_now_ms() + ACCEPT_PAUSE_MS;
				continue;
			}
			serve(l, (uint32_t)data,
			      (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0);
		}
		for (uint32_t i = 0; i < ready_count; i++)
			serve(l, ready[i], 1);
		if (l->params.after_batch)
			l->params.after_batch(l->params.after_batch_arg);
	}
	return 0;
}

void epoll_loop_stop(struct epoll_loop *l)
{
	l->stopping = 1;
	mcs_eventfd_wake(l->wake_fd);
}
