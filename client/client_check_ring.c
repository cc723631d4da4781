/* client_check_ring.c - echo checks in flight over one io_uring (see
 * client_check_ring.h). Each request's user_data is its check's index
 * shifted left by 2, plus its kind in the low bits.
 */
#include "client_check_ring.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum request_kind {
	KIND_SEND = 0,
	KIND_RECV = 1,
	KIND_WATCH = 2,
	KIND_CANCEL = 3,
};

#define KIND_BITS 2u
#define KIND_MASK 3u

static uint64_t request_data(uint32_t index, enum request_kind kind)
{
	return ((uint64_t)index << KIND_BITS) | kind;
}

/* A free submission entry, submitting what is queued first if the ring is
 * full. NULL only if submitting fails. */
static struct io_uring_sqe *next_sqe(struct client_check_ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (!sqe && io_uring_submit(&r->ring) >= 0)
		sqe = io_uring_get_sqe(&r->ring);
	return sqe;
}

static unsigned power_of_two_at_least(unsigned n)
{
	unsigned p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

int client_check_ring_open(struct client_check_ring *r, unsigned window,
			   int watch_fd, char *why, size_t why_size)
{
	memset(r, 0, sizeof(*r));
	r->watch_fd = watch_fd;
	if (window == 0)
		window = 1;
	/* Every check may have a send and a recv answer pending at once,
	 * plus the watch and cancels: a CQ four times the window never
	 * overflows. */
	struct io_uring_params params = {
	    .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		     IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE,
	    .cq_entries = power_of_two_at_least(4 * window + 8),
	};
	unsigned sq_entries =
	    power_of_two_at_least(window < 512 ? 2 * window : 1024);
	int err = io_uring_queue_init_params(sq_entries, &r->ring, &params);
	if (err < 0) {
		snprintf(why, why_size, "io_uring_queue_init: %s",
			 strerror(-err));
		return err;
	}
	r->open = 1;
	r->checks = calloc(window, sizeof(*r->checks));
	r->free = calloc(window, sizeof(*r->free));
	if (!r->checks || !r->free) {
		client_check_ring_close(r);
		snprintf(why, why_size, "no memory for %u checks in flight",
			 window);
		return -ENOMEM;
	}
	r->window = window;
	for (unsigned i = 0; i < window; i++)
		r->free[i] = window - 1 - i;
	r->free_count = window;
	return 0;
}

void client_check_ring_close(struct client_check_ring *r)
{
	if (r->open)
		io_uring_queue_exit(&r->ring); /* cancels what is in flight */
	free(r->checks);
	free(r->free);
	memset(r, 0, sizeof(*r));
	r->watch_fd = -1;
}

static int queue_send(struct client_check_ring *r, uint32_t index)
{
	struct client_check *c = &r->checks[index];
	struct io_uring_sqe *sqe = next_sqe(r);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_send(sqe, c->fd, c->message + c->sent,
			   (size_t)(c->size - c->sent), MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, request_data(index, KIND_SEND));
	c->requests++;
	return 0;
}

static int queue_recv(struct client_check_ring *r, uint32_t index)
{
	struct client_check *c = &r->checks[index];
	struct io_uring_sqe *sqe = next_sqe(r);
	if (!sqe)
		return -EBUSY;
	/* One byte more than is still owed: an extra byte is a mismatch. */
	io_uring_prep_recv(sqe, c->fd, c->reply + c->received,
			   (size_t)(c->size + 1u - c->received), 0);
	io_uring_sqe_set_data64(sqe, request_data(index, KIND_RECV));
	c->requests++;
	return 0;
}

/* The send failed: the recv may never end by itself, so cancel it. */
static void queue_cancel(struct client_check_ring *r, uint32_t index)
{
	struct io_uring_sqe *sqe = next_sqe(r);
	if (!sqe)
		return; /* the ring is failing; close() cancels everything */
	io_uring_prep_cancel64(sqe, request_data(index, KIND_RECV), 0);
	io_uring_sqe_set_data64(sqe, request_data(0, KIND_CANCEL));
}

int client_check_ring_add(struct client_check_ring *r, int fd, uint64_t tag,
			  const uint8_t *message, unsigned size)
{
	if (size == 0 || size > CLIENT_CHECK_MESSAGE_MAX)
		return -EINVAL;
	if (r->free_count == 0)
		return -ENOSPC;
	if (io_uring_sq_space_left(&r->ring) < 2 &&
	    io_uring_submit(&r->ring) < 0)
		return -EBUSY;
	uint32_t index = r->free[--r->free_count];
	struct client_check *c = &r->checks[index];
	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->fd = fd;
	c->size = (uint8_t)size;
	memcpy(c->message, message, size);
	r->in_flight++;
	/* In this order, submitted together: the send goes out at once and
	 * the recv then waits for the echo (a poll the kernel arms). */
	if (queue_send(r, index) < 0 || queue_recv(r, index) < 0)
		return -EBUSY;
	return 0;
}

static void send_answered(struct client_check_ring *r, uint32_t index, int res)
{
	struct client_check *c = &r->checks[index];
	if (res < 0) {
		c->result = CLIENT_CHECK_CLOSED;
		if (c->requests > 0) /* the recv, still waiting */
			queue_cancel(r, index);
		return;
	}
	c->sent = (uint8_t)(c->sent + res);
	if (c->sent < c->size && c->result == CLIENT_CHECK_PASSED &&
	    queue_send(r, index) < 0)
		c->result = CLIENT_CHECK_CLOSED;
}

static void recv_answered(struct client_check_ring *r, uint32_t index, int res)
{
	struct client_check *c = &r->checks[index];
	if (res <= 0) {
		if (c->result == CLIENT_CHECK_PASSED)
			c->result = CLIENT_CHECK_CLOSED;
		return;
	}
	unsigned got = (unsigned)res;
	if (c->received + got > c->size ||
	    memcmp(c->reply + c->received, c->message + c->received, got)) {
		c->result = CLIENT_CHECK_MISMATCH;
		return;
	}
	c->received = (uint8_t)(c->received + got);
	if (c->received < c->size && c->result == CLIENT_CHECK_PASSED &&
	    queue_recv(r, index) < 0)
		c->result = CLIENT_CHECK_CLOSED;
}

/* One answer from the kernel. Returns 1 when it finished a check (then
 * reported to done), else 0. */
static int answered(struct client_check_ring *r, const struct io_uring_cqe *cqe,
		    client_check_done *done, void *context)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	enum request_kind kind = (enum request_kind)(data & KIND_MASK);
	uint32_t index = (uint32_t)(data >> KIND_BITS);
	if (kind == KIND_WATCH) {
		r->watch_armed = 0;
		r->watch_ready = 1;
		return 0;
	}
	if (kind == KIND_CANCEL || index >= r->window)
		return 0;
	struct client_check *c = &r->checks[index];
	c->requests--;
	if (kind == KIND_SEND)
		send_answered(r, index, cqe->res);
	else
		recv_answered(r, index, cqe->res);
	if (c->requests > 0)
		return 0;
	/* Both requests are back: passed only if all of it went and came. */
	if (c->result == CLIENT_CHECK_PASSED &&
	    (c->sent < c->size || c->received < c->size))
		c->result = CLIENT_CHECK_CLOSED;
	r->in_flight--;
	r->free[r->free_count++] = index;
	done(context, c->tag, (enum client_check_result)c->result);
	return 1;
}

static void arm_watch(struct client_check_ring *r)
{
	if (r->watch_fd < 0 || r->watch_armed || r->watch_ready)
		return;
	struct io_uring_sqe *sqe = next_sqe(r);
	if (!sqe)
		return;
	io_uring_prep_poll_add(sqe, r->watch_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, request_data(0, KIND_WATCH));
	r->watch_armed = 1;
}

int client_check_ring_run(struct client_check_ring *r, unsigned want,
			  int64_t timeout_ns, client_check_done *done,
			  void *context)
{
	arm_watch(r);
	unsigned wait = want < r->in_flight ? want : r->in_flight;
	if (wait == 0 && r->watch_armed)
		wait = 1; /* nothing in flight: wait for the command */
	if (timeout_ns < 0)
		timeout_ns = 0;
	struct __kernel_timespec timeout = {
	    .tv_sec = timeout_ns / 1000000000,
	    .tv_nsec = timeout_ns % 1000000000,
	};
	struct io_uring_cqe *cqe;
	int err = io_uring_submit_and_wait_timeout(&r->ring, &cqe, wait,
						   &timeout, NULL);
	if (err < 0 && err != -ETIME && err != -EINTR && err != -EAGAIN)
		return err;
	int reported = 0;
	unsigned head, seen = 0;
	io_uring_for_each_cqe(&r->ring, head, cqe)
	{
		reported += answered(r, cqe, done, context);
		seen++;
	}
	io_uring_cq_advance(&r->ring, seen);
	return reported;
}
