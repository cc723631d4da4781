/* test_hostile_peers.c - one backend worker against hostile and slow peers:
 * a peer that sends and never reads, half-closes, resets mid-write,
 * connects and closes thousands of times, floods past the connection cap,
 * and a worker that runs out of file descriptors (EMFILE).
 *
 * usage: test_reliability_peers CASE BACKEND FIRST_PORT
 *   (uses FIRST_PORT and FIRST_PORT+1; exit 77 if the backend cannot run
 *   here). CASE is one of the names in the table at the bottom.
 *
 * The worker runs in a child process exactly as the conformance suite runs
 * it (tests/conformance/conformance_server.c); every test checks what the
 * peer sees, what the worker's shared stats say, and what the kernel says
 * about the worker process (/proc/PID: PSS, open fds, CPU time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conformance_server.h"
#include "peer.h"
#include "rel_util.h"

#define READ_BUFFER	16384u
#define WRITE_LIMIT	16384u
#define MAX_CONNECTIONS 1000u
#define MIB		(1024u * 1024u)

static const char *backend_name;
static uint16_t first_port;
static struct test_server server;
static struct mcs_worker_stats *stats; /* server's one worker */

static void start(unsigned max_connections)
{
	assert_int_equal(test_server_start(&server, first_port, max_connections,
					   READ_BUFFER, WRITE_LIMIT),
			 0);
	stats = server.config.stats;
}

static void stop(void)
{
	assert_int_equal(test_server_stop(&server), 0);
	mcs_stats_close(&server.stats);
}

/* Every counter of the worker on one line, for the log of a failure. */
static void dump(const char *when)
{
	struct mcs_stats_total t;
	test_server_totals(&server, &t);
	print_message(
	    "%s (%s): live %llu peak %llu accepts %llu closes %llu "
	    "accept_fd_limit %llu accept_errors %llu over_capacity "
	    "%llu resets %llu read_errors %llu write_errors %llu "
	    "pool_bytes %llu buffer_bytes %llu\n",
	    when, backend_name, (unsigned long long)t.live,
	    (unsigned long long)t.peak, (unsigned long long)t.accepts,
	    (unsigned long long)t.closes, (unsigned long long)t.accept_fd_limit,
	    (unsigned long long)t.accept_errors,
	    (unsigned long long)t.over_capacity, (unsigned long long)t.resets,
	    (unsigned long long)t.read_errors,
	    (unsigned long long)t.write_errors,
	    (unsigned long long)t.pool_bytes,
	    (unsigned long long)t.buffer_bytes);
}

static void wait_idle(void)
{
	if (rel_wait_equal(&stats->live, 0, REL_TIMEOUT_MS) != 0)
		dump("not idle");
	assert_int_equal(rel_wait_equal(&stats->live, 0, REL_TIMEOUT_MS), 0);
}

/* A fresh connection still gets every byte back: the worker serves. */
static void assert_still_serving(uint16_t port, size_t len, uint32_t seed)
{
	int fd = peer_connect(port);
	assert_true(fd >= 0);
	assert_int_equal(peer_exchange(fd, len, 16384, seed, REL_TIMEOUT_MS),
			 0);
	close(fd);
}

static void assert_no_io_errors(void)
{
	assert_int_equal(mcs_stat_get(&stats->read_errors), 0);
	assert_int_equal(mcs_stat_get(&stats->write_errors), 0);
	assert_int_equal(mcs_stat_get(&stats->accept_errors), 0);
}

/* Push continuously on connections that never read, for a few seconds
 * (until every one has been stalled for 1 s, at most 15 s on a loaded
 * machine) or until 64 MiB per connection has gone in. Neither the worker's
 * own count of buffered bytes nor its PSS may grow with what is pushed:
 * once the kernel's socket buffers are full the worker must stop reading
 * (backpressure), and the peers' send() must stall. */
static void test_never_reads(void **state)
{
	(void)state;
	enum { PEERS = 8 };
	const size_t per_peer_goal = 64u * MIB;
	start(MAX_CONNECTIONS);
	/* Touch the read path once so the baseline holds the buffers any
	 * active connection needs. */
	assert_still_serving(first_port, 1 * MIB, 1);
	wait_idle();
	uint64_t pss_base = rel_pss(server.pid);
	assert_true(pss_base > 0);

	int fds[PEERS];
	size_t sent[PEERS] = {0};
	int64_t stalled_since[PEERS];
	for (int i = 0; i < PEERS; i++) {
		fds[i] = rel_connect_nonblocking(server.ports[i % 2]);
		assert_true(fds[i] >= 0);
		stalled_since[i] = 0;
	}
	static unsigned char chunk[256 * 1024];
	memset(chunk, 'x', sizeof(chunk));
	uint64_t max_buffer = 0, max_pss = pss_base, pss_at_1s = 0;
	uint64_t max_pss_after_1s = 0;
	int64_t begin = rel_now_ms(), next_sample = begin;
	int all_stalled = 0;
	size_t total = 0;
	while (rel_now_ms() - begin < 15000) {
		int progress = 0;
		all_stalled = 1;
		for (int i = 0; i < PEERS; i++) {
			if (sent[i] >= per_peer_goal)
				continue;
			ssize_t w =
			    send(fds[i], chunk, sizeof(chunk), MSG_NOSIGNAL);
			if (w > 0) {
				sent[i] += (size_t)w;
				total += (size_t)w;
				stalled_since[i] = 0;
				progress = 1;
			} else {
				assert_true(w < 0 && errno == EAGAIN);
				if (!stalled_since[i])
					stalled_since[i] = rel_now_ms();
			}
			if (!stalled_since[i] ||
			    rel_now_ms() - stalled_since[i] < 1000)
				all_stalled = 0;
		}
		int64_t now = rel_now_ms();
		if (now >= next_sample) {
			uint64_t b = mcs_stat_get(&stats->buffer_bytes);
			uint64_t p = rel_pss(server.pid);
			if (b > max_buffer)
				max_buffer = b;
			if (p > max_pss)
				max_pss = p;
			if (now - begin >= 1000) {
				if (!pss_at_1s)
					pss_at_1s = p;
				if (p > max_pss_after_1s)
					max_pss_after_1s = p;
			}
			next_sample = now + 50;
		}
		if (all_stalled && now - begin >= 2500)
			break;
		if (!progress)
			poll(NULL, 0, 2);
	}
	uint64_t bytes_in = mcs_stat_get(&stats->bytes_in);
	uint64_t backpressure = mcs_stat_get(&stats->backpressure);
	print_message(
	    "never reads (%s): %d peers pushed %zu MiB in %.1f s "
	    "(all stalled: %s); worker read %llu MiB, backpressure "
	    "%llu; buffer_bytes max %llu; PSS %llu KiB -> max %llu "
	    "KiB (after 1 s: %llu -> %llu KiB)\n",
	    backend_name, PEERS, total / MIB,
	    (double)(rel_now_ms() - begin) / 1000.0, all_stalled ? "yes" : "no",
	    (unsigned long long)(bytes_in / MIB),
	    (unsigned long long)backpressure, (unsigned long long)max_buffer,
	    (unsigned long long)(pss_base / 1024),
	    (unsigned long long)(max_pss / 1024),
	    (unsigned long long)(pss_at_1s / 1024),
	    (unsigned long long)(max_pss_after_1s / 1024));
	/* Either the peers pushed 64 MiB each, or they were stopped by
	 * backpressure: no third way (such as the worker buffering it). */
	assert_true(all_stalled || total >= PEERS * per_peer_goal);
	/* The worker's own buffers: at most about one write limit plus one
	 * read per connection; 4x that is the bound. */
	assert_true(max_buffer <= PEERS * 4ull * (WRITE_LIMIT + READ_BUFFER));
	/* The kernel's view: PSS may not follow what was pushed. 16 MiB of
	 * slack covers allocator and sanitizer noise; 8 peers stalled with
	 * tens of MiB in flight would need far more if it grew. */
	assert_true(max_pss <= pss_base + 16ull * MIB);
	assert_true(max_pss_after_1s <= pss_at_1s + 4ull * MIB);
	/* A well-behaved peer is served meanwhile. */
	assert_still_serving(server.ports[1], 256 * 1024, 2);
	for (int i = 0; i < PEERS; i++)
		peer_reset(fds[i]);
	wait_idle();
	assert_int_equal(
	    rel_wait_equal(&stats->buffer_bytes, 0, REL_TIMEOUT_MS), 0);
	assert_int_equal(mcs_stat_get(&stats->read_errors), 0);
	assert_int_equal(mcs_stat_get(&stats->write_errors), 0);
	stop();
}

/* Half-close (shutdown(SHUT_WR)) in every state: with nothing sent, with
 * more queued than the write limit, with a peer that reads slowly after
 * its FIN, and 20 at once. Every byte comes back, then the worker's FIN. */
static void test_half_close(void **state)
{
	(void)state;
	start(MAX_CONNECTIONS);
	unsigned char *out = malloc(2 * MIB), *back = malloc(2 * MIB + 1);
	assert_non_null(out);
	assert_non_null(back);

	/* Nothing sent: the worker closes at once. */
	int fd = peer_connect(first_port);
	assert_true(fd >= 0);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_int_equal(peer_read_to_eof(fd, back, 16, REL_TIMEOUT_MS), 0);
	close(fd);

	/* 2 MiB then FIN, read at full speed: what the worker still owes is
	 * far more than its write limit when the FIN arrives. */
	peer_pattern(out, 2 * MIB, 7, 0);
	fd = peer_connect(first_port);
	assert_true(fd >= 0);
	size_t sent = 0;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	size_t got = 0;
	int64_t deadline = rel_now_ms() + REL_TIMEOUT_MS;
	int shut = 0;
	while (rel_now_ms() < deadline) {
		if (sent < 2 * MIB) {
			ssize_t w =
			    send(fd, out + sent, 2 * MIB - sent, MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
		} else if (!shut) {
			assert_int_equal(shutdown(fd, SHUT_WR), 0);
			shut = 1;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		poll(&p, 1, 10);
		ssize_t r = recv(fd, back + got, 2 * MIB + 1 - got, 0);
		if (r == 0)
			break;
		if (r > 0)
			got += (size_t)r;
	}
	assert_true(shut);
	assert_int_equal(got, 2 * MIB);
	assert_memory_equal(back, out, 2 * MIB);
	close(fd);

	/* 1 MiB then FIN, reading nothing until the whole path is full
	 * (200 ms without progress), then reading slowly: 16 KiB every 5 ms. */
	fd = peer_connect(server.ports[1]);
	assert_true(fd >= 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	sent = 0;
	got = 0;
	shut = 0;
	int reading = 0;
	int64_t stall = 0;
	deadline = rel_now_ms() + REL_TIMEOUT_MS;
	while (rel_now_ms() < deadline) {
		if (sent < 1 * MIB) {
			ssize_t w =
			    send(fd, out + sent, 1 * MIB - sent, MSG_NOSIGNAL);
			if (w > 0) {
				sent += (size_t)w;
				stall = 0;
			} else if (!stall) {
				stall = rel_now_ms();
			} else if (rel_now_ms() - stall > 200) {
				reading = 1;
			}
		} else if (!shut) {
			assert_int_equal(shutdown(fd, SHUT_WR), 0);
			shut = 1;
			reading = 1;
		}
		if (!reading) {
			poll(NULL, 0, 1);
			continue;
		}
		poll(NULL, 0, 5);
		size_t room = 1 * MIB + 1 - got;
		ssize_t r =
		    recv(fd, back + got, room < 16384 ? room : 16384, 0);
		if (r == 0)
			break;
		if (r > 0)
			got += (size_t)r;
	}
	assert_true(shut);
	assert_int_equal(got, 1 * MIB);
	assert_memory_equal(back, out, 1 * MIB);
	close(fd);

	/* 20 half-closers at once, 50 KB each. */
	enum { MANY = 20 };
	int many[MANY];
	for (int i = 0; i < MANY; i++) {
		many[i] = peer_connect(server.ports[i % 2]);
		assert_true(many[i] >= 0);
		peer_pattern(out, 50000, 100 + (uint32_t)i, 0);
		assert_int_equal(send(many[i], out, 50000, 0), 50000);
		assert_int_equal(shutdown(many[i], SHUT_WR), 0);
	}
	for (int i = 0; i < MANY; i++) {
		long n = peer_read_to_eof(many[i], back, 50001, REL_TIMEOUT_MS);
		assert_int_equal(n, 50000);
		peer_pattern(out, 50000, 100 + (uint32_t)i, 0);
		assert_memory_equal(back, out, 50000);
		close(many[i]);
	}
	wait_idle();
	assert_int_equal(mcs_stat_get(&stats->accepts),
			 mcs_stat_get(&stats->closes));
	assert_int_equal(
	    rel_wait_equal(&stats->buffer_bytes, 0, REL_TIMEOUT_MS), 0);
	assert_no_io_errors();
	free(out);
	free(back);
	stop();
}

/* Resets in every state: before the worker accepted, on an idle
 * connection, in the middle of an echo, and while the worker has unsent
 * data queued for us (we never read). Nothing leaks, nothing is counted as
 * a read or write error, and the worker keeps serving. */
static void test_reset_mid_write(void **state)
{
	(void)state;
	start(MAX_CONNECTIONS);
	static unsigned char chunk[65536];
	memset(chunk, 'r', sizeof(chunk));
	for (int round = 0; round < 40; round++) {
		int fd = rel_connect_nonblocking(server.ports[round % 2]);
		assert_true(fd >= 0);
		switch (round % 4) {
		case 0: /* before the worker may even have accepted it */ break;
		case 1: /* idle, after one echo */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			assert_int_equal(peer_exchange(fd, 100, 100,
						       (uint32_t)round,
						       REL_TIMEOUT_MS),
					 0);
			break;
		case 2: /* mid-echo: 256 KiB sent, some read back */
			for (size_t sent = 0; sent < 256 * 1024;) {
				ssize_t w = send(fd, chunk, sizeof(chunk),
						 MSG_NOSIGNAL);
				if (w > 0)
					sent += (size_t)w;
				else
					poll(NULL, 0, 1);
				recv(fd, chunk, 1000, 0);
			}
			memset(chunk, 'r', sizeof(chunk));
			break;
		case 3: /* the worker's writes are blocked on us: up to
			 * 4 MiB pushed without reading */
			for (int spins = 0, sent = 0;
			     sent < 4 << 20 && spins < 100;) {
				ssize_t w = send(fd, chunk, sizeof(chunk),
						 MSG_NOSIGNAL);
				if (w > 0) {
					sent += (int)w;
					continue;
				}
				spins++;
				poll(NULL, 0, 2);
			}
			break;
		}
		peer_reset(fd);
	}
	wait_idle();
	assert_int_equal(
	    rel_wait_equal(&stats->buffer_bytes, 0, REL_TIMEOUT_MS), 0);
	print_message("resets (%s): accepts %llu closes %llu resets %llu "
		      "read_errors %llu write_errors %llu\n",
		      backend_name,
		      (unsigned long long)mcs_stat_get(&stats->accepts),
		      (unsigned long long)mcs_stat_get(&stats->closes),
		      (unsigned long long)mcs_stat_get(&stats->resets),
		      (unsigned long long)mcs_stat_get(&stats->read_errors),
		      (unsigned long long)mcs_stat_get(&stats->write_errors));
	assert_int_equal(mcs_stat_get(&stats->accepts),
			 mcs_stat_get(&stats->closes));
	/* The 30 connections that were surely accepted were counted. */
	assert_true(mcs_stat_get(&stats->accepts) >= 30);
	assert_no_io_errors();
	assert_still_serving(first_port, 100000, 99);
	wait_idle();
	stop();
}

/* 5,000 connect/close cycles (a third closed with RST, every tenth with
 * an echo first): the worker's open fds and live count return to their
 * baseline, and its pool does not grow past its peak. */
static void test_connect_churn(void **state)
{
	(void)state;
	enum { CYCLES = 5000, WARMUP = 500 };
	start(MAX_CONNECTIONS);
	wait_idle();
	int fds_base = rel_fd_count(server.pid);
	assert_true(fds_base > 0);
	uint64_t pool_warm = 0, peak_warm = 0;
	for (int i = 0; i < CYCLES; i++) {
		int fd = peer_connect(server.ports[i % 2]);
		assert_true(fd >= 0);
		if (i % 10 == 0)
			assert_int_equal(peer_exchange(fd, 64, 64, (uint32_t)i,
						       REL_TIMEOUT_MS),
					 0);
		if (i % 3 == 0)
			peer_reset(fd);
		else
			close(fd);
		if (i == WARMUP) {
			wait_idle();
			pool_warm = mcs_stat_get(&stats->pool_bytes);
			peak_warm = mcs_stat_get(&stats->peak);
		}
	}
	wait_idle();
	assert_int_equal(
	    rel_wait_at_least(&stats->closes, CYCLES, REL_TIMEOUT_MS), CYCLES);
	int fds_after = rel_fd_count(server.pid);
	for (int64_t end = rel_now_ms() + 5000;
	     fds_after != fds_base && rel_now_ms() < end;) {
		poll(NULL, 0, 20);
		fds_after = rel_fd_count(server.pid);
	}
	uint64_t pool = mcs_stat_get(&stats->pool_bytes);
	uint64_t peak = mcs_stat_get(&stats->peak);
	print_message("churn (%s): %d cycles, accepts %llu closes %llu; fds "
		      "%d -> %d; peak %llu (after %d: %llu); pool_bytes %llu "
		      "(after %d: %llu)\n",
		      backend_name, CYCLES,
		      (unsigned long long)mcs_stat_get(&stats->accepts),
		      (unsigned long long)mcs_stat_get(&stats->closes),
		      fds_base, fds_after, (unsigned long long)peak, WARMUP,
		      (unsigned long long)peak_warm, (unsigned long long)pool,
		      WARMUP, (unsigned long long)pool_warm);
	assert_int_equal(mcs_stat_get(&stats->accepts), CYCLES);
	assert_int_equal(mcs_stat_get(&stats->closes), CYCLES);
	assert_int_equal(fds_after, fds_base);
	/* One connection at a time (plus those the worker has not yet seen
	 * closed, many if it was descheduled): the pool is what the peak needs,
	 * not what 5,000 connections would. Threaded backends keep a pool per
	 * thread, each up to the peak: 2 threads run here. */
	assert_true(peak < CYCLES / 2);
	assert_true(peak_warm >= 1);
	assert_true(pool * peak_warm <= 2 * pool_warm * peak);
	assert_int_equal(
	    rel_wait_equal(&stats->buffer_bytes, 0, REL_TIMEOUT_MS), 0);
	assert_no_io_errors();
	stop();
}

/* 500 connections at a worker capped at 20, then 200 more while the first
 * 20 are held: exactly the extra ones are closed and counted in
 * over_capacity, the 20 keep echoing, and the cap frees up once they go. */
static void test_over_capacity(void **state)
{
	(void)state;
	enum { CAP = 20, FLOOD = 500, SECOND = 200 };
	start(CAP);
	int *fds = calloc(FLOOD + SECOND, sizeof(int));
	assert_non_null(fds);
	/* The first CAP one by one, so we know which are held. */
	for (int i = 0; i < CAP; i++) {
		fds[i] = peer_connect(server.ports[i % 2]);
		assert_true(fds[i] >= 0);
		assert_true(rel_wait_at_least(&stats->live, (uint64_t)i + 1,
					      REL_TIMEOUT_MS) >=
			    (uint64_t)i + 1);
	}
	for (int i = CAP; i < FLOOD; i++) {
		fds[i] = peer_connect(server.ports[i % 2]);
		assert_true(fds[i] >= 0);
	}
	rel_wait_at_least(&stats->over_capacity, FLOOD - CAP, REL_TIMEOUT_MS);
	dump("after the flood");
	assert_int_equal(mcs_stat_get(&stats->over_capacity), FLOOD - CAP);
	assert_int_equal(mcs_stat_get(&stats->live), CAP);
	for (int i = CAP; i < FLOOD; i++) {
		assert_true(rel_peer_closed(fds[i], REL_TIMEOUT_MS));
		close(fds[i]);
	}
	for (int i = 0; i < CAP; i++)
		assert_int_equal(peer_exchange(fds[i], 1000, 1000, (uint32_t)i,
					       REL_TIMEOUT_MS),
				 0);
	/* A second wave while the cap is full. */
	for (int i = FLOOD; i < FLOOD + SECOND; i++) {
		fds[i] = peer_connect(server.ports[i % 2]);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(rel_wait_at_least(&stats->over_capacity,
					   FLOOD + SECOND - CAP,
					   REL_TIMEOUT_MS),
			 FLOOD + SECOND - CAP);
	for (int i = 0; i < CAP; i++)
		assert_int_equal(peer_exchange(fds[i], 100000, 16384,
					       (uint32_t)i + 1000,
					       REL_TIMEOUT_MS),
				 0);
	for (int i = FLOOD; i < FLOOD + SECOND; i++)
		close(fds[i]);
	for (int i = 0; i < CAP; i++)
		close(fds[i]);
	wait_idle();
	/* Room again: a new peer is held and served. */
	assert_still_serving(first_port, 1000, 7);
	wait_idle();
	assert_int_equal(mcs_stat_get(&stats->over_capacity),
			 FLOOD + SECOND - CAP);
	assert_int_equal(mcs_stat_get(&stats->peak), CAP);
	assert_no_io_errors();
	free(fds);
	stop();
}

/* The worker runs out of descriptors: its RLIMIT_NOFILE is lowered to 200
 * in the child (before init) while its max_connections is 1000, a
 * deliberate misconfiguration. Clients keep connecting. accept_fd_limit is
 * counted, the worker does not spin (CPU over 2 s of sustained EMFILE
 * < 0.5 s), the connections it holds keep echoing, and once some close it
 * takes the waiting ones. */
#define FD_LIMIT 200

static int lower_fd_limit_in_child;

static void child_lowers_fd_limit(void)
{
	if (!lower_fd_limit_in_child)
		return;
	struct rlimit rl = {.rlim_cur = FD_LIMIT, .rlim_max = FD_LIMIT};
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		_exit(3);
}

static void test_fd_exhaustion(void **state)
{
	(void)state;
	enum { MORE = 60, DURING = 100, FREED = 20 };
	/* test_server_start forks the worker: lower its limit right after
	 * fork, in the child, before init runs. */
	pthread_atfork(NULL, NULL, child_lowers_fd_limit);
	lower_fd_limit_in_child = 1;
	start(MAX_CONNECTIONS);
	lower_fd_limit_in_child = 0;
	assert_true(server.config.max_connections > FD_LIMIT);
	int fds[FD_LIMIT + 10 + MORE + DURING];
	int held = -1, n = 0;
	/* Connect one at a time until the worker stops taking them. */
	for (; n < FD_LIMIT + 10; n++) {
		fds[n] = peer_connect(server.ports[n % 2]);
		assert_true(fds[n] >= 0);
		uint64_t live =
		    rel_wait_at_least(&stats->live, (uint64_t)n + 1, 3000);
		if (live < (uint64_t)n + 1) {
			held = (int)live;
			n++;
			break;
		}
	}
	print_message("fd limit (%s): worker holds %d with RLIMIT_NOFILE %d\n",
		      backend_name, held, FD_LIMIT);
	assert_true(held > 100 && held <= FD_LIMIT);
	for (int i = 0; i < MORE; i++, n++) {
		fds[n] = peer_connect(server.ports[n % 2]);
		assert_true(fds[n] >= 0);
	}
	rel_wait_at_least(&stats->accept_fd_limit, 1, 5000);
	/* A peer the worker closed without holding it was dropped. */
	int dropped = 0;
	for (int i = held; i < n; i++)
		if (rel_peer_closed(fds[i], 0))
			dropped++;
	dump("at the fd limit");
	print_message("fd limit (%s): %d of %d waiting peers were closed by "
		      "the worker\n",
		      backend_name, dropped, n - held);
	/* A waiting peer may be refused only if that is counted (io_uring's
	 * kernel closes the connection a full table could not take): none
	 * may vanish silently. */
	assert_true((uint64_t)dropped <=
		    mcs_stat_get(&stats->accept_fd_limit) +
			mcs_stat_get(&stats->over_capacity));
	assert_true(mcs_stat_get(&stats->accept_fd_limit) >= 1);
	/* 2 s of sustained EMFILE with a client connecting every 20 ms. */
	uint64_t limit_before = mcs_stat_get(&stats->accept_fd_limit);
	double cpu_before = rel_cpu_seconds(server.pid);
	int64_t begin = rel_now_ms();
	for (int i = 0; i < DURING; i++, n++) {
		fds[n] = peer_connect(server.ports[n % 2]);
		assert_true(fds[n] >= 0);
		poll(NULL, 0, 20);
	}
	int64_t left = 2000 - (rel_now_ms() - begin);
	if (left > 0)
		poll(NULL, 0, (int)left);
	double cpu = rel_cpu_seconds(server.pid) - cpu_before;
	double wall = (double)(rel_now_ms() - begin) / 1000.0;
	uint64_t limit_after = mcs_stat_get(&stats->accept_fd_limit);
	print_message("fd limit (%s): %.2f s CPU in %.2f s of EMFILE; "
		      "accept_fd_limit %llu -> %llu; live %llu; over_capacity "
		      "%llu accept_errors %llu\n",
		      backend_name, cpu, wall, (unsigned long long)limit_before,
		      (unsigned long long)limit_after,
		      (unsigned long long)mcs_stat_get(&stats->live),
		      (unsigned long long)mcs_stat_get(&stats->over_capacity),
		      (unsigned long long)mcs_stat_get(&stats->accept_errors));
	assert_true(cpu_before >= 0.0);
	assert_true(cpu < 0.5);
	assert_true(limit_after > limit_before);
	assert_int_equal(mcs_stat_get(&stats->live), held);
	/* Every held connection echoes; the ones beyond the limit are still
	 * open, waiting, unless their refusal was counted. */
	for (int i = 0; i < held; i++)
		assert_int_equal(peer_exchange(fds[i], 200, 200, (uint32_t)i,
					       REL_TIMEOUT_MS),
				 0);
	static char gone[FD_LIMIT + 10 + MORE + DURING];
	dropped = 0;
	for (int i = held; i < n; i++) {
		char c;
		ssize_t r = recv(fds[i], &c, 1, MSG_DONTWAIT);
		gone[i] = !(r < 0 && errno == EAGAIN);
		dropped += gone[i];
	}
	print_message(
	    "fd limit (%s): after 2 s, %d of %d waiting peers were "
	    "closed by the worker, %llu refusals counted\n",
	    backend_name, dropped, n - held,
	    (unsigned long long)mcs_stat_get(&stats->accept_fd_limit));
	assert_true((uint64_t)dropped <=
		    mcs_stat_get(&stats->accept_fd_limit) +
			mcs_stat_get(&stats->over_capacity));
	/* Free FREED descriptors: the worker takes that many waiting peers,
	 * the oldest first, and they echo too. */
	for (int i = 0; i < FREED; i++)
		close(fds[i]);
	assert_true(rel_wait_at_least(&stats->accepts, (uint64_t)held + FREED,
				      REL_TIMEOUT_MS) >=
		    (uint64_t)held + FREED);
	assert_int_equal(mcs_stat_get(&stats->live), held);
	/* Which waiting peers were taken depends on the backend's listener
	 * order: ask them all at once and count the echoes. */
	int served = 0;
	for (int i = held; i < n; i++)
		if (!gone[i])
			assert_int_equal(send(fds[i], "?", 1, MSG_NOSIGNAL), 1);
	for (int64_t end = rel_now_ms() + REL_TIMEOUT_MS;
	     served < FREED && rel_now_ms() < end;) {
		poll(NULL, 0, 10);
		for (int i = held; i < n; i++) {
			char c;
			if (!gone[i] &&
			    recv(fds[i], &c, 1, MSG_DONTWAIT) == 1) {
				assert_int_equal(c, '?');
				served++;
			}
		}
	}
	poll(NULL, 0, 200);
	for (int i = held; i < n; i++) {
		char c;
		if (!gone[i] && recv(fds[i], &c, 1, MSG_DONTWAIT) == 1)
			served++;
	}
	assert_int_equal(served, FREED);
	for (int i = FREED; i < n; i++)
		close(fds[i]);
	wait_idle();
	assert_int_equal(mcs_stat_get(&stats->over_capacity), 0);
	stop();
}

struct rel_case {
	const char *name;
	void (*run)(void **state);
};

static const struct rel_case cases[] = {
    {"never_reads", test_never_reads},
    {"half_close", test_half_close},
    {"reset_mid_write", test_reset_mid_write},
    {"connect_churn", test_connect_churn},
    {"over_capacity", test_over_capacity},
    {"fd_exhaustion", test_fd_exhaustion},
};

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s CASE BACKEND FIRST_PORT\n", argv[0]);
		return 2;
	}
	backend_name = argv[2];
	first_port = rel_port_arg(argv[3]);
	const struct rel_case *c = NULL;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].name, argv[1]) == 0)
			c = &cases[i];
	if (!c) {
		fprintf(stderr, "%s: unknown case '%s'\n", argv[0], argv[1]);
		return 2;
	}
	int loaded = test_server_load(&server, backend_name);
	if (loaded == 77)
		return 77;
	if (loaded != 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    {c->name, c->run, NULL, NULL, NULL},
	};
	int failed =
	    cmocka_run_group_tests_name(backend_name, tests, NULL, NULL);
	if (server.pid > 0)
		test_server_stop(&server);
	if (server.stats.header)
		mcs_stats_close(&server.stats);
	return failed ? 1 : 0;
}
