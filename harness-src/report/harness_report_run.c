/* harness_report_run.c - report.html of one run, from its sweep.json:
 * provenance, headline figures with the fit's quality, warnings, the
 * charts against connection count, kernel memory by slab cache, and the
 * steps (see harness_report_html.h). */
#include "harness_json.h"
#include "harness_report_html.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness_report_page.h"
#include "harness_summary.h"
#include "harness_verdict.h"

#define R2_FLOOR 0.99 /* a fit below it is flagged */

/* An exact count, thousands separated: 2,399,999 stays that. */
static char *count_text(double v, char *text, size_t size)
{
	harness_summary_format(v, text, size);
	return text;
}

static void number_text(double v, const char *unit, char *text, size_t size)
{
	char number[48];
	if (!isfinite(v))
		snprintf(text, size, "not measured");
	else if (strcmp(unit, "us") == 0)
		harness_format_us(v, text, size);
	else
		snprintf(text, size, "%s%s%s",
			 harness_round3(v, number, sizeof(number)),
			 unit[0] ? " " : "", unit);
}

static void run_provenance(FILE *f, const json_t *sweep)
{
	char text[1024];
	int dirty;
	const char *commit = report_commit(sweep, &dirty);
	fputs("<h2 id=\"provenance\">Provenance</h2>\n<table class=\"prov\">\n",
	      f);
	report_row(f, "backend", report_string(sweep, "backend", NULL));
	report_row(f, "run id", report_string(sweep, "run_id", NULL));
	char number[48];
	snprintf(text, sizeof(text), "%s connections",
		 count_text(harness_json_number(sweep, "target"), number,
			    sizeof(number)));
	report_row(f, "target", text);
	report_row(f, "started (UTC)",
		   report_string(sweep, "started_at", NULL));
	snprintf(text, sizeof(text), "%s%s", commit ? commit : "not recorded",
		 dirty == 1   ? " (dirty: uncommitted changes)"
		 : dirty == 0 ? " (clean)"
			      : "");
	report_row(f, "commit", text);
	const char *ns = report_string(sweep, "network_namespace", "name");
	report_row(f, "network namespace", ns);
	report_row(f, "client kind", report_client_kind(sweep));
	report_row(f, "command line",
		   report_string(sweep, "command_line", NULL));
	char *options = json_dumps(json_object_get(sweep, "backend_options"),
				   JSON_COMPACT | JSON_SORT_KEYS);
	report_row(f, "backend options", options);
	free(options);
	report_machine_rows(f, sweep);
	fputs(
	    "<tr><th>raw data</th><td><a href=\"sweep.json\">sweep.json</a> "
	    "\u00b7 <a href=\"sweep.csv\">sweep.csv</a></td></tr>\n</table>\n",
	    f);
}

/* One headline row: name, value, and a note (r² of a fit). */
static void figure_row(FILE *f, const char *name, double v, const char *unit,
		       double r2)
{
	char text[96];
	if (!isfinite(v))
		return; /* that part did not run */
	number_text(v, unit, text, sizeof(text));
	fputs("<tr><th>", f);
	report_text(f, name);
	fputs("</th><td class=\"num\">", f);
	report_text(f, text);
	fputs("</td><td>", f);
	if (isfinite(r2)) {
		char number[48];
		snprintf(number, sizeof(number), "%.4f", r2);
		fprintf(f,
			r2 < R2_FLOOR
			    ? "<span class=\"alert\">fit r\u00b2 %s, below "
			      "0.99: not a straight line, read with "
			      "care</span>"
			    : "<span class=\"hint\">fit r\u00b2 %s</span>",
			number);
	}
	fputs("</td></tr>\n", f);
}

static void run_figures(FILE *f, const json_t *s)
{
	const char *status = report_string(s, "status", NULL);
	fputs("<h2 id=\"figures\">Figures</h2>\n<table>\n", f);
	char held[48];
	count_text(harness_json_number(s, "steps[-1].server_live"), held,
		   sizeof(held));
	fprintf(f,
		"<tr><th>connections held at the last step</th><td "
		"class=\"num\">%s</td><td></td></tr>\n",
		held);
	figure_row(f, "server user memory per connection (fitted slope)",
		   harness_json_number(s, "fit.user_slope_bytes"), "B",
		   harness_json_number(s, "fit.user_r2"));
	figure_row(f, "kernel memory per connection (fitted slope of Slab)",
		   harness_json_number(s, "fit.kernel_slope_bytes"), "B",
		   harness_json_number(s, "fit.kernel_r2"));
	figure_row(f, "kernel slab objects per connection (fitted slope)",
		   harness_json_number(s, "fit.kernel_objects_slope_bytes"),
		   "B", NAN);
	figure_row(f, "client user memory per connection (fitted slope)",
		   harness_json_number(s, "fit.client_slope_bytes"), "B",
		   harness_json_number(s, "fit.client_r2"));
	figure_row(f, "server CPU per accept, last step",
		   harness_json_number(s, "steps[-1].server_cpu_us_per_accept"),
		   "us", NAN);
	figure_row(
	    f, "server CPU per message under load, last step",
	    harness_json_number(s, "steps[-1].load.server_cpu_us_per_msg"),
	    "us", NAN);
	figure_row(f, "load round trip p50, last step",
		   harness_json_number(s, "steps[-1].load.rtt_us.p50"), "us",
		   NAN);
	figure_row(f, "load round trip p99, last step",
		   harness_json_number(s, "steps[-1].load.rtt_us.p99"), "us",
		   NAN);
	figure_row(f, "load round trip p99.9, last step",
		   harness_json_number(s, "steps[-1].load.rtt_us.p999"), "us",
		   NAN);
	figure_row(f, "closed-loop echo, last step",
		   harness_json_number(s, "steps[-1].echo.msgs_per_s"), "msg/s",
		   NAN);
	figure_row(f, "time to target (the steps' ramps)",
		   harness_json_number(s, "ramp_s"), "s", NAN);
	fputs("</table>\n", f);
	const json_t *verify = json_object_get(s, "verify");
	char a[48], b[48];
	fprintf(f, "<p>Status <b>%s</b>", status ? status : "not recorded");
	if (verify)
		fprintf(f, "; liveness check: %s of %s connections alive",
			count_text(harness_json_number(verify, "alive"), a,
				   sizeof(a)),
			count_text(harness_json_number(verify, "checked"), b,
				   sizeof(b)));
	fputs(".</p>\n", f);
	const char *reason = report_string(s, "failure", "reason");
	if (reason) {
		fputs("<p class=\"alert\">Failed: ", f);
		report_text(f, reason);
		fputs("</p>\n", f);
	}
}

static void run_warnings(FILE *f, const json_t *s)
{
	const json_t *warnings = json_object_get(s, "warnings");
	if (!json_array_size(warnings))
		return;
	fputs("<h2 id=\"warnings\">Warnings</h2>\n<ul>\n", f);
	size_t i;
	const json_t *w;
	json_array_foreach((json_t *)warnings, i, w)
	{
		fputs("<li>", f);
		report_text(f, json_string_value(w));
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static void cache_row(FILE *f, const json_t *c)
{
	const char *name = report_string(c, "cache", NULL);
	char a[48], b[48], d[48];
	fputs("<tr><td>", f);
	report_text(f, name);
	fprintf(
	    f,
	    "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
	    "<td class=\"num\">%s</td><td>",
	    harness_round3(harness_json_number(c, "slope_bytes"), a, sizeof(a)),
	    harness_round3(harness_json_number(c, "objects_per_conn"), b,
			   sizeof(b)),
	    harness_round3(harness_json_number(c, "objsize"), d, sizeof(d)));
	if (name && strcmp(name, "proc_inode_cache") == 0)
		fputs("<span class=\"alert\">made by a process outside the "
		      "benchmark</span>",
		      f);
	else if (name && strcmp(name, "dentry") == 0 &&
		 harness_json_number(c, "objects_per_conn") > 2.25)
		fputs("2 per connection are the sockets'; the rest come with "
		      "<code>proc_inode_cache</code> (outside the benchmark)",
		      f);
	fputs("</td></tr>\n", f);
}

static void run_cache_table(FILE *f, const json_t *s)
{
	const json_t *fit = json_object_get(s, "fit");
	const json_t *caches =
	    json_object_get(json_object_get(fit, "kernel_by_cache"), "caches");
	const char *unavailable =
	    report_string(fit, "kernel_by_cache_unavailable", NULL);
	if (unavailable) {
		fputs("<p class=\"hint\">Kernel memory by slab cache: ", f);
		report_text(f, unavailable);
		fputs("</p>\n", f);
	}
	if (!json_array_size(caches))
		return;
	fputs("<table>\n<tr><th>slab cache</th><th class=\"num\">B per "
	      "connection</th><th class=\"num\">objects per connection</th>"
	      "<th class=\"num\">object size (B)</th><th></th></tr>\n",
	      f);
	size_t i;
	const json_t *c;
	json_array_foreach((json_t *)caches, i, c) cache_row(f, c);
	fputs("</table>\n", f);
}

static const struct {
	const char *head, *path, *unit;
	double scale;
} step_columns[] = {
    {"connections", "connections", "", 1},
    {"connect rate (/s)", "connect_rate", "", 1},
    {"server CPU per accept", "server_cpu_us_per_accept", "us", 1},
    {"server PSS (MiB)", "server_user_bytes", "", 1.0 / 1048576},
    {"kernel Slab growth (MiB)", "kernel_bytes", "", 1.0 / 1048576},
    {"load RTT p99", "load.rtt_us.p99", "us", 1},
    {"echo (msg/s)", "echo.msgs_per_s", "", 1},
};
#define STEP_COLUMNS (sizeof(step_columns) / sizeof(step_columns[0]))

static void run_steps(FILE *f, const json_t *s)
{
	const json_t *steps = json_object_get(s, "steps");
	fputs("<h2 id=\"steps\">Steps</h2>\n<table>\n<tr>", f);
	for (size_t c = 0; c < STEP_COLUMNS; c++)
		fprintf(f, "<th class=\"num\">%s</th>", step_columns[c].head);
	fputs("<th>client-bound</th></tr>\n", f);
	size_t i;
	const json_t *step;
	json_array_foreach((json_t *)steps, i, step)
	{
		fputs("<tr>", f);
		for (size_t c = 0; c < STEP_COLUMNS; c++) {
			char text[96];
			double v =
			    harness_json_number(step, step_columns[c].path) *
			    step_columns[c].scale;
			if (isfinite(v) && c == 0)
				count_text(v, text, sizeof(text));
			else if (isfinite(v))
				number_text(v, step_columns[c].unit, text,
					    sizeof(text));
			else
				snprintf(text, sizeof(text), "-");
			fprintf(f, "<td class=\"num\">%s</td>", text);
		}
		fprintf(f, "<td>%s</td></tr>\n",
			json_is_true(json_object_get(step, "client_bound"))
			    ? "<span class=\"alert\">yes</span>"
			    : "no");
	}
	fputs("</table>\n<p class=\"hint\">Every figure of every step: <a "
	      "href=\"sweep.csv\">sweep.csv</a>, <a "
	      "href=\"sweep.json\">sweep.json</a>.</p>\n",
	      f);
}

int harness_report_run(const char *run_dir, char *why, size_t why_size)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/sweep.json", run_dir);
	json_t *sweep = harness_json_load(path, why, why_size);
	if (!sweep)
		return -EINVAL;
	const char *backend = report_string(sweep, "backend", NULL);
	const char *id = report_string(sweep, "run_id", NULL);
	char title[256], number[48];
	snprintf(title, sizeof(title), "%s run %s: %s connections",
		 backend ? backend : "?", id ? id : "?",
		 count_text(harness_json_number(sweep, "target"), number,
			    sizeof(number)));
	FILE *f;
	int err = report_page_open(run_dir, title, &f, why, why_size);
	if (err) {
		json_decref(sweep);
		return err;
	}
	fputs("<h1>", f);
	report_text(f, title);
	fputs("</h1>\n", f);
	run_provenance(f, sweep);
	run_figures(f, sweep);
	run_warnings(f, sweep);
	struct report_run run = {backend ? backend : "?", sweep};
	report_step_charts(f, &run, 1);
	report_cache_bars(f, &run, 1);
	run_cache_table(f, sweep);
	run_steps(f, sweep);
	err = report_page_close(f, run_dir, why, why_size);
	json_decref(sweep);
	return err;
}
