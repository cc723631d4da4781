/* test_pool.c - the fixed-size object pool: alloc/free, exhaustion, LIFO
 * reuse, index round trips and statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "mcs_pool.h"

static void test_rejects_bad_sizes(void **state)
{
	(void)state;
	struct mcs_pool pool;
	assert_int_equal(mcs_pool_init(&pool, 0, 10), -EINVAL);
	assert_int_equal(mcs_pool_init(&pool, 8, 0), -EINVAL);
	assert_int_equal(mcs_pool_init(&pool, SIZE_MAX / 2, 1000), -EINVAL);
	mcs_pool_destroy(&pool);
}

static void test_alloc_until_exhausted(void **state)
{
	(void)state;
	struct mcs_pool pool;
	void *objects[100];
	assert_int_equal(mcs_pool_init(&pool, 6, 100), 0);
	assert_int_equal(pool.object_size, 8); /* rounded to 4 */
	for (int i = 0; i < 100; i++) {
		objects[i] = mcs_pool_alloc(&pool);
		assert_non_null(objects[i]);
		memset(objects[i], 0xab, 8);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(objects[i], objects[j]);
	}
	assert_null(mcs_pool_alloc(&pool));
	struct mcs_pool_stats st;
	mcs_pool_get_stats(&pool, &st);
	assert_int_equal(st.live, 100);
	assert_int_equal(st.peak, 100);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.live_bytes, 800);
	assert_int_equal(st.touched_bytes, 800);
	mcs_pool_destroy(&pool);
}

static void test_free_is_reused_lifo(void **state)
{
	(void)state;
	struct mcs_pool pool;
	assert_int_equal(mcs_pool_init(&pool, 16, 4), 0);
	void *a = mcs_pool_alloc(&pool), *b = mcs_pool_alloc(&pool);
	void *c = mcs_pool_alloc(&pool);
	mcs_pool_free(&pool, a);
	mcs_pool_free(&pool, c);
	assert_ptr_equal(mcs_pool_alloc(&pool), c);
	assert_ptr_equal(mcs_pool_alloc(&pool), a);
	/* The never-used fourth object comes from the bump pointer. */
	void *d = mcs_pool_alloc(&pool);
	assert_non_null(d);
	assert_null(mcs_pool_alloc(&pool));
	struct mcs_pool_stats st;
	mcs_pool_get_stats(&pool, &st);
	assert_int_equal(st.high_water, 4);
	assert_int_equal(st.allocs, 6);
	(void)b;
	mcs_pool_destroy(&pool);
}

static void test_index_round_trip(void **state)
{
	(void)state;
	struct mcs_pool pool;
	assert_int_equal(mcs_pool_init(&pool, 12, 1000), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		void *o = mcs_pool_alloc(&pool);
		assert_int_equal(mcs_pool_index(&pool, o), i);
		assert_ptr_equal(mcs_pool_at(&pool, i), o);
	}
	mcs_pool_destroy(&pool);
}

static void test_stats_track_live_and_peak(void **state)
{
	(void)state;
	struct mcs_pool pool;
	void *objects[50];
	assert_int_equal(mcs_pool_init(&pool, 8, 50), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 50; i++)
			objects[i] = mcs_pool_alloc(&pool);
		for (int i = 0; i < 50; i++)
			mcs_pool_free(&pool, objects[i]);
	}
	struct mcs_pool_stats st;
	mcs_pool_get_stats(&pool, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.peak, 50);
	assert_int_equal(st.high_water, 50); /* no growth from churn */
	assert_int_equal(st.allocs, 150);
	mcs_pool_destroy(&pool);
}

static void test_large_capacity_is_lazy(void **state)
{
	(void)state;
	/* 10M objects reserve 80 MB of address space but touch nothing. */
	struct mcs_pool pool;
	assert_int_equal(mcs_pool_init(&pool, 8, 10000000), 0);
	struct mcs_pool_stats st;
	mcs_pool_get_stats(&pool, &st);
	assert_int_equal(st.touched_bytes, 0);
	mcs_pool_destroy(&pool);
	mcs_pool_destroy(&pool); /* twice is safe */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rejects_bad_sizes),
	    cmocka_unit_test(test_alloc_until_exhausted),
	    cmocka_unit_test(test_free_is_reused_lifo),
	    cmocka_unit_test(test_index_round_trip),
	    cmocka_unit_test(test_stats_track_live_and_peak),
	    cmocka_unit_test(test_large_capacity_is_lazy),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
