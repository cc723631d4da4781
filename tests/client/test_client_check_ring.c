/* test_client_check_ring.c - the io_uring echo checks of `verify`
 * (client_check_ring.h) against a peer the test plays itself on the other
 * end of socketpairs: an exact echo passes (also when it comes in two
 * parts), a wrong byte or one byte too many is a mismatch, a peer that
 * closes is a closed connection, the window is enforced, and the watched
 * descriptor is reported. Skips (77) where io_uring cannot be set up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_check_ring.h"

#define WAIT_NS 2000000000ll /* generous: the machine is shared */

struct reports {
	unsigned count;
	uint64_t tags[16];
	enum client_check_result results[16];
};

static void record(void *context, uint64_t tag, enum client_check_result result)
{
	struct reports *r = context;
	if (r->count < 16) {
		r->tags[r->count] = tag;
		r->results[r->count] = result;
	}
	r->count++;
}

static const uint8_t message[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* Run the ring until `count` checks were reported (bounded). */
static void run_until(struct client_check_ring *ring, struct reports *got,
		      unsigned count)
{
	for (int i = 0; i < 20 && got->count < count; i++)
		assert_true(client_check_ring_run(ring, count - got->count,
						  WAIT_NS / 20, record,
						  got) >= 0);
	assert_int_equal(got->count, count);
}

/* The peer's end: read what the check sent (exactly the message). */
static void peer_reads_message(int peer)
{
	uint8_t got[8];
	ssize_t n = recv(peer, got, sizeof(got), MSG_WAITALL);
	assert_int_equal(n, 8);
	assert_memory_equal(got, message, 8);
}

static void open_ring(struct client_check_ring *ring, unsigned window,
		      int watch)
{
	char why[160];
	int err = client_check_ring_open(ring, window, watch, why, sizeof(why));
	if (err)
		fail_msg("%s", why);
}

/* One check per case, each on its own socketpair; the peer answers as the
 * case says. */
static void test_results(void **state)
{
	(void)state;
	struct client_check_ring ring;
	open_ring(&ring, 8, -1);
	int pairs[5][2];
	for (int i = 0; i < 5; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pairs[i]),
				 0);
		assert_int_equal(client_check_ring_add(&ring, pairs[i][0],
						       100 + (uint64_t)i,
						       message, 8),
				 0);
	}
	/* Submit: every message goes out; nothing can be answered yet. */
	struct reports got = {0};
	assert_int_equal(client_check_ring_run(&ring, 0, 0, record, &got), 0);
	assert_int_equal(got.count, 0);
	uint8_t wrong[8], extra[9];
	memcpy(wrong, message, 8);
	wrong[5] ^= 0x40;
	memcpy(extra, message, 8);
	extra[8] = 9;
	for (int i = 0; i < 5; i++)
		peer_reads_message(pairs[i][1]);
	assert_int_equal(send(pairs[0][1], message, 8, 0), 8); /* exact */
	assert_int_equal(send(pairs[1][1], wrong, 8, 0), 8);
	assert_int_equal(send(pairs[2][1], extra, 9, 0), 9);
	close(pairs[3][1]); /* the peer goes away */
	pairs[3][1] = -1;
	assert_int_equal(send(pairs[4][1], message, 3, 0), 3); /* part */
	run_until(&ring, &got, 4);
	assert_int_equal(send(pairs[4][1], message + 3, 5, 0), 5);
	run_until(&ring, &got, 5);
	enum client_check_result want[5] = {
	    CLIENT_CHECK_PASSED, CLIENT_CHECK_MISMATCH, CLIENT_CHECK_MISMATCH,
	    CLIENT_CHECK_CLOSED, CLIENT_CHECK_PASSED};
	for (unsigned i = 0; i < 5; i++) {
		unsigned at = 0;
		while (at < 5 && got.tags[at] != 100 + i)
			at++;
		assert_true(at < 5);
		assert_int_equal(got.results[at], want[i]);
	}
	assert_int_equal(got.tags[4], 104); /* the split echo came last */
	assert_int_equal(ring.in_flight, 0);
	client_check_ring_close(&ring);
	for (int i = 0; i < 5; i++) {
		close(pairs[i][0]);
		if (pairs[i][1] >= 0)
			close(pairs[i][1]);
	}
}

/* At most `window` checks at once; a finished one makes room; sizes
 * outside 1..CLIENT_CHECK_MESSAGE_MAX are refused. */
static void test_window(void **state)
{
	(void)state;
	struct client_check_ring ring;
	open_ring(&ring, 2, -1);
	int a[2], b[2], c[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	assert_int_equal(client_check_ring_add(&ring, a[0], 1, message, 0),
			 -EINVAL);
	assert_int_equal(client_check_ring_add(&ring, a[0], 1, message,
					       CLIENT_CHECK_MESSAGE_MAX + 1),
			 -EINVAL);
	assert_int_equal(client_check_ring_add(&ring, a[0], 1, message, 8), 0);
	assert_int_equal(client_check_ring_add(&ring, b[0], 2, message, 8), 0);
	assert_false(client_check_ring_has_room(&ring));
	assert_int_equal(client_check_ring_add(&ring, c[0], 3, message, 8),
			 -ENOSPC);
	struct reports got = {0};
	assert_int_equal(client_check_ring_run(&ring, 0, 0, record, &got), 0);
	peer_reads_message(a[1]);
	assert_int_equal(send(a[1], message, 8, 0), 8);
	run_until(&ring, &got, 1);
	assert_int_equal(got.tags[0], 1);
	assert_true(client_check_ring_has_room(&ring));
	assert_int_equal(client_check_ring_add(&ring, c[0], 3, message, 8), 0);
	/* Closing with checks in flight cancels them: no report, no hang. */
	client_check_ring_close(&ring);
	assert_int_equal(got.count, 1);
	int fds[] = {a[0], a[1], b[0], b[1], c[0], c[1]};
	for (unsigned i = 0; i < 6; i++)
		close(fds[i]);
}

/* The watched descriptor is reported when it has input, also with no
 * check in flight. */
static void test_watch(void **state)
{
	(void)state;
	int w[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, w), 0);
	struct client_check_ring ring;
	open_ring(&ring, 4, w[0]);
	struct reports got = {0};
	assert_int_equal(client_check_ring_run(&ring, 1, 0, record, &got), 0);
	assert_false(ring.watch_ready);
	assert_int_equal(send(w[1], "x", 1, 0), 1);
	for (int i = 0; i < 20 && !ring.watch_ready; i++)
		assert_true(client_check_ring_run(&ring, 1, WAIT_NS / 20,
						  record, &got) >= 0);
	assert_true(ring.watch_ready);
	assert_int_equal(got.count, 0);
	client_check_ring_close(&ring);
	close(w[0]);
	close(w[1]);
}

int main(void)
{
	struct client_check_ring probe;
	char why[160];
	if (client_check_ring_open(&probe, 1, -1, why, sizeof(why)) < 0) {
		fprintf(stderr, "skipped: io_uring cannot be set up here: %s\n",
			why);
		return 77;
	}
	client_check_ring_close(&probe);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_results),
	    cmocka_unit_test(test_window),
	    cmocka_unit_test(test_watch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
