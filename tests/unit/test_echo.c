/* test_echo.c - mcs_echo on a socketpair: echo, backpressure (reads pause
 * while a chunk is pending, memory bounded), resume, close accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_echo.h"

static struct mcs_worker_stats stats;

static void make_pair(int fds[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	int small = 4096;
	setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
}

static void test_echoes_and_goes_idle(void **state)
{
	(void)state;
	memset(&stats, 0, sizeof(stats));
	struct mcs_echo echo;
	assert_int_equal(mcs_echo_init(&echo, 1024, 1024, 4, &stats), 0);
	int fds[2];
	make_pair(fds);
	struct mcs_conn conn;
	mcs_echo_open(&echo, &conn, fds[0]);
	assert_int_equal(mcs_stat_get(&stats.live), 1);
	assert_int_equal(write(fds[1], "hello", 5), 5);
	assert_int_equal(
	    mcs_echo_on_readable(&echo, &conn, MCS_ECHO_READ_TO_EAGAIN),
	    MCS_ECHO_IDLE);
	char buf[8];
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(mcs_stat_get(&stats.bytes_in), 5);
	assert_int_equal(mcs_stat_get(&stats.bytes_out), 5);
	/* Peer closes: end of stream. */
	close(fds[1]);
	assert_int_equal(
	    mcs_echo_on_readable(&echo, &conn, MCS_ECHO_READ_TO_EAGAIN),
	    MCS_ECHO_CLOSE);
	mcs_echo_close(&echo, &conn);
	assert_int_equal(conn.fd, -1);
	assert_int_equal(mcs_stat_get(&stats.live), 0);
	assert_int_equal(mcs_stat_get(&stats.closes), 1);
	mcs_echo_destroy(&echo);
}

static void test_backpressure_bounds_memory(void **state)
{
	(void)state;
	memset(&stats, 0, sizeof(stats));
	struct mcs_echo echo;
	assert_int_equal(mcs_echo_init(&echo, 4096, 2048, 4, &stats), 0);
	assert_int_equal(echo.read_size, 2048); /* capped by the limit */
	int fds[2];
	make_pair(fds);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	struct mcs_conn conn;
	mcs_echo_open(&echo, &conn, fds[0]);
	/* The peer writes a lot and never reads. */
	char block[1024];
	memset(block, 'x', sizeof(block));
	size_t pushed = 0;
	enum mcs_echo_result r = MCS_ECHO_IDLE;
	for (int i = 0; i < 2000 && r != MCS_ECHO_BLOCKED; i++) {
		ssize_t w = write(fds[1], block, sizeof(block));
		if (w > 0)
			pushed += (size_t)w;
		r = mcs_echo_on_readable(&echo, &conn, MCS_ECHO_READ_TO_EAGAIN);
		assert_int_not_equal(r, MCS_ECHO_CLOSE);
	}
	assert_int_equal(r, MCS_ECHO_BLOCKED);
	assert_int_not_equal(conn.pending, MCS_POOL_NONE);
	/* One chunk at most, and reads stay paused. */
	assert_int_equal(mcs_stat_get(&stats.buffer_bytes),
			 echo.chunks.object_size);
	uint64_t in_before = mcs_stat_get(&stats.bytes_in);
	assert_int_equal(
	    mcs_echo_on_readable(&echo, &conn, MCS_ECHO_READ_TO_EAGAIN),
	    MCS_ECHO_BLOCKED);
	assert_int_equal(mcs_stat_get(&stats.bytes_in), in_before);
	/* The peer drains; the chunk goes and reading resumes. */
	char sink[65536];
	size_t drained = 0;
	for (int i = 0; i < 10000 && drained < pushed; i++) {
		ssize_t n = read(fds[1], sink, sizeof(sink));
		if (n > 0)
			drained += (size_t)n;
		r = mcs_echo_on_writable(&echo, &conn, MCS_ECHO_READ_TO_EAGAIN);
		assert_int_not_equal(r, MCS_ECHO_CLOSE);
	}
	assert_int_equal(drained, pushed);
	assert_int_equal(conn.pending, MCS_POOL_NONE);
	assert_int_equal(mcs_stat_get(&stats.buffer_bytes), 0);
	assert_int_equal(mcs_stat_get(&stats.bytes_out), pushed);
	mcs_echo_close(&echo, &conn);
	close(fds[1]);
	mcs_echo_destroy(&echo);
}

static void test_closed_peer_is_not_an_error(void **state)
{
	(void)state;
	memset(&stats, 0, sizeof(stats));
	struct mcs_echo echo;
	assert_int_equal(mcs_echo_init(&echo, 1024, 1024, 4, &stats), 0);
	int fds[2];
	make_pair(fds);
	struct mcs_conn conn;
	mcs_echo_open(&echo, &conn, fds[0]);
	close(fds[1]);
	/* The peer went away: end of stream, not a read error. */
	assert_int_equal(
	    mcs_echo_on_readable(&echo, &conn, MCS_ECHO_READ_TO_EAGAIN),
	    MCS_ECHO_CLOSE);
	mcs_echo_close(&echo, &conn);
	assert_int_equal(mcs_stat_get(&stats.read_errors), 0);
	mcs_echo_destroy(&echo);
}

/* One echo over a socketpair: fds[0] is the server's side, fds[1] the
 * peer's. */
struct pair_echo {
	struct mcs_echo echo;
	struct mcs_conn conn;
	int fds[2];
};

static void pair_open(struct pair_echo *p, uint32_t read_size)
{
	memset(&stats, 0, sizeof(stats));
	assert_int_equal(mcs_echo_init(&p->echo, read_size, 1024, 4, &stats),
			 0);
	make_pair(p->fds);
	mcs_echo_open(&p->echo, &p->conn, p->fds[0]);
}

static void pair_close(struct pair_echo *p)
{
	mcs_echo_close(&p->echo, &p->conn);
	close(p->fds[1]);
	mcs_echo_destroy(&p->echo);
}

/* Reading to a short read stops there: the end of stream behind the data
 * is left for the next edge, which is why an edge-triggered backend reads
 * to EAGAIN when the wait reported a hang-up. */
static void test_short_read_ends_reading(void **state)
{
	(void)state;
	struct pair_echo p;
	pair_open(&p, 1024);
	assert_int_equal(write(p.fds[1], "hi", 2), 2);
	assert_int_equal(shutdown(p.fds[1], SHUT_WR), 0);
	assert_int_equal(
	    mcs_echo_on_readable(&p.echo, &p.conn, MCS_ECHO_READ_TO_SHORT),
	    MCS_ECHO_IDLE);
	assert_int_equal(mcs_stat_get(&stats.reads), 1);
	assert_int_equal(mcs_stat_get(&stats.bytes_out), 2);
	/* Read to EAGAIN, the end of stream is found. */
	assert_int_equal(
	    mcs_echo_on_readable(&p.echo, &p.conn, MCS_ECHO_READ_TO_EAGAIN),
	    MCS_ECHO_CLOSE);
	pair_close(&p);
}

/* A full read is not short: reading goes on to the rest. */
static void test_full_read_goes_on(void **state)
{
	(void)state;
	struct pair_echo p;
	pair_open(&p, 4);
	assert_int_equal(write(p.fds[1], "abcdef", 6), 6);
	assert_int_equal(
	    mcs_echo_on_readable(&p.echo, &p.conn, MCS_ECHO_READ_TO_SHORT),
	    MCS_ECHO_IDLE);
	assert_int_equal(mcs_stat_get(&stats.reads), 2);
	char buf[8];
	assert_int_equal(read(p.fds[1], buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "abcdef", 6);
	pair_close(&p);
}

/* No error pending (SO_ERROR 0): nothing is taken or counted, and the
 * data is there to read as usual; a real error (a reset) is in
 * test_readiness_core.c. */
static void test_error_event_without_error_reads(void **state)
{
	(void)state;
	struct pair_echo p;
	pair_open(&p, 1024);
	assert_int_equal(write(p.fds[1], "hi", 2), 2);
	assert_int_equal(mcs_echo_take_error(&p.echo, &p.conn), 0);
	assert_int_equal(mcs_stat_get(&stats.resets), 0);
	assert_int_equal(mcs_stat_get(&stats.read_errors), 0);
	assert_int_equal(
	    mcs_echo_on_readable(&p.echo, &p.conn, MCS_ECHO_READ_TO_EAGAIN),
	    MCS_ECHO_IDLE);
	assert_int_equal(mcs_stat_get(&stats.reads), 1);
	pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echoes_and_goes_idle),
	    cmocka_unit_test(test_backpressure_bounds_memory),
	    cmocka_unit_test(test_closed_peer_is_not_an_error),
	    cmocka_unit_test(test_short_read_ends_reading),
	    cmocka_unit_test(test_full_read_goes_on),
	    cmocka_unit_test(test_error_event_without_error_reads),
	};
	return cmocka_run_group_tests_name("echo", tests, NULL, NULL);
}
