/* test_harness_summary.c - the comparison summary (issue 10, part 4): the
 * spread math, number formatting and JSON paths against known answers,
 * then summary.json / summary.md and the compare plots end to end on the
 * synthetic sweeps in fixtures/summary (see its README.md), and on the
 * repository's own results/ sweeps, written before the new keys existed.
 *
 * MCS_TEST_KEEP=1 keeps the output directories (their paths are printed)
 * so the PNGs can be looked at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_compare_plot.h"
#include "harness_summary.h"

static void test_spread_odd_even_and_missing(void **state)
{
	(void)state;
	struct harness_spread s;
	const double odd[] = {5, 1, 3};
	harness_spread_of(odd, 3, &s);
	assert_int_equal(s.n, 3);
	assert_float_equal(s.median, 3, 0);
	assert_float_equal(s.min, 1, 0);
	assert_float_equal(s.max, 5, 0);

	const double even[] = {10, 2, 8, 4};
	harness_spread_of(even, 4, &s);
	assert_float_equal(s.median, 6, 0); /* mean of 4 and 8 */
	assert_int_equal(s.n, 4);

	const double holes[] = {NAN, 7, NAN, 1};
	harness_spread_of(holes, 4, &s);
	assert_int_equal(s.n, 2);
	assert_float_equal(s.median, 4, 0);
	assert_float_equal(s.min, 1, 0);
	assert_float_equal(s.max, 7, 0);

	const double one[] = {42};
	harness_spread_of(one, 1, &s);
	assert_int_equal(s.n, 1);
	assert_float_equal(s.median, 42, 0);

	const double none[] = {NAN, NAN};
	harness_spread_of(none, 2, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median) && isnan(s.min) && isnan(s.max));
	harness_spread_of(NULL, 0, &s);
	assert_int_equal(s.n, 0);
}

static struct harness_spread spread(double lo, double median, double hi,
				    size_t n)
{
	struct harness_spread s = {median, lo, hi, n};
	return s;
}

static void test_ratio_and_overlap(void **state)
{
	(void)state;
	struct harness_spread epoll = spread(9, 10, 11, 3);
	struct harness_spread select = spread(60, 67, 70, 3);
	struct harness_spread near = spread(10.5, 12, 13, 3);
	struct harness_spread touching = spread(11, 11.5, 12, 2);
	struct harness_spread single = spread(10, 10, 10, 1);
	struct harness_spread empty = spread(NAN, NAN, NAN, 0);
	struct harness_spread zero = spread(0, 0, 0, 3);

	assert_float_equal(harness_spread_ratio(&select, &epoll), 6.7, 1e-12);
	assert_true(isnan(harness_spread_ratio(&select, &zero)));
	assert_true(isnan(harness_spread_ratio(&empty, &epoll)));
	assert_true(isnan(harness_spread_ratio(&epoll, &empty)));
	/* A slope of noise around 0 (select's user bytes) has no ratio. */
	struct harness_spread noise = spread(-0.18, -0.003, 0.14, 3);
	assert_true(isnan(harness_spread_ratio(&noise, &epoll)));
	assert_true(isnan(harness_spread_ratio(&epoll, &noise)));
	assert_true(isnan(harness_spread_ratio(&zero, &epoll)));

	assert_int_equal(harness_spread_overlap(&select, &epoll), 0);
	assert_int_equal(harness_spread_overlap(&epoll, &select), 0);
	assert_int_equal(harness_spread_overlap(&near, &epoll), 1);
	assert_int_equal(harness_spread_overlap(&touching, &epoll), 1);
	assert_int_equal(harness_spread_overlap(&single, &epoll), -1);
	assert_int_equal(harness_spread_overlap(&empty, &epoll), -1);
}

static void assert_formats(double value, const char *expected)
{
	char text[64];
	harness_summary_format(value, text, sizeof(text));
	assert_string_equal(text, expected);
}

static void test_format(void **state)
{
	(void)state;
	assert_formats(1234567.8, "1,234,568");
	assert_formats(232192, "232,192");
	assert_formats(-9664.97, "-9,665");
	assert_formats(100, "100");
	assert_formats(999.4, "999");
	assert_formats(12.345, "12.3");
	assert_formats(1.5, "1.50");
	assert_formats(0.01234, "0.012");
	assert_formats(0, "0");
	assert_formats(-0.0001, "0");
	assert_formats(NAN, "-");
	char small[5];
	harness_summary_format(1234567, small, sizeof(small));
	assert_int_equal(strlen(small), 4); /* cut, never overrun */
}

static void test_json_paths(void **state)
{
	(void)state;
	json_t *root =
	    json_loads("{\"fit\": {\"user_slope_bytes\": 8.5, \"note\": \"x\"},"
		       " \"steps\": [{\"load\": {\"rtt_us\": {\"p99\": 100}}},"
		       "             {\"load\": {\"rtt_us\": {\"p99\": 300}}}],"
		       " \"count\": 7}",
		       0, NULL);
	assert_non_null(root);
	assert_float_equal(harness_json_number(root, "fit.user_slope_bytes"),
			   8.5, 0);
	assert_float_equal(harness_json_number(root, "count"), 7, 0);
	assert_float_equal(
	    harness_json_number(root, "steps[0].load.rtt_us.p99"), 100, 0);
	assert_float_equal(
	    harness_json_number(root, "steps[-1].load.rtt_us.p99"), 300, 0);
	assert_true(isnan(harness_json_number(root, "steps[2].load")));
	assert_true(isnan(harness_json_number(root, "steps[-3].load")));
	assert_true(isnan(harness_json_number(root, "fit.note")));
	assert_true(isnan(harness_json_number(root, "fit.missing")));
	assert_true(isnan(harness_json_number(root, "steps[0].echo.msgs")));
	assert_true(isnan(harness_json_number(NULL, "fit")));
	json_decref(root);
}

/* ---- End to end on the fixtures. ---- */

static void fixture_dir(char *dir, size_t size)
{
	const char *source = getenv("MCS_SOURCE_DIR");
	if (source) {
		snprintf(dir, size, "%s/tests/harness/fixtures/summary",
			 source);
		return;
	}
	snprintf(dir, size, "%s", __FILE__);
	char *slash = strrchr(dir, '/');
	snprintf(slash ? slash + 1 : dir,
		 size - (size_t)(slash ? slash + 1 - dir : 0),
		 "fixtures/summary");
}

/* The fixture invocation in the order it ran: rounds rotated. */
static size_t fixture_runs(struct harness_summary_run *runs)
{
	static const char *const order[][3] = {{"epoll", "io_uring", "select"},
					       {"io_uring", "select", "epoll"}};
	char base[PATH_MAX - 64];
	fixture_dir(base, sizeof(base));
	size_t n = 0;
	for (unsigned r = 0; r < 2; r++)
		for (size_t k = 0; k < 3; k++, n++) {
			memset(&runs[n], 0, sizeof(runs[n]));
			snprintf(runs[n].backend, sizeof(runs[n].backend), "%s",
				 order[r][k]);
			runs[n].round = r;
			snprintf(runs[n].dir, sizeof(runs[n].dir),
				 "%s/%s/round%u", base, order[r][k], r);
		}
	return n;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static char *make_out_dir(void)
{
	char *dir = strdup("/tmp/mcs-summary-XXXXXX");
	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void drop_out_dir(char *dir)
{
	if (getenv("MCS_TEST_KEEP"))
		print_message("kept %s\n", dir);
	else
		nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static json_t *load_summary(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);
	if (!root)
		print_error("%s: %s\n", path, error.text);
	assert_non_null(root);
	return root;
}

static const json_t *figure(const json_t *summary, const char *key)
{
	size_t i;
	const json_t *f;
	json_array_foreach(json_object_get(summary, "figures"), i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "key")), key) ==
		    0)
			return f;
	}
	fail_msg("figure %s missing from summary.json", key);
	return NULL;
}

static const json_t *cell(const json_t *summary, const char *key,
			  const char *backend)
{
	const json_t *c = json_object_get(
	    json_object_get(figure(summary, key), "backends"), backend);
	assert_non_null(c);
	return c;
}

static double number(const json_t *object, const char *key)
{
	return harness_json_number(object, key);
}

/* Every median lies within its min-max, and n counts the values. */
static void assert_medians_within(const json_t *summary)
{
	size_t i, checked = 0;
	const json_t *f;
	json_array_foreach(json_object_get(summary, "figures"), i, f)
	{
		const char *name;
		const json_t *c;
		json_object_foreach((json_t *)json_object_get(f, "backends"),
				    name, c)
		{
			size_t n = (size_t)number(c, "n");
			assert_int_equal(
			    n, json_array_size(json_object_get(c, "values")));
			if (!n)
				continue;
			assert_true(number(c, "min") <= number(c, "median"));
			assert_true(number(c, "median") <= number(c, "max"));
			checked++;
		}
	}
	assert_true(checked > 0);
}

static const json_t *pair(const json_t *summary, const char *key, const char *a,
			  const char *b)
{
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(summary, "pairs"), i, p)
	{
		if (strcmp(json_string_value(json_object_get(p, "figure")),
			   key) == 0 &&
		    strcmp(json_string_value(json_object_get(p, "a")), a) ==
			0 &&
		    strcmp(json_string_value(json_object_get(p, "b")), b) == 0)
			return p;
	}
	return NULL;
}

static void assert_fixture_figures(const json_t *s)
{
	const json_t *e = cell(s, "server_user_slope_bytes", "epoll");
	const json_t *u = cell(s, "server_user_slope_bytes", "io_uring");
	assert_float_equal(number(e, "median"), 8.2, 1e-9);
	assert_float_equal(number(e, "min"), 8.0, 1e-9);
	assert_float_equal(number(e, "max"), 8.4, 1e-9);
	assert_int_equal((int)number(e, "n"), 2);
	assert_float_equal(number(e, "ratio_to_epoll"), 1, 1e-12);
	assert_float_equal(number(u, "ratio_to_epoll"), 9.3 / 8.2, 1e-9);
	assert_true(
	    json_is_false(json_object_get(u, "within_spread_of_epoll")));
	/* select: the failed round is not used, and its one run stopped at
	 * another connection count than epoll's: neither a ratio nor a
	 * call. */
	const json_t *sel = cell(s, "server_user_slope_bytes", "select");
	assert_int_equal((int)number(sel, "n"), 1);
	assert_null(json_object_get(sel, "ratio_to_epoll"));
	assert_string_equal(
	    json_string_value(json_object_get(sel, "verdict_vs_epoll")),
	    "not compared: at another connection count");

	const json_t *acc = cell(s, "server_us_per_accept_last", "io_uring");
	assert_float_equal(number(acc, "median"), 9.1, 1e-9);
	assert_true(
	    json_is_true(json_object_get(acc, "within_spread_of_epoll")));
	assert_float_equal(
	    number(cell(s, "server_us_per_accept_last", "select"), "median"),
	    80, 0);

	/* select had no load: an empty cell without a ratio. */
	const json_t *nl = cell(s, "load_rtt_p99_last_us", "select");
	assert_int_equal((int)number(nl, "n"), 0);
	assert_null(json_object_get(nl, "ratio_to_epoll"));
	assert_null(json_object_get(nl, "median"));
	assert_float_equal(
	    number(cell(s, "load_rtt_p99_first_us", "epoll"), "median"), 410,
	    0);
	assert_float_equal(
	    number(cell(s, "echo_msgs_per_s", "io_uring"), "median"), 112500,
	    0);
	/* No ramp_s in select's sweep: the sum of its steps' ramps. */
	assert_float_equal(
	    number(cell(s, "time_to_target_s", "select"), "median"), 1.5, 1e-9);
	assert_float_equal(
	    number(cell(s, "last_step_connections", "select"), "median"), 20000,
	    0);
}

static void assert_fixture_pairs(const json_t *s)
{
	/* a is the later backend, b the earlier: ratio a / b, as "vs epoll". */
	const json_t *p = pair(s, "kernel_slope_bytes", "io_uring", "epoll");
	assert_non_null(p);
	assert_true(json_is_true(json_object_get(p, "beyond_spread")));
	assert_float_equal(number(p, "ratio"), 8750.0 / 8050.0, 1e-9);
	assert_null(pair(s, "kernel_slope_bytes", "epoll", "io_uring"));
	p = pair(s, "server_us_per_msg_last", "io_uring", "epoll");
	assert_true(json_is_true(json_object_get(p, "beyond_spread")));
	p = pair(s, "load_rtt_p99_last_us", "io_uring", "epoll");
	assert_true(json_is_false(json_object_get(p, "beyond_spread")));
	/* select stopped at 20,000, io_uring at another count: its figures
	 * at the last step are not paired with io_uring's. */
	assert_null(pair(s, "server_us_per_accept_last", "select", "io_uring"));
	/* The count itself is compared: one run of select, so no call. */
	p = pair(s, "last_step_connections", "select", "io_uring");
	assert_non_null(p);
	assert_true(json_is_null(json_object_get(p, "beyond_spread")));
	assert_string_equal(json_string_value(json_object_get(p, "verdict")),
			    "undecided (n < 3)");
	/* A figure one side lacks has no pair at all. */
	assert_null(pair(s, "load_rtt_p99_last_us", "select", "epoll"));
}

static void assert_fixture_runs(const json_t *s)
{
	const json_t *runs = json_object_get(s, "runs");
	assert_int_equal(json_array_size(runs), 6);
	const json_t *failed = json_array_get(runs, 4);
	assert_string_equal(
	    json_string_value(json_object_get(failed, "status")), "failed");
	assert_true(json_is_false(json_object_get(failed, "used")));
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(runs, 0), "run_id")),
			    "20261201-100000");
	const json_t *order = json_object_get(s, "order");
	assert_int_equal(json_array_size(order), 2);
	const json_t *second =
	    json_object_get(json_array_get(order, 1), "backends");
	assert_string_equal(json_string_value(json_array_get(second, 0)),
			    "io_uring");
	assert_string_equal(json_string_value(json_array_get(second, 2)),
			    "epoll");
}

static char *read_text(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char text[65536];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_summary_of_fixtures(void **state)
{
	(void)state;
	struct harness_summary_run runs[6];
	size_t n = fixture_runs(runs);
	char *dir = make_out_dir();
	char why[512] = "";
	int err = harness_summary_write(dir, runs, n, NULL, why, sizeof(why));
	if (err)
		fail_msg("harness_summary_write: %s", why);
	json_t *s = load_summary(dir);
	assert_medians_within(s);
	assert_fixture_figures(s);
	assert_fixture_pairs(s);
	assert_fixture_runs(s);
	json_decref(s);
	const char *md = read_text(dir, "summary.md");
	assert_non_null(strstr(md, "| epoll | 2 of 2 |"));
	assert_non_null(strstr(md, "| select | 1 of 2 |"));
	assert_non_null(strstr(md, "8.20 [8.00–8.40] (2)"));
	/* Two runs a side: min-max intervals, and no difference is called
	 * however far apart they lie (harness_verdict.h). */
	assert_null(strstr(md, "**lower**"));
	assert_null(strstr(md, "**higher**"));
	assert_non_null(strstr(md, "n < 3: no call"));
	assert_non_null(strstr(md, "## Differences"));
	assert_non_null(strstr(md, "None called."));
	assert_non_null(strstr(md, "50,000"));
	drop_out_dir(dir);
}

static int have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

static void assert_png(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s.png", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s was not written", path);
	unsigned char magic[8] = {0};
	assert_int_equal(fread(magic, 1, 8, f), 8);
	fclose(f);
	assert_memory_equal(magic, "\x89PNG\r\n\x1a\n", 8);
}

static const char *const pngs[] = {"compare-server-cpu",
				   "compare-load-latency",
				   "compare-server-cpu-per-msg",
				   "compare-server-memory",
				   "compare-kernel-memory",
				   "compare-connect-rate",
				   "compare-latency",
				   "compare-kernel-by-cache"};

static void test_plots_of_fixtures(void **state)
{
	(void)state;
	if (!have_gnuplot())
		skip();
	struct harness_summary_run runs[6];
	size_t n = fixture_runs(runs);
	char *dir = make_out_dir();
	char why[512] = "";
	if (harness_compare_plot(dir, runs, n, why, sizeof(why)))
		fail_msg("harness_compare_plot: %s", why);
	for (size_t i = 0; i < sizeof(pngs) / sizeof(pngs[0]); i++)
		assert_png(dir, pngs[i]);
	/* Only the backends that had a load are drawn; select is not. */
	const char *dat = read_text(dir, "compare-load-latency.dat");
	assert_non_null(strstr(dat, "# epoll\n"));
	assert_non_null(strstr(dat, "# io_uring\n"));
	assert_null(strstr(dat, "# select\n"));
	/* io_uring's own caches are in its bar; select says it has none. */
	const char *bars = read_text(dir, "compare-kernel-by-cache.dat");
	assert_non_null(strstr(bars, "\tSlab only\n"));
	/* io_uring's fixtures have by_category ("other" holds the caches
	 * below the listing's threshold); epoll's bar sums its caches. */
	assert_non_null(strstr(bars, "io_uring\t4864\t1664\t384\t512"
				     "\t256\t256\t576\t238\t8750"));
	assert_non_null(strstr(bars, "epoll\t4864\t1664\t384\t512"
				     "\t256\t0\t64\t0\t8050"));
	assert_non_null(strstr(bars, "\tcaches 8,750\t2 runs\n"));
	drop_out_dir(dir);
}

/* Runs without any usable sweep (a run that died first) still summarise
 * and plot: every figure empty, every PNG saying so. */
static void test_runs_without_sweeps(void **state)
{
	(void)state;
	struct harness_summary_run runs[2] = {
	    {"epoll", 0, "/nonexistent/epoll"},
	    {"select", 0, "/nonexistent/select"}};
	char *dir = make_out_dir();
	char why[512] = "";
	assert_int_equal(
	    harness_summary_write(dir, runs, 2, NULL, why, sizeof(why)), 0);
	json_t *s = load_summary(dir);
	const json_t *run = json_array_get(json_object_get(s, "runs"), 0);
	assert_string_equal(json_string_value(json_object_get(run, "status")),
			    "unreadable");
	assert_non_null(json_object_get(run, "error"));
	assert_int_equal(
	    (int)number(cell(s, "kernel_slope_bytes", "epoll"), "n"), 0);
	assert_int_equal(json_array_size(json_object_get(s, "pairs")), 0);
	json_decref(s);
	if (have_gnuplot()) {
		if (harness_compare_plot(dir, runs, 2, why, sizeof(why)))
			fail_msg("harness_compare_plot: %s", why);
		assert_png(dir, "compare-server-cpu");
		assert_png(dir, "compare-kernel-by-cache");
	}
	assert_int_equal(
	    harness_summary_write(dir, runs, 0, NULL, why, sizeof(why)),
	    -EINVAL);
	assert_true(strlen(why) > 0);
	drop_out_dir(dir);
}

/* The repository's results/<backend>/latest/sweep.json, written before
 * ramp_s, load, kernel_by_cache and the per-operation CPU existed. */
static void test_old_sweeps(void **state)
{
	(void)state;
	static const char *const names[] = {"epoll", "io_uring", "libuv",
					    "select", "thread-per-core"};
	const char *source = getenv("MCS_SOURCE_DIR");
	struct harness_summary_run runs[5];
	size_t n = 0;
	for (size_t i = 0; source && i < 5; i++) {
		memset(&runs[n], 0, sizeof(runs[n]));
		snprintf(runs[n].backend, sizeof(runs[n].backend), "%s",
			 names[i]);
		snprintf(runs[n].dir, sizeof(runs[n].dir),
			 "%s/results/%s/latest", source, names[i]);
		char path[PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/sweep.json", runs[n].dir);
		n += access(path, R_OK) == 0;
	}
	if (!n)
		skip();
	char *dir = make_out_dir();
	char why[512] = "";
	if (harness_summary_write(dir, runs, n, NULL, why, sizeof(why)))
		fail_msg("harness_summary_write: %s", why);
	json_t *s = load_summary(dir);
	assert_medians_within(s);
	assert_true(
	    number(cell(s, "kernel_slope_bytes", runs[0].backend), "n") >= 1);
	json_decref(s);
	if (have_gnuplot() &&
	    harness_compare_plot(dir, runs, n, why, sizeof(why)))
		fail_msg("harness_compare_plot: %s", why);
	drop_out_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spread_odd_even_and_missing),
	    cmocka_unit_test(test_ratio_and_overlap),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_json_paths),
	    cmocka_unit_test(test_summary_of_fixtures),
	    cmocka_unit_test(test_plots_of_fixtures),
	    cmocka_unit_test(test_runs_without_sweeps),
	    cmocka_unit_test(test_old_sweeps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
