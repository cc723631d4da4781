/* harness_report_charts.c - the charts report.html draws from sweep.json:
 * per-step figures against connection count (one line per run, one
 * colour per backend, the fitted slope dashed), and kernel memory per
 * connection by slab cache (see harness_report_page.h). */
#include "harness_report_page.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness_palette.h"
#include "harness_report_svg.h"
#include "harness_summary.h"
#include "harness_verdict.h"

#define MAX_RUNS 128

/* One chart: a figure per step, or (slope) the growth of a figure per
 * connection since the previous step, with a fitted slope beside it. */
struct step_chart {
	const char *id, *title, *y_label;
	const char *path; /* in a step object */
	int slope;	  /* per connection since the previous step */
	double scale;	  /* the value is multiplied by it */
	const char *fit;  /* path of the fitted slope in sweep.json, or NULL */
	int time_us;	  /* microseconds, drawn in µs, ms or s by size */
};

static const struct step_chart step_charts[] = {
    {"kernel-per-conn", "Kernel memory per connection (Slab, %s)",
     "bytes per connection (B)", "kernel_bytes", 1, 1.0,
     "fit.kernel_slope_bytes", 0},
    {"user-per-conn", "Server user memory per connection (PSS)",
     "bytes per connection (B)", "server_user_bytes", 1, 1.0,
     "fit.user_slope_bytes", 0},
    {"connect-rate", "Connect rate during each step's ramp",
     "connections per second (/s)", "connect_rate", 0, 1.0, NULL, 0},
    {"us-per-accept", "Server CPU per accepted connection",
     "server CPU per accept (\u00b5s)", "server_cpu_us_per_accept", 0, 1.0,
     NULL, 0},
    {"load-p99", "Load round trip p99 (from the intended send time)",
     "round trip p99", "load.rtt_us.p99", 0, 1.0, NULL, 1},
};

/* Whose kernel memory the runs measured: the server's side alone (the TUN
 * client holds no sockets, sweep.json kernel_scope "server"), both ends
 * of each loopback connection (the kernel client), or a mix. */
static const char *kernel_scope(const struct report_run *runs, size_t count)
{
	size_t server = 0;
	for (size_t r = 0; r < count; r++) {
		const char *scope = json_string_value(
		    json_object_get(runs[r].sweep, "kernel_scope"));
		server += scope && strcmp(scope, "server") == 0;
	}
	return server == count ? "server side only"
	       : server	       ? "server side only or both ends: mixed runs"
			       : "both loopback ends";
}

static const json_t *step_at(const json_t *sweep, long i)
{
	if (i < 0)
		return json_object_get(sweep, "baseline");
	return json_array_get(json_object_get(sweep, "steps"), (size_t)i);
}

static double step_value(const struct step_chart *c, const json_t *sweep,
			 size_t i)
{
	const json_t *step = step_at(sweep, (long)i);
	double v = harness_json_number(step, c->path);
	if (c->slope) {
		const json_t *prev = step_at(sweep, (long)i - 1);
		double dx = harness_json_number(step, "server_live") -
			    harness_json_number(prev, "server_live");
		v = dx > 0 ? (v - harness_json_number(prev, c->path)) / dx
			   : NAN;
	}
	return v * c->scale;
}

/* Whether any run has the chart's figure at any step. */
static int chart_has_data(const struct step_chart *c,
			  const struct report_run *runs, size_t count)
{
	for (size_t r = 0; r < count; r++) {
		size_t n =
		    json_array_size(json_object_get(runs[r].sweep, "steps"));
		for (size_t i = 0; i < n; i++)
			if (isfinite(step_value(c, runs[r].sweep, i)))
				return 1;
	}
	return 0;
}

/* The dashed fitted slopes: the median over each backend's runs. */
static size_t chart_levels(const struct step_chart *c,
			   const struct report_run *runs, size_t count,
			   struct harness_svg_level *levels, char (*labels)[96])
{
	size_t n = 0;
	for (size_t r = 0; c->fit && r < count; r++) {
		int first = 1;
		for (size_t q = 0; q < r; q++)
			first &= strcmp(runs[q].backend, runs[r].backend) != 0;
		if (!first)
			continue;
		double values[MAX_RUNS];
		size_t k = 0;
		for (size_t q = r; q < count && k < MAX_RUNS; q++)
			if (strcmp(runs[q].backend, runs[r].backend) == 0)
				values[k++] =
				    harness_json_number(runs[q].sweep, c->fit);
		struct harness_interval interval;
		harness_interval_of(values, k, &interval);
		char number[48];
		snprintf(
		    labels[n], 96, "%s fit %s B", runs[r].backend,
		    harness_round3(interval.median, number, sizeof(number)));
		levels[n].label = labels[n];
		levels[n].colour = harness_backend_colour(runs[r].backend);
		levels[n].y = interval.median * c->scale;
		n++;
	}
	return n;
}

/* Fills one series from a run's steps; x, y, marked hold the step count. */
static void chart_series(const struct step_chart *c,
			 const struct report_run *run, int named, double *x,
			 double *y, unsigned char *marked,
			 struct harness_svg_series *s)
{
	const json_t *steps = json_object_get(run->sweep, "steps");
	size_t n = json_array_size(steps);
	for (size_t i = 0; i < n; i++) {
		const json_t *step = json_array_get(steps, i);
		x[i] = harness_json_number(step, "connections");
		y[i] = step_value(c, run->sweep, i);
		marked[i] = json_is_true(json_object_get(step, "client_bound"));
	}
	s->name = named ? run->backend : NULL;
	s->colour = harness_backend_colour(run->backend);
	s->x = x;
	s->y = y;
	s->marked = marked;
	s->count = n;
}

/* Microseconds to the unit the largest calls for; label gets it. */
static void time_unit(double *y, size_t n, char *label, size_t size)
{
	double most = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(y[i]))
			most = fmax(most, y[i]);
	double scale = most >= 2e6 ? 1e-6 : most >= 2e3 ? 1e-3 : 1.0;
	for (size_t i = 0; i < n; i++)
		y[i] *= scale;
	size_t len = strlen(label);
	snprintf(label + len, size - len, " (%s)",
		 scale < 1e-3 ? "s"
		 : scale < 1  ? "ms"
			      : "\u00b5s");
}

static void one_chart(FILE *f, const struct step_chart *c,
		      const struct report_run *runs, size_t count)
{
	size_t total = 0;
	for (size_t r = 0; r < count; r++)
		total +=
		    json_array_size(json_object_get(runs[r].sweep, "steps"));
	double *x = calloc(total + 1, sizeof(double));
	double *y = calloc(total + 1, sizeof(double));
	unsigned char *marked = calloc(total + 1, 1);
	struct harness_svg_series *series = calloc(count + 1, sizeof(*series));
	struct harness_svg_level levels[MAX_RUNS];
	char labels[MAX_RUNS][96];
	if (!x || !y || !marked || !series) {
		fputs("<p class=\"alert\">out of memory drawing a chart</p>\n",
		      f);
		goto out;
	}
	size_t at = 0;
	for (size_t r = 0; r < count; r++) {
		int named = 1;
		for (size_t q = 0; q < r; q++)
			named &= strcmp(runs[q].backend, runs[r].backend) != 0;
		chart_series(c, &runs[r], named, x + at, y + at, marked + at,
			     &series[r]);
		at += series[r].count;
	}
	char y_label[128];
	snprintf(y_label, sizeof(y_label), "%s", c->y_label);
	if (c->time_us)
		time_unit(y, at, y_label, sizeof(y_label));
	char title[160];
	snprintf(title, sizeof(title), c->title, kernel_scope(runs, count));
	struct harness_svg_chart chart = {
	    .id = c->id,
	    .title = title,
	    .x_label = "connections held (log scale)",
	    .y_label = y_label,
	    .log_x = 1,
	    .series = series,
	    .series_count = count,
	    .levels = levels,
	    .level_count = chart_levels(c, runs, count, levels, labels),
	    .mark_label = "client-bound step",
	};
	harness_svg_line_chart(f, &chart);
out:
	free(x);
	free(y);
	free(marked);
	free(series);
}

void report_step_charts(FILE *f, const struct report_run *runs, size_t count)
{
	if (count > MAX_RUNS)
		count = MAX_RUNS;
	int any = 0;
	for (size_t i = 0; i < sizeof(step_charts) / sizeof(step_charts[0]);
	     i++)
		any |= chart_has_data(&step_charts[i], runs, count);
	if (!any) /* no step measured: nothing to draw */
		return;
	fputs("<h2 id=\"charts\">Against connection count</h2>\n"
	      "<p class=\"hint\">One line per run, one colour per backend. "
	      "Memory per connection is the growth since the previous step "
	      "divided by the connections added; the dashed line is the "
	      "slope fitted over the whole run (a backend's median), the "
	      "figure to read. Ringed points: the client, not the server, "
	      "was the bottleneck there, so its rate measures the "
	      "client.</p>\n<div class=\"charts\">\n",
	      f);
	for (size_t i = 0; i < sizeof(step_charts) / sizeof(step_charts[0]);
	     i++)
		if (chart_has_data(&step_charts[i], runs, count))
			one_chart(f, &step_charts[i], runs, count);
	fputs("</div>\n", f);
}

/* ---- kernel memory by slab cache ---- */

enum { CACHE_SEGMENTS = 12, OUTSIDE_PROC = 10, OUTSIDE_DENTRY = 11 };

static const struct {
	const char *name; /* the cache, or a group */
	const char *colour;
} cache_segments[CACHE_SEGMENTS] = {
    /* Not the backend colours: a bar's colours are caches. */
    {"TCP", "#66c2a5"},
    {"sock_inode_cache", "#fc8d62"},
    {"dentry", "#8da0cb"},
    {"filp", "#e78ac3"},
    {"eventpoll_epi", "#a6d854"},
    {"io_kiocb", "#ffd92f"},
    {"lsm_inode_cache", "#e5c494"},
    {"lsm_file_cache", "#bc80bd"},
    {"kmalloc-*", "#80b1d3"},
    {"other caches", "#d9d9d9"},
    {"proc_inode_cache (outside)", "#999999"},
    {"dentry (outside)", "#999999"},
};

static size_t cache_segment(const char *cache)
{
	if (strcmp(cache, "proc_inode_cache") == 0)
		return OUTSIDE_PROC;
	if (strncmp(cache, "kmalloc-", 8) == 0)
		return 8;
	for (size_t i = 0; i < 8; i++)
		if (strcmp(cache, cache_segments[i].name) == 0)
			return i;
	return 9;
}

/* A run's kernel bytes per connection by segment; 0 when it has none. */
static int run_cache_segments(const json_t *sweep, double *seg)
{
	const json_t *by =
	    json_object_get(json_object_get(sweep, "fit"), "kernel_by_cache");
	const json_t *caches = json_object_get(by, "caches");
	if (!json_is_array(caches))
		return 0;
	memset(seg, 0, CACHE_SEGMENTS * sizeof(double));
	int outside = 0;
	size_t i;
	const json_t *c;
	json_array_foreach((json_t *)caches, i, c)
	{
		const char *name = report_string(c, "cache", NULL);
		double slope = harness_json_number(c, "slope_bytes");
		if (!name || !isfinite(slope))
			continue;
		size_t s = cache_segment(name);
		outside |= s == OUTSIDE_PROC;
		seg[s] += slope;
	}
	double rest = harness_json_number(by, "rest_slope_bytes");
	if (isfinite(rest))
		seg[9] += rest;
	/* A socket has one dentry (two a loopback connection); the rest
	 * came with the outside process's proc inodes. */
	json_array_foreach((json_t *)caches, i, c)
	{
		const char *name = report_string(c, "cache", NULL);
		double objects = harness_json_number(c, "objects_per_conn");
		if (!outside || !name || strcmp(name, "dentry") != 0 ||
		    !(objects > 2.25))
			continue;
		double extra = seg[2] * (objects - 2.0) / objects;
		seg[2] -= extra;
		seg[OUTSIDE_DENTRY] += extra;
	}
	return 1;
}

/* The median per segment over a backend's runs; 0 when none has them. */
static int backend_cache_segments(const struct report_run *runs, size_t count,
				  const char *backend, double *median)
{
	static double values[CACHE_SEGMENTS][MAX_RUNS];
	size_t k = 0;
	for (size_t r = 0; r < count && k < MAX_RUNS; r++) {
		double seg[CACHE_SEGMENTS];
		if (strcmp(runs[r].backend, backend) != 0 ||
		    !run_cache_segments(runs[r].sweep, seg))
			continue;
		for (size_t s = 0; s < CACHE_SEGMENTS; s++)
			values[s][k] = seg[s];
		k++;
	}
	for (size_t s = 0; k && s < CACHE_SEGMENTS; s++) {
		struct harness_interval interval;
		harness_interval_of(values[s], k, &interval);
		median[s] = interval.median;
	}
	return k > 0;
}

void report_cache_bars(FILE *f, const struct report_run *runs, size_t count)
{
	static struct harness_svg_segment segs[MAX_RUNS][CACHE_SEGMENTS];
	static struct harness_svg_bar bars[MAX_RUNS];
	size_t n = 0;
	for (size_t r = 0; r < count && r < MAX_RUNS; r++) {
		int first = 1;
		for (size_t q = 0; q < r; q++)
			first &= strcmp(runs[q].backend, runs[r].backend) != 0;
		double median[CACHE_SEGMENTS];
		if (!first || !backend_cache_segments(runs, count,
						      runs[r].backend, median))
			continue;
		for (size_t s = 0; s < CACHE_SEGMENTS; s++)
			segs[n][s] = (struct harness_svg_segment){
			    cache_segments[s].name, cache_segments[s].colour,
			    median[s], s >= OUTSIDE_PROC};
		bars[n] = (struct harness_svg_bar){runs[r].backend, segs[n],
						   CACHE_SEGMENTS};
		n++;
	}
	if (!n)
		return;
	fprintf(
	    f,
	    "<h2 id=\"caches\">Kernel memory by slab cache</h2>\n"
	    "<p class=\"hint\">Fitted slope of each slab cache, bytes per "
	    "connection (%s), a backend's median over its "
	    "runs. Hatched, after a gap: <code>proc_inode_cache</code> and "
	    "the dentries that come with it, made by a process outside the "
	    "benchmark that lists <code>/proc/PID/fd</code> of its "
	    "processes; they are not the sockets' cost. The number after a bar "
	    "leaves them out.</p>\n",
	    kernel_scope(runs, count));
	struct harness_svg_bars chart = {
	    .id = "kernel-by-cache",
	    .title = "Kernel memory per connection by slab cache",
	    .x_label = "bytes per connection (B)",
	    .bars = bars,
	    .count = n,
	    .apart_label = "outside the benchmark",
	};
	fputs("<div class=\"bars\">\n", f);
	harness_svg_stacked_bars(f, &chart);
	fputs("</div>\n", f);
}
