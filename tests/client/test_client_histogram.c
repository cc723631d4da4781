/* test_client_histogram.c - the log-bucket histogram the client reports
 * latencies with: bucket bounds, percentiles against known data, and
 * merging across processes (adding buckets equals recording everything in
 * one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "mcs_histogram.h"

static void test_bucket_bounds(void **state)
{
	(void)state;
	/* Below 32 every value has its own bucket. */
	for (uint64_t v = 0; v < 32; v++) {
		unsigned b = mcs_histogram_bucket_of(v);
		assert_int_equal(b, v);
		assert_int_equal(mcs_histogram_bucket_low(b), v);
		assert_int_equal(mcs_histogram_bucket_high(b), v);
	}
	/* 32..63: still exact; 64..127: pairs. */
	assert_int_equal(mcs_histogram_bucket_of(63), 63);
	assert_int_equal(mcs_histogram_bucket_of(64),
			 mcs_histogram_bucket_of(65));
	assert_int_not_equal(mcs_histogram_bucket_of(65),
			     mcs_histogram_bucket_of(66));
	/* Every bucket is contiguous with the next, low <= high, and the
	 * width is at most 1/32 of the low bound. */
	for (unsigned b = 0; b + 1 < MCS_HISTOGRAM_BUCKETS; b++) {
		uint64_t low = mcs_histogram_bucket_low(b);
		uint64_t high = mcs_histogram_bucket_high(b);
		assert_true(low <= high);
		assert_int_equal(mcs_histogram_bucket_low(b + 1), high + 1);
		assert_int_equal(mcs_histogram_bucket_of(low), b);
		assert_int_equal(mcs_histogram_bucket_of(high), b);
		if (low >= 32)
			assert_true(high - low + 1 <= low / 32);
	}
	unsigned last = MCS_HISTOGRAM_BUCKETS - 1;
	assert_int_equal(mcs_histogram_bucket_of(UINT64_MAX), last);
	assert_true(mcs_histogram_bucket_high(last) == UINT64_MAX);
}

static void test_empty(void **state)
{
	(void)state;
	struct mcs_histogram h;
	mcs_histogram_init(&h);
	assert_int_equal(h.count, 0);
	assert_int_equal(mcs_histogram_percentile(&h, 50), 0);
	assert_int_equal(mcs_histogram_percentile(&h, 100), 0);
	assert_true(h.min == UINT64_MAX);
	assert_int_equal(h.max, 0);
}

/* Values 1..1000, each once: the k-th percentile is the value k*10, to
 * within its bucket (upper bound, at most 1/32 above). */
static void test_percentiles_known_data(void **state)
{
	(void)state;
	struct mcs_histogram h;
	mcs_histogram_init(&h);
	for (uint64_t v = 1; v <= 1000; v++)
		mcs_histogram_record(&h, v);
	assert_int_equal(h.count, 1000);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, 1000);
	assert_int_equal(h.sum, 500500);
	const double ps[] = {1, 10, 50, 90, 99};
	for (unsigned i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t exact = (uint64_t)(ps[i] * 10);
		uint64_t got = mcs_histogram_percentile(&h, ps[i]);
		assert_true(got >= exact);
		assert_true(got <= exact + exact / 32);
		assert_int_equal(got, mcs_histogram_bucket_high(
					  mcs_histogram_bucket_of(exact)));
	}
	assert_int_equal(mcs_histogram_percentile(&h, 100), 1000);
	/* p99.9 is the 999th value, in bucket [992, 1007], capped at max. */
	assert_int_equal(mcs_histogram_percentile(&h, 99.9), 1000);
	/* Small exact values: 0..31 are their own buckets. */
	mcs_histogram_init(&h);
	for (uint64_t v = 0; v < 20; v++)
		mcs_histogram_record(&h, v);
	assert_int_equal(mcs_histogram_percentile(&h, 50), 9);
	assert_int_equal(mcs_histogram_percentile(&h, 5), 0);
	assert_int_equal(mcs_histogram_percentile(&h, 100), 19);
}

/* The rank of p99.9 among 1,000 values is 999, though 99.9 / 100 * 1000
 * is 999.0000000000001 in floating point (a bug this test found). */
static void test_percentile_rank_rounding(void **state)
{
	(void)state;
	struct mcs_histogram h;
	mcs_histogram_init(&h);
	for (int i = 0; i < 999; i++)
		mcs_histogram_record(&h, 1);
	mcs_histogram_record(&h, 5000);
	uint64_t p999 = mcs_histogram_percentile(&h, 99.9);
	assert_int_equal(p999, 1); /* fixed in common/ */
	assert_int_equal(mcs_histogram_percentile(&h, 99.9 - 1e-12), 1);
	assert_int_equal(mcs_histogram_percentile(&h, 100), 5000);
}

/* A percentile never exceeds the maximum recorded. */
static void test_percentile_capped_at_max(void **state)
{
	(void)state;
	struct mcs_histogram h;
	mcs_histogram_init(&h);
	mcs_histogram_record(&h, 1000); /* bucket [992, 1023] */
	assert_int_equal(mcs_histogram_percentile(&h, 50), 1000);
	assert_int_equal(mcs_histogram_percentile(&h, 99.9), 1000);
}

/* Merging per-worker histograms equals one histogram of everything, the
 * way the client adds up its worker processes. */
static void test_merge(void **state)
{
	(void)state;
	static struct mcs_histogram parts[4], all, merged;
	mcs_histogram_init(&all);
	mcs_histogram_init(&merged);
	for (unsigned k = 0; k < 4; k++)
		mcs_histogram_init(&parts[k]);
	srand(7);
	for (unsigned i = 0; i < 100000; i++) {
		uint64_t v = (uint64_t)rand() % 100000 + (i % 4) * 7;
		mcs_histogram_record(&parts[i % 4], v);
		mcs_histogram_record(&all, v);
	}
	for (unsigned k = 0; k < 4; k++)
		mcs_histogram_merge(&merged, &parts[k]);
	assert_int_equal(merged.count, all.count);
	assert_int_equal(merged.sum, all.sum);
	assert_int_equal(merged.min, all.min);
	assert_int_equal(merged.max, all.max);
	for (unsigned b = 0; b < MCS_HISTOGRAM_BUCKETS; b++)
		assert_int_equal(merged.buckets[b], all.buckets[b]);
	const double ps[] = {50, 90, 99, 99.9};
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(mcs_histogram_percentile(&merged, ps[i]),
				 mcs_histogram_percentile(&all, ps[i]));
	/* Merging an empty histogram changes nothing. */
	struct mcs_histogram empty;
	mcs_histogram_init(&empty);
	mcs_histogram_merge(&merged, &empty);
	assert_int_equal(merged.count, all.count);
	assert_int_equal(merged.min, all.min);
	/* Into an empty one: a copy. */
	mcs_histogram_init(&empty);
	mcs_histogram_merge(&empty, &parts[0]);
	assert_int_equal(empty.min, parts[0].min);
	assert_int_equal(empty.max, parts[0].max);
}

/* Two very different processes: one fast (10 us), one slow (10 ms); the
 * merged median and tail land where they must. */
static void test_merge_bimodal(void **state)
{
	(void)state;
	struct mcs_histogram fast, slow;
	mcs_histogram_init(&fast);
	mcs_histogram_init(&slow);
	for (int i = 0; i < 900; i++)
		mcs_histogram_record(&fast, 10);
	for (int i = 0; i < 100; i++)
		mcs_histogram_record(&slow, 10000);
	mcs_histogram_merge(&fast, &slow);
	assert_int_equal(mcs_histogram_percentile(&fast, 50), 10);
	assert_int_equal(mcs_histogram_percentile(&fast, 90), 10);
	assert_int_equal(mcs_histogram_percentile(&fast, 91), 10000);
	assert_int_equal(mcs_histogram_percentile(&fast, 99.9), 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bucket_bounds),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_percentiles_known_data),
	    cmocka_unit_test(test_percentile_rank_rounding),
	    cmocka_unit_test(test_percentile_capped_at_max),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_merge_bimodal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
