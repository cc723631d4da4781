/* test_server_options.c - the server's command line parsed in-process:
 * each old spelling is an alias of its canonical option (the same field,
 * the same value), and every duration takes units; bad units are refused
 * naming the option. The binary's exit status 2 is in test_bad_input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "server_options.h"

/* server_parse_options on a NULL-terminated list of words. */
static int parse(struct server_options *o, char *why, const char *first, ...)
{
	char *argv[16] = {"server"};
	int argc = 1;
	va_list ap;
	va_start(ap, first);
	for (const char *w = first; w && argc < 15;
	     w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	return server_parse_options(argc, argv, o, why, 256);
}

static void test_monitor_interval_and_its_alias(void **state)
{
	(void)state;
	struct server_options o;
	char why[256];
	/* A bare number is seconds, under either name. */
	const char *names[] = {"--monitor-interval", "--interval"};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(parse(&o, why, names[i], "2", NULL), 0);
		assert_true(o.interval_seconds == 2);
		assert_int_equal(parse(&o, why, names[i], "500ms", NULL), 0);
		assert_true(o.interval_seconds == 0.5);
		assert_int_equal(parse(&o, why, names[i], "1m", NULL), 0);
		assert_true(o.interval_seconds == 60);
		assert_int_equal(parse(&o, why, names[i], "0", NULL), 0);
		assert_true(o.interval_seconds == 0);
		assert_int_equal(parse(&o, why, names[i], "10x", NULL),
				 -EINVAL);
		assert_non_null(strstr(why, "--monitor-interval"));
	}
	assert_int_equal(parse(&o, why, NULL), 0);
	assert_true(o.interval_seconds == 1);
}

static void test_duration_units(void **state)
{
	(void)state;
	struct server_options o;
	char why[256];
	assert_int_equal(parse(&o, why, "--duration", "1500ms", NULL), 0);
	assert_true(o.duration_seconds == 1.5);
	assert_int_equal(parse(&o, why, "--duration", "10m", NULL), 0);
	assert_true(o.duration_seconds == 600);
	assert_int_equal(parse(&o, why, "--duration", "3d", NULL), -EINVAL);
	assert_non_null(strstr(why, "--duration"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_monitor_interval_and_its_alias),
	    cmocka_unit_test(test_duration_units),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
