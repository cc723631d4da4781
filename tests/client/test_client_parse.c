/* test_client_parse.c - what the client accepts on its command line: its
 * options (every bad input refused with the option named), the capacity
 * check, and control lines. The shared parsers (mcs_parse_*) it relies on
 * are tested in tests/unit/test_parse.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "client_control.h"
#include "client_options.h"
#include "mcs_parse.h"

/* Run client_parse_options on a NULL-terminated list of words. */
static int parse(struct client_options *o, char *why, const char *first, ...)
{
	char *argv[32] = {"client"};
	int argc = 1;
	va_list ap;
	va_start(ap, first);
	for (const char *w = first; w && argc < 31;
	     w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	why[0] = '\0';
	return client_parse_options(argc, argv, o, why, 256);
}

static void test_options_good(void **state)
{
	(void)state;
	struct client_options o;
	char why[256];
	assert_int_equal(parse(&o, why, NULL), 0);
	assert_int_equal(o.port_first, 2048);
	assert_int_equal(o.port_last, 2067);
	assert_int_equal(o.connections, CLIENT_DEFAULT_CONNECTIONS);
	assert_int_equal(o.procs, 0);
	assert_int_equal(o.window, CLIENT_DEFAULT_WINDOW);

	assert_int_equal(parse(&o, why, "--host", "127.0.0.1", "--ports",
			       "2048-2067", "--connections", "200k", "--rate",
			       "50000", "--procs", "auto", "--sources",
			       "127.0.0.2-127.0.0.50", "--payload", "64",
			       "--interval", "100", "--hold", "2.5", "--window",
			       "64", "--timeout", "30", "--json", NULL),
			 0);
	assert_int_equal(o.connections, 200000);
	assert_true(o.rate == 50000.0);
	assert_int_equal(o.source_count, 49);
	assert_int_equal(o.payload, 64);
	assert_int_equal(o.interval_ms, 100);
	assert_true(o.hold_seconds == 2.5);
	assert_int_equal(o.window, 64);
	assert_true(o.timeout_seconds == 30.0);
	assert_int_equal(o.json, 1);

	/* The seed's plain form. */
	assert_int_equal(parse(&o, why, "127.0.0.1", "2048", NULL), 0);
	assert_int_equal(o.port_first, 2048);
	assert_int_equal(o.port_last, 2048);
	assert_int_equal(parse(&o, why, "127.0.0.3", "2300-2303", "30k", NULL),
			 0);
	assert_int_equal(ntohl(o.host.s_addr), 0x7f000003);
	assert_int_equal(o.connections, 30000);

	assert_int_equal(parse(&o, why, "--control", "--connections", "1M",
			       "--procs", "64", NULL),
			 0);
	assert_int_equal(o.control, 1);
	assert_int_equal(o.procs, 64);
	assert_int_equal(parse(&o, why, "--help", NULL), 0);
	assert_int_equal(o.help, 1);

	/* Another host's server (multi-host runs): any IPv4 address, and
	 * this host's own addresses as sources. Parsed only: nothing
	 * connects. */
	assert_int_equal(parse(&o, why, "--host", "198.18.0.1", "--sources",
			       "198.18.0.2-198.18.0.3", NULL),
			 0);
	assert_int_equal(ntohl(o.host.s_addr), 0xc6120001);
	assert_int_equal(o.source_count, 2);
	/* Off unless asked. */
	assert_int_equal(parse(&o, why, NULL), 0);
	assert_int_equal(o.reset_on_exit, 0);
	assert_int_equal(o.connect_by_port, 0);
	assert_int_equal(
	    parse(&o, why, "--reset-on-exit", "--connect-order", "port", NULL),
	    0);
	assert_int_equal(o.reset_on_exit, 1);
	assert_int_equal(o.connect_by_port, 1);
	assert_int_equal(parse(&o, why, "--connect-order", "spread", NULL), 0);
	assert_int_equal(o.connect_by_port, 0);
	/* Durations as the server and the harness take them. */
	assert_int_equal(parse(&o, why, "--hold", "10m", NULL), 0);
	assert_true(o.hold_seconds == 600);
}

/* Each old spelling is an alias: the same field, the same value as the
 * canonical name. */
static void test_options_aliases(void **state)
{
	(void)state;
	struct client_options a, b;
	char why[256];
	assert_int_equal(parse(&a, why, "--address", "127.0.0.7", "--workers",
			       "3", "--payload", "8", "--message-interval",
			       "250", NULL),
			 0);
	assert_int_equal(parse(&b, why, "--host", "127.0.0.7", "--procs", "3",
			       "--payload", "8", "--interval", "250", NULL),
			 0);
	assert_int_equal(ntohl(a.host.s_addr), 0x7f000007);
	assert_int_equal(a.host.s_addr, b.host.s_addr);
	assert_int_equal(a.procs, 3);
	assert_int_equal(b.procs, 3);
	assert_int_equal(a.interval_ms, 250);
	assert_int_equal(b.interval_ms, 250);
	/* The period with units: the same 250 ms, or 1 s; the alias too. */
	const char *same[] = {"250ms", "0.25s"};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(parse(&a, why, "--payload", "8",
				       "--message-interval", same[i], NULL),
				 0);
		assert_int_equal(a.interval_ms, 250);
		assert_int_equal(parse(&b, why, "--payload", "8", "--interval",
				       same[i], NULL),
				 0);
		assert_int_equal(b.interval_ms, 250);
	}
	assert_int_equal(
	    parse(&a, why, "--payload", "8", "--message-interval", "1s", NULL),
	    0);
	assert_int_equal(a.interval_ms, 1000);
	assert_int_equal(parse(&a, why, "--workers", "auto", NULL), 0);
	assert_int_equal(a.procs, 0);
}

/* Each bad input fails, and the reason names the option. */
static void expect_bad(const char *option, const char *a, const char *b,
		       const char *c)
{
	struct client_options o;
	char why[256];
	assert_int_equal(parse(&o, why, a, b, c, NULL), -EINVAL);
	if (!strstr(why, option))
		fail_msg("'%s' does not name %s", why, option);
}

static void test_options_bad(void **state)
{
	(void)state;
	/* An alias's error names the option it is an alias of. */
	expect_bad("--address", "--address", "0.0.0.0", NULL);
	expect_bad("--address", "--host", "0.0.0.0", NULL);
	expect_bad("--address", "--host", "127.0.0", NULL);
	expect_bad("--address", "--host", "", NULL);
	expect_bad("--ports", "--ports", "2067-2048", NULL);
	expect_bad("--ports", "--ports", "0", NULL);
	expect_bad("--ports", "--ports", "70000", NULL);
	expect_bad("--connections", "--connections", "0", NULL);
	expect_bad("--connections", "--connections", "12x", NULL);
	expect_bad("--connections", "--connections", "-1", NULL);
	expect_bad("--rate", "--rate", "fast", NULL);
	expect_bad("--rate", "--rate", NULL, NULL);
	expect_bad("--workers", "--workers", "0", NULL);
	expect_bad("--workers", "--procs", "0", NULL);
	expect_bad("--workers", "--procs", "2000", NULL);
	expect_bad("--sources", "--sources", "127.0.0.9-127.0.0.2", NULL);
	expect_bad("--sources", "--sources", "10.0.0.1-", NULL);
	expect_bad("--sources", "--sources", "10.0.0.0-10.1.0.0", NULL);
	expect_bad("--payload", "--payload", "64", NULL); /* no interval */
	expect_bad("--payload", "--payload", "0", NULL);
	expect_bad("--payload", "--payload", "70000", NULL);
	expect_bad("--message-interval", "--interval", "10", NULL); /* alone */
	expect_bad("--message-interval", "--message-interval", "10", NULL);
	/* A period: an unknown unit, none at all, too short, too long, or
	 * not whole milliseconds. */
	expect_bad("--message-interval", "--message-interval", "10x",
		   "--payload");
	expect_bad("--message-interval", "--interval", "10us", "--payload");
	expect_bad("--message-interval", "--interval", "ms", "--payload");
	expect_bad("--message-interval", "--interval", "0", "--payload");
	expect_bad("--message-interval", "--interval", "2h", "--payload");
	expect_bad("--message-interval", "--interval", "1.5ms", "--payload");
	expect_bad("--hold", "--hold", "-1", NULL);
	expect_bad("--hold", "--hold", "1x", NULL);
	expect_bad("--window", "--window", "0", NULL);
	expect_bad("--timeout", "--timeout", "0", NULL);
	expect_bad("--timeout", "--timeout", "nan", NULL);
	expect_bad("--connect-order", "--connect-order", "sideways", NULL);
	expect_bad("--connect-order", "--connect-order", "", NULL);
	expect_bad("--connect-order", "--connect-order", NULL, NULL);
	/* A flag given a value says so, naming the flag. */
	expect_bad("--reset-on-exit", "--reset-on-exit=yes", NULL, NULL);
	expect_bad("--json", "--json=1", NULL, NULL);
	expect_bad("--bogus", "--bogus", NULL, NULL);
	expect_bad("-x", "-x", NULL, NULL);
}

static void test_options_bad_positional(void **state)
{
	(void)state;
	struct client_options o;
	char why[256];
	assert_int_equal(
	    parse(&o, why, "127.0.0.1", "2048", "10", "extra", NULL), -EINVAL);
	assert_non_null(strstr(why, "extra"));
	assert_int_equal(parse(&o, why, "8.8.8", "53", NULL), -EINVAL);
	assert_non_null(strstr(why, "--address"));
}

static struct client_limits limits_here(void)
{
	struct client_limits l = {
	    .fd_limit = 20000,
	    .file_max = 2466183,
	    .ephemeral_first = 32768,
	    .ephemeral_last = 60999,
	    .memory_total = 24ull << 30,
	    .cpus = 2,
	};
	return l;
}

static void test_capacity(void **state)
{
	(void)state;
	struct client_options o;
	char why[256];
	struct client_limits l = limits_here();
	assert_int_equal(parse(&o, why, "--ports", "2048-2111", "--connections",
			       "200k", NULL),
			 0);
	assert_int_equal(client_check_capacity(&o, &l, why, sizeof(why)), 0);
	/* One port, one source: 28,232 ephemeral ports at most. */
	assert_int_equal(
	    parse(&o, why, "--ports", "2048", "--connections", "30000", NULL),
	    0);
	assert_int_equal(client_check_capacity(&o, &l, why, sizeof(why)),
			 -ERANGE);
	assert_non_null(strstr(why, "ephemeral"));
	/* Sources multiply it. */
	assert_int_equal(parse(&o, why, "--ports", "2048", "--connections",
			       "30000", "--sources", "127.0.0.2-127.0.0.3",
			       NULL),
			 0);
	assert_int_equal(client_check_capacity(&o, &l, why, sizeof(why)), 0);
	/* fs.file-max: both ends are on this machine. */
	assert_int_equal(parse(&o, why, "--ports", "2048-2111", "--connections",
			       "1500000", NULL),
			 0);
	assert_int_equal(client_check_capacity(&o, &l, why, sizeof(why)),
			 -ERANGE);
	assert_non_null(strstr(why, "fs.file-max"));
	/* Kernel memory. */
	l.file_max = 100000000;
	l.ephemeral_first = 1024;
	l.ephemeral_last = 65535;
	assert_int_equal(parse(&o, why, "--ports", "2048-2111", "--connections",
			       "5M", "--sources", "127.0.0.2-127.0.0.9", NULL),
			 0);
	assert_int_equal(client_check_capacity(&o, &l, why, sizeof(why)),
			 -ERANGE);
	assert_non_null(strstr(why, "kernel memory"));
}

static void test_control_lines(void **state)
{
	(void)state;
	struct client_control c;
	char why[256];
	assert_int_equal(
	    client_control_parse("grow 10000", 20000, &c, why, sizeof(why)), 0);
	assert_int_equal(c.type, CLIENT_CONTROL_GROW);
	assert_int_equal(c.count, 10000);
	assert_int_equal(
	    client_control_parse("grow 10k\r", 20000, &c, why, sizeof(why)), 0);
	assert_int_equal(c.count, 10000);
	assert_int_equal(
	    client_control_parse("echo 1000 64", 20000, &c, why, sizeof(why)),
	    0);
	assert_int_equal(c.type, CLIENT_CONTROL_ECHO);
	assert_int_equal(c.count, 1000);
	assert_int_equal(c.size, 64);
	assert_int_equal(
	    client_control_parse("verify", 1, &c, why, sizeof(why)), 0);
	assert_int_equal(c.type, CLIENT_CONTROL_VERIFY);
	assert_int_equal(client_control_parse("quit", 1, &c, why, sizeof(why)),
			 0);
	assert_int_equal(c.type, CLIENT_CONTROL_QUIT);
	assert_int_equal(
	    client_control_parse("status", 1, &c, why, sizeof(why)), 0);
	assert_int_equal(c.type, CLIENT_CONTROL_STATUS);
	assert_int_equal(client_control_parse("", 1, &c, why, sizeof(why)), 0);
	assert_int_equal(c.type, CLIENT_CONTROL_NONE);
	assert_int_equal(
	    client_control_parse("load 20000 64 5", 1, &c, why, sizeof(why)),
	    0);
	assert_int_equal(c.type, CLIENT_CONTROL_LOAD);
	assert_int_equal(c.count, 20000);
	assert_int_equal(c.size, 64);
	assert_true(c.seconds == 5.0);
	assert_int_equal(
	    client_control_parse("load 20k 65535 0.5", 1, &c, why, sizeof(why)),
	    0);
	assert_int_equal(c.count, 20000);
	assert_int_equal(c.size, 65535);
	assert_true(c.seconds == 0.5);

	const char *bad[] = {"grow",
			     "grow 0",
			     "grow 20001",
			     "grow x",
			     "grow 1 2",
			     "echo 10",
			     "echo 10 0",
			     "echo 10 70000",
			     "echo 0 8",
			     "verify now",
			     "quit 1",
			     "status now",
			     "status 1",
			     "shrink 5",
			     "GROW 10",
			     "load",
			     "load 100 64",
			     "load 0 64 5",
			     "load -5 64 5",
			     "load x 64 5",
			     "load 11M 64 5",
			     "load 100 0 5",
			     "load 100 65536 5",
			     "load 100 64 0",
			     "load 100 64 3601",
			     "load 100 64 -1",
			     "load 100 64 x",
			     "load 100 64 5s",
			     "load 1.5 64 5"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (client_control_parse(bad[i], 20000, &c, why, sizeof(why)) !=
		    -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(why[0] != '\0');
	}
	char longline[400];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(
	    client_control_parse(longline, 1, &c, why, sizeof(why)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options_good),
	    cmocka_unit_test(test_options_aliases),
	    cmocka_unit_test(test_options_bad),
	    cmocka_unit_test(test_options_bad_positional),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_control_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
