/* select.c - the select backend: the portable baseline every event library
 * started from (4.2BSD, 1983), kept here to show what C10K was about.
 *
 * Technique: one select() call per loop iteration over two fd_sets (read
 * and write) rebuilt from master copies, then a scan of every descriptor up
 * to the highest one: O(n) per wakeup, in the kernel and here, however few
 * sockets are ready. Connections are read and echoed through common/mcs_echo
 * (8 bytes per connection, shared read buffer, bounded pending-write chunks,
 * no reading while a chunk is queued). Connection state is an array indexed
 * by fd, as in redis' ae_select.c: there are at most FD_SETSIZE of them.
 *
 * The hard limit: an fd_set holds descriptors 0..FD_SETSIZE-1 (1024 in
 * glibc); FD_SET() on a larger one writes past the set. So capacity() is
 * what fits under FD_SETSIZE, the backend says MCS_BACKEND_SELF_LIMITED, and
 * the core runs more workers to hold more connections. A connection beyond
 * max_connections, or one whose fd is >= FD_SETSIZE, is closed at once and
 * counted in over_capacity; such an fd never reaches FD_SET().
 *
 * stop() writes to an eventfd that sits in the read set (async-signal-safe).
 * EMFILE/ENFILE on accept: counted, and the listeners leave the read set for
 * ACCEPT_PAUSE_MS so the loop does not spin; connections are served meanwhile.
 *
 * Needs: POSIX select(); eventfd (Linux 2.6.22+).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_backend.h"
#include "mcs_clock.h"
#include "mcs_echo.h"
#include "mcs_net.h"

#define ACCEPT_PAUSE_MS 100
/* Descriptors under FD_SETSIZE kept free beside connections: stdio (3), the
 * eventfd, one spare to accept-and-close a connection beyond the cap, and
 * room for up to 11 listeners. capacity() does not know the listener count;
 * any fd that still lands at FD_SETSIZE or above is refused, never FD_SET. */
#define SELECT_RESERVED_FDS 16u

struct select_backend {
	struct mcs_worker_config config;
	struct mcs_worker_stats *stats;
	int wake_fd; /* eventfd written by stop() */
	volatile sig_atomic_t stopping;
	int *listeners;
	unsigned listener_count;
	unsigned live; /* connections held now */
	int max_fd;    /* highest fd in either master set, -1 if none */
	int64_t accept_resume_ms; /* accepting paused until then, 0 if not */
	fd_set listening;	  /* the listeners */
	fd_set read_master;	  /* listeners, wake fd, connections to read */
	fd_set write_master;	  /* connections with a pending chunk */
	fd_set yielded;		  /* used their read budget: serve again */
	unsigned yielded_count;
	struct mcs_echo echo;
	struct mcs_conn conns[FD_SETSIZE]; /* indexed by fd; fd < 0 if free */
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
	for (int fd = 0; fd < FD_SETSIZE; fd++) {
		if (b->conns[fd].fd >= 0)
			mcs_echo_close(&b->echo, &b->conns[fd]);
	}
	if (b->listeners)
		mcs_close_all(b->listeners, b->listener_count);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	mcs_echo_destroy(&b->echo);
	free(b->listeners);
	free(b);
}

/* Put fd in the master read set; the caller made sure fd < FD_SETSIZE. */
static void watch_read(struct select_backend *b, int fd)
{
	FD_SET(fd, &b->read_master);
	if (fd > b->max_fd)
		b->max_fd = fd;
}

static int select_init(const struct mcs_worker_config *config, void **state,
		       char *why, size_t why_size)
{
	int err;
	struct select_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, why_size,
			 "select: out of memory for worker state");
		return -ENOMEM;
	}
	b->config = *config;
	b->stats = config->stats;
	b->wake_fd = -1;
	b->max_fd = -1;
	for (int fd = 0; fd < FD_SETSIZE; fd++) {
		b->conns[fd].fd = -1;
		b->conns[fd].pending = MCS_POOL_NONE;
	}
	FD_ZERO(&b->read_master);
	FD_ZERO(&b->write_master);
	FD_ZERO(&b->yielded);
	FD_ZERO(&b->listening);
	b->listeners = malloc(sizeof(int) * config->port_count);
	if (!b->listeners) {
		err = -ENOMEM;
		snprintf(why, why_size, "select: out of memory for listeners");
		goto err;
	}
	for (unsigned i = 0; i < config->port_count; i++)
		b->listeners[i] = -1;
	b->listener_count = config->port_count;
	if (config->max_connections == 0 ||
	    config->max_connections > FD_SETSIZE) {
		err = -EINVAL;
		snprintf(why, why_size,
			 "select: max_connections %u is not in 1..FD_SETSIZE "
			 "(%d)",
			 config->max_connections, FD_SETSIZE);
		goto err;
	}
	err = mcs_echo_init(&b->echo, config->read_buffer_size,
			    config->write_backlog_limit,
			    config->max_connections, b->stats);
	if (err) {
		snprintf(why, why_size, "select: echo buffers: %s",
			 strerror(-err));
		goto err;
	}
	b->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->wake_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "select: eventfd: %s", strerror(errno));
		goto err;
	}
	for (unsigned i = 0; i < config->port_count; i++) {
		int fd =
		    mcs_listen_tcp(config->address, config->ports[i],
				   config->listen_backlog, 0, why, why_size);
		if (fd < 0) {
			err = fd;
			goto err;
		}
		b->listeners[i] = fd;
	}
	/* Checked only now, when every descriptor of our own exists. */
	for (unsigned i = 0; i <= config->port_count; i++) {
		int fd = i < config->port_count ? b->listeners[i] : b->wake_fd;
		if (fd >= FD_SETSIZE) {
			err = -EMFILE;
			snprintf(why, why_size,
				 "select: fd %d is >= FD_SETSIZE (%d): too "
				 "many descriptors open before init",
				 fd, FD_SETSIZE);
			goto err;
		}
		watch_read(b, fd);
		if (fd != b->wake_fd)
			FD_SET(fd, &b->listening);
	}
	*state = b;
	return 0;
err:
	select_destroy(b);
	return err;
}

static void set_listeners_watched(struct select_backend *b, int watched)
{
	for (unsigned i = 0; i < b->listener_count; i++) {
		if (watched)
			watch_read(b, b->listeners[i]);
		else
			FD_CLR(b->listeners[i], &b->read_master);
	}
}

/* Accept until EAGAIN. Returns 0, or -1 if accepting must pause. */
static int drain_listener(struct select_backend *b, int listener)
{
	for (;;) {
		int fd =
		    accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN)
				return 0;
			if (!mcs_stats_accept_failed(b->stats, errno))
				continue;
			return -1;
		}
		/* The one check that keeps FD_SET() inside the set. */
		if (fd >= FD_SETSIZE || b->live >= b->config.max_connections) {
			close(fd);
			mcs_stat_add(&b->stats->over_capacity, 1);
			continue;
		}
		b->live++;
		mcs_echo_open(&b->echo, &b->conns[fd], fd);
		mcs_stat_set(&b->stats->pool_bytes,
			     (uint64_t)b->live * sizeof(struct mcs_conn));
		watch_read(b, fd);
	}
}

static void drain_all_listeners(struct select_backend *b)
{
	for (unsigned i = 0; i < b->listener_count; i++) {
		if (drain_listener(b, b->listeners[i]) < 0) {
			b->accept_resume_ms = mcs_now_ms() + ACCEPT_PAUSE_MS;
			set_listeners_watched(b, 0);
			return;
		}
	}
	if (b->accept_resume_ms) {
		b->accept_resume_ms = 0;
		set_listeners_watched(b, 1);
	}
}

static void forget(struct select_backend *b, int fd)
{
	FD_CLR(fd, &b->read_master);
	FD_CLR(fd, &b->write_master);
	FD_CLR(fd, &b->yielded);
	while (b->max_fd >= 0 && !FD_ISSET(b->max_fd, &b->read_master) &&
	       !FD_ISSET(b->max_fd, &b->write_master))
		b->max_fd--;
}

/* Serve one connection and move it to the set its next step waits in. */
static void serve(struct select_backend *b, int fd, int readable, int writable)
{
	struct mcs_conn *conn = &b->conns[fd];
	enum mcs_echo_result result;
	if (conn->pending != MCS_POOL_NONE) {
		if (!writable)
			return;
		result = mcs_echo_on_writable(&b->echo, conn);
	} else {
		if (!readable)
			return;
		result = mcs_echo_on_readable(&b->echo, conn);
	}
	switch (result) {
	case MCS_ECHO_CLOSE:
		mcs_echo_close(&b->echo, conn);
		b->live--;
		mcs_stat_set(&b->stats->pool_bytes,
			     (uint64_t)b->live * sizeof(struct mcs_conn));
		forget(b, fd);
		return;
	case MCS_ECHO_BLOCKED:
		FD_CLR(fd, &b->read_master);
		FD_SET(fd, &b->write_master);
		return;
	case MCS_ECHO_YIELD:
	case MCS_ECHO_IDLE:
		/* A yielded connection also waits for readable, in case it
		 * is the next select() that finds more data. */
		if (result == MCS_ECHO_YIELD) {
			FD_SET(fd, &b->yielded);
			b->yielded_count++;
		}
		FD_CLR(fd, &b->write_master);
		FD_SET(fd, &b->read_master);
		return;
	}
}

static int select_run(void *state, char *why, size_t why_size)
{
	struct select_backend *b = state;
	fd_set readable, writable, yielded;
	while (!b->stopping) {
		struct timeval zero = {0, 0}, pause, *timeout = NULL;
		if (b->yielded_count) {
			timeout = &zero;
		} else if (b->accept_resume_ms) {
			int64_t left = b->accept_resume_ms - mcs_now_ms();
			if (left < 0)
				left = 0;
			pause.tv_sec = left / 1000;
			pause.tv_usec = (left % 1000) * 1000;
			timeout = &pause;
		}
		readable = b->read_master;
		writable = b->write_master;
		int n =
		    select(b->max_fd + 1, &readable, &writable, NULL, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, why_size, "select: %s", strerror(errno));
			return -errno;
		}
		if (b->stopping)
			break;
		if (b->accept_resume_ms && mcs_now_ms() >= b->accept_resume_ms)
			drain_all_listeners(b);

		/* What yields again now is served after the next select. */
		yielded = b->yielded;
		FD_ZERO(&b->yielded);
		b->yielded_count = 0;

		/* The O(n) part: every descriptor up to the highest is looked
		 * at, ready or not. */
		int top = b->max_fd;
		for (int fd = 0; fd <= top; fd++) {
			int r = FD_ISSET(fd, &readable);
			int w = FD_ISSET(fd, &writable);
			int y = FD_ISSET(fd, &yielded);
			if (!r && !w && !y)
				continue;
			if (fd == b->wake_fd)
				continue;
			if (FD_ISSET(fd, &b->listening)) {
				if (r && !b->accept_resume_ms &&
				    drain_listener(b, fd) < 0) {
					b->accept_resume_ms =
					    mcs_now_ms() + ACCEPT_PAUSE_MS;
					set_listeners_watched(b, 0);
				}
				continue;
			}
			if (b->conns[fd].fd >= 0)
				serve(b, fd, r || y, w);
		}
	}
	return 0;
}

static void select_stop(void *state)
{
	struct select_backend *b = state;
	b->stopping = 1;
	mcs_eventfd_wake(b->wake_fd);
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "select",
    .description = "select() over fd_sets, O(n) per wakeup, fds < "
		   "FD_SETSIZE (1024) only: more workers for more "
		   "connections (POSIX)",
    .flags = MCS_BACKEND_READINESS | MCS_BACKEND_SELF_LIMITED,
    .capacity = select_capacity,
    .init = select_init,
    .run = select_run,
    .stop = select_stop,
    .destroy = select_destroy,
};
