/* test_harness_verdict.c - the comparison's statistics: the median's
 * interval (bootstrap from 3 values, min-max below), when a difference is
 * called, when a ratio is shown, and rounding for reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "harness_verdict.h"

static struct harness_interval interval(const double *v, size_t n)
{
	struct harness_interval i;
	harness_interval_of(v, n, &i);
	return i;
}

static void test_interval(void **state)
{
	(void)state;
	/* Below 3: min-max of what there is, no bootstrap. */
	const double two[] = {12.6, 13.4};
	struct harness_interval i = interval(two, 2);
	assert_int_equal(i.n, 2);
	assert_false(i.bootstrap);
	assert_true(i.median == 13.0 && i.low == 12.6 && i.high == 13.4);
	/* NaN is skipped, and nothing at all is NaN. */
	const double none[] = {NAN};
	i = interval(none, 1);
	assert_int_equal(i.n, 0);
	assert_true(isnan(i.median) && isnan(i.low) && isnan(i.high));
	/* From 3: a bootstrap interval around the median, inside min-max,
	 * and the same every time (a fixed seed). */
	const double runs[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 30};
	i = interval(runs, 10);
	assert_true(i.bootstrap);
	assert_true(i.median == 14.5);
	assert_true(i.low >= 10 && i.low <= i.median);
	assert_true(i.high >= i.median && i.high <= 30);
	assert_true(i.high < 30); /* one outlier does not make the interval */
	struct harness_interval again = interval(runs, 10);
	assert_true(again.low == i.low && again.high == i.high);
}

static void test_verdict_rules(void **state)
{
	(void)state;
	/* The case: 2 runs a side is never a call. */
	const double uring[] = {7.81, 12.4}, epoll[] = {12.6, 13.4};
	struct harness_interval a = interval(uring, 2), b = interval(epoll, 2);
	assert_int_equal(harness_verdict_of(&a, &b, 0.05),
			 HARNESS_VERDICT_UNDECIDED);
	assert_string_equal(harness_verdict_name(HARNESS_VERDICT_UNDECIDED),
			    "undecided (n < 3)");
	/* 3 a side, apart, far beyond the noise: called, both ways. */
	const double low[] = {10, 10.2, 10.1}, high[] = {20, 20.5, 19.8};
	a = interval(low, 3);
	b = interval(high, 3);
	assert_int_equal(harness_verdict_of(&a, &b, 0.05),
			 HARNESS_VERDICT_LOWER);
	assert_int_equal(harness_verdict_of(&b, &a, 0.05),
			 HARNESS_VERDICT_HIGHER);
	/* Overlapping intervals: the same. */
	const double near[] = {10.1, 10.3, 9.9};
	b = interval(near, 3);
	assert_int_equal(harness_verdict_of(&a, &b, 0.05),
			 HARNESS_VERDICT_SAME);
	/* Apart, but by less than the noise (2% < 5%): the same; with a
	 * 1% threshold it is a difference. */
	const double tight_a[] = {100, 100, 100}, tight_b[] = {102, 102, 102};
	a = interval(tight_a, 3);
	b = interval(tight_b, 3);
	assert_int_equal(harness_verdict_of(&a, &b, 0.05),
			 HARNESS_VERDICT_SAME);
	assert_int_equal(harness_verdict_of(&a, &b, 0.01),
			 HARNESS_VERDICT_LOWER);
}

static void test_no_ratio_near_zero(void **state)
{
	(void)state;
	const double epoll[] = {7.82, 7.83, 7.86};
	const double select_[] = {-0.18, 0.010, 0.136}; /* noise around 0 */
	const double uring[] = {23.9, 24.0, 24.1};
	struct harness_interval e = interval(epoll, 3),
				s = interval(select_, 3),
				u = interval(uring, 3);
	assert_false(harness_ratio_means_something(&s, &e, 0.05));
	assert_false(harness_ratio_means_something(&e, &s, 0.05));
	assert_true(harness_ratio_means_something(&u, &e, 0.05));
	/* Positive but with an interval reaching down to nothing. */
	const double shaky[] = {0.01, 5, 6};
	struct harness_interval k = interval(shaky, 3);
	assert_false(harness_ratio_means_something(&k, &e, 0.05));
}

static void expect_round(double v, const char *want)
{
	char text[64];
	harness_round3(v, text, sizeof(text));
	if (strcmp(text, want) != 0)
		fail_msg("round3(%g) gave '%s', not '%s'", v, text, want);
}

static void expect_us(double us, const char *want)
{
	char text[64];
	harness_format_us(us, text, sizeof(text));
	if (strcmp(text, want) != 0)
		fail_msg("format_us(%g) gave '%s', not '%s'", us, text, want);
}

static void test_rounding(void **state)
{
	(void)state;
	expect_round(9823.4, "9,820");
	expect_round(61.54, "61.5");
	expect_round(7.825, "7.83");
	expect_round(0.010345, "0.0103");
	expect_round(-2.349, "-2.35");
	expect_round(999.6, "1,000");
	expect_round(1234567, "1,230,000");
	expect_round(0, "0");
	expect_round(NAN, "n/a");
	/* µs, ms or s by size: the bucket bound reads as 11.9 s. */
	expect_us(812.4, "812 µs");
	expect_us(12345, "12.3 ms");
	expect_us(11927551, "11.9 s");
	expect_us(999999, "1.00 s");
	expect_us(999.7, "1.00 ms");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interval),
	    cmocka_unit_test(test_verdict_rules),
	    cmocka_unit_test(test_no_ratio_near_zero),
	    cmocka_unit_test(test_rounding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
