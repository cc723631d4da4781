/* test_report_html.c - report.html written from fixture data
 * (fixtures/results: a real two-backend-rounds comparison of epoll, poll
 * and select, and a 2.4M epoll run; see fixtures/README.md), checked as
 * text: one file, nothing fetched from outside, every chart drawn, the
 * matrix holding summary.json's medians rounded by harness_round3, and a
 * real difference marked where a synthetic summary has one. The browser
 * side is check_report_chromium.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness_report_html.h"
#include "harness_verdict.h"
#include "test_out_dir.h"

#define COMPARE "results/compare/20261201-220550"
#define RUN	"results/epoll/20261202-012142"

static char out[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	const char *source = getenv("MCS_SOURCE_DIR");
	char command[2 * PATH_MAX];
	if (!source ||
	    test_out_dir_make(out, sizeof(out), "/tmp/mcs-report-XXXXXX"))
		return -1;
	snprintf(command, sizeof(command),
		 "cp -r '%s/tests/report/fixtures/results' '%s/'", source, out);
	return system(command) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	test_out_dir_remove(out);
	return 0;
}

/* The whole page at out/dir/report.html, NUL-terminated (caller frees). */
static char *read_page(const char *dir)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s/report.html", out, dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	return text;
}

/* Self-contained: no network, nothing embedded from another file, no
 * script; every chart has something drawn in it. Returns the charts. */
static int check_self_contained(const char *page)
{
	assert_null(strstr(page, "http://"));
	assert_null(strstr(page, "https://"));
	assert_null(strstr(page, "src="));
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<link"));
	assert_null(strstr(page, "<img"));
	assert_null(strstr(page, "@import"));
	for (const char *u = strstr(page, "url("); u; u = strstr(u + 1, "url("))
		assert_int_equal(u[4], '#'); /* a pattern of the same SVG */
	int charts = 0;
	for (const char *s = strstr(page, "<svg"); s;
	     s = strstr(s + 1, "<svg")) {
		const char *end = strstr(s, "</svg>");
		assert_non_null(end);
		size_t len = (size_t)(end - s);
		char *chart = strndup(s, len);
		assert_non_null(chart);
		assert_null(strstr(chart, "no data"));
		assert_true(strstr(chart, "<circle cx") ||
			    strstr(chart, "<title>"));
		free(chart);
		charts++;
	}
	assert_non_null(strstr(page, "</html>"));
	return charts;
}

static void test_run_page(void **state)
{
	(void)state;
	char dir[PATH_MAX + 64], why[512] = "";
	snprintf(dir, sizeof(dir), "%s/%s", out, RUN);
	assert_int_equal(harness_report_run(dir, why, sizeof(why)), 0);
	char *page = read_page(RUN);
	/* four charts against connection count and the slab caches */
	assert_int_equal(check_self_contained(page), 5);
	assert_non_null(strstr(page, "data-chart=\"kernel-by-cache\""));
	assert_non_null(strstr(page, "href=\"sweep.json\""));
	assert_non_null(strstr(page, "href=\"sweep.csv\""));
	assert_non_null(
	    strstr(page, "707ff96cbddce60a6fc0708515f30a85b73d816b"));
	assert_non_null(
	    strstr(page, "made by a process outside the benchmark"));
	assert_non_null(strstr(page, "client-bound step"));
	/* Provenance names the client kind (this older run's sweep.json
	 * does not record it: it says so). */
	assert_non_null(strstr(page, "<th>client kind</th><td>not recorded"));
	assert_non_null(strstr(page, "2,400,000 of 2,400,000 connections"));
	free(page);
}

/* The cell of figure key for backend: its text up to </td>. */
static char *cell(const char *page, const char *key, const char *backend)
{
	char anchor[256];
	snprintf(anchor, sizeof(anchor),
		 "data-figure=\"%s\" data-backend=\"%s\">", key, backend);
	const char *at = strstr(page, anchor);
	if (!at)
		fail_msg("no cell for %s / %s", key, backend);
	const char *end = strstr(at, "</td>");
	assert_non_null(end);
	return strndup(at, (size_t)(end - at));
}

/* Every median and n of summary.json's figures is in its cell. */
static void check_matrix(const char *page, const json_t *summary)
{
	size_t i;
	const json_t *figure;
	json_array_foreach(json_object_get(summary, "figures"), i, figure)
	{
		const char *key =
		    json_string_value(json_object_get(figure, "key"));
		const char *backend;
		const json_t *entry;
		json_object_foreach(json_object_get(figure, "backends"),
				    backend, entry)
		{
			char *text = cell(page, key, backend);
			char expect[128], number[48];
			snprintf(
			    expect, sizeof(expect),
			    "<span class=\"median\">%s</span>",
			    harness_round3(json_number_value(json_object_get(
					       entry, "median")),
					   number, sizeof(number)));
			if (!strstr(text, expect))
				fail_msg("%s / %s: want %s in %s", key, backend,
					 expect, text);
			snprintf(expect, sizeof(expect),
				 "<span class=\"count\">%lld</span>",
				 (long long)json_integer_value(
				     json_object_get(entry, "n")));
			assert_non_null(strstr(text, expect));
			free(text);
		}
	}
}

static void test_comparison_page(void **state)
{
	(void)state;
	char dir[PATH_MAX + 64], why[512] = "";
	snprintf(dir, sizeof(dir), "%s/%s", out, COMPARE);
	assert_int_equal(harness_report_write(dir, why, sizeof(why)), 0);
	char *page = read_page(COMPARE);
	/* five charts (load p99 too) and the slab caches */
	assert_int_equal(check_self_contained(page), 6);
	snprintf(dir, sizeof(dir), "%s/%s/summary.json", out, COMPARE);
	json_t *summary = json_load_file(dir, 0, NULL);
	assert_non_null(summary);
	check_matrix(page, summary);
	json_decref(summary);
	/* one commit: no alert; links to the runs beside it */
	assert_null(strstr(page, "mixes commits"));
	assert_non_null(
	    strstr(page, "href=\"../../epoll/20261201-220550/report.html\""));
	assert_non_null(strstr(page, "href=\"summary.json\""));
	free(page);
}

/* n = 3 a side with a real gap: marked, with its ratio; and a run of
 * another commit turns the provenance red. */
static void test_comparison_verdict_and_mixed_commits(void **state)
{
	(void)state;
	char path[PATH_MAX + 64], why[512] = "";
	snprintf(path, sizeof(path), "%s/%s/summary.json", out, COMPARE);
	json_t *summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);
	json_t *figure =
	    json_pack("{s:s, s:s, s:s, s:s, s:{s:{s:f, s:i, s:[f,f,f]}, "
		      "s:{s:f, s:i, s:[f,f,f]}}}",
		      "key", "synthetic_bytes", "name", "synthetic", "unit",
		      "B", "reading", "lower is better", "backends", "epoll",
		      "median", 10.0, "n", 3, "values", 10.0, 10.1, 9.9, "poll",
		      "median", 20.0, "n", 3, "values", 20.0, 20.2, 19.8);
	json_array_append_new(json_object_get(summary, "figures"), figure);
	snprintf(path, sizeof(path), "%s/results/compare/variant", out);
	assert_int_equal(mkdir(path, 0755), 0);
	strcat(path, "/summary.json");
	assert_int_equal(json_dump_file(summary, path, 0), 0);
	json_decref(summary);
	snprintf(path, sizeof(path),
		 "%s/results/poll/20261201-221237/sweep.json", out);
	json_t *sweep = json_load_file(path, 0, NULL);
	json_object_set_new(json_object_get(sweep, "machine"), "git_commit",
			    json_string("0123456789abcdef"));
	assert_int_equal(json_dump_file(sweep, path, 0), 0);
	json_decref(sweep);
	snprintf(path, sizeof(path), "%s/results/compare/variant", out);
	assert_int_equal(harness_report_write(path, why, sizeof(why)), 0);
	char *page = read_page("results/compare/variant");
	char *text = cell(page, "synthetic_bytes", "poll");
	assert_non_null(strstr(text, "\u00d72.00"));
	assert_non_null(strstr(text, "class=\"worse\">higher"));
	free(text);
	assert_non_null(strstr(page, "This comparison mixes commits"));
	free(page);
}

static void test_missing_data_is_an_error(void **state)
{
	(void)state;
	char why[512] = "";
	assert_int_equal(harness_report_write(out, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "neither summary.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_page),
	    cmocka_unit_test(test_comparison_page),
	    cmocka_unit_test(test_comparison_verdict_and_mixed_commits),
	    cmocka_unit_test(test_missing_data_is_an_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
