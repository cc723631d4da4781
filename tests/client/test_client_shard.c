/* test_client_shard.c - the client's sharding arithmetic: how many worker
 * processes for a count under RLIMIT_NOFILE, which connections each one
 * opens, and that ports and sources stay evenly used across processes;
 * the order of a grow step by port; plus the echo pattern's ability to
 * catch a wrong byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client_pattern.h"
#include "client_shard.h"

static void test_plan_auto(void **state)
{
	(void)state;
	struct client_shard_plan p;
	char why[256];
	/* 200k under 20,000 fds: 19,900 each, 11 processes. */
	assert_int_equal(
	    client_shard_plan(200000, 20000, 0, 2, &p, why, sizeof(why)), 0);
	assert_int_equal(p.per_proc_max, 19900);
	assert_int_equal(p.procs, 11);
	assert_true(p.per_proc_slots <= p.per_proc_max);
	assert_true((uint64_t)p.procs * p.per_proc_slots >= 200000);
	/* 1M: 51. */
	assert_int_equal(
	    client_shard_plan(1000000, 20000, 0, 2, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 51);
	assert_true(p.per_proc_slots <= p.per_proc_max);
	/* Exactly a multiple of the cap. */
	assert_int_equal(
	    client_shard_plan(39800, 20000, 0, 1, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 2);
	assert_int_equal(p.per_proc_slots, 19900);
	assert_int_equal(
	    client_shard_plan(39801, 20000, 0, 1, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 3);
	/* Small counts: one per CPU once each has 1,000, never more
	 * processes than connections. */
	assert_int_equal(
	    client_shard_plan(5000, 20000, 0, 2, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 2);
	assert_int_equal(
	    client_shard_plan(1500, 20000, 0, 8, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 2);
	assert_int_equal(
	    client_shard_plan(1, 20000, 0, 8, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 1);
	/* A different limit read at run time changes the answer. */
	assert_int_equal(
	    client_shard_plan(200000, 1024, 0, 2, &p, why, sizeof(why)), 0);
	assert_int_equal(p.per_proc_max, 924);
	assert_int_equal(p.procs, 217);
}

static void test_plan_errors(void **state)
{
	(void)state;
	struct client_shard_plan p;
	char why[256];
	assert_int_equal(
	    client_shard_plan(30000, 20000, 1, 2, &p, why, sizeof(why)),
	    -ERANGE);
	assert_non_null(strstr(why, "--procs 2"));
	assert_int_equal(
	    client_shard_plan(30000, 20000, 2, 2, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 2);
	assert_int_equal(p.per_proc_slots, 15000);
	/* More processes asked than connections: capped. */
	assert_int_equal(
	    client_shard_plan(3, 20000, 8, 2, &p, why, sizeof(why)), 0);
	assert_int_equal(p.procs, 3);
	/* Limit too small, nothing to open, too many processes. */
	assert_int_equal(client_shard_plan(10, 100, 0, 2, &p, why, sizeof(why)),
			 -ERANGE);
	assert_non_null(strstr(why, "RLIMIT_NOFILE"));
	assert_int_equal(
	    client_shard_plan(0, 20000, 0, 2, &p, why, sizeof(why)), -ERANGE);
	assert_int_equal(
	    client_shard_plan(100000000, 20000, 0, 2, &p, why, sizeof(why)),
	    -ERANGE);
}

/* Worker k's count of the first N connections; they add up to N for any
 * N and P, and never exceed the slots planned for the maximum. */
static void test_counts_partition(void **state)
{
	(void)state;
	const unsigned procs_list[] = {1, 2, 3, 7, 11, 51, 64};
	const uint64_t totals[] = {0,  1,    2,	     10,     63,     64,
				   65, 1000, 199999, 200000, 1000000};
	for (unsigned a = 0; a < sizeof(procs_list) / sizeof(*procs_list);
	     a++) {
		unsigned procs = procs_list[a];
		for (unsigned b = 0; b < sizeof(totals) / sizeof(*totals);
		     b++) {
			uint64_t n = totals[b], sum = 0;
			uint64_t max_share = n / procs + (n % procs != 0);
			for (unsigned k = 0; k < procs; k++) {
				uint64_t share =
				    client_shard_count(n, procs, k);
				assert_true(share <= max_share);
				sum += share;
				/* Monotonic in N (grow steps are cumulative).
				 */
				assert_true(client_shard_count(n + 1, procs,
							       k) >= share);
			}
			assert_int_equal(sum, n);
		}
	}
	/* Split of echo connections. */
	uint64_t sum = 0;
	for (unsigned k = 0; k < 7; k++)
		sum += client_shard_split(1000, 7, k);
	assert_int_equal(sum, 1000);
	assert_int_equal(client_shard_split(1000, 7, 0), 143);
	assert_int_equal(client_shard_split(1000, 7, 6), 142);
}

/* Whatever the number of processes, the first N connections are exactly
 * 0..N-1 (each once) and land on ports evenly: every port gets N/nports,
 * rounded, and every (source, port) pair likewise. */
static void test_even_spread_across_processes(void **state)
{
	(void)state;
	enum { NPORTS = 64, NSOURCES = 3, N = 200000, PROCS = 11 };
	static unsigned char seen[N];
	static uint64_t per_port[NPORTS], per_pair[NSOURCES][NPORTS];
	memset(seen, 0, sizeof(seen));
	for (unsigned k = 0; k < PROCS; k++) {
		uint64_t share = client_shard_count(N, PROCS, k);
		for (uint64_t s = 0; s < share; s++) {
			uint64_t i = client_shard_global(k, s, PROCS);
			assert_true(i < N);
			assert_int_equal(seen[i], 0);
			seen[i] = 1;
			uint32_t port = client_shard_port_index(i, NPORTS);
			uint32_t source =
			    client_shard_source_index(i, NPORTS, NSOURCES);
			assert_true(port < NPORTS);
			assert_true(source < NSOURCES);
			per_port[port]++;
			per_pair[source][port]++;
		}
	}
	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(seen[i], 1);
	for (unsigned p = 0; p < NPORTS; p++) {
		/* 200000 / 64 = 3125 exactly. */
		assert_int_equal(per_port[p], N / NPORTS);
		for (unsigned s = 0; s < NSOURCES; s++) {
			assert_true(per_pair[s][p] >= N / NPORTS / NSOURCES);
			assert_true(per_pair[s][p] <=
				    N / NPORTS / NSOURCES + 1);
		}
	}
	assert_int_equal(client_shard_source_index(12345, 64, 0), 0);
}

/* A grow step's order (--connect-order): slot order with stride 1; by
 * port, every slot of the step exactly once, the port changing only when
 * the order moves to the next residue (so at most `stride` runs, each one
 * port's slots in a row), for process counts that share a factor with
 * the port count or not. */
static void test_order_by_port(void **state)
{
	(void)state;
	struct client_shard_order order;
	uint64_t slot;
	client_shard_order_start(&order, 5, 9, 1);
	for (uint64_t want = 5; want < 9; want++) {
		assert_int_equal(client_shard_order_next(&order, &slot), 1);
		assert_int_equal(slot, want);
	}
	assert_int_equal(client_shard_order_next(&order, &slot), 0);

	assert_int_equal(client_shard_port_stride(51, 56), 56);
	assert_int_equal(client_shard_port_stride(11, 12), 12);
	assert_int_equal(client_shard_port_stride(4, 12), 3);
	assert_int_equal(client_shard_port_stride(12, 12), 1);
	assert_int_equal(client_shard_port_stride(3, 1), 1);
	const unsigned cases[][2] = {{11, 12}, {4, 12}, {12, 12}, {51, 56},
				     {3, 1},   {6, 4},	{7, 20}};
	enum { FIRST = 1000, END = 3000 };
	static unsigned char seen[END];
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned procs = cases[c][0], nports = cases[c][1];
		uint64_t stride = client_shard_port_stride(procs, nports);
		for (unsigned k = 0; k<procs; k += procs> 3 ? procs / 3 : 1) {
			memset(seen, 0, sizeof(seen));
			client_shard_order_start(&order, FIRST, END, stride);
			unsigned runs = 0, taken = 0;
			int64_t last_port = -1;
			while (client_shard_order_next(&order, &slot)) {
				assert_true(slot >= FIRST && slot < END);
				assert_int_equal(seen[slot], 0);
				seen[slot] = 1;
				taken++;
				int64_t port = client_shard_port_index(
				    client_shard_global(k, slot, procs),
				    nports);
				runs += port != last_port;
				last_port = port;
			}
			assert_int_equal(taken, END - FIRST);
			assert_true(runs <= stride);
			/* Each port of this process is one run. */
			assert_int_equal(runs, stride);
		}
	}
}

static void test_pattern(void **state)
{
	(void)state;
	uint8_t buf[4096];
	uint32_t seed = client_pattern_seed(42, 7);
	client_pattern_fill(seed, buf, 0, sizeof(buf));
	assert_int_equal(client_pattern_check(seed, buf, 0, sizeof(buf)),
			 sizeof(buf));
	/* Checking in pieces at offsets is the same as all at once. */
	assert_int_equal(client_pattern_check(seed, buf + 100, 100, 50), 50);
	/* One flipped byte is found where it is. */
	buf[1234] ^= 1;
	assert_int_equal(client_pattern_check(seed, buf, 0, sizeof(buf)), 1234);
	buf[1234] ^= 1;
	/* A stream shifted by one byte is caught at once. */
	assert_true(client_pattern_check(seed, buf + 1, 0, 64) < 64);
	/* Another connection's or another message's bytes are caught. */
	uint32_t other_conn = client_pattern_seed(43, 7);
	uint32_t other_seq = client_pattern_seed(42, 8);
	assert_true(other_conn != seed && other_seq != seed);
	assert_true(client_pattern_check(other_conn, buf, 0, 8) < 8);
	assert_true(client_pattern_check(other_seq, buf, 0, 8) < 8);
	/* Seeds differ over many connections and sequences. */
	unsigned same = 0;
	for (uint64_t c = 0; c < 1000; c++)
		same += client_pattern_seed(c, 0) == client_pattern_seed(c, 1);
	assert_true(same < 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan_auto),
	    cmocka_unit_test(test_plan_errors),
	    cmocka_unit_test(test_counts_partition),
	    cmocka_unit_test(test_even_spread_across_processes),
	    cmocka_unit_test(test_order_by_port),
	    cmocka_unit_test(test_pattern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
