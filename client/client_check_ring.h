/* client_check_ring.h - many short echo checks in flight at once over one
 * io_uring (liburing 2.3, kernel 6.1+ for DEFER_TASKRUN): the `verify`
 * command's liveness check of every held connection.
 *
 * A check sends a short message on a connection and reads its echo back;
 * it passes when exactly those bytes come back. Each check is two requests
 * (send, recv) queued together, so one io_uring_enter() submits hundreds
 * of checks and reaps hundreds of answers: no epoll_ctl, no recv that
 * finds nothing, no wakeup per echo (the waiter sleeps until a batch of
 * answers is in, DEFER_TASKRUN). Bytes beyond the message that arrive
 * with its echo fail the check (a mismatch), as on the epoll path.
 *
 * The ring and its table of checks are allocated by open() and freed by
 * close(), one per verify, not per connection. It can also watch one more
 * descriptor (the worker's command socket) so a command is seen while
 * checks run. Functions return 0 or -errno, with a one-line reason in why
 * where they take one.
 */
#ifndef CLIENT_CHECK_RING_H
#define CLIENT_CHECK_RING_H

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>

/* Longest message a check sends (verify sends 8 bytes). */
#define CLIENT_CHECK_MESSAGE_MAX 16u

enum client_check_result {
	CLIENT_CHECK_PASSED = 0,
	CLIENT_CHECK_MISMATCH, /* a byte of the echo was wrong, or extra */
	CLIENT_CHECK_CLOSED,   /* end of stream or a socket error */
};

struct client_check {
	uint64_t tag; /* the caller's: which connection */
	int fd;
	uint8_t size, sent, received;
	uint8_t requests; /* requests still in the kernel */
	uint8_t result;	  /* enum client_check_result so far */
	uint8_t message[CLIENT_CHECK_MESSAGE_MAX];
	/* room for one byte more than the message, to see extra ones */
	uint8_t reply[CLIENT_CHECK_MESSAGE_MAX + 1];
};

struct client_check_ring {
	struct io_uring ring;
	int open;
	unsigned window;	     /* most checks in flight */
	unsigned in_flight;	     /* checks queued and not yet reported */
	struct client_check *checks; /* [window] */
	uint32_t *free;		     /* indices of unused checks */
	unsigned free_count;
	int watch_fd; /* -1, or watched for input */
	int watch_armed, watch_ready;
};

/* Called once per finished check, in the order answers come. */
typedef void client_check_done(void *context, uint64_t tag,
			       enum client_check_result result);

/* Set up a ring for up to window checks in flight (and watch_fd for input,
 * -1 for none). -errno with the reason (ENOSYS: no io_uring; EPERM:
 * kernel.io_uring_disabled; ENOMEM) when it cannot. */
int client_check_ring_open(struct client_check_ring *r, unsigned window,
			   int watch_fd, char *why, size_t why_size);

/* Cancel what is in flight, wait for it and free everything. The
 * connections of unreported checks are left as they are (possibly with
 * part of a message sent). Safe on a ring that is not open. */
void client_check_ring_close(struct client_check_ring *r);

/* Room for one more check? */
static inline int client_check_ring_has_room(const struct client_check_ring *r)
{
	return r->free_count > 0;
}

/* Queue a check on fd: send message[0, size) and expect it back. The
 * caller keeps fd open until the check is reported. -ENOSPC when the
 * window is full, -EINVAL for a size over CLIENT_CHECK_MESSAGE_MAX. */
int client_check_ring_add(struct client_check_ring *r, int fd, uint64_t tag,
			  const uint8_t *message, unsigned size);

/* Submit what is queued, wait up to timeout_ns for answers (at least
 * min(want, in flight) of them; fewer at the timeout) and report each
 * finished check to done(). Sets r->watch_ready when the watched fd has
 * input (the caller clears it after reading). Returns the number of checks
 * reported, or -errno if the ring failed. */
int client_check_ring_run(struct client_check_ring *r, unsigned want,
			  int64_t timeout_ns, client_check_done *done,
			  void *context);

#endif /* CLIENT_CHECK_RING_H */
