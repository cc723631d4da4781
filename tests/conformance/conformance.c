/* conformance.c - the backend conformance suite: the same tests for every
 * backend, registered once per backend as conformance__<name>.
 *
 * usage: test_conformance BACKEND FIRST_PORT [NAME=VALUE...]
 *   (uses FIRST_PORT..+3; NAME=VALUE sets a backend option, as
 *   `server --backend-opt` does: test_conformance io_uring 3200
 *   direct=false buffers=2)
 * Exit 77 (skipped) when the backend's probe says it cannot run here.
 *
 * Each test drives a real worker of the backend in a child process over
 * loopback and checks what the peer sees (every byte echoed, in order) and
 * what the worker's shared stats say (exact accept/close/byte counts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conformance_server.h"
#include "mcs_proc.h"
#include "peer.h"

#define READ_BUFFER	4096u /* small, so payloads go well over it */
#define WRITE_LIMIT	8192u /* pending-write bound per connection */
#define MAX_CONNECTIONS 3000u
#define TIMEOUT_MS	20000

static const char *backend_name;
static uint16_t first_port;
static const char *const *backend_settings; /* NAME=VALUE, from argv */
static size_t backend_setting_count;
static struct test_server server;

static void totals(struct mcs_stats_total *t)
{
	test_server_totals(&server, t);
}

/* Wait until the worker has closed everything the test opened. */
static void wait_idle(void)
{
	assert_int_equal(test_server_wait_live(&server, 0, TIMEOUT_MS), 0);
}

static void assert_no_errors(const struct mcs_stats_total *before,
			     const struct mcs_stats_total *after)
{
	assert_int_equal(after->read_errors, before->read_errors);
	assert_int_equal(after->write_errors, before->write_errors);
	assert_int_equal(after->accept_errors, before->accept_errors);
	assert_int_equal(after->accept_fd_limit, before->accept_fd_limit);
	assert_int_equal(after->over_capacity, before->over_capacity);
}

static void test_many_connections(void **state)
{
	(void)state;
	struct mcs_stats_total before, after;
	unsigned n = server.config.max_connections - 10;
	if (n > 2000)
		n = 2000;
	int *fds = calloc(n, sizeof(int));
	assert_non_null(fds);
	totals(&before);
	for (unsigned i = 0; i < n; i++) {
		fds[i] = peer_connect(server.ports[i % 2]);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(test_server_wait_live(&server, n, TIMEOUT_MS), 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(peer_exchange(fds[i], 1, 1, i, TIMEOUT_MS), 0);
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	wait_idle();
	totals(&after);
	assert_int_equal(after.accepts - before.accepts, n);
	assert_int_equal(after.closes - before.closes, n);
	assert_int_equal(after.bytes_in - before.bytes_in, n);
	assert_int_equal(after.bytes_out - before.bytes_out, n);
	assert_true(after.peak >= n);
	assert_no_errors(&before, &after);
	free(fds);
}

static void test_echo_sizes(void **state)
{
	(void)state;
	static const size_t sizes[] = {
	    1, 2, 63, 64, 4095, 4096, 4097, 8193, 65536, 262144, 1048576 + 7};
	struct mcs_stats_total before, after;
	uint64_t total = 0;
	totals(&before);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int fd = peer_connect(server.ports[i % 2]);
		assert_true(fd >= 0);
		assert_int_equal(peer_exchange(fd, sizes[i], 65536,
					       (uint32_t)(1000 + i),
					       TIMEOUT_MS),
				 0);
		total += sizes[i];
		close(fd);
	}
	wait_idle();
	totals(&after);
	assert_int_equal(after.bytes_in - before.bytes_in, total);
	assert_int_equal(after.bytes_out - before.bytes_out, total);
	assert_no_errors(&before, &after);
}

static void test_pipelined_writes(void **state)
{
	(void)state;
	struct mcs_stats_total before, after;
	totals(&before);
	/* Many tiny sends back to back, reading concurrently. */
	int fd = peer_connect(server.ports[0]);
	assert_true(fd >= 0);
	assert_int_equal(peer_exchange(fd, 200000, 37, 77, TIMEOUT_MS), 0);
	close(fd);

	/* Everything written before anything is read. */
	fd = peer_connect(server.ports[1]);
	assert_true(fd >= 0);
	unsigned char msg[100];
	size_t total = 0;
	for (int m = 0; m < 200; m++) {
		size_t len = (size_t)(m % 100) + 1;
		peer_pattern(msg, len, 5, total);
		assert_int_equal(send(fd, msg, len, 0), (ssize_t)len);
		total += len;
	}
	unsigned char *back = malloc(total), *want = malloc(total);
	assert_non_null(back);
	assert_non_null(want);
	size_t got = 0;
	while (got < total) {
		ssize_t r = recv(fd, back + got, total - got, 0);
		assert_true(r > 0);
		got += (size_t)r;
	}
	peer_pattern(want, total, 5, 0);
	assert_memory_equal(back, want, total);
	close(fd);
	wait_idle();
	totals(&after);
	assert_int_equal(after.bytes_in - before.bytes_in, 200000 + total);
	assert_int_equal(after.bytes_out - before.bytes_out, 200000 + total);
	assert_no_errors(&before, &after);
	free(back);
	free(want);
}

static void test_half_close(void **state)
{
	(void)state;
	struct mcs_stats_total before, after;
	const size_t len = 50000;
	unsigned char *out = malloc(len), *back = malloc(len + 1);
	assert_non_null(out);
	assert_non_null(back);
	totals(&before);
	int fd = peer_connect(server.ports[0]);
	assert_true(fd >= 0);
	peer_pattern(out, len, 9, 0);
	assert_int_equal(send(fd, out, len, 0), (ssize_t)len);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	/* Everything owed comes back, then the server's FIN. */
	long got = peer_read_to_eof(fd, back, len + 1, TIMEOUT_MS);
	assert_int_equal(got, (long)len);
	assert_memory_equal(back, out, len);
	close(fd);
	wait_idle();
	totals(&after);
	assert_int_equal(after.bytes_out - before.bytes_out, len);
	assert_int_equal(after.closes - before.closes, 1);
	assert_no_errors(&before, &after);
	free(out);
	free(back);
}

static void test_peer_reset(void **state)
{
	(void)state;
	struct mcs_stats_total before, after;
	totals(&before);
	/* Reset on an idle connection. */
	int fd = peer_connect(server.ports[0]);
	assert_true(fd >= 0);
	assert_int_equal(peer_exchange(fd, 1000, 1000, 3, TIMEOUT_MS), 0);
	peer_reset(fd);
	/* Reset while the server is writing to us: 4 MB sent, none read. */
	fd = peer_connect(server.ports[1]);
	assert_true(fd >= 0);
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	unsigned char chunk[65536];
	memset(chunk, 'r', sizeof(chunk));
	size_t sent = 0;
	for (int spins = 0; sent < 4u << 20 && spins < 200;) {
		ssize_t w = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (w > 0) {
			sent += (size_t)w;
			continue;
		}
		spins++;
		poll(NULL, 0, 5);
	}
	peer_reset(fd);
	wait_idle();
	/* The worker survives and serves the next peer. */
	fd = peer_connect(server.ports[0]);
	assert_true(fd >= 0);
	assert_int_equal(peer_exchange(fd, 10, 10, 4, TIMEOUT_MS), 0);
	close(fd);
	wait_idle();
	totals(&after);
	assert_int_equal(after.accepts - before.accepts, 3);
	assert_int_equal(after.closes - before.closes, 3);
	assert_int_equal(after.read_errors, before.read_errors);
	assert_int_equal(after.write_errors, before.write_errors);
}

static void test_slow_reader_is_bounded(void **state)
{
	(void)state;
	int fd = peer_connect(server.ports[1]);
	assert_true(fd >= 0);
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	const size_t max = 16u << 20;
	unsigned char *out = malloc(max);
	assert_non_null(out);
	peer_pattern(out, max, 21, 0);
	/* Send until the whole path is full and stays full for 300 ms. */
	size_t sent = 0;
	for (int idle = 0; sent < max && idle < 60;) {
		ssize_t w =
		    send(fd, out + sent,
			 max - sent > 65536 ? 65536 : max - sent, MSG_NOSIGNAL);
		if (w > 0) {
			sent += (size_t)w;
			idle = 0;
		} else {
			idle++;
			poll(NULL, 0, 5);
		}
	}
	struct mcs_stats_total t;
	totals(&t);
	/* User-space memory for this connection stays bounded however much
	 * the peer pushes: kernel buffers fill, then the worker stops
	 * reading. 1 MiB is far above any backend's per-connection bound. */
	print_message("slow reader: pushed %zu bytes, worker holds %llu bytes "
		      "of pending-write buffers\n",
		      sent, (unsigned long long)t.buffer_bytes);
	assert_true(t.buffer_bytes <= (1u << 20));
	assert_true(sent < max);
	/* Now read: every byte comes back in order, and the rest flows. */
	unsigned char *back = malloc(65536), *want = malloc(65536);
	size_t received = 0;
	while (received < sent) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		assert_true(poll(&p, 1, TIMEOUT_MS) > 0);
		ssize_t r = recv(fd, back, 65536, 0);
		assert_true(r > 0);
		if (received + (size_t)r > sent)
			r = (ssize_t)(sent - received);
		peer_pattern(want, (size_t)r, 21, received);
		assert_memory_equal(back, want, (size_t)r);
		received += (size_t)r;
	}
	close(fd);
	wait_idle();
	free(out);
	free(back);
	free(want);
}

static void test_over_capacity_is_refused(void **state)
{
	(void)state;
	struct test_server small;
	assert_int_equal(test_server_load(&small, backend_name), 0);
	assert_int_equal(test_server_set_options(&small, backend_settings,
						 backend_setting_count),
			 0);
	assert_int_equal(test_server_start(&small, (uint16_t)(first_port + 2),
					   10, READ_BUFFER, WRITE_LIMIT),
			 0);
	int fds[15];
	for (int i = 0; i < 15; i++) {
		fds[i] = peer_connect(small.ports[i % 2]);
		assert_true(fds[i] >= 0);
	}
	/* Ten are held, five are closed by the worker and counted. */
	for (int waited = 0; waited < TIMEOUT_MS; waited += 10) {
		struct mcs_stats_total t;
		test_server_totals(&small, &t);
		if (t.over_capacity == 5)
			break;
		poll(NULL, 0, 10);
	}
	struct mcs_stats_total t;
	test_server_totals(&small, &t);
	assert_int_equal(t.over_capacity, 5);
	assert_int_equal(t.live, 10);
	int alive = 0;
	for (int i = 0; i < 15; i++) {
		if (peer_exchange(fds[i], 4, 4, (uint32_t)i, 2000) == 0)
			alive++;
		close(fds[i]);
	}
	assert_int_equal(alive, 10);
	assert_int_equal(test_server_wait_live(&small, 0, TIMEOUT_MS), 0);
	assert_int_equal(test_server_stop(&small), 0);
	mcs_stats_close(&small.stats);
	mcs_backend_unload(&small.backend);
}

static void test_stop_closes_everything(void **state)
{
	(void)state;
	int fds[50];
	for (int i = 0; i < 50; i++) {
		fds[i] = peer_connect(server.ports[i % 2]);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(test_server_wait_live(&server, 50, TIMEOUT_MS), 0);
	assert_int_equal(test_server_stop(&server), 0);
	struct mcs_stats_total t;
	totals(&t);
	assert_int_equal(t.live, 0);
	assert_int_equal(t.accepts, t.closes);
	assert_int_equal(t.stopped, 1);
	/* The peers see the connection end. */
	for (int i = 0; i < 50; i++) {
		unsigned char byte;
		struct pollfd p = {.fd = fds[i], .events = POLLIN};
		assert_true(poll(&p, 1, TIMEOUT_MS) > 0);
		assert_true(recv(fds[i], &byte, 1, 0) <= 0);
		close(fds[i]);
	}
}

static int group_setup(void **state)
{
	(void)state;
	return test_server_start(&server, first_port, MAX_CONNECTIONS,
				 READ_BUFFER, WRITE_LIMIT);
}

static int group_teardown(void **state)
{
	(void)state;
	test_server_stop(&server);
	mcs_stats_close(&server.stats);
	mcs_backend_unload(&server.backend);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr,
			"usage: %s BACKEND FIRST_PORT [NAME=VALUE...]\n",
			argv[0]);
		return 2;
	}
	backend_name = argv[1];
	first_port = (uint16_t)atoi(argv[2]);
	backend_settings = (const char *const *)argv + 3;
	backend_setting_count = (size_t)argc - 3;
	int loaded = test_server_load(&server, backend_name);
	if (loaded)
		return loaded == 77 ? 77 : 1;
	if (test_server_set_options(&server, backend_settings,
				    backend_setting_count))
		return 2;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_connections),
	    cmocka_unit_test(test_echo_sizes),
	    cmocka_unit_test(test_pipelined_writes),
	    cmocka_unit_test(test_half_close),
	    cmocka_unit_test(test_peer_reset),
	    cmocka_unit_test(test_slow_reader_is_bounded),
	    cmocka_unit_test(test_over_capacity_is_refused),
	    cmocka_unit_test(test_stop_closes_everything),
	};
	return cmocka_run_group_tests_name(backend_name, tests, group_setup,
					   group_teardown);
}
