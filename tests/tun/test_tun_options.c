/* test_tun_options.c - the TUN client's command line (the 198.18.0.0/15
 * rule, --procs giving a queue per worker) and how workers share the
 * indices (tun_engine_index, tun_engine_owned_below: every index owned by
 * exactly one worker, in groups of 64), without a device. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tun_engine.h"
#include "tun_options.h"
#include "tun_steer.h"

static int parse(struct tun_options *o, char **args)
{
	int argc = 0;
	while (args[argc])
		argc++;
	char why[256];
	return tun_parse_options(argc, args, o, why, sizeof(why));
}

static void test_defaults(void **state)
{
	(void)state;
	struct tun_options o;
	char *args[] = {"tun-client", NULL};
	assert_int_equal(parse(&o, args), 0);
	assert_int_equal(o.host, 0xC6120001u);
	assert_int_equal(o.source_first, 0xC6130000u);
	assert_int_equal(o.source_count, 65536);
	assert_int_equal(o.workers, 1);
	assert_int_equal(o.queues, 1);
	assert_int_equal(o.teardown_fin, 0);
	assert_int_equal(o.keep_qdisc, 0);
	char *keep[] = {"tun-client", "--qdisc", "default", NULL};
	assert_int_equal(parse(&o, keep), 0);
	assert_int_equal(o.keep_qdisc, 1);
	char *bad[] = {"tun-client", "--qdisc", "fq", NULL};
	assert_int_equal(parse(&o, bad), -EINVAL);
}

static void test_address_rule(void **state)
{
	(void)state;
	struct tun_options o;
	char *outside[] = {"tun-client", "--host", "10.0.0.1", NULL};
	assert_int_equal(parse(&o, outside), -EDOM);
	char *sources[] = {"tun-client", "--sources", "127.0.0.1-127.0.0.9",
			   NULL};
	assert_int_equal(parse(&o, sources), -EDOM);
	char *overlap[] = {"tun-client", "--sources", "198.18.0.0-198.18.0.9",
			   NULL};
	assert_int_equal(parse(&o, overlap), -EDOM);
	char *prefix[] = {"tun-client", "--prefix", "24", NULL};
	assert_int_equal(parse(&o, prefix), -EINVAL); /* 198.19/16 outside */
	char *good[] = {"tun-client",
			"--host",
			"198.19.255.1",
			"--sources",
			"198.18.0.0-198.18.255.255",
			"--teardown",
			"fin",
			NULL};
	assert_int_equal(parse(&o, good), 0);
	assert_int_equal(o.teardown_fin, 1);
}

static void test_procs(void **state)
{
	(void)state;
	struct tun_options o;
	char *two[] = {"tun-client", "--procs", "2", NULL};
	assert_int_equal(parse(&o, two), 0);
	assert_int_equal(o.workers, 2);
	assert_int_equal(o.queues, 2);
	char *nine[] = {"tun-client", "--procs", "9", NULL};
	assert_int_equal(parse(&o, nine), -EINVAL);
	char *auto_[] = {"tun-client", "--procs", "auto", NULL};
	assert_int_equal(parse(&o, auto_), 0);
	assert_int_equal(o.workers,
			 tun_auto_workers(sysconf(_SC_NPROCESSORS_ONLN)));
	assert_int_equal(o.queues, o.workers);
	/* auto: the online CPUs, at most TUN_AUTO_WORKERS_MAX, at least 1 */
	assert_int_equal(tun_auto_workers(-1), 1);
	assert_int_equal(tun_auto_workers(1), 1);
	assert_int_equal(tun_auto_workers(2), 2);
	assert_int_equal(tun_auto_workers(64), TUN_AUTO_WORKERS_MAX);
}

/* The old spellings are aliases: --host of --address, --procs of
 * --workers; the same fields, the same values. */
static void test_aliases(void **state)
{
	(void)state;
	struct tun_options a, b;
	char *canonical[] = {"tun-client", "--address", "198.18.0.7",
			     "--workers",  "3",		NULL};
	char *old[] = {"tun-client", "--host", "198.18.0.7",
		       "--procs",    "3",      NULL};
	assert_int_equal(parse(&a, canonical), 0);
	assert_int_equal(parse(&b, old), 0);
	assert_int_equal(a.host, 0xC6120007u);
	assert_int_equal(b.host, a.host);
	assert_int_equal(a.workers, 3);
	assert_int_equal(b.workers, 3);
	assert_int_equal(b.queues, a.queues);
	char *outside[] = {"tun-client", "--address", "10.0.0.1", NULL};
	assert_int_equal(parse(&a, outside), -EDOM);
	char *nine[] = {"tun-client", "--workers", "9", NULL};
	assert_int_equal(parse(&a, nine), -EINVAL);
}

/* --timeout takes durations; an unknown unit is refused. */
static void test_timeout_units(void **state)
{
	(void)state;
	struct tun_options o;
	char *minutes[] = {"tun-client", "--timeout", "10m", NULL};
	assert_int_equal(parse(&o, minutes), 0);
	assert_true(o.timeout_seconds == 600);
	char *plain[] = {"tun-client", "--timeout", "30", NULL};
	assert_int_equal(parse(&o, plain), 0);
	assert_true(o.timeout_seconds == 30);
	char *ms[] = {"tun-client", "--timeout", "1500ms", NULL};
	assert_int_equal(parse(&o, ms), 0);
	assert_true(o.timeout_seconds == 1.5);
	char *bad[] = {"tun-client", "--timeout", "10x", NULL};
	assert_int_equal(parse(&o, bad), -EINVAL);
	char *zero[] = {"tun-client", "--timeout", "0s", NULL};
	assert_int_equal(parse(&o, zero), -EINVAL);
}

/* Every index below n is owned by exactly one of W workers, each
 * worker's j-th index is increasing, and owned_below adds up to n. */
static void test_worker_indices(void **state)
{
	(void)state;
	static struct tun_engine e;
	static uint8_t seen[5000];
	for (unsigned workers = 1; workers <= 3; workers++) {
		uint64_t n = 4321, total = 0;
		memset(seen, 0, sizeof(seen));
		for (unsigned w = 0; w < workers; w++) {
			e.worker = w;
			e.workers = workers;
			e.queues = 1;
			uint64_t mine = tun_engine_owned_below(&e, n);
			total += mine;
			for (uint64_t j = 0; j < mine; j++) {
				uint64_t i = tun_engine_index(&e, j);
				assert_true(i < n);
				assert_int_equal(seen[i], 0);
				seen[i] = 1;
				assert_int_equal(tun_engine_owner(&e, i), w);
			}
		}
		assert_int_equal(total, n);
	}
}

static void test_steering_program_size(void **state)
{
	(void)state;
	uint64_t insns[TUN_STEER_MAX_INSNS];
	const struct tun_space space = {.server = 0xC6120001u,
					.port_first = 2048,
					.port_count = 20,
					.source_first = 0xC6130000u,
					.source_count = 65536,
					.source_port_first = 1024,
					.source_port_count = 64512};
	size_t n = tun_steer_program(&space, 4, insns);
	assert_true(n > 0 && n <= TUN_STEER_MAX_INSNS);
	assert_int_equal(insns[n - 1] & 0xff, 0x95); /* BPF_JMP | BPF_EXIT */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_address_rule),
	    cmocka_unit_test(test_procs),
	    cmocka_unit_test(test_aliases),
	    cmocka_unit_test(test_timeout_units),
	    cmocka_unit_test(test_worker_indices),
	    cmocka_unit_test(test_steering_program_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
