/* epoll.c - the epoll backend: edge-triggered readiness on Linux.
 *
 * Technique: one epoll instance per worker; every socket is registered once
 * with EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET, so no epoll_ctl(MOD) is ever
 * needed. Listeners are drained with accept4() until EAGAIN; connections are
 * read and echoed through common/mcs_echo (8 bytes per connection, shared
 * read buffer, bounded pending-write chunks). A connection that used up its
 * read budget goes on a ready list (one bit per connection marks it), so a
 * peer that never stops sending cannot starve the others.
 *
 * EMFILE/ENFILE on accept: the error is counted and accepting pauses for
 * ACCEPT_PAUSE_MS (epoll_wait's timeout), then every listener is drained
 * again; existing connections are served meanwhile and nothing spins.
 *
 * Needs: Linux 2.6.17+ (EPOLLRDHUP), nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcs_backend.h"
#include "mcs_echo.h"
#include "mcs_net.h"
#include "mcs_pool.h"

#define EPOLL_BATCH 512
#define ACCEPT_PAUSE_MS 100
/* Descriptors kept free beside connections: stdio, epoll, eventfd, and one
 * to accept-and-close a connection beyond the cap. */
#define EPOLL_RESERVED_FDS 16u

/* epoll_event.data.u64: connections carry their pool index; these tags
 * mark the others. */
#define TAG_LISTENER (1ull << 40)
#define TAG_WAKE (1ull << 41)

struct epoll_backend {
	struct mcs_worker_config config;
	struct mcs_worker_stats *stats;
	int epoll_fd;
	int wake_fd; /* eventfd written by stop() */
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

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned epoll_capacity(unsigned fd_limit)
{
	return fd_limit > EPOLL_RESERVED_FDS ? fd_limit - EPOLL_RESERVED_FDS : 0;
}

static void epoll_destroy(void *state)
{
	struct epoll_backend *b = state;
	if (!b)
		return;
	for (uint32_t i = 0; i < b->conns.high_water; i++) {
		struct mcs_conn *conn = mcs_pool_at(&b->conns, i);
		if (conn->fd >= 0)
			mcs_echo_close(&b->echo, conn);
	}
	if (b->listeners)
		mcs_close_all(b->listeners, b->listener_count);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	if (b->epoll_fd >= 0)
		close(b->epoll_fd);
	mcs_echo_destroy(&b->echo);
	mcs_pool_destroy(&b->conns);
	free(b->listeners);
	free(b->ready_bits);
	free(b->ready);
	free(b->ready_next);
	free(b);
}

static int epoll_add(struct epoll_backend *b, int fd, uint32_t events,
		     uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int epoll_init(const struct mcs_worker_config *config, void **state,
		      char *why, size_t why_size)
{
	int err;
	struct epoll_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, why_size, "epoll: out of memory for worker state");
		return -ENOMEM;
	}
	b->config = *config;
	b->stats = config->stats;
	b->epoll_fd = -1;
	b->wake_fd = -1;
	uint32_t max = config->max_connections;
	b->listeners = malloc(sizeof(int) * config->port_count);
	b->ready_bits = calloc((max + 63) / 64, sizeof(uint64_t));
	b->ready = calloc(max, sizeof(uint32_t));
	b->ready_next = calloc(max, sizeof(uint32_t));
	if (!b->listeners || !b->ready_bits || !b->ready || !b->ready_next) {
		err = -ENOMEM;
		snprintf(why, why_size, "epoll: out of memory for worker state");
		goto err;
	}
	for (unsigned i = 0; i < config->port_count; i++)
		b->listeners[i] = -1;
	err = mcs_pool_init(&b->conns, sizeof(struct mcs_conn), max);
	if (err) {
		snprintf(why, why_size, "epoll: connection pool for %u: %s",
			 max, strerror(-err));
		goto err;
	}
	err = mcs_echo_init(&b->echo, config->read_buffer_size,
			    config->write_backlog_limit, max, b->stats);
	if (err) {
		snprintf(why, why_size, "epoll: echo buffers: %s",
			 strerror(-err));
		goto err;
	}
	b->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	b->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->epoll_fd < 0 || b->wake_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "epoll_create1/eventfd: %s",
			 strerror(errno));
		goto err;
	}
	err = epoll_add(b, b->wake_fd, EPOLLIN, TAG_WAKE);
	if (err) {
		snprintf(why, why_size, "epoll_ctl(eventfd): %s",
			 strerror(-err));
		goto err;
	}
	for (unsigned i = 0; i < config->port_count; i++) {
		int fd = mcs_listen_tcp(config->address, config->ports[i],
					config->listen_backlog, 0, why,
					why_size);
		if (fd < 0) {
			err = fd;
			goto err;
		}
		b->listeners[i] = fd;
		b->listener_count = i + 1;
		err = epoll_add(b, fd, EPOLLIN | EPOLLET, TAG_LISTENER | i);
		if (err) {
			snprintf(why, why_size, "epoll_ctl(listener): %s",
				 strerror(-err));
			goto err;
		}
	}
	*state = b;
	return 0;
err:
	b->listener_count = b->listeners ? config->port_count : 0;
	epoll_destroy(b);
	return err;
}

static void mark_ready(struct epoll_backend *b, uint32_t index)
{
	uint64_t bit = 1ull << (index % 64);
	if (b->ready_bits[index / 64] & bit)
		return;
	b->ready_bits[index / 64] |= bit;
	b->ready_next[b->ready_count++] = index;
}

static void serve(struct epoll_backend *b, uint32_t index, int writable)
{
	struct mcs_conn *conn = mcs_pool_at(&b->conns, index);
	if (conn->fd < 0)
		return;
	enum mcs_echo_result result;
	if (conn->pending != MCS_POOL_NONE)
		result = writable ? mcs_echo_on_writable(&b->echo, conn)
				  : MCS_ECHO_BLOCKED;
	else
		result = mcs_echo_on_readable(&b->echo, conn);
	if (result == MCS_ECHO_CLOSE) {
		/* close() also removes the fd from the epoll set. */
		mcs_echo_close(&b->echo, conn);
		mcs_pool_free(&b->conns, conn);
	} else if (result == MCS_ECHO_YIELD) {
		mark_ready(b, index);
	}
}

/* Accept until EAGAIN. Returns 0, or -1 if accepting must pause. */
static int drain_listener(struct epoll_backend *b, int listener)
{
	for (;;) {
		int fd = accept4(listener, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
				return 0;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				mcs_stat_add(&b->stats->accept_fd_limit, 1);
				return -1;
			default:
				mcs_stat_add(&b->stats->accept_errors, 1);
				return -1;
			}
		}
		struct mcs_conn *conn = NULL;
		if (b->conns.live < b->config.max_connections)
			conn = mcs_pool_alloc(&b->conns);
		if (!conn) {
			close(fd);
			mcs_stat_add(&b->stats->over_capacity, 1);
			continue;
		}
		uint32_t index = mcs_pool_index(&b->conns, conn);
		mcs_echo_open(&b->echo, conn, fd);
		mcs_stat_set(&b->stats->pool_bytes,
			     (uint64_t)b->conns.high_water *
				     b->conns.object_size);
		int err = epoll_add(b, fd,
				    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				    index);
		if (err) {
			mcs_stat_add(&b->stats->accept_errors, 1);
			mcs_echo_close(&b->echo, conn);
			mcs_pool_free(&b->conns, conn);
		}
	}
}

static void drain_all_listeners(struct epoll_backend *b)
{
	for (unsigned i = 0; i < b->listener_count; i++) {
		if (drain_listener(b, b->listeners[i]) < 0) {
			b->accept_resume_ms = now_ms() + ACCEPT_PAUSE_MS;
			return;
		}
	}
	b->accept_resume_ms = 0;
}

static int epoll_run(void *state, char *why, size_t why_size)
{
	struct epoll_backend *b = state;
	while (!b->stopping) {
		int timeout = -1;
		if (b->ready_count)
			timeout = 0;
		else if (b->accept_resume_ms) {
			int64_t left = b->accept_resume_ms - now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		int n = epoll_wait(b->epoll_fd, b->events, EPOLL_BATCH, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, why_size, "epoll_wait: %s",
				 strerror(errno));
			return -errno;
		}
		if (b->accept_resume_ms && now_ms() >= b->accept_resume_ms)
			drain_all_listeners(b);

		/* Swap the ready list out before serving, so that what
		 * yields again now is served after the next wait. */
		uint32_t *ready = b->ready_next;
		uint32_t ready_count = b->ready_count;
		b->ready_next = b->ready;
		b->ready = ready;
		b->ready_count = 0;
		for (uint32_t i = 0; i < ready_count; i++)
			b->ready_bits[ready[i] / 64] &= ~(1ull << (ready[i] % 64));

		for (int i = 0; i < n; i++) {
			uint64_t data = b->events[i].data.u64;
			uint32_t events = b->events[i].events;
			if (data & TAG_WAKE)
				continue;
			if (data & TAG_LISTENER) {
				if (!b->accept_resume_ms &&
				    drain_listener(b, b->listeners[data & 0xffff]) < 0)
					b->accept_resume_ms =
						now_ms() + ACCEPT_PAUSE_MS;
				continue;
			}
			serve(b, (uint32_t)data, (events & EPOLLOUT) != 0 ||
						     (events & (EPOLLERR | EPOLLHUP)));
		}
		for (uint32_t i = 0; i < ready_count; i++)
			serve(b, ready[i], 1);
	}
	return 0;
}

static void epoll_stop(void *state)
{
	struct epoll_backend *b = state;
	b->stopping = 1;
	uint64_t one = 1;
	ssize_t ignored = write(b->wake_fd, &one, sizeof(one));
	(void)ignored;
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
