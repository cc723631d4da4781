/* test_harness_slab.c - /proc/slabinfo per cache: parsing real and broken
 * text, the category and ends table, and the per-cache fit over synthetic
 * sweeps whose slopes are known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_fit.h"
#include "harness_slab.h"
#include "mcs_slabinfo.h"

/* Lines copied from /proc/slabinfo on the kernel 6.18 build machine. */
static const char real_slabinfo[] =
    "slabinfo - version: 2.1\n"
    "# name            <active_objs> <num_objs> <objsize> <objperslab> "
    "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
    "slabdata <active_slabs> <num_slabs> <sharedavail>\n"
    "io_kiocb               0      0    256   16    1 : tunables    0    0  "
    "  0 : slabdata      0      0      0\n"
    "tw_sock_TCP           32     32    256   16    1 : tunables    0    0  "
    "  0 : slabdata      2      2      0\n"
    "TCP                   26     26   2368   13    8 : tunables    0    0  "
    "  0 : slabdata      2      2      0\n"
    "eventpoll_epi        224    224    128   32    1 : tunables    0    0  "
    "  0 : slabdata      7      7      0\n"
    "sock_inode_cache      95     95    832   19    4 : tunables    0    0  "
    "  0 : slabdata      5      5      0\n"
    "dentry             98490  98490    192   21    1 : tunables    0    0  "
    "  0 : slabdata   4690   4690      0\n"
    "kmalloc-1k           733    784   1024   16    4 : tunables    0    0  "
    "  0 : slabdata     49     49      0\n";

static struct mcs_slab_snapshot snap; /* 50 KB: not on the stack */

static const struct mcs_slab_cache *find(const struct mcs_slab_snapshot *s,
					 const char *name)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->caches[i].name, name) == 0)
			return &s->caches[i];
	return NULL;
}

static void test_parse_real_lines(void **state)
{
	(void)state;
	assert_int_equal(mcs_slab_parse(real_slabinfo, 4096, &snap), 0);
	assert_int_equal(snap.count, 7);
	assert_int_equal(snap.seen, 7);
	assert_int_equal(snap.malformed, 0);
	assert_string_equal(snap.caches[0].name, "io_kiocb");
	const struct mcs_slab_cache *tcp = find(&snap, "TCP");
	assert_non_null(tcp);
	assert_int_equal(tcp->active_objs, 26);
	assert_int_equal(tcp->num_objs, 26);
	assert_int_equal(tcp->objsize, 2368);
	assert_int_equal(tcp->objperslab, 13);
	assert_int_equal(tcp->pagesperslab, 8);
	assert_int_equal(tcp->num_slabs, 2);
	assert_int_equal(tcp->slab_bytes, 2 * 8 * 4096);
	assert_int_equal(tcp->active_bytes, 26 * 2368);
	const struct mcs_slab_cache *k = find(&snap, "kmalloc-1k");
	assert_non_null(k);
	assert_int_equal(k->slab_bytes, 49 * 4 * 4096);
	assert_int_equal(k->active_bytes, 733 * 1024);
	/* The page size is the caller's: 64 KiB pages, 16 times the bytes. */
	assert_int_equal(mcs_slab_parse(real_slabinfo, 65536, &snap), 0);
	assert_int_equal(find(&snap, "dentry")->slab_bytes, 4690ULL * 65536);
}

static void test_bad_headers(void **state)
{
	(void)state;
	assert_int_equal(mcs_slab_parse("", 4096, &snap), -EPROTO);
	assert_int_equal(mcs_slab_parse("slabinfo - version: 1.1\n"
					"TCP 1 1 1 1 1 : slabdata 1 1 0\n",
					4096, &snap),
			 -EPROTO);
	assert_int_equal(mcs_slab_parse(real_slabinfo + 24, 4096, &snap),
			 -EPROTO); /* starts at the comment line */
	assert_int_equal(mcs_slab_parse("slabinfo", 4096, &snap), -EPROTO);
	assert_int_equal(snap.count, 0);
	assert_int_equal(mcs_slab_parse(NULL, 4096, &snap), -EINVAL);
	assert_int_equal(mcs_slab_parse(real_slabinfo, 0, &snap), -EINVAL);
	/* Any 2.x is the same format; the header alone is an empty list. */
	assert_int_equal(mcs_slab_parse("slabinfo - version: 2.0", 4096, &snap),
			 0);
	assert_int_equal(snap.count, 0);
}

static void test_broken_lines(void **state)
{
	(void)state;
	const char text[] =
	    "slabinfo - version: 2.1\n"
	    "\n"
	    "short 1 2\n" /* cut short: must not borrow the next line */
	    "TCP 26 26 2368 13 8 : tunables 0 0 0 : slabdata 2 2 0\n"
	    "nodata 1 1 64 64 1 : tunables 0 0 0 :\n"
	    "letters 1 x 64 64 1 : tunables 0 0 0 : slabdata 1 1 0\n"
	    "huge 1 1 99999999999 64 1 : tunables 0 0 0 : slabdata 1 1 0\n"
	    "wrap 1 1 64 64 4096 : tunables 0 0 0 : slabdata 1 "
	    "18446744073709551615 0\n"
	    "odd\x01name/\xc3\xa9 5 5 64 64 1 : tunables 0 0 0 : slabdata 1 1 "
	    "0\r\n"
	    "a_name_much_longer_than_forty_seven_bytes_for_sure 1 1 8 512 1 "
	    ": tunables 0 0 0 : slabdata 1 1 0\n"
	    "last 3 3 64 64 1 : tunables 0 0 0 : slabdata 1 1"; /* no \n */
	assert_int_equal(mcs_slab_parse(text, 4096, &snap), 0);
	assert_int_equal(snap.malformed, 5);
	assert_int_equal(snap.count, 4);
	assert_int_equal(snap.seen, 4);
	assert_string_equal(snap.caches[0].name, "TCP");
	assert_int_equal(snap.caches[0].active_objs, 26);
	assert_string_equal(snap.caches[1].name, "odd?name/??");
	assert_int_equal(snap.caches[1].active_objs, 5);
	assert_int_equal(strlen(snap.caches[2].name), 47);
	assert_memory_equal(snap.caches[2].name, "a_name_much_longer", 18);
	assert_string_equal(snap.caches[3].name, "last");
	assert_int_equal(snap.caches[3].slab_bytes, 4096);
}

static void test_more_caches_than_room(void **state)
{
	(void)state;
	const size_t lines = MCS_SLAB_MAX_CACHES + 88;
	size_t size = 64 + lines * 80, used = 0;
	char *text = malloc(size);
	assert_non_null(text);
	used += (size_t)snprintf(text, size, "slabinfo - version: 2.1\n");
	for (size_t i = 0; i < lines; i++)
		used += (size_t)snprintf(text + used, size - used,
					 "cache-%zu 1 1 64 64 1 : tunables 0 0 "
					 "0 : slabdata 1 1 0\n",
					 i);
	assert_int_equal(mcs_slab_parse(text, 4096, &snap), 0);
	free(text);
	assert_int_equal(snap.count, MCS_SLAB_MAX_CACHES);
	assert_int_equal(snap.seen, lines);
	assert_string_equal(snap.caches[0].name, "cache-0");
	assert_string_equal(snap.caches[MCS_SLAB_MAX_CACHES - 1].name,
			    "cache-511");
}

static void test_read_this_machine(void **state)
{
	(void)state;
	int err = mcs_slab_read(&snap);
	if (geteuid() != 0 && err == -EACCES) {
		assert_int_equal(snap.count, 0);
		return;
	}
	assert_int_equal(err, 0);
	assert_true(snap.count > 0);
	assert_int_equal(snap.malformed, 0);
	assert_non_null(find(&snap, "TCP"));
}

static void test_categories_and_ends(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
	    {"TCP", "TCP", "both"},
	    {"TCPv6", "TCP", "both"},
	    {"sock_inode_cache", "sock_inode_cache", "both"},
	    {"dentry", "dentry", "both"},
	    {"filp", "filp", "both"},
	    {"eventpoll_epi", "eventpoll_epi", "server"},
	    {"io_kiocb", "io_kiocb", "server"},
	    {"kmalloc-64", "kmalloc-*", "mixed"},
	    {"kmalloc-cg-1k", "kmalloc-*", "mixed"},
	    {"kmalloc-rcl-256", "kmalloc-*", "mixed"},
	    {"dma-kmalloc-512", "kmalloc-*", "mixed"},
	    {"lsm_inode_cache", "other", "both"},
	    {"lsm_file_cache", "other", "both"},
	    {"eventpoll_pwq", "other", "server"},
	    {"tcp_bind_bucket", "other", "client"},
	    {"request_sock_TCP", "other", "server"},
	    {"skbuff_head_cache", "other", "mixed"},
	    {"TCPx", "other", "mixed"},
	    {"kmalloc", "other", "mixed"},
	    {"", "other", "mixed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(harness_slab_category(cases[i][0]),
				    cases[i][1]);
		assert_string_equal(harness_slab_ends(cases[i][0]),
				    cases[i][2]);
	}
	assert_string_equal(harness_slab_category_names[0], "TCP");
	assert_string_equal(
	    harness_slab_category_names[HARNESS_SLAB_CATEGORIES - 1], "other");
}

/* ---- the fit ---- */

#define POINTS 5
static struct mcs_slab_snapshot sweep[POINTS];
static const double xs[POINTS] = {0, 5120, 20480, 51200, 102400};

static void add_cache(struct mcs_slab_snapshot *s, const char *name,
		      uint32_t objsize, uint64_t objects, uint64_t slab_bytes)
{
	struct mcs_slab_cache *c = &s->caches[s->count++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->objsize = objsize;
	c->active_objs = c->num_objs = objects;
	c->active_bytes = objects * objsize;
	c->slab_bytes = slab_bytes;
}

/* TCP 2,432 B/conn of slabs (one 2,368 B object), eventpoll_epi 128 B,
 * io_kiocb 64 B/conn on 1 MB but absent at the first point (so 0 there),
 * a tiny cache 4 B, dentry flat, skbuff_head_cache shrinking 8 B/conn.
 * Each snapshot lists its caches in a different order. */
static void build_sweep(void)
{
	for (size_t i = 0; i < POINTS; i++) {
		struct mcs_slab_snapshot *s = &sweep[i];
		uint64_t x = (uint64_t)xs[i];
		memset(s, 0, sizeof(*s));
		if (i % 2)
			add_cache(s, "dentry", 192, 98490, 4690 * 4096);
		add_cache(s, "tiny", 8, 100 + x / 2, 4096 + 4 * x);
		if (i > 0)
			add_cache(s, "io_kiocb", 256, 4096 + x / 4,
				  1048576 + 64 * x);
		add_cache(s, "eventpoll_epi", 128, 224 + x, 28672 + 128 * x);
		add_cache(s, "TCP", 2368, 26 + x, 65536 + 2432 * x);
		add_cache(s, "skbuff_head_cache", 256, 1000000 - x / 32,
			  1000000ULL * 4096 - 8 * x);
		if (i % 2 == 0)
			add_cache(s, "dentry", 192, 98490, 4690 * 4096);
		s->seen = s->count;
	}
}

static void assert_relative(double value, double expected)
{
	double scale = fabs(expected) > 1 ? fabs(expected) : 1;
	if (fabs(value - expected) > 1e-6 * scale)
		fail_msg("%.9g is not %.9g", value, expected);
}

static double io_kiocb_slope(void)
{
	double y[POINTS] = {0};
	for (size_t i = 1; i < POINTS; i++)
		y[i] = 1048576 + 64 * xs[i];
	struct harness_fit fit;
	assert_int_equal(harness_fit_linear(xs, y, POINTS, &fit), 0);
	assert_true(fit.slope > 64); /* 0 at x=0 steepens the line */
	return fit.slope;
}

static struct harness_slab_fit fit;

static void test_fit_synthetic_sweep(void **state)
{
	(void)state;
	build_sweep();
	assert_int_equal(harness_slab_fit(sweep, xs, POINTS, 16, &fit), 0);
	double io_slope = io_kiocb_slope();
	assert_int_equal(fit.points, POINTS);
	assert_int_equal(fit.count, 3);
	assert_int_equal(fit.left_off, 0);
	assert_string_equal(fit.caches[0].name, "TCP");
	/* io_kiocb's 0 at x=0 adds ~5 B to its 64: still below 128. */
	assert_string_equal(fit.caches[1].name, "eventpoll_epi");
	assert_string_equal(fit.caches[2].name, "io_kiocb");
	const struct harness_slab_slope *tcp = &fit.caches[0];
	assert_relative(tcp->slope_bytes, 2432);
	assert_relative(tcp->active_slope_bytes, 2368);
	assert_relative(tcp->objects_per_conn, 1);
	assert_int_equal(tcp->objsize, 2368);
	assert_string_equal(tcp->category, "TCP");
	assert_string_equal(tcp->ends, "both");
	assert_relative(fit.caches[1].slope_bytes, 128);
	assert_string_equal(fit.caches[1].ends, "server");
	assert_relative(fit.caches[2].slope_bytes, io_slope);
	assert_relative(fit.sum_slope_bytes, 2432 + io_slope + 128);
	assert_relative(fit.rest_slope_bytes, 4 + 0 - 8);
	assert_relative(fit.category_slope_bytes[0], 2432);
	assert_relative(fit.category_slope_bytes[4], 128);
	assert_relative(fit.category_slope_bytes[5], io_slope);
	assert_relative(fit.category_slope_bytes[7], 4 - 8); /* other */
	assert_relative(fit.category_slope_bytes[2], 0);     /* dentry */
	assert_string_equal(fit.caches[0].merged_with, "");
}

static void test_fit_threshold_and_duplicates(void **state)
{
	(void)state;
	build_sweep();
	/* A second "tiny" line in every snapshot: the two are added. */
	for (size_t i = 0; i < POINTS; i++)
		add_cache(&sweep[i], "tiny", 8, 0, 16 * (uint64_t)xs[i]);
	assert_int_equal(harness_slab_fit(sweep, xs, POINTS, 16, &fit), 0);
	assert_int_equal(fit.count, 4);
	assert_string_equal(fit.caches[3].name, "tiny");
	assert_relative(fit.caches[3].slope_bytes, 20); /* 4 + 16 */
	assert_relative(fit.rest_slope_bytes, -8);
	/* Everything grows at least -1e9: all six are listed, none rest. */
	assert_int_equal(harness_slab_fit(sweep, xs, POINTS, -1e9, &fit), 0);
	assert_int_equal(fit.count, 6);
	assert_string_equal(fit.caches[5].name, "skbuff_head_cache");
	assert_relative(fit.rest_slope_bytes, 0);
}

static void test_fit_more_than_listed(void **state)
{
	(void)state;
	const size_t caches = HARNESS_SLAB_FIT_CACHES + 6;
	for (size_t i = 0; i < 2; i++) {
		memset(&sweep[i], 0, sizeof(sweep[i]));
		for (size_t c = 0; c < caches; c++) {
			char name[16];
			snprintf(name, sizeof(name), "c%03zu", c);
			add_cache(&sweep[i], name, 64, 0, i * 1000 * (100 + c));
		}
	}
	const double x[2] = {0, 1000};
	assert_int_equal(harness_slab_fit(sweep, x, 2, 16, &fit), 0);
	assert_int_equal(fit.count, HARNESS_SLAB_FIT_CACHES);
	assert_int_equal(fit.left_off, 6);
	assert_string_equal(fit.caches[0].name, "c069");
	assert_relative(fit.caches[0].slope_bytes, 169);
	/* The six smallest (100..105 B) are the rest. */
	assert_relative(fit.rest_slope_bytes,
			100 + 101 + 102 + 103 + 104 + 105);
	double all = 0;
	for (size_t c = 0; c < caches; c++)
		all += 100.0 + (double)c;
	assert_relative(fit.sum_slope_bytes + fit.rest_slope_bytes, all);
}

static void test_fit_degenerate(void **state)
{
	(void)state;
	build_sweep();
	assert_int_equal(harness_slab_fit(sweep, xs, 1, 16, &fit), -EINVAL);
	assert_int_equal(fit.points, 1);
	assert_int_equal(fit.count, 0);
	const double same[POINTS] = {7, 7, 7, 7, 7};
	assert_int_equal(harness_slab_fit(sweep, same, POINTS, 16, &fit),
			 -EINVAL);
	const double bad[POINTS] = {0, 1, NAN, 3, 4};
	assert_int_equal(harness_slab_fit(sweep, bad, POINTS, 16, &fit),
			 -EINVAL);
	assert_float_equal(fit.min_slope_bytes, 16, 0);
	/* Empty snapshots fit to nothing, without error. */
	struct mcs_slab_snapshot *empty = calloc(2, sizeof(*empty));
	assert_non_null(empty);
	assert_int_equal(harness_slab_fit(empty, xs, 2, 16, &fit), 0);
	assert_int_equal(fit.count, 0);
	assert_float_equal(fit.sum_slope_bytes + fit.rest_slope_bytes, 0, 0);
	free(empty);
}

static void test_fit_json(void **state)
{
	(void)state;
	build_sweep();
	assert_int_equal(harness_slab_fit(sweep, xs, POINTS, 16, &fit), 0);
	snprintf(fit.caches[2].merged_with, sizeof(fit.caches[2].merged_with),
		 "tcp_bind_bucket fib6_node");
	json_t *j = harness_slab_fit_json(&fit);
	assert_non_null(j);
	json_t *caches = json_object_get(j, "caches");
	assert_int_equal(json_array_size(caches), 3);
	json_t *tcp = json_array_get(caches, 0);
	assert_string_equal(json_string_value(json_object_get(tcp, "cache")),
			    "TCP");
	assert_string_equal(json_string_value(json_object_get(tcp, "category")),
			    "TCP");
	assert_string_equal(json_string_value(json_object_get(tcp, "ends")),
			    "both");
	assert_relative(json_real_value(json_object_get(tcp, "slope_bytes")),
			2432);
	assert_relative(
	    json_real_value(json_object_get(tcp, "active_slope_bytes")), 2368);
	assert_relative(
	    json_real_value(json_object_get(tcp, "objects_per_conn")), 1);
	assert_int_equal(json_integer_value(json_object_get(tcp, "objsize")),
			 2368);
	assert_null(json_object_get(tcp, "merged_with"));
	json_t *merged =
	    json_object_get(json_array_get(caches, 2), "merged_with");
	assert_int_equal(json_array_size(merged), 2);
	assert_string_equal(json_string_value(json_array_get(merged, 1)),
			    "fib6_node");
	assert_relative(json_real_value(json_object_get(j, "sum_slope_bytes")),
			fit.sum_slope_bytes);
	assert_relative(json_real_value(json_object_get(j, "rest_slope_bytes")),
			-4);
	assert_relative(json_real_value(json_object_get(j, "min_slope_bytes")),
			16);
	assert_int_equal(json_integer_value(json_object_get(j, "left_off")), 0);
	json_t *by = json_object_get(j, "by_category");
	assert_int_equal(json_object_size(by), HARNESS_SLAB_CATEGORIES);
	assert_relative(json_real_value(json_object_get(by, "eventpoll_epi")),
			128);
	/* A figure that is not finite is null, not a broken document. */
	fit.rest_slope_bytes = NAN;
	json_decref(j);
	j = harness_slab_fit_json(&fit);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "rest_slope_bytes")));
	json_decref(j);
}

/* A fake /sys/kernel/slab: eventpoll_epi merged with the client's port
 * buckets and fib6_node, TCP a cache of its own. */
static void make_slab_dir(char *dir)
{
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/:A-0000128", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/TCP", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	const char *merged[] = {"eventpoll_epi", "tcp_bind_bucket",
				"fib6_node"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, merged[i]);
		assert_int_equal(symlink(":A-0000128", path), 0);
	}
	snprintf(path, sizeof(path), "%s/io_kiocb", dir);
	assert_int_equal(symlink(":0000256", path), 0);
}

static void remove_slab_dir(const char *dir)
{
	const char *names[] = {"eventpoll_epi", "tcp_bind_bucket", "fib6_node",
			       "io_kiocb",	":A-0000128",	   "TCP"};
	char path[256];
	for (size_t i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		remove(path);
	}
	rmdir(dir);
}

static void test_note_merges(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_harness_slab.XXXXXX";
	make_slab_dir(dir);
	build_sweep();
	assert_int_equal(harness_slab_fit(sweep, xs, POINTS, 16, &fit), 0);
	int err = harness_slab_note_merges(&fit, dir);
	remove_slab_dir(dir);
	assert_int_equal(err, 0);
	const struct harness_slab_slope *epi = &fit.caches[1];
	assert_string_equal(epi->name, "eventpoll_epi");
	assert_non_null(strstr(epi->merged_with, "tcp_bind_bucket"));
	assert_non_null(strstr(epi->merged_with, "fib6_node"));
	assert_int_equal(strlen(epi->merged_with),
			 strlen("tcp_bind_bucket fib6_node"));
	assert_string_equal(epi->ends, "mixed"); /* client buckets in it */
	assert_string_equal(fit.caches[0].merged_with, "");
	assert_string_equal(fit.caches[0].ends, "both");
	/* A symlink merged with nothing else keeps its ends. */
	assert_string_equal(fit.caches[2].name, "io_kiocb");
	assert_string_equal(fit.caches[2].merged_with, "");
	assert_string_equal(fit.caches[2].ends, "server");
	assert_int_equal(harness_slab_note_merges(&fit, dir), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_real_lines),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_broken_lines),
	    cmocka_unit_test(test_more_caches_than_room),
	    cmocka_unit_test(test_read_this_machine),
	    cmocka_unit_test(test_categories_and_ends),
	    cmocka_unit_test(test_fit_synthetic_sweep),
	    cmocka_unit_test(test_fit_threshold_and_duplicates),
	    cmocka_unit_test(test_fit_more_than_listed),
	    cmocka_unit_test(test_fit_degenerate),
	    cmocka_unit_test(test_fit_json),
	    cmocka_unit_test(test_note_merges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
