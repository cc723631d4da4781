/* client_worker.c - a client worker process: non-blocking connects with a
 * bounded window, an optional rate, and echo messages whose every byte is
 * checked, all on one edge-triggered epoll loop (see client_worker.h).
 *
 * While it ramps, a worker waits with poll() on the connects in flight (at
 * most --window of them) plus its command socket and epoll fd: one call
 * answers many connects, and establishing a connection costs socket +
 * connect and nothing else (no epoll_ctl), as in the bare connect loop.
 * A connection joins epoll (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET, once)
 * only when it first carries a message, so idle held connections cost the
 * kernel no epoll item, and a peer's close of one is seen at its next
 * echo or verify.
 *
 * VERIFY runs on an io_uring instead where one can be set up
 * (client_check_ring.h): CHECK_WINDOW checks in flight, their sends and
 * receives submitted in batches, no epoll_ctl, a wakeup per batch of
 * answers; the connections stay out of epoll.
 *
 * LOAD (open loop, client_schedule.h): the worker sleeps in epoll_pwait2
 * until the next message is due, to the microsecond (timer slack set to
 * 1 us for the command), sends what is due, and times each echo from the
 * message's intended send time. It never spins: with nothing due and
 * nothing arriving it sleeps until the next due time. A sleep here ends
 * some 50-100 us late (measured: 56 us median, 84 us p90 for 500 us, with
 * 1 us slack), as much as a loopback round trip, so the worker wakes
 * LOAD_LEAD_NS early and sends what is due by then; a message sent before
 * its intended time is timed from when it went out.
 */
#include "client_worker.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client_check_ring.h"
#include "client_pattern.h"
#include "client_schedule.h"
#include "client_shard.h"
#include "mcs_clock.h"

#define EVENT_BATCH	 512
#define READ_BUFFER_SIZE 65536u
#define SEND_BUFFER_SIZE 65536u
/* This many failed connects in a row, with none succeeding in between, and
 * the rest of the step is abandoned: a server that refuses everything
 * makes the run end, not spin. */
#define GIVE_UP_FAILURES 1000u
#define COMMAND_TAG	 UINT64_MAX
#define NO_DEADLINE	 UINT64_MAX
/* LOAD: most messages taken from the schedule between two looks at the
 * echoes, so a burst that is due does not starve them. */
#define LOAD_BATCH 1024u
/* LOAD: how far ahead of the clock messages are taken (see the top). */
#define LOAD_LEAD_NS 100000u
/* LOAD: timer slack while it runs (the default 50 us would blur a 30-100
 * us loopback round trip); the default comes back after. */
#define LOAD_TIMER_SLACK_NS 1000ul
/* Longest single sleep while a command runs (events wake it sooner). */
#define MAX_SLEEP_NS 1000000000ll
/* VERIFY over io_uring: checks in flight per worker (a bound, so that a
 * million echoes in flight at once do not push TCP into memory pressure:
 * all at once took 1.8 GB of TCP memory at 500k, past tcp_mem's pressure
 * threshold), answers to wait for before waking (a batch per wakeup),
 * and the longest wait (commands are seen at least this often). */
#define CHECK_WINDOW	 2048u
#define CHECK_WAKE_BATCH 256u
#define CHECK_WAIT_NS	 10000000ll

enum slot_state {
	SLOT_UNUSED = 0, /* never tried (zero pages of the mmap) */
	SLOT_CONNECTING,
	SLOT_IDLE,   /* established, no message in flight */
	SLOT_BUSY,   /* established, a message in flight */
	SLOT_FAILED, /* connect failed; never retried */
	SLOT_CLOSED, /* was established, closed by the peer or an error */
};

/* One connection: 16 bytes. */
struct slot {
	int32_t fd;
	uint32_t stamp_us;  /* connect or send time, us since epoch (wraps) */
	uint16_t seq;	    /* message sequence number */
	uint16_t sent;	    /* bytes of the message sent */
	uint16_t received;  /* bytes of its echo received and checked */
	uint8_t state;	    /* enum slot_state */
	uint8_t registered; /* in epoll (after its first message) */
};
_Static_assert(sizeof(struct slot) == 16, "struct slot must stay 16 bytes");

struct worker {
	const struct client_worker_config *config;
	struct client_worker_shared *shared;
	int epoll_fd;
	struct slot *slots;
	size_t slots_bytes;
	uint64_t next_slot; /* slots tried so far */
	uint8_t *read_buffer;
	uint8_t *send_buffer;
	uint64_t epoch_ns;

	/* the command being carried out; type 0 = none */
	struct client_command command;
	struct client_command next;
	int has_next;
	int end_requested;
	uint64_t start_ns, deadline_ns;
	uint64_t busy; /* slots in SLOT_BUSY */
	uint32_t message_size;
	/* GROW: this step opens slots [step_first_slot, target), in
	 * grow_order; next_slot moves to target when it is over */
	uint64_t step_first_slot, target;
	uint64_t grow_tried;
	struct client_shard_order grow_order;
	struct pollfd *polls;	/* [0] command, [1] epoll, [2..] connects */
	uint64_t *pending_slot; /* slot of polls[2 + i] */
	unsigned pending;	/* connects in polls */
	unsigned pending_max;	/* room in polls for connects */
	uint64_t consecutive_failures;
	/* PERIODIC */
	uint64_t sweep_slots, sweep_position;
	int draining; /* PERIODIC and LOAD */
	/* LOAD: its slots are the schedule's indices */
	struct client_schedule schedule;
	/* VERIFY over io_uring: checks in flight, the next slot to check */
	struct client_check_ring checks;
	int checking;	     /* this verify runs on the ring */
	int ring_unusable;   /* io_uring could not be set up: epoll only */
	uint64_t check_next; /* slots below it have been checked or skipped */
};

static uint32_t now_us(const struct worker *w)
{
	return (uint32_t)((mcs_now_ns() - w->epoch_ns) / 1000u);
}

static uint64_t slot_global(const struct worker *w, uint64_t s)
{
	return client_shard_global(w->config->index, s, w->config->procs);
}

static void add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static void sub(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_sub_explicit(counter, n, memory_order_relaxed);
}

static void connect_failed(struct worker *w, struct slot *slot, int err)
{
	if (slot->state == SLOT_CONNECTING && slot->fd >= 0)
		sub(&w->shared->in_flight, 1);
	if (slot->fd >= 0)
		close(slot->fd);
	slot->fd = -1;
	slot->state = SLOT_FAILED;
	unsigned index =
	    err > 0 && (unsigned)err < CLIENT_ERRNO_SLOTS ? (unsigned)err : 0;
	w->shared->failures[index]++;
	add(&w->shared->failed, 1);
	w->consecutive_failures++;
}

static void connect_succeeded(struct worker *w, struct slot *slot)
{
	sub(&w->shared->in_flight, 1);
	slot->state = SLOT_IDLE;
	mcs_histogram_record(&w->shared->connect_us,
			     (uint32_t)(now_us(w) - slot->stamp_us));
	add(&w->shared->live, 1);
	add(&w->shared->established, 1);
	w->consecutive_failures = 0;
}

/* An established connection goes away: the peer closed it, it failed, or
 * its echo was wrong (mismatch) or late. */
static void drop(struct worker *w, struct slot *slot, int mismatch)
{
	if (slot->state == SLOT_BUSY) {
		w->busy--;
		add(mismatch ? &w->shared->mismatches : &w->shared->errors, 1);
	}
	if (w->command.type == CLIENT_COMMAND_LOAD) /* its queue is lost */
		add(&w->shared->errors,
		    client_schedule_fail(&w->schedule,
					 (uint32_t)(slot - w->slots)));
	close(slot->fd);
	slot->fd = -1;
	slot->state = SLOT_CLOSED;
	sub(&w->shared->live, 1);
	add(&w->shared->dropped, 1);
}

/* A socket for connection global, ready to connect: abortive close if
 * asked (SO_LINGER {1, 0}, set now so that closing costs nothing more),
 * bound to its source address with IP_BIND_ADDRESS_NO_PORT (the kernel
 * picks the port at connect, from the whole 4-tuple). Choosing the ports
 * here instead (an explicit bind, with SO_REUSEADDR so the connections to
 * other server ports share a port) was measured: at 500k the bind's
 * conflict walk over the port's other owners cost more than the kernel's
 * search it saved. Returns the fd or -errno. */
static int open_socket(struct worker *w, uint64_t global)
{
	const struct client_worker_config *c = w->config;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct linger abortive = {.l_onoff = 1, .l_linger = 0};
	if (c->reset_on_exit && setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive,
					   sizeof(abortive)) < 0)
		goto fail;
	if (c->source_count) {
		int one = 1;
		struct sockaddr_in from = {
		    .sin_family = AF_INET,
		    .sin_addr.s_addr =
			htonl(ntohl(c->source_first.s_addr) +
			      client_shard_source_index(global, c->port_count,
							c->source_count)),
		};
		if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			       sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0)
			goto fail;
	}
	return fd;
fail:;
	int err = -errno;
	close(fd);
	return err;
}

static void attempt(struct worker *w, uint64_t s)
{
	const struct client_worker_config *c = w->config;
	struct slot *slot = &w->slots[s];
	uint64_t global = slot_global(w, s);
	struct sockaddr_in to = {
	    .sin_family = AF_INET,
	    .sin_port =
		htons((uint16_t)(c->port_first + client_shard_port_index(
						     global, c->port_count))),
	    .sin_addr = c->host,
	};
	add(&w->shared->attempts, 1);
	add(&w->shared->slots_used, 1);
	slot->state = SLOT_CONNECTING;
	slot->fd = open_socket(w, global);
	if (slot->fd < 0) {
		int err = -slot->fd;
		slot->fd = -1;
		connect_failed(w, slot, err);
		return;
	}
	slot->stamp_us = now_us(w);
	add(&w->shared->in_flight, 1);
	if (connect(slot->fd, (struct sockaddr *)&to, sizeof(to)) == 0) {
		connect_succeeded(w, slot);
		return;
	}
	if (errno != EINPROGRESS) {
		connect_failed(w, slot, errno);
		return;
	}
	/* The caller keeps pending below pending_max (the window). */
	w->polls[2 + w->pending] =
	    (struct pollfd){.fd = slot->fd, .events = POLLOUT};
	w->pending_slot[w->pending++] = s;
}

/* The answer to the connect in polls[2 + i]; the entry is replaced by the
 * last one. */
static void connect_answered(struct worker *w, unsigned i, short revents)
{
	struct slot *slot = &w->slots[w->pending_slot[i]];
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		int err = 0;
		socklen_t length = sizeof(err);
		if (getsockopt(slot->fd, SOL_SOCKET, SO_ERROR, &err, &length) <
		    0)
			err = errno;
		connect_failed(w, slot, err ? err : ECONNRESET);
	} else {
		connect_succeeded(w, slot);
	}
	w->pending--;
	w->polls[2 + i] = w->polls[2 + w->pending];
	w->pending_slot[i] = w->pending_slot[w->pending];
}

/* Put an established connection into epoll, for its first message.
 * Returns 0 or -errno. */
static int ensure_registered(struct worker *w, uint64_t s)
{
	struct slot *slot = &w->slots[s];
	if (slot->registered)
		return 0;
	struct epoll_event ev = {
	    .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	    .data.u64 = s,
	};
	if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, slot->fd, &ev) < 0)
		return -errno;
	slot->registered = 1;
	return 0;
}

static void start_message(struct worker *w, uint64_t s);

/* The echo of slot's message is complete and verified. LOAD times it from
 * its intended send time, and sends the next one if one was queued. */
static void message_complete(struct worker *w, struct slot *slot)
{
	int send_next = 0;
	if (w->command.type == CLIENT_COMMAND_LOAD) {
		uint64_t now = mcs_now_ns();
		uint32_t age_us =
		    (uint32_t)((now - w->epoch_ns) / 1000u) - slot->stamp_us;
		uint64_t latency = client_schedule_complete(
		    &w->schedule, (uint32_t)(slot - w->slots),
		    now - (uint64_t)age_us * 1000u, now, &send_next);
		mcs_histogram_record(&w->shared->rtt_us, latency / 1000u);
		if (now < w->schedule.end_ns)
			add(&w->shared->completed, 1);
	} else {
		mcs_histogram_record(&w->shared->rtt_us,
				     (uint32_t)(now_us(w) - slot->stamp_us));
	}
	add(&w->shared->messages, 1);
	add(&w->shared->bytes, w->message_size);
	slot->state = SLOT_IDLE;
	w->busy--;
	if (send_next)
		start_message(w, (uint64_t)(slot - w->slots));
}

/* Send what is left of the slot's message (a bounded number of tries:
 * every successful send makes progress). */
static void send_rest(struct worker *w, uint64_t s)
{
	struct slot *slot = &w->slots[s];
	uint32_t seed = client_pattern_seed(slot_global(w, s), slot->seq);
	while (slot->sent < w->message_size) {
		uint32_t length = w->message_size - slot->sent;
		client_pattern_fill(seed, w->send_buffer, slot->sent, length);
		ssize_t n = send(slot->fd, w->send_buffer, length,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			slot->sent = (uint16_t)(slot->sent + n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* EPOLLOUT (edge) says when to go on */
		drop(w, slot, 0);
		return;
	}
}

static void start_message(struct worker *w, uint64_t s)
{
	struct slot *slot = &w->slots[s];
	uint64_t now = mcs_now_ns();
	slot->seq++;
	slot->sent = 0;
	slot->received = 0;
	slot->state = SLOT_BUSY;
	slot->stamp_us = (uint32_t)((now - w->epoch_ns) / 1000u);
	w->busy++;
	if (w->command.type == CLIENT_COMMAND_LOAD && now < w->schedule.end_ns)
		add(&w->shared->sent, 1);
	if (ensure_registered(w, s) < 0) {
		drop(w, slot, 0);
		return;
	}
	send_rest(w, s);
}

/* Read and check until EAGAIN (edge-triggered). Every byte must be the
 * next expected byte of the slot's message; anything else is a mismatch
 * and the connection, whose stream can no longer be trusted, is closed. */
static void on_readable(struct worker *w, uint64_t s)
{
	struct slot *slot = &w->slots[s];
	uint32_t seed = client_pattern_seed(slot_global(w, s), slot->seq);
	for (;;) {
		ssize_t n = recv(slot->fd, w->read_buffer, READ_BUFFER_SIZE,
				 MSG_DONTWAIT);
		if (n > 0) {
			size_t got = (size_t)n;
			if (slot->state != SLOT_BUSY ||
			    slot->received + got > w->message_size ||
			    client_pattern_check(seed, w->read_buffer,
						 slot->received, got) != got) {
				if (slot->state != SLOT_BUSY)
					add(&w->shared->mismatches, 1);
				drop(w, slot, 1);
				return;
			}
			slot->received = (uint16_t)(slot->received + got);
			if (slot->received == w->message_size &&
			    slot->sent == w->message_size) {
				message_complete(w, slot);
				/* LOAD may have sent the next one at once
				 * (or failed to): read on with its seed. */
				if (slot->state == SLOT_CLOSED)
					return;
				seed = client_pattern_seed(slot_global(w, s),
							   slot->seq);
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		drop(w, slot, 0); /* end of stream or a socket error */
		return;
	}
}

static void on_event(struct worker *w, uint64_t s, uint32_t events)
{
	if (s >= w->next_slot)
		return;
	struct slot *slot = &w->slots[s];
	if (slot->state == SLOT_CONNECTING) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			int err = 0;
			socklen_t length = sizeof(err);
			if (getsockopt(slot->fd, SOL_SOCKET, SO_ERROR, &err,
				       &length) < 0)
				err = errno;
			connect_failed(w, slot, err ? err : ECONNRESET);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		connect_succeeded(w, slot);
	}
	if (slot->state == SLOT_BUSY && (events & EPOLLOUT) &&
	    slot->sent < w->message_size)
		send_rest(w, s);
	if ((slot->state == SLOT_IDLE || slot->state == SLOT_BUSY) &&
	    (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		on_readable(w, s);
}

static void reply(struct worker *w, uint32_t type, int32_t status)
{
	struct client_reply r = {.type = type, .status = status};
	/* The parent reads replies as they come; a full socket buffer would
	 * mean it stopped reading, and PDEATHSIG covers its death. */
	(void)send(w->config->command_fd, &r, sizeof(r), MSG_NOSIGNAL);
}

static void reset_activity(struct worker *w)
{
	struct client_worker_shared *sh = w->shared;
	atomic_store(&sh->attempts, 0);
	atomic_store(&sh->established, 0);
	atomic_store(&sh->failed, 0);
	atomic_store(&sh->abandoned, 0);
	atomic_store(&sh->connections, 0);
	atomic_store(&sh->messages, 0);
	atomic_store(&sh->bytes, 0);
	atomic_store(&sh->errors, 0);
	atomic_store(&sh->mismatches, 0);
	atomic_store(&sh->late, 0);
	atomic_store(&sh->due, 0);
	atomic_store(&sh->sent, 0);
	atomic_store(&sh->completed, 0);
	atomic_store(&sh->ring_checks, 0);
	memset(sh->failures, 0, sizeof(sh->failures));
	mcs_histogram_init(&sh->connect_us);
	mcs_histogram_init(&sh->rtt_us);
	sh->elapsed_seconds = 0;
}

static void start(struct worker *w, const struct client_command *c);

/* The command is over: reply with status (0 or -errno, the reason in the
 * worker's error text) and start the next one if one is waiting. */
static void finish_status(struct worker *w, int32_t status)
{
	w->shared->elapsed_seconds = (double)(mcs_now_ns() - w->start_ns) / 1e9;
	uint32_t type = w->command.type;
	if (type == CLIENT_COMMAND_LOAD) {
		client_schedule_free(&w->schedule);
		prctl(PR_SET_TIMERSLACK, 0ul); /* back to the default */
	}
	w->command.type = 0;
	w->end_requested = 0;
	reply(w, type, status);
	if (w->has_next) {
		w->has_next = 0;
		start(w, &w->next);
	}
}

static void finish(struct worker *w)
{
	finish_status(w, 0);
}

/* Room for window connects in flight (at most this worker's slots, so
 * poll's nfds stays under RLIMIT_NOFILE). Allocated per GROW command, not
 * per connection. Returns 0, or -ENOMEM (the step then ends at once, with
 * the reason in the worker's error text). */
static int size_polls(struct worker *w, uint32_t window)
{
	uint64_t want = window < w->config->slots ? window : w->config->slots;
	if (want == 0)
		want = 1;
	if (w->polls && w->pending_max >= want)
		return 0;
	struct pollfd *polls = realloc(w->polls, (2 + want) * sizeof(*polls));
	if (polls)
		w->polls = polls;
	uint64_t *slots = realloc(w->pending_slot, want * sizeof(*slots));
	if (slots)
		w->pending_slot = slots;
	if (!polls || !slots) {
		snprintf(w->shared->error, sizeof(w->shared->error),
			 "no memory for a window of %" PRIu64 " connects",
			 want);
		return -ENOMEM;
	}
	w->pending_max = (unsigned)want;
	return 0;
}

/* LOAD: schedule every idle established connection (the slots are the
 * schedule's indices) for a window of timeout_seconds. */
static void start_load(struct worker *w, const struct client_command *c)
{
	struct client_schedule *schedule = &w->schedule;
	w->message_size = c->message_size;
	w->draining = 0;
	if (w->next_slot > UINT32_MAX ||
	    client_schedule_init(schedule, (uint32_t)w->next_slot,
				 w->config->index, w->config->procs) < 0) {
		snprintf(w->shared->error, sizeof(w->shared->error),
			 "no memory for the load schedule of %" PRIu64
			 " connections",
			 w->next_slot);
		finish_status(w, -ENOMEM);
		return;
	}
	for (uint64_t s = 0; s < w->next_slot; s++)
		if (w->slots[s].state == SLOT_IDLE)
			client_schedule_add(schedule, (uint32_t)s);
	atomic_store(&w->shared->connections, schedule->count);
	prctl(PR_SET_TIMERSLACK, LOAD_TIMER_SLACK_NS);
	client_schedule_start(schedule, w->start_ns, c->period_ns,
			      (uint64_t)(c->timeout_seconds * 1e9));
}

/* Close every message still in flight: it took too long. */
static void drop_busy(struct worker *w)
{
	for (uint64_t s = 0; s < w->next_slot && w->busy; s++)
		if (w->slots[s].state == SLOT_BUSY)
			drop(w, &w->slots[s], 0);
}

/* VERIFY over io_uring: one check answered (client_check_ring.h). */
static void check_done(void *context, uint64_t s,
		       enum client_check_result result)
{
	struct worker *w = context;
	struct slot *slot = &w->slots[s];
	if (result != CLIENT_CHECK_PASSED) {
		drop(w, slot, result == CLIENT_CHECK_MISMATCH);
		return;
	}
	slot->sent = slot->received = (uint16_t)w->message_size;
	add(&w->shared->ring_checks, 1);
	message_complete(w, slot);
}

/* Queue slot s's check: the same message start_message() would send. 0,
 * or -errno when the ring fails. */
static int begin_check(struct worker *w, uint64_t s)
{
	struct slot *slot = &w->slots[s];
	slot->seq++;
	slot->sent = 0;
	slot->received = 0;
	slot->state = SLOT_BUSY;
	slot->stamp_us = now_us(w);
	w->busy++;
	uint8_t message[CLIENT_CHECK_MESSAGE_MAX];
	client_pattern_fill(client_pattern_seed(slot_global(w, s), slot->seq),
			    message, 0, w->message_size);
	return client_check_ring_add(&w->checks, slot->fd, s, message,
				     w->message_size);
}

/* The ring failed in the middle: what it had in flight is lost (those
 * connections are closed, counted as errors), the rest is checked over
 * epoll, and later verifies use epoll only. */
static void abandon_checks(struct worker *w)
{
	client_check_ring_close(&w->checks);
	w->checking = 0;
	w->ring_unusable = 1;
	drop_busy(w);
	for (uint64_t s = w->check_next; s < w->next_slot; s++)
		if (w->slots[s].state == SLOT_IDLE)
			start_message(w, s);
	w->check_next = w->next_slot;
}

/* Queue checks on the next idle slots while the window has room. */
static void fill_checks(struct worker *w)
{
	while (w->check_next < w->next_slot &&
	       client_check_ring_has_room(&w->checks)) {
		uint64_t s = w->check_next++;
		if (w->slots[s].state == SLOT_IDLE && begin_check(w, s) < 0) {
			abandon_checks(w);
			return;
		}
	}
}

/* VERIFY: set up the ring (once it failed, never again: the epoll path
 * is used). 0 when the checks will run on it, -errno when not. */
static int start_checks(struct worker *w)
{
	if (w->ring_unusable)
		return -ENOSYS;
	uint64_t window =
	    w->next_slot < CHECK_WINDOW ? w->next_slot : CHECK_WINDOW;
	char why[160];
	int err =
	    client_check_ring_open(&w->checks, (unsigned)window,
				   w->config->command_fd, why, sizeof(why));
	if (err < 0) {
		w->ring_unusable = 1;
		return err;
	}
	w->message_size = 8;
	w->checking = 1;
	w->check_next = 0;
	uint64_t used = 0;
	for (uint64_t s = 0; s < w->next_slot; s++)
		used += w->slots[s].state == SLOT_IDLE ||
			w->slots[s].state == SLOT_CLOSED;
	atomic_store(&w->shared->connections, used);
	return 0;
}

static void end_checks(struct worker *w)
{
	client_check_ring_close(&w->checks);
	w->checking = 0;
}

/* GROW: open slots [next_slot, target), in slot order or, with
 * --connect-order port, one server port's in a row (client_shard.h): a
 * server worker woken by the first connect then finds the next ones
 * queued instead of being woken again. Measured at 200k (12 server ports,
 * 11 processes): server CPU per accept 20 instead of 33 us, client per
 * connect 37-41 instead of 43-47 us. */
static void start_grow(struct worker *w, const struct client_command *c)
{
	const struct client_worker_config *config = w->config;
	w->step_first_slot = w->next_slot;
	w->target = c->target < config->slots ? c->target : config->slots;
	w->grow_tried = 0;
	client_shard_order_start(
	    &w->grow_order, w->next_slot, w->target,
	    config->connect_by_port
		? client_shard_port_stride(config->procs, config->port_count)
		: 1);
	if (w->target <= w->next_slot || size_polls(w, c->window) < 0)
		finish(w);
}

static void start(struct worker *w, const struct client_command *c)
{
	reset_activity(w);
	w->command = *c;
	w->start_ns = mcs_now_ns();
	w->deadline_ns =
	    c->timeout_seconds > 0
		? w->start_ns + (uint64_t)(c->timeout_seconds * 1e9)
		: NO_DEADLINE;
	w->consecutive_failures = 0;
	switch (c->type) {
	case CLIENT_COMMAND_GROW: start_grow(w, c); return;
	case CLIENT_COMMAND_VERIFY:
		if (start_checks(w) == 0)
			return;
		/* No io_uring here: verify over epoll. */
		/* fall through */
	case CLIENT_COMMAND_ECHO: {
		int verify = c->type == CLIENT_COMMAND_VERIFY;
		uint64_t want = verify ? UINT64_MAX : c->target, used = 0;
		w->message_size = verify ? 8 : c->message_size;
		for (uint64_t s = 0; s < w->next_slot && used < want; s++) {
			if (w->slots[s].state == SLOT_IDLE) {
				used++;
				start_message(w, s);
			} else if (verify && w->slots[s].state == SLOT_CLOSED) {
				used++; /* established once, dead now */
			}
		}
		atomic_store(&w->shared->connections, used);
		if (w->busy == 0)
			finish(w);
		return;
	}
	case CLIENT_COMMAND_PERIODIC: {
		w->message_size = c->message_size;
		w->sweep_slots = w->next_slot;
		w->sweep_position = 0;
		w->draining = 0;
		uint64_t used = 0;
		for (uint64_t s = 0; s < w->next_slot; s++)
			used += w->slots[s].state == SLOT_IDLE;
		atomic_store(&w->shared->connections, used);
		if (w->sweep_slots == 0)
			finish(w);
		return;
	}
	case CLIENT_COMMAND_LOAD: start_load(w, c); return;
	default: /* END while idle, or unknown: nothing to do */
		finish(w);
		return;
	}
}

/* GROW: launch connects within the window and rate; end the step when
 * every slot up to the target has an answer, or at the deadline. */
static void progress_grow(struct worker *w, uint64_t now)
{
	struct client_worker_shared *sh = w->shared;
	uint64_t count = w->target - w->step_first_slot;
	if (now >= w->deadline_ns) {
		for (unsigned i = 0; i < w->pending; i++)
			connect_failed(w, &w->slots[w->pending_slot[i]],
				       ETIMEDOUT);
		w->pending = 0;
		add(&sh->abandoned, count - w->grow_tried);
		w->next_slot = w->target;
		finish(w);
		return;
	}
	unsigned launched = 0;
	while (w->grow_tried < count && launched < w->pending_max &&
	       w->pending < w->pending_max) {
		if (w->command.rate > 0) {
			double allowed = (double)(now - w->start_ns) / 1e9 *
					     w->command.rate +
					 1.0;
			if ((double)w->grow_tried >= allowed)
				break;
		}
		uint64_t s;
		if (!client_shard_order_next(&w->grow_order, &s))
			break;
		w->grow_tried++;
		attempt(w, s);
		launched++;
		if (w->consecutive_failures >= GIVE_UP_FAILURES) {
			add(&sh->abandoned, count - w->grow_tried);
			w->grow_tried = count;
			break;
		}
	}
	if (w->grow_tried >= count && w->pending == 0) {
		w->next_slot = w->target;
		finish(w);
	}
}

static void progress_periodic(struct worker *w, uint64_t now)
{
	if (!w->draining && (w->end_requested || now >= w->deadline_ns)) {
		w->draining = 1;
		w->deadline_ns = now + (uint64_t)(CLIENT_DRAIN_SECONDS * 1e9);
	}
	if (w->draining) {
		if (w->busy && now >= w->deadline_ns)
			drop_busy(w);
		if (w->busy == 0)
			finish(w);
		return;
	}
	/* Sweep the slots once per interval, evenly: slot s is due at
	 * s/slots of each interval. A slot still busy when due is late. */
	uint64_t elapsed_us = (now - w->start_ns) / 1000u;
	uint64_t period_us = (uint64_t)w->command.interval_ms * 1000u;
	uint64_t due = elapsed_us / period_us * w->sweep_slots +
		       elapsed_us % period_us * w->sweep_slots / period_us;
	if (due - w->sweep_position > w->sweep_slots)
		w->sweep_position = due - w->sweep_slots;
	for (; w->sweep_position < due; w->sweep_position++) {
		uint64_t s = w->sweep_position % w->sweep_slots;
		if (w->slots[s].state == SLOT_IDLE)
			start_message(w, s);
		else if (w->slots[s].state == SLOT_BUSY)
			add(&w->shared->late, 1);
	}
}

/* LOAD: send (or count late, or lost) what is due by `by`, at most
 * LOAD_BATCH messages. Returns how many were taken. */
static unsigned take_due(struct worker *w, uint64_t by)
{
	struct client_worker_shared *sh = w->shared;
	unsigned n = 0;
	for (; n < LOAD_BATCH; n++) {
		uint32_t s;
		enum client_schedule_action a =
		    client_schedule_take(&w->schedule, by, &s);
		if (a == CLIENT_SCHEDULE_NOTHING)
			break;
		add(&sh->due, 1);
		if (a == CLIENT_SCHEDULE_LATE) {
			add(&sh->late, 1);
		} else if (a == CLIENT_SCHEDULE_LOST) {
			add(&sh->errors, 1); /* its connection is gone */
		} else if (w->slots[s].state == SLOT_IDLE) {
			start_message(w, s);
		} else { /* not reachable: a closed slot fails its index */
			client_schedule_fail(&w->schedule, s);
			add(&sh->errors, 1);
		}
	}
	return n;
}

/* LOAD: take what is due until the window is over, then let what is in
 * flight (and queued behind it) finish within CLIENT_DRAIN_SECONDS, close
 * what has not, and reply. */
static void progress_load(struct worker *w, uint64_t now)
{
	if (!w->draining) {
		if (w->end_requested)
			client_schedule_stop(&w->schedule, now);
		if (take_due(w, now + LOAD_LEAD_NS) == LOAD_BATCH ||
		    now < w->schedule.end_ns)
			return;
		w->draining = 1;
		w->deadline_ns = now + (uint64_t)(CLIENT_DRAIN_SECONDS * 1e9);
	}
	if (w->busy && now >= w->deadline_ns)
		drop_busy(w);
	if (w->busy == 0)
		finish(w);
}

/* VERIFY over io_uring: at the deadline, close what is in flight (and
 * leave the rest unchecked: dead in the count); done when every slot has
 * been checked. */
static void progress_checks(struct worker *w, uint64_t now)
{
	if (now >= w->deadline_ns) {
		end_checks(w); /* cancels what is in flight */
		drop_busy(w);
		w->check_next = w->next_slot;
	}
	if (w->check_next >= w->next_slot && w->busy == 0) {
		end_checks(w);
		finish(w);
	}
}

static void progress(struct worker *w)
{
	uint64_t now = mcs_now_ns();
	switch (w->command.type) {
	case CLIENT_COMMAND_GROW: progress_grow(w, now); break;
	case CLIENT_COMMAND_VERIFY:
		if (w->checking) {
			progress_checks(w, now);
			break;
		}
		/* fall through */
	case CLIENT_COMMAND_ECHO:
		if (w->busy && now >= w->deadline_ns)
			drop_busy(w);
		if (w->busy == 0)
			finish(w);
		break;
	case CLIENT_COMMAND_PERIODIC: progress_periodic(w, now); break;
	case CLIENT_COMMAND_LOAD: progress_load(w, now); break;
	default: break;
	}
}

/* Returns 1 to go on, 0 to exit (STOP, or the parent went away). */
static int on_command(struct worker *w)
{
	for (int i = 0; i < 16; i++) {
		struct client_command c;
		ssize_t n =
		    recv(w->config->command_fd, &c, sizeof(c), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n != (ssize_t)sizeof(c) || c.type == CLIENT_COMMAND_STOP)
			return 0;
		if (w->command.type == 0) {
			start(w, &c);
		} else if (c.type == CLIENT_COMMAND_END) {
			w->end_requested = 1;
		} else {
			w->next = c;
			w->has_next = 1;
			w->end_requested = 1;
		}
	}
	return 1;
}

/* LOAD: sleep until LOAD_LEAD_NS before the next message is due (or until
 * the window ends), or during the drain until its deadline; echoes wake it
 * sooner. */
static int64_t load_timeout_ns(struct worker *w)
{
	uint64_t wake;
	if (w->draining) {
		wake = w->deadline_ns;
	} else if (w->end_requested) {
		return 0;
	} else {
		wake = client_schedule_next_ns(&w->schedule);
		wake = wake > LOAD_LEAD_NS ? wake - LOAD_LEAD_NS : 0;
		if (wake > w->schedule.end_ns)
			wake = w->schedule.end_ns;
	}
	uint64_t now = mcs_now_ns();
	if (wake <= now)
		return 0;
	return wake - now < (uint64_t)MAX_SLEEP_NS ? (int64_t)(wake - now)
						   : MAX_SLEEP_NS;
}

/* How long the wait may sleep, in ns: not at all while connects can be
 * launched, until the next due message in LOAD, 1 ms while another
 * command runs, forever (-1) when idle (the command socket wakes it,
 * PDEATHSIG kills it). */
static int64_t wait_timeout(struct worker *w)
{
	if (w->command.type == 0)
		return -1;
	if (w->command.type == CLIENT_COMMAND_GROW && w->command.rate <= 0 &&
	    w->grow_tried < w->target - w->step_first_slot &&
	    w->pending < w->pending_max)
		return 0;
	if (w->command.type == CLIENT_COMMAND_LOAD)
		return load_timeout_ns(w);
	return 1000000;
}

/* Wait up to timeout_ns (-1 = forever) for epoll events (the command
 * socket and registered connections) and handle them. epoll_pwait2 takes
 * a timespec: LOAD's sleeps need better than epoll_wait's milliseconds.
 * Returns 1 to go on, 0 to exit, -1 on error. */
static int wait_events(struct worker *w, int64_t timeout_ns)
{
	struct epoll_event events[EVENT_BATCH];
	struct timespec timeout = {.tv_sec = timeout_ns / 1000000000,
				   .tv_nsec = timeout_ns % 1000000000};
	int n = epoll_pwait2(w->epoll_fd, events, EVENT_BATCH,
			     timeout_ns < 0 ? NULL : &timeout, NULL);
	if (n < 0 && errno != EINTR) {
		snprintf(w->shared->error, sizeof(w->shared->error),
			 "epoll_pwait2: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (events[i].data.u64 == COMMAND_TAG) {
			if (!on_command(w))
				return 0;
			continue;
		}
		on_event(w, events[i].data.u64, events[i].events);
	}
	return 1;
}

/* VERIFY over io_uring: queue checks while the window has room, then
 * sleep until a batch of answers is in (or CHECK_WAIT_NS, or the
 * deadline) and handle them, and the command socket if it has input.
 * Returns as wait_events. */
static int wait_checks(struct worker *w)
{
	fill_checks(w);
	if (!w->checking)
		return 1; /* abandoned: epoll carries on */
	int64_t timeout = CHECK_WAIT_NS;
	uint64_t now = mcs_now_ns();
	if (w->deadline_ns != NO_DEADLINE &&
	    w->deadline_ns < now + (uint64_t)timeout)
		timeout =
		    w->deadline_ns > now ? (int64_t)(w->deadline_ns - now) : 0;
	int n = client_check_ring_run(&w->checks, CHECK_WAKE_BATCH, timeout,
				      check_done, w);
	if (n < 0) {
		abandon_checks(w);
		return 1;
	}
	if (w->checks.watch_ready) {
		w->checks.watch_ready = 0;
		if (!on_command(w))
			return 0;
	}
	return 1;
}

/* While ramping: poll the connects in flight, the command socket and the
 * epoll fd (held connections) at once. Returns as wait_events. */
static int wait_grow(struct worker *w, int64_t timeout_ns)
{
	w->polls[0] =
	    (struct pollfd){.fd = w->config->command_fd, .events = POLLIN};
	w->polls[1] = (struct pollfd){.fd = w->epoll_fd, .events = POLLIN};
	int timeout_ms =
	    timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
	int n = poll(w->polls, 2 + w->pending, timeout_ms);
	if (n < 0 && errno != EINTR) {
		snprintf(w->shared->error, sizeof(w->shared->error), "poll: %s",
			 strerror(errno));
		return -1;
	}
	if (n <= 0)
		return 1;
	for (unsigned i = 0; i < w->pending;) {
		short revents = w->polls[2 + i].revents;
		if (revents)
			connect_answered(w, i, revents);
		else
			i++;
	}
	/* Commands and held connections go through epoll as usual. */
	if (w->polls[0].revents || w->polls[1].revents)
		return wait_events(w, 0);
	return 1;
}

static int setup(struct worker *w, const struct client_worker_config *c)
{
	struct client_worker_shared *sh = c->shared;
	memset(w, 0, sizeof(*w));
	w->config = c;
	w->shared = sh;
	w->epoll_fd = -1;
	w->epoch_ns = mcs_now_ns();
	w->slots_bytes = (c->slots ? c->slots : 1) * sizeof(struct slot);
	/* Zero pages are SLOT_UNUSED: only slots used cost memory. */
	w->slots = mmap(NULL, w->slots_bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w->slots == MAP_FAILED) {
		snprintf(sh->error, sizeof(sh->error),
			 "mmap of %zu bytes for connection slots: %s",
			 w->slots_bytes, strerror(errno));
		return -1;
	}
	w->read_buffer =
	    mmap(NULL, READ_BUFFER_SIZE + SEND_BUFFER_SIZE,
		 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->read_buffer == MAP_FAILED) {
		snprintf(sh->error, sizeof(sh->error),
			 "mmap of the read and send buffers: %s",
			 strerror(errno));
		return -1;
	}
	w->send_buffer = w->read_buffer + READ_BUFFER_SIZE;
	w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epoll_fd < 0) {
		snprintf(sh->error, sizeof(sh->error), "epoll_create1: %s",
			 strerror(errno));
		return -1;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = COMMAND_TAG};
	if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, c->command_fd, &ev) < 0) {
		snprintf(sh->error, sizeof(sh->error),
			 "epoll_ctl(command socket): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int client_worker_run(const struct client_worker_config *config)
{
	pid_t parent = getppid();
	/* No orphans: die with the parent, and check it did not die before
	 * this was set. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 1;
	signal(SIGINT, SIG_IGN); /* the parent decides what Ctrl-C does */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	config->shared->pid = getpid();

	static struct worker w;
	if (setup(&w, config) < 0) {
		reply(&w, 0, -1);
		return 1;
	}
	reply(&w, 0, 0); /* up */
	for (;;) {
		int more = w.command.type == CLIENT_COMMAND_GROW
			       ? wait_grow(&w, wait_timeout(&w))
			   : w.checking ? wait_checks(&w)
					: wait_events(&w, wait_timeout(&w));
		if (more < 0)
			return 1;
		if (more == 0)
			return 0; /* STOP: exit closes every socket */
		if (w.command.type)
			progress(&w);
	}
}
