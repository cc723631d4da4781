/* test_harness_plan.c - the preflight's pure judgements: listening ports
 * inside the ephemeral range (warn or refuse, reserved ports excluded),
 * the line for a sysctl the harness may not raise, when a memory fit
 * means nothing, the memory refusal with the count that fits, and the
 * tightest of memory's and the workers' caps named first. No
 * sysctl is read or written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness_fit.h"
#include "harness_format.h"
#include "harness_plan.h"

static enum harness_port_risk risk(unsigned first, unsigned last,
				   const char *reserved, uint64_t target,
				   unsigned sources, char *why, size_t size)
{
	struct harness_port_check c = {
	    .first = first,
	    .last = last,
	    .low = 32768,
	    .high = 60999,
	    .reserved = reserved,
	    .target = target,
	    .sources = sources,
	};
	why[0] = '\0';
	return harness_port_risk(&c, why, size);
}

static void test_ports_below_the_range_are_clear(void **state)
{
	(void)state;
	char why[512];
	assert_int_equal(risk(2048, 2103, "", 1000000, 45, why, sizeof(why)),
			 HARNESS_PORTS_CLEAR);
	assert_int_equal(risk(61000, 61010, "", 1000000, 45, why, sizeof(why)),
			 HARNESS_PORTS_CLEAR);
	assert_string_equal(why, "");
}

static void test_inside_with_few_connections_warns(void **state)
{
	(void)state;
	char why[512];
	/* ./harness --target 1 --ports 60000-60010: one port, one socket. */
	assert_int_equal(risk(60000, 60000, NULL, 1, 1, why, sizeof(why)),
			 HARNESS_PORTS_WARN);
	assert_non_null(strstr(why, "listening ports 60000-60000 lie inside "
				    "the ephemeral range 32768-60999"));
	assert_non_null(strstr(why, "use --ports below 32768"));
	assert_non_null(
	    strstr(why, "net.ipv4.ip_local_reserved_ports=60000-60000"));
}

static void test_inside_with_many_connections_refuses(void **state)
{
	(void)state;
	char why[512];
	/* 100,000 connections over 5 sources take 71% of each source's
	 * ports: one of 6 listening ports is all but sure to be taken. */
	assert_int_equal(risk(60000, 60005, "", 100000, 5, why, sizeof(why)),
			 HARNESS_PORTS_REFUSE);
	assert_non_null(strstr(why, "would likely find one taken"));
	/* 10,000 on one source: 35% of its ports, one listening port. */
	assert_int_equal(risk(60000, 60000, "", 10000, 1, why, sizeof(why)),
			 HARNESS_PORTS_WARN);
	/* 20,000: 71%, and two ports. */
	assert_int_equal(risk(60000, 60001, "", 20000, 1, why, sizeof(why)),
			 HARNESS_PORTS_REFUSE);
}

static void test_reserved_ports_are_clear(void **state)
{
	(void)state;
	char why[512];
	assert_int_equal(
	    risk(60000, 60010, "60000-60010", 100000, 5, why, sizeof(why)),
	    HARNESS_PORTS_CLEAR);
	assert_int_equal(risk(60000, 60010, "1000,60000-60009,60010", 100000, 5,
			      why, sizeof(why)),
			 HARNESS_PORTS_CLEAR);
	/* One port left unreserved is still inside. */
	assert_int_equal(
	    risk(60000, 60010, "60000-60009", 1, 1, why, sizeof(why)),
	    HARNESS_PORTS_WARN);
}

static void test_short_sysctl_text(void **state)
{
	(void)state;
	char text[400];
	harness_sysctl_short_text("net.core.somaxconn", 4096, 65535,
				  "fast connect bursts", 0, 0, text,
				  sizeof(text));
	assert_string_equal(text,
			    "net.core.somaxconn is 4096, fast connect bursts "
			    "needs 65535: run as root: sysctl -w "
			    "net.core.somaxconn=65535 (or ./harness as root, "
			    "which raises it)");
	/* Root, but --no-tune: "run as root" would be wrong. */
	harness_sysctl_short_text("fs.file-max", 100, 200, "50 connections", 1,
				  1, text, sizeof(text));
	assert_null(strstr(text, "run as root"));
	assert_string_equal(text,
			    "fs.file-max is 100, 50 connections needs 200: "
			    "--no-tune keeps the harness from raising it: "
			    "sysctl -w fs.file-max=200, or run without "
			    "--no-tune");
}

static void test_fit_meaningful(void **state)
{
	(void)state;
	char why[400];
	/* ./harness --target 1: the baseline and one step of 1. */
	assert_int_equal(harness_fit_meaningful(2, 1, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "a fit over 2 points, with 1 held at the "
				    "last step, means nothing"));
	assert_int_equal(harness_fit_meaningful(4, 3000, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "a fit with 3,000 held at the last step "
				    "means nothing: a slope needs 5,000"));
	assert_int_equal(harness_fit_meaningful(2, 1000000, why, sizeof(why)),
			 0);
	assert_non_null(strstr(why, "a fit over 2 points means nothing"));
	assert_int_equal(harness_fit_meaningful(3, 5000, why, sizeof(why)), 1);
	assert_int_equal(harness_fit_meaningful(7, 1000000, NULL, 0), 1);
	assert_int_equal(harness_fit_meaningful(1, 0, NULL, 0), 0);
}

/* 10,000 B per connection, 23 GB available above a 1 GB floor. */
static struct harness_memory_shortfall shortfall(uint64_t target)
{
	return (struct harness_memory_shortfall){
	    .target = target,
	    .needed = target * 10000,
	    .kernel_bytes_per_connection = 8662,
	    .from_slabinfo = 1,
	    .headroom = 23000000000ull,
	    .floor = 1000000000ull,
	};
}

static void test_memory_refusal_names_what_fits(void **state)
{
	(void)state;
	/* 50 GB against 22 GB: 5M x 22 / 50 = 2.2M fit. */
	struct harness_memory_shortfall s = shortfall(5000000);
	assert_int_equal(harness_memory_short(&s), 1);
	assert_int_equal(harness_memory_fits(&s), 2200000);
	char why[640];
	harness_memory_refusal(&s, why, sizeof(why));
	assert_non_null(strstr(why, "5000000 connections need about 46.57 GiB "
				    "(8.7 KB of kernel memory per loopback "
				    "connection, estimated from this "
				    "kernel's slabinfo) but only 21.42 GiB "
				    "is available"));
	assert_non_null(strstr(why, "20.49 GiB of it above the --min-free "
				    "floor of 0.93 GiB"));
	assert_non_null(strstr(why, "lower --target to about 2200000, free "
				    "memory or lower --min-free"));
	/* The count it names passes the same test. */
	struct harness_memory_shortfall fits = shortfall(2200000);
	assert_int_equal(harness_memory_short(&fits), 0);
	/* Rounded down to two significant digits: 4.5 GB of 10 GB is
	 * 450,000 of 1M; 4,567,000,000 B is 456,700 -> 450,000. */
	s = shortfall(1000000);
	s.headroom = 5567000000ull;
	assert_int_equal(harness_memory_short(&s), 1);
	assert_int_equal(harness_memory_fits(&s), 450000);
}

static void test_memory_refusal_without_room(void **state)
{
	(void)state;
	struct harness_memory_shortfall s = shortfall(9070);
	s.floor = 30000000000ull; /* --min-free above what is available */
	s.from_slabinfo = 0;
	s.kernel_bytes_per_connection = 9600;
	s.cgroup = "/user.slice";
	assert_int_equal(harness_memory_short(&s), 1);
	assert_int_equal(harness_memory_fits(&s), 0);
	char why[640];
	harness_memory_refusal(&s, why, sizeof(why));
	assert_non_null(strstr(why, "(9.6 KB of kernel memory per loopback "
				    "connection, a constant: slabinfo "
				    "unreadable)"));
	assert_non_null(strstr(why, "under the limit of memory cgroup "
				    "/user.slice, 0.00 GiB of it above"));
	assert_null(strstr(why, "lower --target"));
	assert_non_null(strstr(why, ": free memory or lower --min-free"));
}

/* A target above both memory's cap and the server workers': the
 * tightest is named first, with the count that fits, whichever it is. */
static void test_tightest_cap_first(void **state)
{
	(void)state;
	struct harness_plan plan;
	memset(&plan, 0, sizeof(plan));
	plan.most_by_memory = 4433661;
	plan.most_by_workers = 4603904;
	snprintf(plan.workers_refusal, sizeof(plan.workers_refusal),
		 "WORKERS-MESSAGE");
	char why[1024];
	assert_int_equal(
	    harness_plan_refusal(&plan, "MEMORY-MESSAGE", why, sizeof(why)),
	    -ENOMEM);
	assert_non_null(strstr(why, "at most 4433661 connections fit here, "
				    "capped by memory; then the server "
				    "workers' descriptors at 4603904: "
				    "MEMORY-MESSAGE"));
	assert_null(strstr(why, "WORKERS-MESSAGE"));
	plan.most_by_memory = 4678131;
	assert_int_equal(
	    harness_plan_refusal(&plan, "MEMORY-MESSAGE", why, sizeof(why)),
	    -ERANGE);
	assert_non_null(strstr(why, "at most 4603904 connections fit here, "
				    "capped by the server workers' "
				    "descriptors; then memory at 4678131: "
				    "WORKERS-MESSAGE"));
	/* one cap alone: no "then" */
	assert_int_equal(harness_plan_refusal(&plan, NULL, why, sizeof(why)),
			 -ERANGE);
	assert_null(strstr(why, "; then"));
	plan.workers_refusal[0] = '\0';
	assert_int_equal(
	    harness_plan_refusal(&plan, "MEMORY-MESSAGE", why, sizeof(why)),
	    -ENOMEM);
	assert_non_null(strstr(why, "capped by memory: MEMORY-MESSAGE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ports_below_the_range_are_clear),
	    cmocka_unit_test(test_inside_with_few_connections_warns),
	    cmocka_unit_test(test_inside_with_many_connections_refuses),
	    cmocka_unit_test(test_reserved_ports_are_clear),
	    cmocka_unit_test(test_short_sysctl_text),
	    cmocka_unit_test(test_fit_meaningful),
	    cmocka_unit_test(test_memory_refusal_names_what_fits),
	    cmocka_unit_test(test_memory_refusal_without_room),
	    cmocka_unit_test(test_tightest_cap_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
