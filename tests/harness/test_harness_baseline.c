/* test_harness_baseline.c - baselines, exports and schema_version
 * (docs/HARNESS.md "Baselines and CI") on fixture comparisons: synthetic
 * sweep.json files, three runs a backend, written here with the figures
 * each case needs, summarized by harness_summary_write as a comparison
 * would be. Checked: a baseline saved and loaded back, a figure worse
 * beyond the noise called a regression (and not one within the noise, or
 * better), a baseline of other backends or another target refused,
 * summary.csv and summary.junit.xml, schema_version written and a newer
 * one refused, and mcs-harness --summarize --baseline
 * --fail-on-regression's exit status and line. No timed run: every
 * number is given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness_baseline.h"
#include "harness_file.h"
#include "harness_json.h"
#include "harness_options.h"
#include "harness_schema.h"
#include "harness_summary.h"
#include "harness_summary_export.h"
#include "test_binary.h"
#include "test_out_dir.h"

static char out_dir[256]; /* short: paths are built under it */

/* What one backend's three runs recorded. */
struct fixture {
	const char *backend;
	double target;	     /* "target" of each run */
	double accept_us[3]; /* steps[-1].server_cpu_us_per_accept */
	double echo[3];	     /* steps[-1].echo.msgs_per_s */
};

static void write_sweep(const char *dir, const struct fixture *f, size_t i)
{
	assert_int_equal(harness_make_dirs(dir), 0);
	char path[PATH_MAX + 16], id[32];
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	snprintf(id, sizeof(id), "20261207-10000%zu", i);
	json_t *step =
	    json_pack("{s:f, s:f, s:{s:f}}", "connections", f->target,
		      "server_cpu_us_per_accept", f->accept_us[i], "echo",
		      "msgs_per_s", f->echo[i]);
	json_t *sweep =
	    json_pack("{s:s, s:s, s:s, s:f, s:f, s:[o]}", "backend", f->backend,
		      "run_id", id, "status", "complete", "target", f->target,
		      "ramp_s", 1.0, "steps", step);
	char why[512];
	assert_int_equal(harness_json_save(sweep, path, why, sizeof(why)), 0);
	json_decref(sweep);
}

/* A comparison of the fixtures under out_dir/name: its runs' sweep.json
 * and its summary (summary.json, summary.md). Returns its folder. */
static const char *make_comparison(const char *name,
				   const struct fixture *fixtures, size_t count)
{
	static char dir[512];
	static struct harness_summary_run runs[16];
	snprintf(dir, sizeof(dir), "%s/%s", out_dir, name);
	assert_int_equal(harness_make_dirs(dir), 0);
	size_t n = 0;
	for (size_t b = 0; b < count; b++)
		for (size_t i = 0; i < 3; i++, n++) {
			memset(&runs[n], 0, sizeof(runs[n]));
			snprintf(runs[n].backend, sizeof(runs[n].backend), "%s",
				 fixtures[b].backend);
			runs[n].round = (unsigned)i + 1;
			snprintf(runs[n].dir, sizeof(runs[n].dir),
				 "%s/runs/%s/%zu", dir, fixtures[b].backend, i);
			write_sweep(runs[n].dir, &fixtures[b], i);
		}
	char why[512];
	int err = harness_summary_write(dir, runs, n, NULL, why, sizeof(why));
	if (err)
		fail_msg("summary of %s: %s", name, why);
	return dir;
}

static json_t *load(const char *dir, const char *file)
{
	char path[PATH_MAX + 64], why[PATH_MAX + 256];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	json_t *root = harness_json_load(path, why, sizeof(why));
	if (!root)
		fail_msg("%s", why);
	return root;
}

static const struct fixture base = {
    "epoll", 20000, {10.0, 10.2, 9.9}, {100000, 101000, 99500}};

/* The base comparison, saved as baseline "base". */
static void save_base(void)
{
	char why[512];
	const char *dir = make_comparison("base", &base, 1);
	assert_int_equal(
	    harness_baseline_save(dir, out_dir, "base", why, sizeof(why)), 0);
}

/* The judgement of a comparison of one fixture against "base". */
static json_t *judge(const struct fixture *now, double fail_pct)
{
	char why[512];
	const char *dir = make_comparison("now", now, 1);
	json_t *summary = load(dir, "summary.json");
	json_t *baseline =
	    harness_baseline_load(out_dir, "base", why, sizeof(why));
	assert_non_null(baseline);
	json_t *judgement = NULL;
	int err =
	    harness_baseline_judge(baseline, summary, "base", 0.05, fail_pct,
				   &judgement, why, sizeof(why));
	if (err)
		fail_msg("judge: %s", why);
	json_decref(baseline);
	json_decref(summary);
	return judgement;
}

/* The row of figure key for epoll in a judgement. */
static const json_t *row_of(const json_t *judgement, const char *key)
{
	size_t i;
	const json_t *row;
	json_array_foreach(json_object_get(judgement, "rows"), i, row)
	{
		if (strcmp(json_string_value(json_object_get(row, "figure")),
			   key) == 0)
			return row;
	}
	fail_msg("no row for %s", key);
	return NULL;
}

static void test_save_load_round_trip(void **state)
{
	(void)state;
	save_base();
	char why[512], dir[PATH_MAX];
	json_t *saved =
	    harness_baseline_load(out_dir, "base", why, sizeof(why));
	assert_non_null(saved);
	snprintf(dir, sizeof(dir), "%s/base", out_dir);
	json_t *original = load(dir, "summary.json");
	assert_true(json_equal(json_object_get(saved, "figures"),
			       json_object_get(original, "figures")));
	assert_true(json_equal(json_object_get(saved, "runs"),
			       json_object_get(original, "runs")));
	harness_baseline_dir(out_dir, "base", dir, sizeof(dir));
	json_t *meta = load(dir, "baseline.json");
	assert_string_equal(json_string_value(json_object_get(meta, "name")),
			    "base");
	assert_int_equal(
	    json_integer_value(json_object_get(meta, "schema_version")),
	    HARNESS_SCHEMA_VERSION);
	char md[PATH_MAX + 16];
	snprintf(md, sizeof(md), "%s/summary.md", dir);
	assert_int_equal(access(md, R_OK), 0);
	json_decref(meta);
	json_decref(original);
	json_decref(saved);
}

static void test_missing_baseline_refused(void **state)
{
	(void)state;
	char why[512];
	assert_null(harness_baseline_load(out_dir, "nope", why, sizeof(why)));
	assert_non_null(strstr(why, "no baseline 'nope'"));
	assert_non_null(strstr(why, "base")); /* the ones there are listed */
}

static void test_worse_beyond_noise_is_a_regression(void **state)
{
	(void)state;
	save_base();
	struct fixture slow = base;
	memcpy(slow.accept_us, (double[]){30.0, 30.5, 29.8},
	       sizeof(slow.accept_us));
	json_t *j = judge(&slow, 10);
	const json_t *row = row_of(j, "server_us_per_accept_last");
	assert_string_equal(json_string_value(json_object_get(row, "verdict")),
			    "higher");
	assert_true(json_is_true(json_object_get(row, "worse")));
	assert_true(json_is_true(json_object_get(row, "regressed")));
	assert_int_equal(json_integer_value(json_object_get(j, "regressions")),
			 1);
	char line[512];
	harness_baseline_row_line(row, line, sizeof(line));
	assert_non_null(strstr(line, "epoll"));
	assert_non_null(strstr(line, "server CPU per accept"));
	assert_non_null(strstr(line, "10.0 µs -> 30.0 µs"));
	assert_non_null(strstr(line, "+200%"));
	/* The same change with 250% allowed is worse, not a regression. */
	json_decref(j);
	j = judge(&slow, 250);
	row = row_of(j, "server_us_per_accept_last");
	assert_true(json_is_true(json_object_get(row, "worse")));
	assert_false(json_is_true(json_object_get(row, "regressed")));
	json_decref(j);
}

static void test_within_noise_and_better_pass(void **state)
{
	(void)state;
	save_base();
	struct fixture close = base;
	memcpy(close.accept_us, (double[]){10.3, 10.4, 10.2},
	       sizeof(close.accept_us));
	json_t *j = judge(&close, 1); /* 3% worse: inside the 5% noise */
	assert_int_equal(json_integer_value(json_object_get(j, "regressions")),
			 0);
	assert_false(json_is_true(
	    json_object_get(row_of(j, "server_us_per_accept_last"), "worse")));
	json_decref(j);

	struct fixture fast = base;
	memcpy(fast.accept_us, (double[]){5.0, 5.1, 4.9},
	       sizeof(fast.accept_us));
	j = judge(&fast, 1);
	const json_t *row = row_of(j, "server_us_per_accept_last");
	assert_string_equal(json_string_value(json_object_get(row, "verdict")),
			    "lower");
	assert_false(json_is_true(json_object_get(row, "worse")));
	assert_int_equal(json_integer_value(json_object_get(j, "regressions")),
			 0);
	json_decref(j);
}

/* msg/s: fewer is worse. */
static void test_direction_of_a_higher_is_better_figure(void **state)
{
	(void)state;
	save_base();
	struct fixture slow = base;
	memcpy(slow.echo, (double[]){50000, 51000, 49000}, sizeof(slow.echo));
	json_t *j = judge(&slow, 10);
	const json_t *row = row_of(j, "echo_msgs_per_s");
	assert_string_equal(json_string_value(json_object_get(row, "better")),
			    "higher");
	assert_true(json_is_true(json_object_get(row, "regressed")));
	json_decref(j);
}

static void test_mismatched_baseline_refused(void **state)
{
	(void)state;
	save_base();
	char why[512];
	json_t *baseline =
	    harness_baseline_load(out_dir, "base", why, sizeof(why));
	json_t *judgement = NULL;

	struct fixture bigger = base;
	bigger.target = 40000;
	json_t *summary =
	    load(make_comparison("bigger", &bigger, 1), "summary.json");
	assert_int_equal(harness_baseline_judge(baseline, summary, "base", 0.05,
						10, &judgement, why,
						sizeof(why)),
			 -EINVAL);
	assert_null(judgement);
	assert_non_null(strstr(why, "epoll runs aimed at 20000 connections, "
				    "these at 40000"));
	json_decref(summary);

	struct fixture other = base;
	other.backend = "poll";
	summary = load(make_comparison("other", &other, 1), "summary.json");
	assert_int_equal(harness_baseline_judge(baseline, summary, "base", 0.05,
						10, &judgement, why,
						sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "not in the baseline: poll"));
	assert_non_null(strstr(why, "missing here: epoll"));
	json_decref(summary);
	json_decref(baseline);
}

static char *read_text(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char text[65536];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_csv_and_junit(void **state)
{
	(void)state;
	save_base();
	struct fixture slow = base;
	memcpy(slow.accept_us, (double[]){30.0, 30.5, 29.8},
	       sizeof(slow.accept_us));
	json_t *j = judge(&slow, 10);
	char dir[PATH_MAX], why[512];
	snprintf(dir, sizeof(dir), "%s/now", out_dir);
	json_t *summary = load(dir, "summary.json");

	/* Without a baseline: a row per backend and figure, all passing. */
	assert_int_equal(harness_summary_export(dir, summary, why, sizeof(why)),
			 0);
	const char *xml = read_text(dir, "summary.junit.xml");
	char expect[64]; /* one backend: a testcase per figure */
	/* (and below, one of them regressed) */
	snprintf(expect, sizeof(expect), "tests=\"%zu\" failures=\"0\"",
		 json_array_size(json_object_get(summary, "figures")));
	assert_non_null(strstr(xml, expect));
	assert_null(strstr(xml, "<failure"));
	assert_non_null(strstr(xml, "<testcase classname=\"mcs-harness.epoll\" "
				    "name=\"server_us_per_accept_last\">"));

	json_object_set_new(summary, "baseline", j);
	assert_int_equal(harness_summary_export(dir, summary, why, sizeof(why)),
			 0);
	const char *csv = read_text(dir, "summary.csv");
	assert_non_null(strstr(
	    csv, "backend,figure,name,unit,median,low,high,n,ratio_to_epoll,"
		 "verdict_vs_epoll,baseline_median,baseline_low,baseline_high,"
		 "baseline_n,change_pct,verdict_vs_baseline,regressed\n"));
	assert_non_null(strstr(csv, "\nepoll,server_us_per_accept_last,"
				    "server CPU per accept,µs,30,"));
	assert_non_null(strstr(csv, ",3,1,same,10,"));
	assert_non_null(strstr(csv, ",200,higher,yes\n"));
	assert_non_null(strstr(csv, "\"load RTT p99, first step\""));
	xml = read_text(dir, "summary.junit.xml");
	snprintf(expect, sizeof(expect), "tests=\"%zu\" failures=\"1\"",
		 json_array_size(json_object_get(summary, "figures")));
	assert_non_null(strstr(xml, expect));
	assert_non_null(strstr(xml, "name=\"mcs-harness against baseline "
				    "base\""));
	const char *failure = strstr(xml, "<failure type=\"regression\"");
	assert_non_null(failure);
	assert_non_null(strstr(failure, "server CPU per accept"));
	assert_null(strstr(failure + 1, "<failure")); /* one only */
	json_decref(summary);
}

static void test_schema_version(void **state)
{
	(void)state;
	save_base();
	char dir[PATH_MAX], path[PATH_MAX + 64], why[PATH_MAX + 256];
	snprintf(dir, sizeof(dir), "%s/base", out_dir);
	json_t *summary = load(dir, "summary.json");
	assert_int_equal(
	    json_integer_value(json_object_get(summary, "schema_version")),
	    HARNESS_SCHEMA_VERSION);
	json_t *sweep = load(dir, "runs/epoll/0/sweep.json");
	assert_int_equal(
	    json_integer_value(json_object_get(sweep, "schema_version")),
	    HARNESS_SCHEMA_VERSION);
	json_decref(sweep);

	/* Written before the key existed: read. */
	json_object_del(summary, "schema_version");
	assert_int_equal(harness_schema_check(summary, "x", why, sizeof(why)),
			 0);
	/* From a newer harness: refused, in one line naming the file. */
	harness_baseline_dir(out_dir, "base", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	json_object_set_new(summary, "schema_version",
			    json_integer(HARNESS_SCHEMA_VERSION + 1));
	assert_int_equal(json_dump_file(summary, path, 0), 0);
	assert_null(harness_baseline_load(out_dir, "base", why, sizeof(why)));
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "newer than this harness reads"));
	assert_null(strchr(why, '\n'));
	json_decref(summary);
}

/* A sweep.json from a newer harness makes its run unusable, saying why. */
static void test_newer_sweep_refused(void **state)
{
	(void)state;
	const char *dir = make_comparison("newer", &base, 1);
	char path[PATH_MAX + 64], why[512];
	snprintf(path, sizeof(path), "%s/runs/epoll/1/sweep.json", dir);
	json_t *sweep = load(dir, "runs/epoll/1/sweep.json");
	json_object_set_new(sweep, "schema_version", json_integer(99));
	assert_int_equal(json_dump_file(sweep, path, 0), 0);
	json_decref(sweep);
	struct harness_summary_run run = {.backend = "epoll", .round = 2};
	snprintf(run.dir, sizeof(run.dir), "%s/runs/epoll/1", dir);
	struct harness_summary_set set;
	assert_int_equal(harness_summary_load(&run, 1, &set, why, sizeof(why)),
			 0);
	assert_false(harness_summary_usable(&set, 0));
	assert_non_null(strstr(set.errors[0], "schema_version 99"));
	harness_summary_free(&set);
}

/* mcs-harness --summarize DIR --baseline NAME [--fail-on-regression PCT]:
 * its exit status, and stderr's lines into text. */
static int summarize(const char *dir, const char *name, const char *pct,
		     char *text, size_t size)
{
	char harness[PATH_MAX + 16];
	snprintf(harness, sizeof(harness), "%s/mcs-harness",
		 getenv("MCS_BIN_DIR"));
	char *argv[] = {harness,      "--summarize", (char *)dir,
			"--out",      out_dir,	     "--no-plot",
			"--baseline", (char *)name,  "--fail-on-regression",
			(char *)pct,  NULL};
	if (!pct)
		argv[8] = NULL;
	int err[2];
	assert_int_equal(pipe(err), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(err[1], STDERR_FILENO);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		close(err[0]);
		execv(harness, argv);
		_exit(127);
	}
	close(err[1]);
	FILE *f = fdopen(err[0], "r");
	size_t used = fread(text, 1, size - 1, f);
	text[used] = '\0';
	fclose(f);
	print_message("%s", text);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The summary.json of a fixture comparison, its runs listed, as a
 * comparison leaves it for --summarize. */
static void test_exit_status_of_the_binary(void **state)
{
	(void)state;
	if (!getenv("MCS_BIN_DIR") ||
	    test_need_binary(getenv("MCS_BIN_DIR"), "mcs-harness"))
		skip();
	save_base();
	char text[4096];
	struct fixture slow = base;
	memcpy(slow.accept_us, (double[]){30.0, 30.5, 29.8},
	       sizeof(slow.accept_us));
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", make_comparison("slow", &slow, 1));
	assert_int_equal(summarize(dir, "base", "10", text, sizeof(text)), 1);
	assert_non_null(strstr(text, "harness: regression (more than 10%): "
				     "epoll: server CPU per accept "
				     "(server_us_per_accept_last) 10.0 µs -> "
				     "30.0 µs (+200%)"));
	assert_null(strstr(text, "echo")); /* only the figure that got worse */
	/* Without --fail-on-regression: judged, not failed. */
	assert_int_equal(summarize(dir, "base", NULL, text, sizeof(text)), 0);
	json_t *summary = load(dir, "summary.json");
	assert_non_null(json_object_get(summary, "baseline"));
	json_decref(summary);
	const char *md = read_text(dir, "summary.md");
	assert_non_null(strstr(md, "## Against baseline base"));
	const char *html = read_text(dir, "report.html");
	assert_non_null(strstr(html, "id=\"baseline\""));

	snprintf(dir, sizeof(dir), "%s", make_comparison("same", &base, 1));
	assert_int_equal(summarize(dir, "base", "10", text, sizeof(text)), 0);

	assert_int_equal(summarize(dir, "nope", "10", text, sizeof(text)), 2);
	assert_non_null(strstr(text, "no baseline 'nope'"));
	struct fixture bigger = base;
	bigger.target = 40000;
	snprintf(dir, sizeof(dir), "%s", make_comparison("bigger", &bigger, 1));
	assert_int_equal(summarize(dir, "base", "10", text, sizeof(text)), 2);
	assert_non_null(strstr(text, "does not match"));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
}

/* The options: parsed, defaults, and what they refuse (exit 2's line). */
static int parse(struct harness_options *o, char *why, size_t size,
		 const char *a, const char *b, const char *c, const char *d)
{
	char *argv[] = {"mcs-harness", "--backend", "epoll",   "--target",
			"20k",	       (char *)a,   (char *)b, (char *)c,
			(char *)d,     NULL};
	int argc = 5;
	while (argv[argc])
		argc++;
	return harness_parse_options(argc, argv, o, why, size);
}

static void test_options(void **state)
{
	(void)state;
	static struct harness_options o;
	char why[512];
	assert_int_equal(parse(&o, why, sizeof(why), NULL, NULL, NULL, NULL),
			 0);
	assert_string_equal(o.reference, "epoll");
	assert_float_equal(o.noise_pct, 5, 0);
	assert_false(o.fail_on_regression);
	assert_int_equal(parse(&o, why, sizeof(why), "--baseline", "base",
			       "--fail-on-regression", "12.5%"),
			 0);
	assert_string_equal(o.baseline, "base");
	assert_true(o.fail_on_regression);
	assert_float_equal(o.fail_on_regression_pct, 12.5, 0);
	assert_int_equal(
	    parse(&o, why, sizeof(why), "--reference", "poll", "--noise", "10"),
	    0);
	assert_string_equal(o.reference, "poll");
	assert_float_equal(o.noise_pct, 10, 0);

	assert_int_not_equal(parse(&o, why, sizeof(why), "--fail-on-regression",
				   "10", NULL, NULL),
			     0);
	assert_non_null(strstr(why, "--fail-on-regression needs --baseline"));
	assert_int_not_equal(
	    parse(&o, why, sizeof(why), "--save-baseline", "../x", NULL, NULL),
	    0);
	assert_non_null(strstr(why, "bad --save-baseline '../x'"));
	assert_int_not_equal(
	    parse(&o, why, sizeof(why), "--noise", "0", NULL, NULL), 0);
	assert_non_null(strstr(why, "bad --noise '0'"));
	assert_int_not_equal(parse(&o, why, sizeof(why), "--baseline", "b",
				   "--fail-on-regression", "ten"),
			     0);
	assert_non_null(strstr(why, "bad --fail-on-regression 'ten'"));
}

static int setup(void **state)
{
	(void)state;
	return test_out_dir_make(out_dir, sizeof(out_dir),
				 "/tmp/mcs-baseline-XXXXXX");
}

static int teardown(void **state)
{
	(void)state;
	if (!getenv("MCS_TEST_KEEP"))
		test_out_dir_remove(out_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_save_load_round_trip),
	    cmocka_unit_test(test_missing_baseline_refused),
	    cmocka_unit_test(test_worse_beyond_noise_is_a_regression),
	    cmocka_unit_test(test_within_noise_and_better_pass),
	    cmocka_unit_test(test_direction_of_a_higher_is_better_figure),
	    cmocka_unit_test(test_mismatched_baseline_refused),
	    cmocka_unit_test(test_csv_and_junit),
	    cmocka_unit_test(test_schema_version),
	    cmocka_unit_test(test_newer_sweep_refused),
	    cmocka_unit_test(test_exit_status_of_the_binary),
	    cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
