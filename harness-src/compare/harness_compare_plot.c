/* harness_compare_plot.c - the comparison plots of one invocation: for each
 * per-step figure, the median over a backend's runs at each step with
 * min-max error bars; and the kernel slope by slab cache as stacked bars.
 *
 * Steps are matched by their index in the plan (every run of a backend
 * has the same plan), and x is the median of the connections held there.
 * Each backend's points are shifted by a few percent along the log x axis
 * so that error bars at the same step do not hide each other; the .dat
 * files hold the unshifted numbers. */
#include "harness_compare_plot.h"
#include "harness_file.h"
#include "harness_gnuplot.h"
#include "harness_slab.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c",
				      "#9467bd", "#ff7f0e", "#8c564b",
				      "#e377c2", "#17becf"};
#define PALETTE_SIZE (sizeof(palette) / sizeof(palette[0]))

static const char preamble[] =
    "set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' "
    "linewidth 2\n"
    "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\n"
    "set key below center horizontal Left reverse height 1.5\n"
    "set bars small\n";

static FILE *open_in(const char *dir, const char *name, const char *ext,
		     char *why, size_t why_size)
{
	char file[NAME_MAX + 1], path[PATH_MAX + 80];
	snprintf(file, sizeof(file), "%s%s", name, ext);
	FILE *f;
	harness_file_create(dir, file, path, sizeof(path), &f, why, why_size);
	return f;
}

/* Close f; -EIO with why if anything written to it was lost. */
static int close_file(FILE *f, const char *name, char *why, size_t why_size)
{
	int err = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0)
		err = -EIO;
	if (err)
		snprintf(why, why_size, "cannot write %s: disk full?", name);
	return err;
}

/* ---- Per-step figures: one row each. ---- */

static double step_held(const json_t *step)
{
	double held = harness_json_number(step, "connections");
	return isnan(held) ? harness_json_number(step, "server_live") : held;
}

static double per_server_connection(const json_t *step, const char *key)
{
	double held = harness_json_number(step, "server_live");
	if (isnan(held))
		held = step_held(step);
	double bytes = harness_json_number(step, key);
	return held > 0 ? bytes / held : NAN;
}

static double server_bytes_per_conn(const json_t *step)
{
	return per_server_connection(step, "server_user_bytes");
}

static double kernel_bytes_per_conn(const json_t *step)
{
	return per_server_connection(step, "kernel_bytes");
}

/* " at 20,000 msg/s offered" from the runs' load.offered_per_s. */
static void offered_rate(const struct harness_summary_set *set, char *text,
			 size_t size)
{
	double lo = NAN, hi = NAN;
	for (size_t i = 0; i < set->run_count; i++) {
		const json_t *steps = json_object_get(set->sweeps[i], "steps");
		size_t s;
		const json_t *step;
		if (!harness_summary_usable(set, i))
			continue;
		json_array_foreach(steps, s, step)
		{
			double r =
			    harness_json_number(step, "load.offered_per_s");
			if (isnan(r))
				continue;
			lo = isnan(lo) || r < lo ? r : lo;
			hi = isnan(hi) || r > hi ? r : hi;
		}
	}
	char a[48], b[48];
	harness_summary_format(lo, a, sizeof(a));
	harness_summary_format(hi, b, sizeof(b));
	if (isnan(lo))
		text[0] = '\0';
	else if (lo == hi)
		snprintf(text, size, " at %s msg/s offered", a);
	else
		snprintf(text, size, " at %s-%s msg/s offered", a, b);
}

struct step_plot {
	const char *file;     /* the PNG's name without .png */
	const char *title;    /* the rate is appended when rate is set */
	const char *quantity; /* the y axis: quantity (unit) */
	const char *unit;
	int log_ok;	  /* log y when the data spans a decade or more */
	const char *path; /* in a step, unless read is set */
	double (*read)(const json_t *step);
	const char *slope_key; /* fit.<key> named in the legend, or NULL */
	int rate;	       /* append the offered load rate to the title */
	const char *missing;   /* said when no run has the figure */
};

static const struct step_plot step_plots[] = {
    {"compare-server-cpu",
     "server CPU per accepted connection during each step's ramp",
     "server CPU per accept", "µs", 1, "server_cpu_us_per_accept", NULL, NULL,
     0, "no run recorded server_cpu_us_per_accept"},
    {"compare-load-latency",
     "fixed-rate load: RTT p99 from each message's intended send time",
     "load RTT p99", "µs", 1, "load.rtt_us.p99", NULL, NULL, 1,
     "no run had a fixed-rate load (--load RATE)"},
    {"compare-server-cpu-per-msg",
     "fixed-rate load: server CPU per echoed message", "server CPU per message",
     "µs", 1, "load.server_cpu_us_per_msg", NULL, NULL, 1,
     "no run had a fixed-rate load (--load RATE)"},
    {"compare-server-memory",
     "server user memory per connection (PSS / connections held)",
     "server user memory per connection", "bytes", 1, NULL,
     server_bytes_per_conn, "user_slope_bytes", 0,
     "no run recorded server_user_bytes"},
    {"compare-kernel-memory",
     "kernel memory per connection (Slab growth / connections, both "
     "loopback ends)",
     "kernel memory per connection", "bytes", 1, NULL, kernel_bytes_per_conn,
     "kernel_slope_bytes", 0, "no run recorded kernel_bytes"},
    {"compare-connect-rate",
     "connect rate during each step (mostly the client's limit: see "
     "compare-server-cpu)",
     "connect rate", "connections per second", 0, "connect_rate", NULL, NULL, 0,
     "no run recorded connect_rate"},
    {"compare-latency", "connect latency p99 during each step",
     "connect latency p99", "µs", 1, "connect_latency_us.p99", NULL, NULL, 0,
     "no run recorded connect_latency_us"},
};
#define STEP_PLOT_COUNT (sizeof(step_plots) / sizeof(step_plots[0]))

static double step_value(const struct step_plot *plot, const json_t *step)
{
	return plot->read ? plot->read(step)
			  : harness_json_number(step, plot->path);
}

static int run_of(const struct harness_summary_set *set, size_t i, size_t b)
{
	return strcmp(set->runs[i].backend, set->backends[b]) == 0 &&
	       harness_summary_usable(set, i);
}

static size_t backend_steps(const struct harness_summary_set *set, size_t b,
			    size_t *runs)
{
	size_t most = 0;
	*runs = 0;
	for (size_t i = 0; i < set->run_count; i++) {
		if (!run_of(set, i, b))
			continue;
		size_t n =
		    json_array_size(json_object_get(set->sweeps[i], "steps"));
		most = n > most ? n : most;
		(*runs)++;
	}
	return most;
}

struct point {
	double x;
	struct harness_spread y;
};

/* Backend b's point at step index s; 0 when there is none to draw.
 * scratch holds 2 x run_count doubles. */
static int step_point(const struct harness_summary_set *set,
		      const struct step_plot *plot, size_t b, size_t s,
		      double *scratch, struct point *p)
{
	double *ys = scratch, *xs = scratch + set->run_count;
	size_t n = 0;
	for (size_t i = 0; i < set->run_count; i++) {
		const json_t *step =
		    json_array_get(json_object_get(set->sweeps[i], "steps"), s);
		if (!run_of(set, i, b) || !step)
			continue;
		ys[n] = step_value(plot, step);
		xs[n] = isnan(ys[n]) ? NAN : step_held(step);
		n++;
	}
	struct harness_spread x;
	harness_spread_of(xs, n, &x);
	harness_spread_of(ys, n, &p->y);
	p->x = x.median;
	return p->y.n && x.n && p->x > 0;
}

struct plot_data {
	long block[HARNESS_COMPARE_MAX_BACKENDS]; /* -1: nothing to draw */
	size_t runs[HARNESS_COMPARE_MAX_BACKENDS];
	size_t blocks;
	double x_min, x_max, y_min, y_max; /* of the points and their bars */
};

/* One block per backend with data: x median min max n. */
static void write_blocks(FILE *dat, const struct harness_summary_set *set,
			 const struct step_plot *plot, double *scratch,
			 struct plot_data *d)
{
	fprintf(dat,
		"# %s: per backend one block, one line per step:\n"
		"# connections held (median), median, min, max, runs\n",
		plot->file);
	d->blocks = 0;
	d->x_min = d->y_min = INFINITY;
	d->x_max = d->y_max = -INFINITY;
	for (size_t b = 0; b < set->backend_count; b++) {
		size_t steps = backend_steps(set, b, &d->runs[b]), lines = 0;
		for (size_t s = 0; s < steps; s++) {
			struct point p;
			if (!step_point(set, plot, b, s, scratch, &p))
				continue;
			if (!lines++)
				fprintf(dat, "\n\n# %s\n", set->backends[b]);
			fprintf(dat, "%.6g %.6g %.6g %.6g %zu\n", p.x,
				p.y.median, p.y.min, p.y.max, p.y.n);
			d->x_min = p.x < d->x_min ? p.x : d->x_min;
			d->x_max = p.x > d->x_max ? p.x : d->x_max;
			d->y_min = p.y.min < d->y_min ? p.y.min : d->y_min;
			d->y_max = p.y.max > d->y_max ? p.y.max : d->y_max;
		}
		d->block[b] = lines ? (long)d->blocks++ : -1;
	}
}

/* "epoll, 3 runs, fit slope 8.0 B [7.9-8.1]" */
static void legend(const struct harness_summary_set *set,
		   const struct step_plot *plot, size_t b, size_t runs,
		   char *text, size_t size)
{
	int len = snprintf(text, size, "%s, %zu run%s", set->backends[b], runs,
			   runs == 1 ? "" : "s");
	if (!plot->slope_key || len < 0 || (size_t)len >= size)
		return;
	char path[64];
	snprintf(path, sizeof(path), "fit.%s", plot->slope_key);
	double *v = malloc(set->run_count * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; v && i < set->run_count; i++)
		if (run_of(set, i, b))
			v[n++] = harness_json_number(set->sweeps[i], path);
	struct harness_spread s;
	harness_spread_of(v, v ? n : 0, &s);
	free(v);
	if (!s.n)
		return;
	char m[48], lo[48], hi[48];
	harness_summary_format(s.median, m, sizeof(m));
	harness_summary_format(s.min, lo, sizeof(lo));
	harness_summary_format(s.max, hi, sizeof(hi));
	if (s.n == 1)
		snprintf(text + len, size - (size_t)len, ", fit slope %s B", m);
	else
		snprintf(text + len, size - (size_t)len,
			 ", fit slope %s B [%s–%s]", m, lo, hi);
}

static void write_missing(FILE *gp, const char *what)
{
	fprintf(gp,
		"unset logscale\nset xrange [0:1]\nset yrange [0:1]\n"
		"unset xtics\nunset ytics\nunset grid\nunset key\n"
		"set label 1 \"%s\" at graph 0.5, graph 0.5 center "
		"font 'Sans,16'\nplot -1 notitle\n",
		what);
}

/* "2", "50", "20k", "1M": a tick of a 1-2-5 log axis. */
static void tick_label(double v, char *text, size_t size)
{
	if (v >= 1e6)
		snprintf(text, size, "%gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(text, size, "%gk", v / 1e3);
	else
		snprintf(text, size, "%g", v);
}

/* Tick i of a log axis: 1, 2, 5, 10, 20, ... (i = 0, 1, 2, ...) or with
 * decades only 1, 10, 100, ...; i may be negative. */
static double tick_value(long i, int decades)
{
	static const double mantissa[] = {1, 2, 5};
	if (decades)
		return pow(10, (double)i);
	long decade = i >= 0 ? i / 3 : -((2 - i) / 3);
	return pow(10, (double)decade) * mantissa[i - 3 * decade];
}

/* A log y axis a little wider than the data (no point on the frame),
 * every 1-2-5 tick inside it labelled (only the decades when the data
 * spans more than 3), so a value can be read off without counting grid
 * lines. The caller draws log y only over a decade or more, so there are
 * always at least three ticks. */
static void write_log_y(FILE *gp, double lo, double hi)
{
	int decades = log10(hi / lo) > 3;
	lo /= 1.25;
	hi *= 1.25;
	long i = (long)floor(log10(lo)) * (decades ? 1 : 3) - 1;
	while (tick_value(i, decades) < lo)
		i++;
	fprintf(gp, "set ytics (");
	for (const char *sep = ""; tick_value(i, decades) <= hi; i++) {
		char label[32];
		double v = tick_value(i, decades);
		tick_label(v, label, sizeof(label));
		fprintf(gp, "%s\"%s\" %.6g", sep, label, v);
		sep = ", ";
	}
	fprintf(gp, ")\nset yrange [%.6g:%.6g]\nset logscale y\n", lo, hi);
}

/* Log y when the data spans a decade or more (select against epoll, bytes
 * per connection falling with the count), else linear from 0, easier to
 * read a small difference off. */
static void write_axes(FILE *gp, const struct step_plot *plot,
		       const struct plot_data *d)
{
	int log_y = plot->log_ok && d->y_min > 0 && d->y_max >= 10 * d->y_min;
	fprintf(gp,
		"set xlabel 'connections held (log scale)'\n"
		"set ylabel '%s (%s%s)'\nset logscale x\n"
		"set xrange [%.6g:%.6g]\nset format x '%%.0s%%c'\n",
		plot->quantity, plot->unit, log_y ? ", log scale" : "",
		d->x_min / 1.5, d->x_max * 1.5);
	if (log_y)
		write_log_y(gp, d->y_min, d->y_max);
	else
		fprintf(gp,
			"set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\n"
			"set format y '%s'\n",
			d->y_max >= 1e4 ? "%.0s%c" : "%g");
}

static void write_series(FILE *gp, const struct harness_summary_set *set,
			 const struct step_plot *plot,
			 const struct plot_data *d)
{
	fprintf(gp, "plot ");
	const char *sep = "";
	for (size_t b = 0; b < set->backend_count; b++) {
		if (d->block[b] < 0)
			continue;
		char title[256];
		legend(set, plot, b, d->runs[b], title, sizeof(title));
		double shift =
		    pow(10, 0.012 * ((double)b -
				     (double)(set->backend_count - 1) / 2));
		fprintf(gp,
			"%s'%s.dat' index %ld using ($1*%.5f):2:3:4 with "
			"yerrorlines lc rgb '%s' pt %zu ps 1.3 title '%s'",
			sep, plot->file, d->block[b], shift,
			palette[b % PALETTE_SIZE], 5 + 2 * (b % 6), title);
		sep = ", \\\n  ";
	}
	fprintf(gp, "\n");
}

static int plot_steps(const char *dir, const struct harness_summary_set *set,
		      const struct step_plot *plot, double *scratch, char *why,
		      size_t why_size)
{
	struct plot_data d;
	FILE *dat = open_in(dir, plot->file, ".dat", why, why_size);
	if (!dat)
		return -EIO;
	write_blocks(dat, set, plot, scratch, &d);
	int err = close_file(dat, plot->file, why, why_size);
	FILE *gp = err ? NULL : open_in(dir, plot->file, ".gp", why, why_size);
	if (!gp)
		return -EIO;
	char rate[128] = "";
	if (plot->rate)
		offered_rate(set, rate, sizeof(rate));
	fprintf(gp,
		"# %s.png from %s.dat: gnuplot %s.gp\n%s"
		"set output '%s.png'\nset title \"%s%s\\nmedian over each "
		"backend's runs, bars: min-max\"\n",
		plot->file, plot->file, plot->file, preamble, plot->file,
		plot->title, rate);
	if (!d.blocks) {
		write_missing(gp, plot->missing);
	} else {
		write_axes(gp, plot, &d);
		write_series(gp, set, plot, &d);
	}
	if ((err = close_file(gp, plot->file, why, why_size)))
		return err;
	char script[96];
	snprintf(script, sizeof(script), "%s.gp", plot->file);
	return harness_gnuplot_run(dir, script, 1, why, why_size);
}

/* ---- Kernel memory by slab cache: stacked bars. ---- */

/* The bars and their order are harness_slab's, so the plot and the fit
 * cannot disagree on which cache is which. */
#define CATEGORY_COUNT HARNESS_SLAB_CATEGORIES

static const char *const category_colors[CATEGORY_COUNT] = {
    "#4c72b0", "#55a868", "#c44e52", "#8172b2",
    "#ccb974", "#e17c05", "#64b5cd", "#999999"};

/* The producer's category when it is one of ours, else from the name. */
static size_t category_of(const json_t *entry)
{
	const char *given =
	    json_string_value(json_object_get(entry, "category"));
	const char *cache = json_string_value(json_object_get(entry, "cache"));
	if (!given)
		given = harness_slab_category(cache ? cache : "");
	for (size_t c = 0; c < CATEGORY_COUNT; c++)
		if (strcmp(given, harness_slab_category_names[c]) == 0)
			return c;
	return CATEGORY_COUNT - 1; /* "other" */
}

struct cache_bars {
	double median[HARNESS_COMPARE_MAX_BACKENDS][CATEGORY_COUNT];
	double sum[HARNESS_COMPARE_MAX_BACKENDS]; /* of the medians */
	struct harness_spread slab[HARNESS_COMPARE_MAX_BACKENDS];
	size_t with_caches[HARNESS_COMPARE_MAX_BACKENDS];
	/* What a category's caches say about loopback ends: NULL until
	 * seen, then their common "ends", or "mixed". */
	const char *ends[CATEGORY_COUNT];
	int used[CATEGORY_COUNT];
	const char *unavailable; /* the first reason a run gave */
	const char *unavailable_backend;
};

static void note_ends(struct cache_bars *bars, size_t c, const json_t *entry)
{
	const char *ends = json_string_value(json_object_get(entry, "ends"));
	if (!ends)
		return;
	if (!bars->ends[c])
		bars->ends[c] = ends;
	else if (strcmp(bars->ends[c], ends) != 0)
		bars->ends[c] = "mixed";
}

/* One run's slope per category into row; 0 when it has no caches list. */
static int run_categories(struct cache_bars *bars, const char *backend,
			  const json_t *sweep, double *row)
{
	const json_t *fit = json_object_get(sweep, "fit");
	const json_t *caches =
	    json_object_get(json_object_get(fit, "kernel_by_cache"), "caches");
	if (!json_is_array(caches)) {
		const char *why = json_string_value(
		    json_object_get(fit, "kernel_by_cache_unavailable"));
		if (why && !bars->unavailable) {
			bars->unavailable = why;
			bars->unavailable_backend = backend;
		}
		return 0;
	}
	for (size_t c = 0; c < CATEGORY_COUNT; c++)
		row[c] = 0;
	size_t i;
	const json_t *entry;
	json_array_foreach(caches, i, entry)
	{
		double slope = harness_json_number(entry, "slope_bytes");
		size_t c = category_of(entry);
		if (isnan(slope))
			continue;
		row[c] += slope;
		note_ends(bars, c, entry);
	}
	/* by_category sums every cache, also those below the listing's
	 * threshold: where it is there, it is the better bar. */
	const json_t *by = json_object_get(
	    json_object_get(fit, "kernel_by_cache"), "by_category");
	for (size_t c = 0; json_is_object(by) && c < CATEGORY_COUNT; c++) {
		double slope =
		    harness_json_number(by, harness_slab_category_names[c]);
		row[c] = isnan(slope) ? 0 : slope;
	}
	return 1;
}

/* Backend b's medians per category and its whole-Slab spread; scratch
 * holds (CATEGORY_COUNT + 1) x run_count doubles. */
static void backend_bars(const struct harness_summary_set *set, size_t b,
			 double *scratch, struct cache_bars *bars)
{
	size_t rows = 0, slabs = 0, n = set->run_count;
	double *slab = scratch + CATEGORY_COUNT * n;
	for (size_t i = 0; i < n; i++) {
		if (!run_of(set, i, b))
			continue;
		double row[CATEGORY_COUNT];
		slab[slabs++] = harness_json_number(set->sweeps[i],
						    "fit.kernel_slope_bytes");
		if (!run_categories(bars, set->backends[b], set->sweeps[i],
				    row))
			continue;
		for (size_t c = 0; c < CATEGORY_COUNT; c++)
			scratch[c * n + rows] = row[c];
		rows++;
	}
	bars->with_caches[b] = rows;
	harness_spread_of(slab, slabs, &bars->slab[b]);
	bars->sum[b] = 0;
	for (size_t c = 0; c < CATEGORY_COUNT; c++) {
		struct harness_spread s;
		harness_spread_of(scratch + c * n, rows, &s);
		bars->median[b][c] = s.n ? s.median : 0;
		bars->sum[b] += bars->median[b][c];
		bars->used[c] |= s.n && s.median != 0;
	}
}

/* Where the two value labels go: above the bar or the Slab bar, whichever
 * is higher; NaN when there is nothing to label. */
static double label_height(const struct cache_bars *bars, size_t b)
{
	double top = bars->with_caches[b] ? bars->sum[b] : NAN;
	if (bars->slab[b].n && (isnan(top) || bars->slab[b].max > top))
		top = bars->slab[b].max;
	return top;
}

/* Columns: 1 backend, 2-9 categories, 10-12 Slab median min max, 13 label
 * height, 14 Slab text, 15 sum-of-caches text, 16 runs with caches. */
static void write_bars_row(FILE *dat, const struct harness_summary_set *set,
			   const struct cache_bars *bars, size_t b)
{
	size_t runs = bars->with_caches[b];
	const struct harness_spread *s = &bars->slab[b];
	char slab[48], sum[48];
	harness_summary_format(s->median, slab, sizeof(slab));
	harness_summary_format(bars->sum[b], sum, sizeof(sum));
	fprintf(dat, "%s", set->backends[b]);
	/* A category shrinking by a few bytes is noise: no bar below 0. */
	for (size_t c = 0; c < CATEGORY_COUNT; c++)
		fprintf(dat, "\t%.6g",
			bars->median[b][c] > 0 ? bars->median[b][c] : 0);
	if (s->n)
		fprintf(dat, "\t%.6g\t%.6g\t%.6g", s->median, s->min, s->max);
	else
		fprintf(dat, "\tNaN\tNaN\tNaN");
	double height = label_height(bars, b);
	if (isnan(height))
		fprintf(dat, "\tNaN");
	else
		fprintf(dat, "\t%.6g", height);
	fprintf(dat, "\t%s%s\t%s%s", s->n ? "Slab " : "", s->n ? slab : "",
		runs ? "caches " : "", runs ? sum : "");
	if (runs)
		fprintf(dat, "\t%zu run%s\n", runs, runs == 1 ? "" : "s");
	else
		fprintf(dat, "\tSlab only\n");
}

static void write_bars_data(FILE *dat, const struct harness_summary_set *set,
			    const struct cache_bars *bars)
{
	fprintf(dat, "# backend");
	for (size_t c = 0; c < CATEGORY_COUNT; c++)
		fprintf(dat, "\t%s", harness_slab_category_names[c]);
	fprintf(dat, "\tslab_median\tslab_min\tslab_max\tlabel_y\tslab_text"
		     "\tcaches_text\truns_text\n");
	for (size_t b = 0; b < set->backend_count; b++)
		write_bars_row(dat, set, bars, b);
}

static void ends_text(const char *ends, char *text, size_t size)
{
	if (!ends)
		text[0] = '\0';
	else if (strcmp(ends, "both") == 0)
		snprintf(text, size, " (both ends)");
	else if (strcmp(ends, "server") == 0 || strcmp(ends, "client") == 0)
		snprintf(text, size, " (%s end)", ends);
	else
		snprintf(text, size, " (%s ends)", ends);
}

/* "\nno per-cache data from select, libuv: not root: ..." */
static void write_missing_caches(FILE *gp,
				 const struct harness_summary_set *set,
				 const struct cache_bars *bars)
{
	size_t missing = 0, named = 0;
	for (size_t b = 0; b < set->backend_count; b++)
		missing += !bars->with_caches[b];
	if (!missing)
		return;
	if (missing == set->backend_count)
		fprintf(gp, "\\nno run has per-cache data");
	else
		for (size_t b = 0; b < set->backend_count; b++)
			if (!bars->with_caches[b])
				fprintf(gp, "%s%s",
					named++ ? ", "
						: "\\nno per-cache data from ",
					set->backends[b]);
	fprintf(gp, ": %s",
		bars->unavailable ? bars->unavailable
				  : "no fit.kernel_by_cache in sweep.json");
}

static void write_bars_head(FILE *gp, const struct harness_summary_set *set,
			    const struct cache_bars *bars)
{
	const char *f = "compare-kernel-by-cache";
	fprintf(gp,
		"# %s.png from %s.dat: gnuplot %s.gp\n%s"
		"set output '%s.png'\nset datafile separator '\\t'\n"
		"set title \"kernel memory per connection by slab cache, both "
		"loopback ends\\nbars: median fitted slope of each cache, "
		"stacked; black line: whole-Slab slope (median, min-max)",
		f, f, f, preamble, f);
	write_missing_caches(gp, set, bars);
	fprintf(
	    gp,
	    "\"\nset style data histograms\nset style histogram rowstacked\n"
	    "set style fill solid 0.85 border rgb '#333333'\n"
	    "set boxwidth 0.55\nset key outside right top vertical Left "
	    "reverse title \"(both ends): the cache holds\\nobjects of "
	    "the client and\\nthe server socket alike\"\n"
	    "unset mxtics\nunset mytics\nset grid noxtics\n"
	    "set ylabel 'bytes per connection (fitted slope)'\n"
	    "set yrange [0:*]\nset offsets 0, 0, graph 0.12, 0\n"
	    "set bmargin 4\nset xrange [-0.6:%zu.6]\nset format y '%%.0f'\n",
	    set->backend_count - 1);
}

/* The stacked caches, the Slab line with its min-max, and above each bar
 * the two sums, with "backend / runs" under it. */
static void write_bars_script(FILE *gp, const struct harness_summary_set *set,
			      const struct cache_bars *bars)
{
	const char *f = "compare-kernel-by-cache";
	write_bars_head(gp, set, bars);
	fprintf(gp, "plot ");
	for (size_t c = 0; c < CATEGORY_COUNT; c++) {
		if (!bars->used[c])
			continue;
		char ends[32];
		ends_text(bars->ends[c], ends, sizeof(ends));
		fprintf(gp,
			"'%s.dat' using %zu title '%s%s' lc rgb '%s', \\\n  ",
			f, c + 2, harness_slab_category_names[c], ends,
			category_colors[c]);
	}
	fprintf(gp,
		"'%s.dat' using ($0-0.34):10:(0.68):(0) with vectors nohead "
		"lw 4 lc rgb 'black' title 'whole Slab slope', \\\n"
		"  '' using 0:11:(0):($12-$11) with vectors nohead lw 2 "
		"lc rgb 'black' notitle, \\\n"
		"  '' using 0:13:(strcol(14).\"\\n\".strcol(15)):"
		"xtic(strcol(1).\"\\n\".strcol(16)) with labels "
		"offset 0,2.4 font 'Sans,10' notitle\n",
		f);
}

static int bars_to_draw(const struct harness_summary_set *set,
			const struct cache_bars *bars)
{
	for (size_t b = 0; b < set->backend_count; b++)
		if (bars->slab[b].n || bars->with_caches[b])
			return 1;
	return 0;
}

static int write_bars(const char *dir, const struct harness_summary_set *set,
		      const struct cache_bars *bars, char *why, size_t why_size)
{
	const char *f = "compare-kernel-by-cache";
	FILE *dat = open_in(dir, f, ".dat", why, why_size);
	if (!dat)
		return -EIO;
	write_bars_data(dat, set, bars);
	int err = close_file(dat, f, why, why_size);
	FILE *gp = err ? NULL : open_in(dir, f, ".gp", why, why_size);
	if (!gp)
		return -EIO;
	if (bars_to_draw(set, bars)) {
		write_bars_script(gp, set, bars);
	} else {
		fprintf(gp,
			"%sset output '%s.png'\nset title 'kernel memory "
			"per connection by slab cache'\n",
			preamble, f);
		write_missing(gp, "no run recorded a kernel slope");
	}
	if ((err = close_file(gp, f, why, why_size)))
		return err;
	return harness_gnuplot_run(dir, "compare-kernel-by-cache.gp", 1, why,
				   why_size);
}

static int plot_kernel_by_cache(const char *dir,
				const struct harness_summary_set *set,
				char *why, size_t why_size)
{
	double *scratch =
	    malloc((CATEGORY_COUNT + 1) * set->run_count * sizeof(double));
	struct cache_bars *bars = calloc(1, sizeof(*bars));
	int err = -ENOMEM;
	if (!scratch || !bars) {
		snprintf(why, why_size,
			 "out of memory plotting compare-kernel-by-cache");
	} else {
		for (size_t b = 0; b < set->backend_count; b++)
			backend_bars(set, b, scratch, bars);
		err = write_bars(dir, set, bars, why, why_size);
	}
	free(scratch);
	free(bars);
	return err;
}

static void reset_log(const char *dir)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/gnuplot.log", dir);
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
}

int harness_compare_plot(const char *compare_dir,
			 const struct harness_summary_run *runs, size_t n,
			 char *why, size_t why_size)
{
	struct harness_summary_set set;
	int err = harness_summary_load(runs, n, &set, why, why_size);
	if (err)
		return err;
	double *scratch = malloc(2 * n * sizeof(*scratch));
	if (!scratch) {
		harness_summary_free(&set);
		snprintf(why, why_size, "out of memory plotting %zu runs", n);
		return -ENOMEM;
	}
	reset_log(compare_dir);
	char first_why[2 * PATH_MAX] = ""; /* room for any path */
	for (size_t p = 0; p < STEP_PLOT_COUNT; p++) {
		int e = plot_steps(compare_dir, &set, &step_plots[p], scratch,
				   first_why, sizeof(first_why));
		if (e && !err) {
			err = e;
			snprintf(why, why_size, "%s", first_why);
		}
	}
	int e = plot_kernel_by_cache(compare_dir, &set, first_why,
				     sizeof(first_why));
	if (e && !err) {
		err = e;
		snprintf(why, why_size, "%s", first_why);
	}
	free(scratch);
	harness_summary_free(&set);
	return err;
}
