/* poll.c - the poll backend: poll(2) over one pollfd array, the middle step
 * of the C10K curve between select and epoll (System V, 1986; POSIX).
 *
 * Technique: readiness, level-triggered. Each worker keeps one pollfd
 * array: the listeners first, then the eventfd that stop() writes, then one
 * entry per connection slot (the readiness core's handle h is entry
 * first_conn + h). Unlike select there is no FD_SETSIZE ceiling and nothing
 * is rebuilt before each call: an entry's `events` is changed in place
 * (POLLIN while reading, POLLOUT while a chunk is queued), a free slot
 * holds fd -1, which poll() skips, and the array passed ends after the
 * highest slot in use. Unlike epoll, every poll() hands the kernel the
 * whole array: it polls every socket and queues a wait entry on each
 * before it sleeps, and the loop then scans the array for revents (it
 * stops once it has seen as many as poll() counted). O(n) per wakeup in
 * the connections held, however few are ready. A connection that used up
 * its read budget is simply reported again by the next poll().
 *
 * This file is only that wait and its translation; the accept drain, the
 * cap, the EMFILE pause (the listeners leave the array, fd -1), the stop
 * and echo are the readiness core's (backends/lib/readiness_core.h).
 * Per connection: the core's 8 bytes plus the 8-byte pollfd. Capacity is
 * RLIMIT_NOFILE-bound, as for epoll; poll() refuses more entries than
 * RLIMIT_NOFILE, and the array never has more than the descriptors the
 * worker could open.
 *
 * Needs: poll(2) (POSIX), eventfd (Linux 2.6.22+).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_backend.h"
#include "readiness_core.h"

/* Descriptors kept free beside connections: stdio (3), the core's eventfd
 * and spare, and a margin of 10 for listeners (the server subtracts its own
 * before asking; the harness does not). */
#define POLL_RESERVED_FDS (3u + READINESS_CORE_FDS + 10u)

struct poll_backend {
	struct readiness_core core; /* first: the hooks cast back to this */
	/* listener_count listeners, the eventfd, then max_connections
	 * connection slots. */
	struct pollfd *fds;
	nfds_t first_conn;   /* index of connection slot 0 */
	uint32_t slots_used; /* slots up to the highest in use, + 1 */
	nfds_t count;	     /* entries the last poll() was given */
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
	readiness_core_destroy(&b->core);
	free(b->fds);
	free(b);
}

/* The array, with the listeners and the eventfd in their entries. calloc
 * of this size maps zero pages: entries are touched only as slots are
 * used. */
static int poll_fill_array(struct poll_backend *b, unsigned max, char *why,
			   size_t why_size)
{
	struct readiness_core *c = &b->core;
	b->fds = calloc(b->first_conn + max, sizeof(struct pollfd));
	if (!b->fds) {
		snprintf(why, why_size,
			 "poll: out of memory for %u connection slots", max);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < c->listener_count; i++)
		b->fds[i] =
		    (struct pollfd){.fd = c->listeners[i], .events = POLLIN};
	b->fds[c->listener_count] =
	    (struct pollfd){.fd = c->wake_fd, .events = POLLIN};
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
	b->first_conn = (nfds_t)config->port_count + 1;
	struct readiness_params params = {
	    .name = "poll",
	    .config = config,
	    .max_connections = config->max_connections,
	    .stats = config->stats,
	    .slot_bytes = sizeof(struct pollfd),
	};
	int err = readiness_core_init(&b->core, &params, why, why_size);
	if (!err)
		err =
		    poll_fill_array(b, config->max_connections, why, why_size);
	if (err) {
		poll_destroy(b);
		return err;
	}
	*state = b;
	return 0;
}

int readiness_backend_wait(struct readiness_core *c, int timeout_ms, char *why,
			   size_t why_size)
{
	struct poll_backend *b = (struct poll_backend *)c;
	b->count = b->first_conn + b->slots_used;
	int ready = poll(b->fds, b->count, timeout_ms);
	if (ready < 0 && errno != EINTR)
		snprintf(why, why_size, "poll (%lu entries): %s",
			 (unsigned long)b->count, strerror(errno));
	return ready < 0 ? -errno : ready;
}

/* The O(n) part: look at every entry poll() was given until all `ready`
 * of them are found. Listeners come first, so the slots they fill now
 * (revents cleared) are never mistaken for ready ones further on. */
void readiness_backend_dispatch(struct readiness_core *c, int ready)
{
	struct poll_backend *b = (struct poll_backend *)c;
	for (nfds_t i = 0; i < b->count && ready > 0; i++) {
		if (!b->fds[i].revents)
			continue;
		ready--;
		/* A queued chunk means the entry waited for POLLOUT (or got
		 * POLLERR/POLLHUP, which the send then reports): the entry's
		 * events already say which side to serve. */
		if (i < c->listener_count)
			readiness_core_accept(c, c->listeners[i]);
		else if (i >= b->first_conn)
			readiness_core_serve(c, (uint32_t)(i - b->first_conn),
					     READINESS_IN | READINESS_OUT);
		/* else the eventfd: stop() was called, run() sees it. */
	}
}

int readiness_backend_watch(struct readiness_core *c, uint32_t handle, int fd)
{
	struct poll_backend *b = (struct poll_backend *)c;
	/* revents cleared: this poll()'s results never belonged to it. */
	*slot_entry(b, handle) = (struct pollfd){.fd = fd, .events = POLLIN};
	if (handle >= b->slots_used)
		b->slots_used = handle + 1;
	return 0;
}

void readiness_backend_interest(struct readiness_core *c, uint32_t handle,
				int fd, enum readiness_interest interest)
{
	(void)fd;
	slot_entry((struct poll_backend *)c, handle)->events =
	    interest == READINESS_WRITE ? POLLOUT : POLLIN;
}

/* Free the entry and shorten the array past the free slots at its end. */
void readiness_backend_forget(struct readiness_core *c, uint32_t handle, int fd)
{
	struct poll_backend *b = (struct poll_backend *)c;
	(void)fd;
	slot_entry(b, handle)->fd = -1;
	while (b->slots_used > 0 && slot_entry(b, b->slots_used - 1)->fd < 0)
		b->slots_used--;
}

void readiness_backend_listening(struct readiness_core *c, int listening)
{
	struct poll_backend *b = (struct poll_backend *)c;
	for (unsigned i = 0; i < c->listener_count; i++)
		b->fds[i].fd = listening ? c->listeners[i] : -1;
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "poll",
    .description = "level-triggered poll() over one pollfd array, O(n) "
		   "per wakeup, no FD_SETSIZE limit (POSIX)",
    .flags = MCS_BACKEND_READINESS,
    READINESS_CORE_HOOKS(poll),
};
