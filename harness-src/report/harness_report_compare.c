/* harness_report_compare.c - report.html of a comparison, from its
 * summary.json and the sweep.json of every run it lists: provenance (in
 * red when the runs mix commits, dirty builds or kernels), the headline
 * matrix figure x backend with intervals, ratios and verdicts against a
 * reference backend (harness_verdict.h), the runs, and the charts (see
 * harness_report_html.h). The matrix prints summary.json's numbers,
 * rounded by harness_round3, and nothing else. */
#include "harness_report_html.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_json.h"
#include "harness_palette.h"
#include "harness_report_page.h"
#include "harness_summary.h"
#include "harness_verdict.h"

#define MAX_VALUES 64

/* A backend's interval of one figure: summary.json's values; its low and
 * high when it has them. n and median are printed from summary.json. */
static void entry_interval(const json_t *entry, struct harness_interval *iv)
{
	double values[MAX_VALUES];
	size_t n = 0, i;
	const json_t *v;
	json_array_foreach((json_t *)json_object_get(entry, "values"), i, v)
	{
		if (n < MAX_VALUES)
			values[n++] =
			    json_is_number(v) ? json_number_value(v) : NAN;
	}
	harness_interval_of(values, n, iv);
	const json_t *low = json_object_get(entry, "low");
	const json_t *high = json_object_get(entry, "high");
	if (json_is_number(low) && json_is_number(high)) {
		iv->low = json_number_value(low);
		iv->high = json_number_value(high);
	}
}

/* 1: higher is better, 0: lower is, -1: neither (from its reading). */
static int direction(const json_t *figure)
{
	const char *reading = report_string(figure, "reading", NULL);
	if (reading && strstr(reading, "higher is better"))
		return 1;
	if (reading && strstr(reading, "lower is better"))
		return 0;
	return -1;
}

static void cell_verdict(FILE *f, const struct harness_interval *iv,
			 const struct harness_interval *ref, double noise,
			 int better_high)
{
	char number[48];
	if (harness_ratio_means_something(iv, ref, noise))
		fprintf(f, "<br><span class=\"ratio\">\u00d7%s</span>",
			harness_round3(iv->median / ref->median, number,
				       sizeof(number)));
	enum harness_verdict v = harness_verdict_of(iv, ref, noise);
	if (v != HARNESS_VERDICT_LOWER && v != HARNESS_VERDICT_HIGHER)
		return;
	int higher = v == HARNESS_VERDICT_HIGHER;
	const char *cls = better_high < 0	  ? "verdict"
			  : higher == better_high ? "better"
						  : "worse";
	fprintf(f, " <span class=\"%s\">%s</span>", cls,
		harness_verdict_name(v));
}

static void matrix_cell(FILE *f, const json_t *figure, const char *backend,
			const struct harness_interval *ref, int is_ref,
			double noise)
{
	const char *key = report_string(figure, "key", NULL);
	const char *unit = report_string(figure, "unit", NULL);
	const json_t *entry =
	    json_object_get(json_object_get(figure, "backends"), backend);
	fputs("<td class=\"num\" data-figure=\"", f);
	report_text(f, key);
	fputs("\" data-backend=\"", f);
	report_text(f, backend);
	fputs("\">", f);
	const json_t *median = json_object_get(entry, "median");
	if (!json_is_number(median)) {
		fputs("<span class=\"muted\">-</span></td>", f);
		return;
	}
	struct harness_interval iv;
	entry_interval(entry, &iv);
	char m[48], lo[48], hi[48];
	fprintf(f, "<span class=\"median\">%s</span><br>",
		harness_round3(json_number_value(median), m, sizeof(m)));
	if (iv.n >= 2) /* one value has no interval */
		fprintf(f,
			"<span class=\"interval\" title=\"%s\">[%s \u2013 "
			"%s]</span> ",
			iv.bootstrap ? "95% bootstrap interval of the median"
				     : "min\u2013max (fewer than 3 runs)",
			harness_round3(iv.low, lo, sizeof(lo)),
			harness_round3(iv.high, hi, sizeof(hi)));
	fprintf(f,
		"<span class=\"n\">n=<span class=\"count\">%lld</span></span>",
		(long long)json_integer_value(json_object_get(entry, "n")));
	if (unit && strcmp(unit, "\u00b5s") == 0 &&
	    json_number_value(median) >= 1000)
		fprintf(
		    f, " <span class=\"hint\">(%s)</span>",
		    harness_format_us(json_number_value(median), m, sizeof(m)));
	if (is_ref)
		fputs("<br><span class=\"hint\">reference</span>", f);
	else if (ref)
		cell_verdict(f, &iv, ref, noise, direction(figure));
	fputs("</td>", f);
}

#define MAX_BACKENDS HARNESS_COMPARE_MAX_BACKENDS

/* The backends, in summary.json's order (its first figure's keys). */
static size_t summary_backends(const json_t *summary, const char **names)
{
	const json_t *figure =
	    json_array_get(json_object_get(summary, "figures"), 0);
	const char *key;
	const json_t *value;
	size_t n = 0;
	json_object_foreach((json_t *)json_object_get(figure, "backends"), key,
			    value)
	{
		if (n < MAX_BACKENDS)
			names[n++] = key;
	}
	return n;
}

static void figure_head(FILE *f, const json_t *figure)
{
	const char *unit = report_string(figure, "unit", NULL);
	const char *reading = report_string(figure, "reading", NULL);
	fputs("<th>", f);
	report_text(f, report_string(figure, "name", NULL));
	if (unit && unit[0]) {
		fputs(" (", f);
		report_text(f, unit);
		fputs(")", f);
	}
	if (reading) {
		fputs("<br><span class=\"reading\">", f);
		report_text(f, reading);
		fputs("</span>", f);
	}
	fputs("</th>", f);
}

static void matrix(FILE *f, const json_t *summary, const char *reference,
		   double noise)
{
	const char *names[MAX_BACKENDS];
	size_t count = summary_backends(summary, names);
	fprintf(f,
		"<h2 id=\"matrix\">Headline figures</h2>\n<p class=\"hint\">"
		"Each cell: the median over a backend's usable runs, its "
		"interval (a 95%% bootstrap interval of the median with 3 runs "
		"or more, else min\u2013max) and n. \u00d7: the ratio to ");
	report_text(f, reference);
	fprintf(f,
		", shown only where both are clear of zero. "
		"<span class=\"better\">lower</span>/<span class=\"worse\">"
		"higher</span> (green: better, red: worse) only where the "
		"difference is real: n \u2265 3 on both sides, intervals apart "
		"and more than %g%% noise.</p>\n"
		"<table class=\"matrix\">\n<tr><th>figure</th>",
		noise * 100);
	for (size_t b = 0; b < count; b++) {
		fputs("<th class=\"num\">", f);
		report_text(f, names[b]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	size_t i;
	const json_t *figure;
	json_array_foreach((json_t *)json_object_get(summary, "figures"), i,
			   figure)
	{
		const json_t *backends = json_object_get(figure, "backends");
		const json_t *ref_entry = json_object_get(backends, reference);
		struct harness_interval ref;
		if (ref_entry)
			entry_interval(ref_entry, &ref);
		fputs("<tr>", f);
		figure_head(f, figure);
		for (size_t b = 0; b < count; b++)
			matrix_cell(f, figure, names[b],
				    ref_entry ? &ref : NULL,
				    strcmp(names[b], reference) == 0, noise);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p class=\"hint\">The same numbers: <a "
	      "href=\"summary.json\">summary.json</a>, <a "
	      "href=\"summary.md\">summary.md</a>.</p>\n",
	      f);
}

/* The runs summary.json lists, each beside the comparison
 * (<compare_dir>/../../<backend>/<run_id>, so a copied or moved results
 * tree reads its own runs), or else at the folder it names (relative to
 * the current directory). NULL with *n 0 when there is none. */
static struct harness_summary_run *
summary_runs(const json_t *summary, const char *compare_dir, size_t *n)
{
	const json_t *runs = json_object_get(summary, "runs");
	struct harness_summary_run *out =
	    calloc(json_array_size(runs) + 1, sizeof(*out));
	*n = 0;
	size_t i;
	const json_t *run;
	json_array_foreach((json_t *)runs, i, run)
	{
		const char *backend = report_string(run, "backend", NULL);
		const char *dir = report_string(run, "dir", NULL);
		const char *id = report_string(run, "run_id", NULL);
		if (!out || !backend || !dir)
			continue;
		struct harness_summary_run *r = &out[(*n)++];
		snprintf(r->backend, sizeof(r->backend), "%s", backend);
		r->round =
		    (unsigned)json_integer_value(json_object_get(run, "round"));
		char beside[PATH_MAX + 32];
		if (id &&
		    snprintf(beside, sizeof(beside),
			     "%s/../../%s/%s/sweep.json", compare_dir, backend,
			     id) < (int)sizeof(beside) &&
		    access(beside, R_OK) == 0)
			snprintf(r->dir, sizeof(r->dir), "%s/../../%s/%s",
				 compare_dir, backend, id);
		else
			snprintf(r->dir, sizeof(r->dir), "%s", dir);
	}
	return out;
}

/* Distinct values of one string per run ("git commit", "kernel"),
 * written comma-separated with their counts; returns how many. */
static size_t distinct(const struct harness_summary_set *set,
		       const char *(*of)(const json_t *sweep), char *text,
		       size_t size)
{
	const char *seen[MAX_VALUES];
	size_t counts[MAX_VALUES], n = 0, used = 0;
	for (size_t i = 0; i < set->run_count; i++) {
		const char *v = set->sweeps[i] ? of(set->sweeps[i]) : NULL;
		size_t k = 0;
		for (v = v ? v : "not recorded"; k < n; k++)
			if (strcmp(seen[k], v) == 0)
				break;
		if (k == n && n < MAX_VALUES) {
			seen[n] = v;
			counts[n++] = 0;
		}
		if (k < n)
			counts[k]++;
	}
	text[0] = '\0';
	for (size_t k = 0; k < n && used < size; k++)
		used += (size_t)snprintf(
		    text + used, size - used, "%s%s (%zu run%s)", k ? ", " : "",
		    seen[k], counts[k], counts[k] == 1 ? "" : "s");
	return n;
}

static const char *commit_of(const json_t *sweep)
{
	int dirty;
	return report_commit(sweep, &dirty);
}

static const char *build_of(const json_t *sweep)
{
	int dirty;
	report_commit(sweep, &dirty);
	return dirty == 1 ? "dirty" : dirty == 0 ? "clean" : NULL;
}

static const char *kernel_of(const json_t *sweep)
{
	return report_string(sweep, "machine", "kernel");
}

static const char *started_of(const json_t *sweep)
{
	return report_string(sweep, "started_at", NULL);
}

/* A provenance row that turns red with a sentence when it mixes. */
static void mixed_row(FILE *f, const struct harness_summary_set *set,
		      const char *name, const char *(*of)(const json_t *),
		      const char *alert, int always)
{
	char text[2048];
	size_t n = distinct(set, of, text, sizeof(text));
	if (n <= 1 && !always)
		return;
	fputs("<tr><th>", f);
	report_text(f, name);
	fputs("</th><td>", f);
	if (n > 1) {
		fputs("<span class=\"alert\">", f);
		report_text(f, alert);
		fputs("</span><br>", f);
	}
	report_text(f, text);
	fputs("</td></tr>\n", f);
}

/* The first and last start time of the runs. */
static void first_last(FILE *f, const struct harness_summary_set *set)
{
	const char *lo = NULL, *hi = NULL;
	for (size_t i = 0; i < set->run_count; i++) {
		const char *t =
		    set->sweeps[i] ? started_of(set->sweeps[i]) : NULL;
		if (t && (!lo || strcmp(t, lo) < 0))
			lo = t;
		if (t && (!hi || strcmp(t, hi) > 0))
			hi = t;
	}
	char text[160];
	snprintf(text, sizeof(text), "%s to %s", lo ? lo : "?", hi ? hi : "?");
	report_row(f, "runs started (UTC)", lo ? text : NULL);
}

static void compare_provenance(FILE *f, const char *id,
			       const struct harness_summary_set *set,
			       const json_t *first)
{
	char text[512];
	fputs("<h2 id=\"provenance\">Provenance</h2>\n<table class=\"prov\">\n",
	      f);
	report_row(f, "comparison", id);
	fputs("<tr><th>backends</th><td>", f);
	for (size_t b = 0; b < set->backend_count; b++) {
		fprintf(f,
			"%s<span class=\"swatch\" style=\"background:%s\">"
			"</span>",
			b ? ", " : "",
			harness_backend_colour(set->backends[b]));
		report_text(f, set->backends[b]);
	}
	fputs("</td></tr>\n", f);
	size_t used = 0;
	for (size_t i = 0; i < set->run_count; i++)
		used += (size_t)harness_summary_usable(set, i);
	snprintf(text, sizeof(text),
		 "%zu, %zu of them usable (read, neither "
		 "failed nor interrupted)",
		 set->run_count, used);
	report_row(f, "runs", text);
	first_last(f, set);
	mixed_row(f, set, "commit", commit_of,
		  "This comparison mixes commits: its differences may come "
		  "from the code, not only the backend.",
		  1);
	mixed_row(f, set, "build", build_of,
		  "This comparison mixes clean and dirty builds.", 1);
	mixed_row(f, set, "client kind", report_client_kind,
		  "This comparison mixes client kinds: the kernel figures "
		  "of some runs are the server's side, of others both ends.",
		  1);
	mixed_row(f, set, "kernel", kernel_of, "This comparison mixes kernels.",
		  0);
	const char *ns = report_string(first, "network_namespace", "name");
	report_row(f, "network namespace",
		   ns ? "one of its own per run (mcs-sweep-PID)" : NULL);
	report_row(f, "command line",
		   report_string(first, "command_line", NULL));
	report_machine_rows(f, first);
	fputs("</table>\n", f);
}

static void run_row(FILE *f, const char *compare_dir,
		    const struct harness_summary_set *set, size_t i)
{
	const struct harness_summary_run *r = &set->runs[i];
	const json_t *sweep = set->sweeps[i];
	char link[PATH_MAX];
	int dirty = -1;
	const char *commit = sweep ? report_commit(sweep, &dirty) : NULL;
	const char *id = sweep ? report_string(sweep, "run_id", NULL) : NULL;
	fprintf(f,
		"<tr><td class=\"num\">%u</td><td><span class=\"swatch\" "
		"style=\"background:%s\"></span>",
		r->round, harness_backend_colour(r->backend));
	report_text(f, r->backend);
	fputs("</td><td>", f);
	report_relative(compare_dir, r->dir, link, sizeof(link));
	fputs("<a href=\"", f);
	report_text(f, link);
	fputs("/report.html\">", f);
	report_text(f, id ? id : r->dir);
	fputs("</a> (<a href=\"", f);
	report_text(f, link);
	fputs("/sweep.json\">sweep.json</a>)</td><td>", f);
	report_text(f, sweep ? report_string(sweep, "status", NULL)
			     : set->errors[i]);
	fprintf(f, "%s</td><td><code>%.10s</code>%s</td></tr>\n",
		harness_summary_usable(set, i) ? ""
					       : " <span class=\"alert\">not "
						 "used</span>",
		commit ? commit : "-", dirty == 1 ? " dirty" : "");
}

static void runs_table(FILE *f, const char *compare_dir,
		       const struct harness_summary_set *set)
{
	fputs("<h2 id=\"runs\">Runs</h2>\n<p class=\"hint\">In the order they "
	      "ran, interleaved round by round. Each links to its own "
	      "page (written by <code>--report DIR</code> or by the run "
	      "itself).</p>\n<table>\n<tr><th class=\"num\">round</th>"
	      "<th>backend</th><th>run</th><th>status</th><th>commit</th>"
	      "</tr>\n",
	      f);
	for (size_t i = 0; i < set->run_count; i++)
		run_row(f, compare_dir, set, i);
	fputs("</table>\n", f);
}

static void compare_body(FILE *f, const char *compare_dir, const char *id,
			 const json_t *summary,
			 const struct harness_summary_set *set,
			 const char *reference, double noise)
{
	static struct report_run runs[HARNESS_COMPARE_MAX_BACKENDS * 64];
	size_t count = 0;
	for (size_t i = 0; i < set->run_count && count < 1024; i++)
		if (harness_summary_usable(set, i))
			runs[count++] = (struct report_run){
			    set->runs[i].backend, set->sweeps[i]};
	fputs("<h1>Comparison ", f);
	report_text(f, id);
	fprintf(f, ": %zu backend%s, %zu runs</h1>\n", set->backend_count,
		set->backend_count == 1 ? "" : "s", set->run_count);
	compare_provenance(f, id, set, count ? runs[0].sweep : NULL);
	matrix(f, summary, reference, noise);
	report_baseline_section(f, summary);
	report_step_charts(f, runs, count);
	report_cache_bars(f, runs, count);
	runs_table(f, compare_dir, set);
}

int harness_report_comparison(const char *compare_dir, const char *reference,
			      double noise, char *why, size_t why_size)
{
	char path[PATH_MAX + 32], real[PATH_MAX];
	snprintf(path, sizeof(path), "%s/summary.json", compare_dir);
	json_t *summary = harness_json_load(path, why, why_size);
	if (!summary)
		return -EINVAL;
	if (!json_is_array(json_object_get(summary, "figures"))) {
		snprintf(why, why_size, "cannot read %s: no \"figures\" list",
			 path);
		json_decref(summary);
		return -EINVAL;
	}
	/* NULL, 0: what the summary was written against (--report DIR). */
	if (!reference)
		reference = report_string(summary, "reference", NULL);
	if (!reference)
		reference = "epoll";
	if (!(noise > 0) && json_is_number(json_object_get(summary, "noise")))
		noise = json_number_value(json_object_get(summary, "noise"));
	if (!(noise > 0))
		noise = HARNESS_VERDICT_NOISE;
	size_t n;
	struct harness_summary_run *runs =
	    summary_runs(summary, compare_dir, &n);
	struct harness_summary_set set;
	int err = harness_summary_load(runs, n, &set, why, why_size);
	if (!err) {
		const char *id =
		    realpath(compare_dir, real) && strrchr(real, '/')
			? strrchr(real, '/') + 1
			: compare_dir;
		FILE *f;
		char title[PATH_MAX + 32];
		snprintf(title, sizeof(title), "Comparison %s", id);
		err = report_page_open(compare_dir, title, &f, why, why_size);
		if (!err) {
			compare_body(f, compare_dir, id, summary, &set,
				     reference, noise);
			err = report_page_close(f, compare_dir, why, why_size);
		}
		harness_summary_free(&set);
	}
	free(runs);
	json_decref(summary);
	return err;
}
