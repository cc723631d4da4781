/* test_harness_memory.c - reading the memory guard's inputs: which memory
 * cgroup /proc/self/cgroup names (v1, v2, hybrid), and a live read on this
 * machine (MemAvailable bounds the headroom). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "harness_memory_guard.h"

static void test_cgroup_v1_memory_line_wins(void **state)
{
	(void)state;
	char path[256];
	int v2 = -1;
	/* Hybrid: v1 memory controller beside an empty unified line. */
	const char *hybrid = "9:name=systemd:/\n"
			     "4:memory:/process_api/abc\n"
			     "3:cpuset:/\n"
			     "0::/\n";
	assert_int_equal(
	    harness_parse_memory_cgroup(hybrid, path, sizeof(path), &v2), 0);
	assert_string_equal(path, "/process_api/abc");
	assert_int_equal(v2, 0);
	/* Controllers sharing a hierarchy. */
	const char *shared = "5:cpu,memory,pids:/box\n0::/\n";
	assert_int_equal(
	    harness_parse_memory_cgroup(shared, path, sizeof(path), &v2), 0);
	assert_string_equal(path, "/box");
	assert_int_equal(v2, 0);
	/* "memoryx" is not "memory". */
	const char *lookalike = "5:memoryx:/no\n0::/yes\n";
	assert_int_equal(
	    harness_parse_memory_cgroup(lookalike, path, sizeof(path), &v2), 0);
	assert_string_equal(path, "/yes");
	assert_int_equal(v2, 1);
}

static void test_cgroup_v2_only(void **state)
{
	(void)state;
	char path[256];
	int v2 = -1;
	assert_int_equal(
	    harness_parse_memory_cgroup("0::/user.slice/run.scope\n", path,
					sizeof(path), &v2),
	    0);
	assert_string_equal(path, "/user.slice/run.scope");
	assert_int_equal(v2, 1);
	/* No newline at the end. */
	assert_int_equal(
	    harness_parse_memory_cgroup("0::/a", path, sizeof(path), &v2), 0);
	assert_string_equal(path, "/a");
	/* Nothing usable. */
	assert_int_equal(harness_parse_memory_cgroup("3:cpuset:/\n", path,
						     sizeof(path), &v2),
			 -ENOENT);
	assert_int_equal(
	    harness_parse_memory_cgroup("", path, sizeof(path), &v2), -ENOENT);
	assert_int_equal(
	    harness_parse_memory_cgroup("garbage", path, sizeof(path), &v2),
	    -ENOENT);
	/* Too long for the buffer. */
	char small[4];
	assert_int_equal(harness_parse_memory_cgroup("4:memory:/long\n", small,
						     sizeof(small), &v2),
			 -ENAMETOOLONG);
}

static void test_live_read(void **state)
{
	(void)state;
	struct harness_memory m;
	assert_int_equal(harness_memory_start(&m), 0);
	assert_true(m.memory_total > 0);
	struct harness_memory_now now;
	assert_int_equal(harness_memory_read(&m, &now), 0);
	assert_true(now.available > 0);
	assert_true(now.headroom <= now.available);
	if (m.cgroup_limit)
		assert_true(now.headroom == now.available ||
			    now.headroom == now.cgroup_headroom);
	uint64_t floor = harness_memory_default_floor(&m);
	assert_true(floor >= (4u << 20));
	uint64_t bound = m.cgroup_limit ? m.cgroup_limit : m.memory_total;
	assert_true(floor <= bound / 20 || floor == (4u << 20));
	/* Nothing ran out between the two reads: nothing to explain. */
	char why[256] = "step failed";
	if (!now.machine_ooms && !now.cgroup_ooms && !now.cgroup_hits) {
		assert_int_equal(
		    harness_memory_explain(&m, &now, why, sizeof(why)), 0);
		assert_string_equal(why, "step failed");
	}
}

/* The guard's next read: a quarter of the margin above the floor at the
 * rate seen, within its bounds. */
static void test_next_check_follows_the_rate(void **state)
{
	(void)state;
	const uint64_t mib = 1u << 20;
	/* Not growing, or far from the floor: the slow pace. */
	assert_true(harness_memory_next_check(100 * mib, 2 * mib, 0) ==
		    HARNESS_MEMORY_CHECK_MAX_S);
	assert_true(harness_memory_next_check(1000 * mib, 2 * mib, mib) ==
		    HARNESS_MEMORY_CHECK_MAX_S);
	/* 2 MiB above the floor at 4 MiB/s: 2 / (4 * 4) = 0.125 s. */
	double d = harness_memory_next_check(4 * mib, 2 * mib, 4.0 * mib);
	assert_true(d > 0.1249 && d < 0.1251);
	/* Faster than the shortest pace can follow: the shortest. */
	assert_true(harness_memory_next_check(3 * mib, 2 * mib, 1e12) ==
		    HARNESS_MEMORY_CHECK_MIN_S);
	/* At or below the floor: look again at once. */
	assert_true(harness_memory_next_check(2 * mib, 2 * mib, 0) ==
		    HARNESS_MEMORY_CHECK_MIN_S);
	assert_true(harness_memory_next_check(mib, 2 * mib, 0) ==
		    HARNESS_MEMORY_CHECK_MIN_S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cgroup_v1_memory_line_wins),
	    cmocka_unit_test(test_cgroup_v2_only),
	    cmocka_unit_test(test_live_read),
	    cmocka_unit_test(test_next_check_follows_the_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
