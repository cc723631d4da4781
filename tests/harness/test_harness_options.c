/* test_harness_options.c - the harness command line: step lists, defaults
 * and bad usage (each naming the option); --backend-opt settings routed
 * to their backends and checked against what a backend declares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness_backend_options.h"
#include "harness_format.h"
#include "harness_options.h"
#include "mcs_parse.h"

static int parse(struct harness_options *o, char *why, size_t why_size,
		 int argc, char **argv)
{
	return harness_parse_options(argc, argv, o, why, why_size);
}

static void test_default_steps(void **state)
{
	(void)state;
	struct harness_options o;
	char why[256];
	char *argv[] = {"harness", "--backend", "epoll", "--target", "1M"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, argv), 0);
	assert_int_equal(o.target, 1000000);
	uint64_t steps[HARNESS_MAX_STEPS];
	size_t n = harness_step_list(&o, o.target, steps, HARNESS_MAX_STEPS);
	const uint64_t want[] = {1000, 10000, 100000, 250000, 500000, 1000000};
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(steps[i], want[i]);
	/* A smaller target keeps the steps below it and ends on it. */
	n = harness_step_list(&o, 30000, steps, HARNESS_MAX_STEPS);
	assert_int_equal(n, 3);
	assert_int_equal(steps[0], 1000);
	assert_int_equal(steps[1], 10000);
	assert_int_equal(steps[2], 30000);
	n = harness_step_list(&o, 500, steps, HARNESS_MAX_STEPS);
	assert_int_equal(n, 1);
	assert_int_equal(steps[0], 500);
	/* No connect-rate cap unless one is asked for. */
	assert_int_equal(o.rate, 0);
}

static void test_rate(void **state)
{
	(void)state;
	struct harness_options o;
	char why[256];
	char *argv[] = {"harness", "--backend", "epoll", "--target",
			"30k",	   "--rate",	"3k"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, argv), 0);
	assert_int_equal(o.rate, 3000);
	char *zero[] = {"harness", "--backend", "epoll", "--target",
			"30k",	   "--rate",	"0"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, zero), -EINVAL);
	assert_non_null(strstr(why, "--rate"));
}

static void test_points(void **state)
{
	(void)state;
	struct harness_options o;
	char why[256];
	char *argv[] = {"harness", "--backend", "all", "--target",
			"1M",	   "--points",	"4"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, argv), 0);
	assert_true(o.all_backends);
	uint64_t steps[HARNESS_MAX_STEPS];
	size_t n = harness_step_list(&o, o.target, steps, HARNESS_MAX_STEPS);
	assert_int_equal(n, 4);
	assert_int_equal(steps[0], 1000);
	assert_int_equal(steps[1], 10000);
	assert_int_equal(steps[2], 100000);
	assert_int_equal(steps[3], 1000000);
}

static void test_bad_usage_names_the_option(void **state)
{
	(void)state;
	struct harness_options o;
	char why[256];
	char *no_target[] = {"harness", "--backend", "epoll"};
	assert_int_equal(parse(&o, why, sizeof(why), 3, no_target), -EINVAL);
	assert_non_null(strstr(why, "--target"));
	char *bad_steps[] = {"harness", "--backend", "epoll", "--target",
			     "10k",	"--steps",   "10k,1k"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, bad_steps), -EINVAL);
	assert_non_null(strstr(why, "--steps"));
	char *both[] = {"harness", "--backend", "epoll",    "--target", "10k",
			"--steps", "1k",	"--points", "3"};
	assert_int_equal(parse(&o, why, sizeof(why), 9, both), -EINVAL);
	assert_non_null(strstr(why, "--points"));
	char *unknown[] = {"harness", "--frobnicate"};
	assert_int_equal(parse(&o, why, sizeof(why), 2, unknown), -EINVAL);
	assert_non_null(strstr(why, "--frobnicate"));
	char *ports[] = {"harness", "--backend", "epoll",    "--target",
			 "1k",	    "--ports",	 "3000-2000"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, ports), -EINVAL);
	assert_non_null(strstr(why, "--ports"));
}

static void test_format(void **state)
{
	(void)state;
	char text[32];
	harness_format_count(1000000, text, sizeof(text));
	assert_string_equal(text, "1,000,000");
	harness_format_count(999, text, sizeof(text));
	assert_string_equal(text, "999");
	harness_format_bytes(1536, text, sizeof(text));
	assert_string_equal(text, "1.5 KiB");
	harness_format_bytes(100, text, sizeof(text));
	assert_string_equal(text, "100 B");
}

static void test_load_and_repeat(void **state)
{
	(void)state;
	struct harness_options o;
	char why[512];
	char *plain[] = {"harness", "--backend", "epoll", "--target", "1M"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, plain), 0);
	assert_true(o.load_rate == 0);
	assert_int_equal(o.load_size, 64);
	assert_true(o.load_duration == 5);
	assert_int_equal(o.repeat, 1);
	char *argv[] = {"harness", "--backend", "epoll", "--target",
			"1M",	   "--load",	"20k",	 "--load-size",
			"128",	   "--repeat",	"3",	 "--load-duration",
			"2.5"};
	assert_int_equal(parse(&o, why, sizeof(why), 13, argv), 0);
	assert_true(o.load_rate == 20000);
	assert_int_equal(o.load_size, 128);
	assert_true(o.load_duration == 2.5);
	assert_int_equal(o.repeat, 3);
	/* The ceiling: at the first step (1,000 connections) each may send
	 * once a millisecond, 1M/s in all. */
	assert_true(harness_load_ceiling(1000) == 1e6);
	char *top[] = {"harness", "--backend", "epoll", "--target",
		       "1M",	  "--load",    "1M"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, top), 0);
	char *over[] = {"harness", "--backend", "epoll",  "--target",
			"1M",	   "--load",	"1000001"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, over), -EINVAL);
	assert_non_null(strstr(why, "--load"));
	assert_non_null(strstr(why, "1000 connections"));
}

static void test_backend_list(void **state)
{
	(void)state;
	struct harness_options o;
	char why[256];
	char *argv[] = {"harness", "--backend", "epoll,io_uring,select",
			"--target", "1k"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, argv), 0);
	assert_int_equal(o.backend_count, 3);
	assert_string_equal(o.backends[0], "epoll");
	assert_string_equal(o.backends[1], "io_uring");
	assert_string_equal(o.backends[2], "select");
	assert_string_equal(o.backend, "epoll");
	assert_false(o.all_backends);
	char *all[] = {"harness", "--backend", "all", "--target", "1k"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, all), 0);
	assert_true(o.all_backends);
}

/* --client tun|kernel; tun needs the sweep's own namespace. */
static void test_client_kind(void **state)
{
	(void)state;
	struct harness_options o;
	char why[512];
	char *none[] = {"harness", "--backend", "epoll", "--target", "1k"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, none), 0);
	assert_int_equal(o.client_kind, HARNESS_CLIENT_AUTO);
	char *tun[] = {"harness", "--backend", "epoll", "--target",
		       "1k",	  "--client",  "tun"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, tun), 0);
	assert_int_equal(o.client_kind, HARNESS_CLIENT_TUN);
	char *kernel[] = {"harness", "--backend", "epoll",  "--target",
			  "1k",	     "--client",  "kernel", "--no-netns"};
	assert_int_equal(parse(&o, why, sizeof(why), 8, kernel), 0);
	assert_int_equal(o.client_kind, HARNESS_CLIENT_KERNEL);
	char *bad[] = {"harness", "--backend", "epoll", "--target",
		       "1k",	  "--client",  "udp"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, bad), -EINVAL);
	assert_non_null(strstr(why, "--client"));
	/* --rate: the TUN client paces its connects too (tun-client --rate) */
	char *rate[] = {"harness",  "--backend", "epoll",  "--target", "1k",
			"--client", "tun",	 "--rate", "1000"};
	assert_int_equal(parse(&o, why, sizeof(why), 9, rate), 0);
	assert_int_equal(o.client_kind, HARNESS_CLIENT_TUN);
	assert_int_equal(o.rate, 1000);
	const char *not_with[][2] = {{"--no-netns", NULL},
				     {"--server-host", "local"}};
	for (size_t i = 0; i < 2; i++) {
		char *argv[] = {"harness",
				"--backend",
				"epoll",
				"--target",
				"1k",
				"--client",
				"tun",
				(char *)not_with[i][0],
				(char *)not_with[i][1],
				"--client-hosts",
				"local"};
		int argc = i == 1 ? 11 : 8;
		why[0] = '\0';
		assert_int_equal(parse(&o, why, sizeof(why), argc, argv),
				 -EINVAL);
		assert_non_null(strstr(why, "--client tun"));
	}
}

/* --dry-run: a flag, off by default, not with a multi-host run (the plan
 * is the server host's to make); durations of every harness option take
 * units, and an unknown unit names the option. */
static void test_dry_run(void **state)
{
	(void)state;
	struct harness_options o;
	char why[512];
	char *plain[] = {"harness", "--backend", "epoll", "--target", "100k"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, plain), 0);
	assert_int_equal(o.dry_run, 0);
	char *dry[] = {"harness", "--dry-run", "--backend",
		       "epoll",	  "--target",  "100k"};
	assert_int_equal(parse(&o, why, sizeof(why), 6, dry), 0);
	assert_int_equal(o.dry_run, 1);
	assert_int_equal(o.target, 100000);
	char *remote[] = {"harness",	   "--dry-run", "--backend",
			  "epoll",	   "--target",	"1k",
			  "--server-host", "local",	"--client-hosts",
			  "local"};
	assert_int_equal(parse(&o, why, sizeof(why), 10, remote), -EINVAL);
	assert_non_null(strstr(why, "--dry-run"));
	char *value[] = {"harness", "--dry-run=yes"};
	assert_int_equal(parse(&o, why, sizeof(why), 2, value), -EINVAL);
	assert_non_null(strstr(why, "--dry-run"));
	char *ms[] = {"harness", "--backend",	   "epoll",  "--target",
		      "1k",	 "--step-timeout", "1500ms", "--load-duration",
		      "250ms"};
	assert_int_equal(parse(&o, why, sizeof(why), 9, ms), 0);
	assert_true(o.step_timeout == 1.5);
	assert_true(o.load_duration == 0.25);
	const char *options[] = {"--step-timeout", "--load-duration", "--soak"};
	for (size_t i = 0; i < 3; i++) {
		char *bad[] = {"harness",  "--backend", "epoll",
			       "--target", "1k",	(char *)options[i],
			       "10x"};
		why[0] = '\0';
		assert_int_equal(parse(&o, why, sizeof(why), 7, bad), -EINVAL);
		if (!strstr(why, options[i]))
			fail_msg("'%s' does not name %s", why, options[i]);
	}
}

static void test_bad_comparison_usage(void **state)
{
	(void)state;
	const char *cases[][2] = {
	    {"--load", "0"},	      {"--load", "-1"},
	    {"--load", "lots"},	      {"--load", "2M"},
	    {"--load-size", "0"},     {"--load-size", "70000"},
	    {"--load-duration", "0"}, {"--load-duration", "x"},
	    {"--repeat", "0"},	      {"--repeat", "51"},
	    {"--backend", "epoll,"},  {"--backend", ",epoll"},
	    {"--backend", "a,b,a"},   {"--backend", "all,epoll"},
	    {"--backend", "epoll/x"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct harness_options o;
		char why[512] = "";
		char *argv[] = {
		    "harness",		"--backend", "epoll",
		    "--target",		"1M",	     (char *)cases[i][0],
		    (char *)cases[i][1]};
		int err = parse(&o, why, sizeof(why), 7, argv);
		if (err != -EINVAL || !strstr(why, cases[i][0]))
			fail_msg("%s %s: %d, %s", cases[i][0], cases[i][1], err,
				 why);
	}
}

/* Multi-host options: parsed into hosts; bad ones refused naming the
 * option, a host that would need quoting among them. */
static void test_multihost_options(void **state)
{
	(void)state;
	struct harness_options o;
	char why[512] = "";
	char *good[] = {"harness",
			"--backend",
			"epoll",
			"--target",
			"40k",
			"--server-host",
			"mcs-s=198.18.0.1",
			"--client-hosts",
			"mcs-c1,mcs-c2",
			"--transport",
			"ip netns exec {host}",
			"--remote-dir",
			"/opt/mcs/build/bin"};
	assert_int_equal(parse(&o, why, sizeof(why), 13, good), 0);
	assert_int_equal(o.multihost, 1);
	assert_string_equal(o.hosts.server.target, "mcs-s");
	assert_string_equal(o.hosts.server.address, "198.18.0.1");
	assert_int_equal(o.hosts.client_count, 2);
	assert_string_equal(o.transport, "ip netns exec {host}");
	assert_string_equal(o.remote_dir, "/opt/mcs/build/bin");
	char *plain[] = {"harness", "--backend", "epoll", "--target", "1k"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, plain), 0);
	assert_int_equal(o.multihost, 0);
	assert_string_equal(o.transport, "ssh -o BatchMode=yes {host}");

	const char *cases[][5] = {
	    {"--server-host", "a;touch /tmp/x", "--client-hosts", "c1",
	     "--server-host"},
	    {"--server-host", "s", "--client-hosts", "c1,c$(id)",
	     "--client-hosts"},
	    {"--server-host", "s=1.2.3", "--client-hosts", "c1",
	     "--server-host"},
	    {"--server-host", "s", "--client-hosts", "c1,c1", "--client-hosts"},
	    {"--server-host", "s", "--transport", "ssh", "--transport"},
	    {"--server-host", "s", "--remote-dir", "bin", "--remote-dir"},
	    {"--server-host", "s", "--no-plot", "--no-plot", "--client-hosts"},
	    {"--client-hosts", "c1", "--no-plot", "--no-plot", "--server-host"},
	    {"--transport", "ssh {host}", "--no-plot", "--no-plot",
	     "--transport"},
	    {"--server-host", "s", "--client-hosts", "c1", "--pause-at"},
	    {"--server-host", "s", "--client-hosts", "c1", "--soak"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[12] = {"harness", "--backend", "epoll", "--target",
				  "1k"};
		int argc = 5;
		for (int k = 0; k < 4; k++)
			argv[argc++] = (char *)cases[i][k];
		if (strcmp(cases[i][4], "--pause-at") == 0 ||
		    strcmp(cases[i][4], "--soak") == 0) {
			argv[argc++] = (char *)cases[i][4];
			argv[argc++] = "500";
		}
		why[0] = '\0';
		int err = parse(&o, why, sizeof(why), argc, argv);
		if (err != -EINVAL || !strstr(why, cases[i][4]))
			fail_msg("case %zu: %d, '%s' (wanted %s named)", i, err,
				 why, cases[i][4]);
	}
}

/* Durations: plain seconds or one s/m/h suffix, for --soak and for
 * --step-timeout and --load-duration, which share the parser. */
static void test_durations(void **state)
{
	(void)state;
	const struct {
		const char *text;
		double seconds;
	} good[] = {{"600", 600}, {"90s", 90},	   {"10m", 600},
		    {"1h", 3600}, {"1.5h", 5400},  {"0.5m", 30},
		    {"25s", 25},  {"168h", 604800}};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double seconds = -1;
		if (mcs_parse_duration(good[i].text, 1, HARNESS_SOAK_MAX_S,
				       &seconds) != 0 ||
		    seconds != good[i].seconds)
			fail_msg("%s: %g", good[i].text, seconds);
	}
	const char *bad[] = {"",    "s",     "abc", "10x", "-1",   "+5",
			     " 5",  "5 ",    "1hs", "5us", "0x10", "inf",
			     "nan", "1e999", "10M", "1d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double seconds;
		if (mcs_parse_duration(bad[i], 1, HARNESS_SOAK_MAX_S,
				       &seconds) != -EINVAL)
			fail_msg("'%s' was not refused as malformed", bad[i]);
	}
	double seconds;
	/* Milliseconds are a form every duration takes; 5 ms is below the
	 * soak's 1 s, so out of range, not malformed. */
	assert_int_equal(
	    mcs_parse_duration("5ms", 1, HARNESS_SOAK_MAX_S, &seconds),
	    -ERANGE);
	assert_int_equal(mcs_parse_duration("0", 1, 60, &seconds), -ERANGE);
	assert_int_equal(mcs_parse_duration("2m", 1, 60, &seconds), -ERANGE);
	assert_int_equal(
	    mcs_parse_duration("169h", 1, HARNESS_SOAK_MAX_S, &seconds),
	    -ERANGE);

	struct harness_options o;
	char why[512];
	char *plain[] = {"harness", "--backend", "epoll", "--target", "1k"};
	assert_int_equal(parse(&o, why, sizeof(why), 5, plain), 0);
	assert_true(o.soak_s == 0);
	char *soak[] = {"harness", "--backend",	      "epoll", "--target",
			"1k",	   "--soak",	      "10m",   "--step-timeout",
			"2m",	   "--load-duration", "90s"};
	assert_int_equal(parse(&o, why, sizeof(why), 11, soak), 0);
	assert_true(o.soak_s == 600);
	assert_true(o.step_timeout == 120);
	assert_true(o.load_duration == 90);
	const char *refused[] = {"0", "-1", "abc", "10x", "0.5", "169h"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *argv[] = {"harness",	   "--backend", "epoll",
				"--target",	   "1k",	"--soak",
				(char *)refused[i]};
		why[0] = '\0';
		int err = parse(&o, why, sizeof(why), 7, argv);
		if (err != -EINVAL || !strstr(why, "--soak"))
			fail_msg("--soak %s: %d, %s", refused[i], err, why);
	}
}

/* A pretend backend with two options, for the settings' routing and the
 * effective values sweep.json records. */
struct pretend_options {
	int direct;
	uint64_t buffers;
};

static const struct mcs_backend_option pretend_table[] = {
    {.name = "direct",
     .type = MCS_OPTION_BOOL,
     .offset = offsetof(struct pretend_options, direct),
     .default_value = "true",
     .help = "direct descriptors"},
    {.name = "buffers",
     .type = MCS_OPTION_INTEGER,
     .flags = MCS_OPTION_POWER_OF_TWO,
     .offset = offsetof(struct pretend_options, buffers),
     .default_value = "256",
     .min = 1,
     .max = 32768,
     .help = "buffers"},
};

static const struct mcs_backend_ops pretend = {
    MCS_BACKEND_HEADER,
    .name = "io_uring",
    MCS_BACKEND_OPTIONS(pretend_table, struct pretend_options),
};

static void test_backend_settings(void **state)
{
	(void)state;
	struct harness_options o;
	char why[512];
	char *argv[] = {"harness",
			"--backend",
			"epoll,io_uring",
			"--target",
			"1k",
			"--backend-opt",
			"buffers=2",
			"--backend-opt",
			"io_uring:direct=false",
			"--backend-opt",
			"epoll:x=a:b=c"};
	assert_int_equal(parse(&o, why, sizeof(why), 11, argv), 0);
	assert_int_equal(o.backend_setting_count, 3);
	const char *settings[MCS_BACKEND_SETTINGS_MAX];
	assert_int_equal(harness_backend_settings(&o, "io_uring", settings), 2);
	assert_string_equal(settings[0], "buffers=2");
	assert_string_equal(settings[1], "direct=false");
	assert_int_equal(harness_backend_settings(&o, "epoll", settings), 2);
	assert_string_equal(settings[1], "x=a:b=c");
	assert_int_equal(harness_backend_settings(&o, "select", settings), 1);

	/* What sweep.json records: every option, defaults included. */
	json_t *values = NULL;
	assert_int_equal(harness_backend_options_json(&o, &pretend, &values,
						      why, sizeof(why)),
			 0);
	char *text = json_dumps(values, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"buffers\":2,\"direct\":false}");
	free(text);
	json_decref(values);

	/* A prefix must name a backend being swept. */
	char names[1][MCS_BACKEND_NAME_MAX] = {"select"};
	assert_int_equal(
	    harness_backend_options_check(&o, names, 1, why, sizeof(why)),
	    -EINVAL);
	assert_non_null(
	    strstr(why, "bad --backend-opt 'io_uring:direct=false'"));
	assert_non_null(
	    strstr(why, "a backend being swept before ':' (select)"));
}

static void test_bad_backend_settings(void **state)
{
	(void)state;
	const char *bad[] = {"direct",	    "=1",	 ":direct=1",
			     "IO:direct=1", "io_uring:", "io_uring:=1",
			     "a/b:x=1",	    ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct harness_options o;
		char why[512] = "";
		char *argv[] = {"harness",     "--backend", "epoll",
				"--target",    "1k",	    "--backend-opt",
				(char *)bad[i]};
		int err = parse(&o, why, sizeof(why), 7, argv);
		if (err != -EINVAL || !strstr(why, "bad --backend-opt") ||
		    !strstr(why, "[BACKEND:]NAME=VALUE"))
			fail_msg("--backend-opt '%s': %d, %s", bad[i], err,
				 why);
	}
	/* Out of range, against what the backend declares. */
	struct harness_options o;
	char why[512];
	char *argv[] = {"harness", "--backend",	    "io_uring", "--target",
			"1k",	   "--backend-opt", "buffers=3"};
	assert_int_equal(parse(&o, why, sizeof(why), 7, argv), 0);
	json_t *values = NULL;
	assert_int_equal(harness_backend_options_json(&o, &pretend, &values,
						      why, sizeof(why)),
			 -EINVAL);
	assert_null(values);
	assert_non_null(strstr(why, "bad --backend-opt 'buffers=3': expected "
				    "buffers of io_uring to be an integer "
				    "from 1 to 32768, a power of two"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_steps),
	    cmocka_unit_test(test_points),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_client_kind),
	    cmocka_unit_test(test_dry_run),
	    cmocka_unit_test(test_load_and_repeat),
	    cmocka_unit_test(test_backend_list),
	    cmocka_unit_test(test_bad_comparison_usage),
	    cmocka_unit_test(test_multihost_options),
	    cmocka_unit_test(test_bad_usage_names_the_option),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_backend_settings),
	    cmocka_unit_test(test_bad_backend_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
