/* test_harness_measure.c - the /proc/slabinfo reader behind
 * kernel_object_bytes, against a known sample, and a live snapshot of this
 * process as both "server" and "client". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <unistd.h>

#include "harness_measure.h"

static void test_slabinfo_sample(void **state)
{
	(void)state;
	const char *text =
	    "slabinfo - version: 2.1\n"
	    "# name            <active_objs> <num_objs> <objsize> <objperslab> "
	    "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
	    "slabdata <active_slabs> <num_slabs> <sharedavail>\n"
	    "TCP                 2000   2010   2432   13    8 : tunables    0  "
	    "  0    0 : slabdata    154    154      0\n"
	    "sock_inode_cache    4000   4004    832   19    4 : tunables    0  "
	    "  0    0 : slabdata    211    211      0\n"
	    "empty_cache            0      0    312   13    1 : tunables    0  "
	    "  0    0 : slabdata      0      0      0\n";
	uint64_t bytes = 1;
	assert_int_equal(harness_parse_slabinfo(text, &bytes), 0);
	assert_int_equal(bytes, 2000ull * 2432 + 4000ull * 832);
	assert_int_equal(
	    harness_parse_slabinfo("slabinfo - version: 1.1\n", &bytes),
	    -EPROTO);
}

static void test_live_snapshot(void **state)
{
	(void)state;
	pid_t self = getpid();
	struct harness_sample sample;
	assert_int_equal(harness_sample_take(&self, 1, &self, 1, &sample), 0);
	assert_int_equal(sample.server_processes, 1);
	assert_int_equal(sample.client_processes, 1);
	assert_true(sample.server_pss > 0);
	assert_true(sample.server_pss == sample.client_pss ||
		    sample.client_pss > 0);
	assert_true(sample.slab > 0);
	/* A pid that does not exist is skipped, not an error. */
	pid_t gone = 0x7ffffff0;
	assert_int_equal(harness_sample_take(&gone, 1, NULL, 0, &sample), 0);
	assert_int_equal(sample.server_processes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slabinfo_sample),
	    cmocka_unit_test(test_live_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
