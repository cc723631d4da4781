/* test_parse.c - strict command-line value parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "mcs_parse.h"

static void test_counts(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(mcs_parse_count("1000000", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(mcs_parse_count("250k", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 250000);
	assert_int_equal(mcs_parse_count("1M", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(mcs_parse_count("0", 1, 10, &v), -ERANGE);
	assert_int_equal(mcs_parse_count("11", 1, 10, &v), -ERANGE);
	assert_int_equal(mcs_parse_count("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(mcs_parse_count("", 0, 10, &v), -EINVAL);
	assert_int_equal(mcs_parse_count(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(mcs_parse_count("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(mcs_parse_count("1kk", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mcs_parse_count("1.5M", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mcs_parse_count("0x10", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(
	    mcs_parse_count("99999999999999999999", 0, UINT64_MAX, &v),
	    -ERANGE);
	assert_int_equal(
	    mcs_parse_count("18446744073709551M", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(mcs_parse_count(NULL, 0, 1, &v), -EINVAL);
	assert_int_equal(mcs_parse_count("200k", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 200000);
	assert_int_equal(mcs_parse_count("1e6", 1, UINT64_MAX, &v), -EINVAL);
}

static void test_port_ranges(void **state)
{
	(void)state;
	uint16_t a, b;
	assert_int_equal(mcs_parse_port_range("2048-2067", &a, &b), 0);
	assert_int_equal(a, 2048);
	assert_int_equal(b, 2067);
	assert_int_equal(mcs_parse_port_range("80", &a, &b), 0);
	assert_int_equal(a, 80);
	assert_int_equal(b, 80);
	assert_int_equal(mcs_parse_port_range("2067-2048", &a, &b), -ERANGE);
	assert_int_equal(mcs_parse_port_range("0-10", &a, &b), -ERANGE);
	assert_int_equal(mcs_parse_port_range("1-65536", &a, &b), -ERANGE);
	assert_int_equal(mcs_parse_port_range("1-", &a, &b), -EINVAL);
	assert_int_equal(mcs_parse_port_range("-5", &a, &b), -EINVAL);
	assert_int_equal(mcs_parse_port_range("1-2-3", &a, &b), -EINVAL);
	assert_int_equal(mcs_parse_port_range("http", &a, &b), -EINVAL);
	assert_int_equal(mcs_parse_port_range("1-65535", &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 65535);
	assert_int_not_equal(mcs_parse_port_range("2048-2067x", &a, &b), 0);
	assert_int_not_equal(mcs_parse_port_range("", &a, &b), 0);
	assert_int_not_equal(mcs_parse_port_range(" 2048", &a, &b), 0);
}

static void test_ipv4(void **state)
{
	(void)state;
	struct in_addr addr;
	assert_int_equal(mcs_parse_ipv4("127.0.0.1", &addr), 0);
	assert_int_equal(addr.s_addr, htonl(0x7f000001));
	assert_int_equal(mcs_parse_ipv4("256.0.0.1", &addr), -EINVAL);
	assert_int_equal(mcs_parse_ipv4("1.2.3", &addr), -EINVAL);
	assert_int_equal(mcs_parse_ipv4("1.2.3.4.5", &addr), -EINVAL);
	assert_int_equal(mcs_parse_ipv4("localhost", &addr), -EINVAL);
	assert_int_equal(mcs_parse_ipv4("1.2.3.0004", &addr), -EINVAL);
	assert_int_equal(mcs_parse_ipv4("", &addr), -EINVAL);
	assert_int_not_equal(mcs_parse_ipv4("127.0.0", &addr), 0);
	assert_int_not_equal(mcs_parse_ipv4("127.0.0.256", &addr), 0);
	assert_int_not_equal(mcs_parse_ipv4("127.0.0.1 ", &addr), 0);
}

static void test_ipv4_ranges(void **state)
{
	(void)state;
	struct in_addr first;
	uint32_t count;
	assert_int_equal(
	    mcs_parse_ipv4_range("127.0.0.2-127.0.0.50", &first, &count), 0);
	assert_int_equal(first.s_addr, htonl(0x7f000002));
	assert_int_equal(count, 49);
	assert_int_equal(
	    mcs_parse_ipv4_range("127.0.0.255-127.0.1.1", &first, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(mcs_parse_ipv4_range("10.0.0.1", &first, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(
	    mcs_parse_ipv4_range("127.0.0.9-127.0.0.2", &first, &count),
	    -ERANGE);
	assert_int_equal(
	    mcs_parse_ipv4_range("10.0.0.0-10.1.0.0", &first, &count), -ERANGE);
	assert_int_equal(mcs_parse_ipv4_range("127.0.0.2-", &first, &count),
			 -EINVAL);
	assert_int_equal(mcs_parse_ipv4_range("-127.0.0.2", &first, &count),
			 -EINVAL);
	/* Across an octet boundary. */
	assert_int_equal(
	    mcs_parse_ipv4_range("127.0.0.250-127.0.1.5", &first, &count), 0);
	assert_int_equal(count, 12);
	assert_int_not_equal(
	    mcs_parse_ipv4_range("127.0.0.0-127.1.0.0", &first, &count),
	    0); /* more than 65,536 */
}

static void test_count_lists(void **state)
{
	(void)state;
	uint64_t values[8];
	size_t n;
	assert_int_equal(mcs_parse_count_list("1k,10k,100k,250k,500k,1M", 1,
					      UINT64_MAX, values, 8, &n),
			 0);
	assert_int_equal(n, 6);
	assert_int_equal(values[0], 1000);
	assert_int_equal(values[5], 1000000);
	assert_int_equal(mcs_parse_count_list("10,5", 1, 100, values, 8, &n),
			 -EINVAL);
	assert_int_equal(mcs_parse_count_list("5,5", 1, 100, values, 8, &n),
			 -EINVAL);
	assert_int_equal(mcs_parse_count_list("1,", 1, 100, values, 8, &n),
			 -EINVAL);
	assert_int_equal(mcs_parse_count_list(",1", 1, 100, values, 8, &n),
			 -EINVAL);
	assert_int_equal(mcs_parse_count_list("1,2,3", 1, 100, values, 2, &n),
			 -ERANGE);
	assert_int_equal(mcs_parse_count_list("1,200", 1, 100, values, 8, &n),
			 -ERANGE);
}

static void test_seconds(void **state)
{
	(void)state;
	double v;
	assert_int_equal(mcs_parse_seconds("1", 10, &v), 0);
	assert_true(v == 1.0);
	assert_int_equal(mcs_parse_seconds("0.25", 10, &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(mcs_parse_seconds(".5", 10, &v), 0);
	assert_int_equal(mcs_parse_seconds("1e1", 10, &v), 0);
	assert_int_equal(mcs_parse_seconds("11", 10, &v), -ERANGE);
	assert_int_equal(mcs_parse_seconds("-1", 10, &v), -EINVAL);
	assert_int_equal(mcs_parse_seconds(" 1", 10, &v), -EINVAL);
	assert_int_equal(mcs_parse_seconds("0x10", 100, &v), -EINVAL);
	assert_int_equal(mcs_parse_seconds("inf", 1e9, &v), -EINVAL);
	assert_int_equal(mcs_parse_seconds("nan", 1e9, &v), -EINVAL);
	/* Durations: a unit suffix, or plain seconds; bounds in seconds. */
	assert_int_equal(mcs_parse_duration("90s", 0, 3600, &v), 0);
	assert_true(v == 90);
	assert_int_equal(mcs_parse_duration("10m", 0, 3600, &v), 0);
	assert_true(v == 600);
	assert_int_equal(mcs_parse_duration("1h", 0, 3600, &v), 0);
	assert_true(v == 3600);
	assert_int_equal(mcs_parse_duration("1.5m", 0, 3600, &v), 0);
	assert_true(v == 90);
	assert_int_equal(mcs_parse_duration("45", 0, 3600, &v), 0);
	assert_true(v == 45);
	assert_int_equal(mcs_parse_duration("2h", 0, 3600, &v), -ERANGE);
	assert_int_equal(mcs_parse_duration("0.5s", 1, 3600, &v), -ERANGE);
	assert_int_equal(mcs_parse_duration("10x", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("m", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("-1m", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_seconds("1e999", 1e9, &v), -EINVAL);
	assert_int_equal(mcs_parse_seconds("", 10, &v), -EINVAL);
	assert_int_equal(mcs_parse_seconds(NULL, 10, &v), -EINVAL);
}

/* Milliseconds, and a bare number in another unit: the client's message
 * period, whose plain number has always meant milliseconds. */
static void test_duration_units(void **state)
{
	(void)state;
	double v;
	assert_int_equal(mcs_parse_duration("250ms", 0, 3600, &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(mcs_parse_duration("1.5ms", 0, 3600, &v), 0);
	assert_true(v > 0.0014999 && v < 0.0015001);
	assert_int_equal(mcs_parse_duration("10m", 0, 3600, &v), 0);
	assert_true(v == 600); /* m is minutes, ms milliseconds */
	assert_int_equal(mcs_parse_duration("ms", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("10mm", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("10sm", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("10us", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("10 ms", 0, 3600, &v), -EINVAL);
	assert_int_equal(mcs_parse_duration("5ms", 0.01, 3600, &v), -ERANGE);
	/* bare_unit 0.001: "10" is 10 ms; suffixed forms as they say. */
	assert_int_equal(mcs_parse_duration_unit("10", 0.001, 0, 60, &v), 0);
	assert_true(v == 0.01);
	assert_int_equal(mcs_parse_duration_unit("10ms", 0.001, 0, 60, &v), 0);
	assert_true(v == 0.01);
	assert_int_equal(mcs_parse_duration_unit("1s", 0.001, 0, 60, &v), 0);
	assert_true(v == 1);
	assert_int_equal(mcs_parse_duration_unit("2m", 0.001, 0, 60, &v),
			 -ERANGE);
	assert_int_equal(mcs_parse_duration_unit("61000", 0.001, 0, 60, &v),
			 -ERANGE);
	assert_int_equal(mcs_parse_duration_unit("1x", 0.001, 0, 60, &v),
			 -EINVAL);
	assert_int_equal(mcs_parse_duration_unit("1", 0, 0, 60, &v), -EINVAL);
}

static void test_sizes(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(mcs_parse_size("4096", UINT64_MAX, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(mcs_parse_size("512M", UINT64_MAX, &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(mcs_parse_size("2g", UINT64_MAX, &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(mcs_parse_size("8K", UINT64_MAX, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(mcs_parse_size("0", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(mcs_parse_size("2G", 1ull << 30, &v), -ERANGE);
	assert_int_equal(mcs_parse_size("99999999999G", UINT64_MAX, &v),
			 -ERANGE);
	assert_int_equal(mcs_parse_size("1MB", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mcs_parse_size("1T", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mcs_parse_size("-1", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mcs_parse_size("M", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mcs_parse_size("", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mcs_parse_size(NULL, UINT64_MAX, &v), -EINVAL);
}

static void test_option_error_is_one_line(void **state)
{
	(void)state;
	char why[128];
	assert_int_equal(
	    mcs_option_error(why, sizeof(why), "--target", "1\n2", "a count"),
	    -EINVAL);
	assert_string_equal(why, "bad --target '1?2': expected a count");
	char long_value[200];
	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	mcs_option_error(why, sizeof(why), "--out", long_value, "a path");
	assert_non_null(strstr(why, "...': expected a path"));
	assert_null(strchr(why, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_port_ranges),
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_ipv4_ranges),
	    cmocka_unit_test(test_count_lists),
	    cmocka_unit_test(test_seconds),
	    cmocka_unit_test(test_duration_units),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_option_error_is_one_line),
	};
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
