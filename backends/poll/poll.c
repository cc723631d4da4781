/* poll.c - the poll backend: poll(2) over one pollfd array, the middle step
 * of the C10K curve between select and epoll (System V, 1986; POSIX).
 *
 * Technique: readiness, level-triggered. Each worker keeps one pollfd
 * array indexed by slot: the listeners first, then the eventfd that stop()
 * writes, then one entry per connection slot of an mcs_pool (pool index i
 * is entry first_conn + i). Unlike select there is no FD_SETSIZE ceiling
 * and nothing is rebuilt before each call: an entry's `events` is changed
 * in place (POLLIN while reading, POLLOUT while a chunk is queued), a free
 * slot holds fd -1, which poll() skips, and the array passed ends after the
 * highest slot in use. Unlike epoll, every poll() hands the kernel the
 * whole array: it polls every socket and queues a wait entry on each
 * before it sleeps, and the loop then scans the array for revents (it
 * stops once it has seen as many as poll() counted). O(n) per wakeup in
 * the connections held, however few are ready.
 *
 * Level-triggered, so a connection that used up its read budget
 * (MCS_ECHO_YIELD) is simply reported again by the next poll(): no ready
 * list. Connections are read and echoed through common/mcs_echo (8 bytes
 * per connection plus its 8-byte pollfd; shared read buffer, bounded
 * pending-write chunks, no reading while a chunk is queued).
 *
 * Running dry: a connection beyond max_connections is closed at once and
 * counted in over_capacity; EMFILE/ENFILE on accept is counted and the
 * listeners leave the array (fd -1) for ACCEPT_PAUSE_MS, so nothing spins
 * while connections are served. Capacity is RLIMIT_NOFILE-bound, as for
 * epoll; poll() refuses more entries than RLIMIT_NOFILE, and the array
 * never has more than the descriptors the worker could open.
 *
 * Needs: poll(2) (POSIX), eventfd (Linux 2.6.22+).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_backend.h"
#include "mcs_clock.h"
#include "mcs_echo.h"
#include "mcs_net.h"
#include "mcs_pool.h"

#define ACCEPT_PAUSE_MS 100
/* Descriptors kept free beside connections: stdio (3), the eventfd, a
 * spare so a connection beyond the cap can be accepted and closed, and a
 * margin of 10 for listeners (the server subtracts its own before asking;
 * the harness does not). */
#define POLL_RESERVED_FDS (3u + 2u + 10u)

struct poll_backend {
	struct mcs_worker_stats *stats;
	unsigned max_connections;
	volatile sig_atomic_t stopping;
	int wake_fd; /* eventfd written by stop() */
	int *listeners;
	unsigned listener_count;
	/* listener_count listeners, the eventfd, then max_connections
	 * connection slots. */
	struct pollfd *fds;
	nfds_t first_conn;	  /* index of connection slot 0 */
	uint32_t slots_used;	  /* slots up to the highest in use, + 1 */
	int64_t accept_resume_ms; /* accepting paused until then, 0 if not */
	struct mcs_pool conns;	  /* struct mcs_conn; pool index = slot */
	struct mcs_echo echo;
};

static unsigned poll_capacity(unsigned fd_limit)
{
	return fd_limit > POLL_RESERVED_FDS ? fd_limit - POLL_RESERVED_FDS : 0;
}

static struct pollfd *slot_entry(struct poll_backend *b, uint32_t slot)
{
	return &b->fds[b->first_conn + slot];
}

static void poll_destroy(void *state)
{
	struct poll_backend *b = state;
	if (!b)
		return;
	for (uint32_t slot = 0; slot < b->conns.high_water; slot++) {
		struct mcs_conn *conn = mcs_pool_at(&b->conns, slot);
		if (conn->fd >= 0)
			mcs_echo_close(&b->echo, conn);
	}
	if (b->listeners)
		mcs_close_all(b->listeners, b->listener_count);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	mcs_echo_destroy(&b->echo);
	mcs_pool_destroy(&b->conns);
	free(b->listeners);
	free(b->fds);
	free(b);
}

/* The state, the array and the pools; no descriptor yet. */
static int poll_allocate(struct poll_backend *b,
			 const struct mcs_worker_config *config, char *why,
			 size_t why_size)
{
	unsigned max = config->max_connections;
	b->listeners = malloc(sizeof(int) * config->port_count);
	/* calloc of this size maps zero pages: entries are touched only as
	 * slots are used. */
	b->fds = calloc(b->first_conn + max, sizeof(struct pollfd));
	if (!b->listeners || !b->fds) {
		snprintf(why, why_size,
			 "poll: out of memory for %u connection slots", max);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < config->port_count; i++)
		b->listeners[i] = -1;
	b->listener_count = config->port_count;
	int err = mcs_pool_init(&b->conns, sizeof(struct mcs_conn), max);
	if (err) {
		snprintf(why, why_size, "poll: connection pool for %u: %s", max,
			 strerror(-err));
		return err;
	}
	err = mcs_echo_init(&b->echo, config->read_buffer_size,
			    config->write_backlog_limit, max, b->stats);
	if (err) {
		snprintf(why, why_size, "poll: echo buffers: %s",
			 strerror(-err));
		return err;
	}
	return 0;
}

/* The eventfd and the listeners, each in its entry of the array. */
static int poll_open_descriptors(struct poll_backend *b,
				 const struct mcs_worker_config *config,
				 char *why, size_t why_size)
{
	b->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->wake_fd < 0) {
		int err = -errno;
		snprintf(why, why_size, "poll: eventfd: %s", strerror(errno));
		return err;
	}
	b->fds[b->listener_count] =
	    (struct pollfd){.fd = b->wake_fd, .events = POLLIN};
	for (unsigned i = 0; i < config->port_count; i++) {
		int fd =
		    mcs_listen_tcp(config->address, config->ports[i],
				   config->listen_backlog, 0, why, why_size);
		if (fd < 0)
			return fd;
		b->listeners[i] = fd;
		b->fds[i] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	return 0;
}

static int poll_init(const struct mcs_worker_config *config, void **state,
		     char *why, size_t why_size)
{
	if (config->max_connections == 0 || config->port_count == 0) {
		snprintf(why, why_size,
			 "poll: max_connections %u and port_count %u must "
			 "both be at least 1",
			 config->max_connections, config->port_count);
		return -EINVAL;
	}
	struct poll_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, why_size, "poll: out of memory for worker state");
		return -ENOMEM;
	}
	b->stats = config->stats;
	b->max_connections = config->max_connections;
	b->wake_fd = -1;
	b->first_conn = (nfds_t)config->port_count + 1;
	int err = poll_allocate(b, config, why, why_size);
	if (!err)
		err = poll_open_descriptors(b, config, why, why_size);
	if (err) {
		poll_destroy(b);
		return err;
	}
	*state = b;
	return 0;
}

/* Accepting stops for ACCEPT_PAUSE_MS: the listeners leave the array. */
static void poll_pause_accepting(struct poll_backend *b)
{
	b->accept_resume_ms = mcs_now_ms() + ACCEPT_PAUSE_MS;
	for (unsigned i = 0; i < b->listener_count; i++)
		b->fds[i].fd = -1;
}

/* Take a freshly accepted socket into a free slot, or refuse it. */
static void poll_admit(struct poll_backend *b, int fd)
{
	struct mcs_conn *conn = NULL;
	if (b->conns.live < b->max_connections)
		conn = mcs_pool_alloc(&b->conns);
	if (!conn) {
		close(fd);
		mcs_stat_add(&b->stats->over_capacity, 1);
		return;
	}
	uint32_t slot = mcs_pool_index(&b->conns, conn);
	mcs_echo_open(&b->echo, conn, fd);
	/* revents cleared: this poll()'s results never belonged to it. */
	*slot_entry(b, slot) = (struct pollfd){.fd = fd, .events = POLLIN};
	if (slot >= b->slots_used)
		b->slots_used = slot + 1;
	mcs_stat_set(&b->stats->pool_bytes,
		     (uint64_t)b->conns.high_water *
			 (b->conns.object_size + sizeof(struct pollfd)));
}

/* Accept until EAGAIN. Returns 0, or -1 if accepting must pause. */
static int poll_drain_listener(struct poll_backend *b, int listener)
{
	for (;;) {
		int fd =
		    accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			poll_admit(b, fd);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (mcs_stats_accept_failed(b->stats, errno))
			return -1;
	}
}

/* The pause is over: the listeners go back and are drained. */
static void poll_resume_accepting(struct poll_backend *b)
{
	b->accept_resume_ms = 0;
	for (unsigned i = 0; i < b->listener_count; i++)
		b->fds[i].fd = b->listeners[i];
	for (unsigned i = 0; i < b->listener_count; i++) {
		if (poll_drain_listener(b, b->listeners[i]) < 0) {
			poll_pause_accepting(b);
			return;
		}
	}
}

/* Close a connection, free its slot, and shorten the array past the free
 * slots at its end. */
static void poll_close(struct poll_backend *b, uint32_t slot)
{
	struct mcs_conn *conn = mcs_pool_at(&b->conns, slot);
	mcs_echo_close(&b->echo, conn);
	mcs_pool_free(&b->conns, conn);
	slot_entry(b, slot)->fd = -1;
	while (b->slots_used > 0 && slot_entry(b, b->slots_used - 1)->fd < 0)
		b->slots_used--;
}

/* Serve one ready connection and set what its entry waits for next. */
static void poll_serve(struct poll_backend *b, uint32_t slot)
{
	struct mcs_conn *conn = mcs_pool_at(&b->conns, slot);
	/* A queued chunk means the entry waited for POLLOUT (or got
	 * POLLERR/POLLHUP, which the send then reports). */
	enum mcs_echo_result result =
	    conn->pending != MCS_POOL_NONE
		? mcs_echo_on_writable(&b->echo, conn)
		: mcs_echo_on_readable(&b->echo, conn);
	if (result == MCS_ECHO_CLOSE)
		poll_close(b, slot);
	else if (result == MCS_ECHO_BLOCKED)
		slot_entry(b, slot)->events = POLLOUT;
	else /* IDLE, or YIELD: poll() reports it again while data is left */
		slot_entry(b, slot)->events = POLLIN;
}

/* The O(n) part: look at every entry poll() was given until all `ready`
 * of them are found. Listeners come first, so the slots they fill now
 * (revents cleared) are never mistaken for ready ones further on. */
static void poll_dispatch(struct poll_backend *b, nfds_t count, int ready)
{
	for (nfds_t i = 0; i < count && ready > 0; i++) {
		if (!b->fds[i].revents)
			continue;
		ready--;
		if (i < b->listener_count) {
			if (!b->accept_resume_ms &&
			    poll_drain_listener(b, b->listeners[i]) < 0)
				poll_pause_accepting(b);
		} else if (i >= b->first_conn) {
			poll_serve(b, (uint32_t)(i - b->first_conn));
		}
		/* else the eventfd: stop() was called, run() sees it. */
	}
}

static int poll_run(void *state, char *why, size_t why_size)
{
	struct poll_backend *b = state;
	while (!b->stopping) {
		int timeout = -1;
		if (b->accept_resume_ms) {
			int64_t left = b->accept_resume_ms - mcs_now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		nfds_t count = b->first_conn + b->slots_used;
		int ready = poll(b->fds, count, timeout);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			snprintf(why, why_size, "poll (%lu entries): %s",
				 (unsigned long)count, strerror(errno));
			return err;
		}
		if (b->stopping)
			break;
		if (b->accept_resume_ms && mcs_now_ms() >= b->accept_resume_ms)
			poll_resume_accepting(b);
		poll_dispatch(b, count, ready);
	}
	return 0;
}

static void poll_stop(void *state)
{
	struct poll_backend *b = state;
	b->stopping = 1;
	mcs_eventfd_wake(b->wake_fd);
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "poll",
    .description = "level-triggered poll() over one pollfd array, O(n) "
		   "per wakeup, no FD_SETSIZE limit (POSIX)",
    .flags = MCS_BACKEND_READINESS,
    .capacity = poll_capacity,
    .init = poll_init,
    .run = poll_run,
    .stop = poll_stop,
    .destroy = poll_destroy,
};
