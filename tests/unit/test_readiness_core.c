/* test_readiness_core.c - the readiness core (backends/lib/readiness_core.c)
 * under a fake backend whose hooks only record what the core asked of
 * them: the cap, the descriptor ceiling, a cap shared by two loops, a
 * connection the backend cannot watch, echo and close through serve, and
 * the run loop's order (wait, then stop is seen before any dispatch).
 * Real loopback sockets on the two ports given as arguments.
 *
 * usage: test_unit_readiness_core_bin PORT (PORT and PORT+1 are used)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "readiness_core.h"

static uint16_t first_port;

/* What the fake backend was asked, and how it answers. */
static struct {
	unsigned watched, forgotten, reads, writes, waits, dispatches;
	uint32_t last_handle;
	int watch_result; /* what readiness_backend_watch() returns */
	int listening;	  /* last readiness_backend_listening() value */
	int wait_timeout; /* last timeout asked of the wait */
} fake;

int readiness_backend_wait(struct readiness_core *core, int timeout_ms,
			   char *why, size_t why_size)
{
	(void)why, (void)why_size;
	fake.waits++;
	fake.wait_timeout = timeout_ms;
	readiness_core_stop(core); /* one round, then run() must return */
	return 1;
}

void readiness_backend_dispatch(struct readiness_core *core, int ready)
{
	(void)core, (void)ready;
	fake.dispatches++;
}

int readiness_backend_watch(struct readiness_core *core, uint32_t handle,
			    int fd)
{
	(void)core, (void)fd;
	fake.watched++;
	fake.last_handle = handle;
	return fake.watch_result;
}

void readiness_backend_interest(struct readiness_core *core, uint32_t handle,
				int fd, enum readiness_interest interest)
{
	(void)core, (void)handle, (void)fd;
	if (interest == READINESS_READ)
		fake.reads++;
	else
		fake.writes++;
}

void readiness_backend_forget(struct readiness_core *core, uint32_t handle,
			      int fd)
{
	(void)core, (void)fd;
	fake.forgotten++;
	fake.last_handle = handle;
}

void readiness_backend_listening(struct readiness_core *core, int listening)
{
	(void)core;
	fake.listening = listening;
}

struct loop {
	struct mcs_worker_stats stats;
	struct mcs_worker_config config;
	uint16_t port;
	struct readiness_core core;
};

static int make_loop(struct loop *l, unsigned port_offset, unsigned max,
		     int fd_ceiling, _Atomic unsigned *shared, char *why,
		     size_t why_size)
{
	memset(l, 0, sizeof(*l));
	l->port = (uint16_t)(first_port + port_offset);
	l->config = (struct mcs_worker_config){
	    .address.s_addr = htonl(INADDR_LOOPBACK),
	    .ports = &l->port,
	    .port_count = 1,
	    .max_connections = max,
	    .read_buffer_size = 4096,
	    .write_backlog_limit = 16384,
	    .listen_backlog = 16,
	    .stats = &l->stats,
	};
	struct readiness_params params = {
	    .name = "fake",
	    .config = &l->config,
	    .max_connections = max,
	    .stats = &l->stats,
	    .fd_ceiling = fd_ceiling,
	    .slot_bytes = 8,
	    .shared_live = shared,
	};
	return readiness_core_init(&l->core, &params, why, why_size);
}

static void new_loop(struct loop *l, unsigned port_offset, unsigned max,
		     _Atomic unsigned *shared)
{
	char why[200] = "";
	int err = make_loop(l, port_offset, max, 0, shared, why, sizeof(why));
	if (err)
		print_message("make_loop: %s\n", why);
	assert_int_equal(err, 0);
}

/* A blocking client connected to the loop's listener (the kernel
 * completes it from the backlog before anyone accepts). */
static int client(const struct loop *l)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(l->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	return fd;
}

static void test_cap_echo_and_close(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	struct loop l;
	new_loop(&l, 0, 2, NULL);
	int peers[3] = {client(&l), client(&l), client(&l)};
	readiness_core_accept(&l.core, l.core.listeners[0]);
	/* Two held, the third closed at once and counted. */
	assert_int_equal(fake.watched, 2);
	assert_int_equal(mcs_stat_get(&l.stats.live), 2);
	assert_int_equal(mcs_stat_get(&l.stats.over_capacity), 1);
	assert_int_equal(mcs_stat_get(&l.stats.pool_bytes), 2 * (8 + 8));
	char buf[8];
	assert_int_equal(read(peers[2], buf, sizeof(buf)), 0);

	/* Not readable as far as the wait knows: nothing is done. */
	assert_int_equal(write(peers[0], "hi", 2), 2);
	readiness_core_serve(&l.core, 0, READINESS_OUT);
	assert_int_equal(fake.reads, 0);
	/* Readable: echoed, and it waits for readable again. */
	readiness_core_serve(&l.core, 0, READINESS_IN);
	assert_int_equal(fake.reads, 1);
	assert_int_equal(read(peers[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);

	/* The peer closes: the backend forgets it, the core closes it. */
	close(peers[1]);
	readiness_core_serve(&l.core, 1, READINESS_IN);
	assert_int_equal(fake.forgotten, 1);
	assert_int_equal(fake.last_handle, 1);
	assert_int_equal(mcs_stat_get(&l.stats.live), 1);
	assert_int_equal(mcs_stat_get(&l.stats.closes), 1);
	/* A stale event for the closed handle is ignored. */
	readiness_core_serve(&l.core, 1, READINESS_IN | READINESS_OUT);
	assert_int_equal(fake.forgotten, 1);

	readiness_core_destroy(&l.core);
	assert_int_equal(mcs_stat_get(&l.stats.live), 0);
	assert_int_equal(read(peers[0], buf, sizeof(buf)), 0);
	close(peers[0]);
	close(peers[2]);
}

/* The lowest descriptor the next open() will get. */
static int next_fd(void)
{
	int fd = dup(0);
	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_fd_ceiling(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	char why[200] = "";
	struct loop l;
	/* The eventfd takes next, the listener next + 1: under a ceiling of
	 * next + 1 the listener does not fit, and init says so. */
	int next = next_fd();
	assert_int_equal(make_loop(&l, 0, 4, next + 1, NULL, why, sizeof(why)),
			 -EMFILE);
	assert_non_null(strstr(why, "fake: fd"));
	readiness_core_destroy(&l.core);
	assert_int_equal(next_fd(), next);

	/* Under a ceiling of next + 2 the loop's own fit, and every
	 * accepted descriptor (above the client's) is refused. */
	assert_int_equal(make_loop(&l, 0, 4, next + 2, NULL, why, sizeof(why)),
			 0);
	int peer = client(&l);
	readiness_core_accept(&l.core, l.core.listeners[0]);
	assert_int_equal(fake.watched, 0);
	assert_int_equal(mcs_stat_get(&l.stats.over_capacity), 1);
	assert_int_equal(mcs_stat_get(&l.stats.accepts), 0);
	readiness_core_destroy(&l.core);
	close(peer);
}

static void test_shared_cap(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	_Atomic unsigned held = 0;
	struct loop a, b;
	new_loop(&a, 0, 1, &held);
	new_loop(&b, 1, 1, &held);
	int pa = client(&a), pb = client(&b);
	readiness_core_accept(&a.core, a.core.listeners[0]);
	readiness_core_accept(&b.core, b.core.listeners[0]);
	/* One cap of 1 for both loops: b refuses. */
	assert_int_equal(held, 1);
	assert_int_equal(mcs_stat_get(&a.stats.live), 1);
	assert_int_equal(mcs_stat_get(&b.stats.over_capacity), 1);
	/* a's connection goes: b may take one. */
	close(pa);
	readiness_core_serve(&a.core, 0, READINESS_IN);
	assert_int_equal(held, 0);
	int pb2 = client(&b);
	readiness_core_accept(&b.core, b.core.listeners[0]);
	assert_int_equal(held, 1);
	assert_int_equal(mcs_stat_get(&b.stats.live), 1);
	readiness_core_destroy(&a.core);
	readiness_core_destroy(&b.core);
	assert_int_equal(held, 0);
	close(pb);
	close(pb2);
}

static void test_watch_failure(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.watch_result = -ENOSPC;
	struct loop l;
	new_loop(&l, 0, 4, NULL);
	int peer = client(&l);
	readiness_core_accept(&l.core, l.core.listeners[0]);
	/* Counted as an accept error, opened and closed again. */
	assert_int_equal(fake.watched, 1);
	assert_int_equal(mcs_stat_get(&l.stats.accept_errors), 1);
	assert_int_equal(mcs_stat_get(&l.stats.accepts), 1);
	assert_int_equal(mcs_stat_get(&l.stats.closes), 1);
	assert_int_equal(mcs_stat_get(&l.stats.live), 0);
	char buf[4];
	assert_int_equal(read(peer, buf, sizeof(buf)), 0);
	readiness_core_destroy(&l.core);
	close(peer);
}

/* The peer resets (SO_LINGER 0): an error event closes the connection
 * without a read and counts a reset. */
static void test_reset_closes_without_read(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	struct loop l;
	new_loop(&l, 0, 4, NULL);
	int peer = client(&l);
	readiness_core_accept(&l.core, l.core.listeners[0]);
	assert_int_equal(mcs_stat_get(&l.stats.live), 1);
	struct linger abort_close = {.l_onoff = 1, .l_linger = 0};
	assert_int_equal(setsockopt(peer, SOL_SOCKET, SO_LINGER, &abort_close,
				    sizeof(abort_close)),
			 0);
	close(peer);
	readiness_core_serve(&l.core, 0, READINESS_IN | READINESS_ERROR);
	assert_int_equal(mcs_stat_get(&l.stats.resets), 1);
	assert_int_equal(mcs_stat_get(&l.stats.reads), 0);
	assert_int_equal(mcs_stat_get(&l.stats.read_errors), 0);
	assert_int_equal(mcs_stat_get(&l.stats.live), 0);
	assert_int_equal(fake.forgotten, 1);
	readiness_core_destroy(&l.core);
}

static void test_run_waits_then_sees_stop(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	struct loop l;
	new_loop(&l, 0, 4, NULL);
	char why[200] = "";
	/* Nothing pending: the wait may block (-1); stop() called during
	 * the wait ends run() before anything is dispatched. */
	assert_int_equal(readiness_core_run(&l.core, why, sizeof(why)), 0);
	assert_int_equal(fake.waits, 1);
	assert_int_equal(fake.wait_timeout, -1);
	assert_int_equal(fake.dispatches, 0);
	readiness_core_destroy(&l.core);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PORT\n", argv[0]);
		return 2;
	}
	first_port = (uint16_t)atoi(argv[1]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap_echo_and_close),
	    cmocka_unit_test(test_fd_ceiling),
	    cmocka_unit_test(test_shared_cap),
	    cmocka_unit_test(test_watch_failure),
	    cmocka_unit_test(test_reset_closes_without_read),
	    cmocka_unit_test(test_run_waits_then_sees_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
