/* harness_plot.c - write gnuplot scripts and run gnuplot on them.
 *
 * Counts span decades, so x is log-scaled; bytes per connection too (the
 * fixed cost divided by few connections dwarfs the slope at small counts,
 * which is exactly why the fitted slope is drawn beside it). */
#include "harness_plot.h"
#include "harness_file.h"
#include "harness_gnuplot.h"

#include "harness_format.h"
#include "harness_soak.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_COMPARED 16

static const char preamble[] =
    "set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth "
    "2\n"
    "set datafile separator ','\n"
    "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\n"
    "set key outside right top box opaque\n"
    "set format x '%.0s%c'\n"
    "set xlabel 'concurrent connections (log scale)'\n"
    "xc(c) = column(c) > 0 ? column(c) : NaN\n"
    "yc(c) = column(c) > 0 ? column(c) : NaN\n";

/* A log x axis from a little below the smallest count to a little above
 * the largest, so it ends at the data: gnuplot's own autoscale runs on to
 * the next decade (10M for data that stop at 1.2M). Nothing without data. */
static void write_log_x(FILE *f, double lo, double hi)
{
	if (lo > 0 && hi >= lo)
		fprintf(f, "set xrange [%.6g:%.6g]\n", lo / 1.5, hi * 1.5);
}

/* The largest memory figure of any step, to choose MiB or GiB. */
static uint64_t largest_bytes(const struct harness_run *run)
{
	uint64_t largest = 0;
	for (size_t i = 0; i < run->step_count; i++) {
		const struct harness_step *s = &run->steps[i];
		uint64_t m = s->kernel_bytes > s->server_user_bytes
				 ? s->kernel_bytes
				 : s->server_user_bytes;
		if (s->client_user_bytes > m)
			m = s->client_user_bytes;
		if (m > largest)
			largest = m;
	}
	return largest;
}

/* The steps' smallest and largest connection counts, for the log x axis. */
static void connection_range(const struct harness_run *run, double *lo,
			     double *hi)
{
	double x_lo = 0, x_hi = 0;
	for (size_t i = 0; i < run->step_count; i++) {
		double c = (double)run->steps[i].connections;
		if (c > 0 && (x_lo == 0 || c < x_lo))
			x_lo = c;
		if (c > x_hi)
			x_hi = c;
	}
	*lo = x_lo;
	*hi = x_hi;
}

/* The script's head: the preamble, the log x axis, the fits' figures. */
static void plot_header(FILE *f, const struct harness_run *run, int fitted)
{
	double x_lo, x_hi;
	connection_range(run, &x_lo, &x_hi);
	fprintf(
	    f, "# Plots of one sweep: gnuplot plots.gp (in this directory).\n");
	fputs(preamble, f);
	write_log_x(f, x_lo, x_hi);
	fprintf(f,
		"user_slope = %.3f\nuser_base = %.1f\n"
		"client_slope = %.3f\nclient_base = %.1f\n"
		"kernel_slope = %.3f\nkernel_base = %.1f\n"
		"objects_slope = %.3f\nfitted = %d\n",
		run->user_fit.slope, run->user_fit.base, run->client_fit.slope,
		run->client_fit.base, run->kernel_fit.slope,
		run->kernel_fit.base, run->kernel_object_fit.slope, fitted);
}

static void plot_per_connection(FILE *f, const struct harness_run *run,
				int fitted)
{
	const char *b = run->backend;
	/* Bytes per connection: raw (total / connections) and the slope. */
	fprintf(
	    f,
	    "set output 'memory-per-connection.png'\n"
	    "set title \"%s: memory per connection (solid: total / "
	    "connections; dashed: least-squares slope)\"\n"
	    "set logscale xy\n"
	    "set ylabel 'bytes per connection (log scale)'\n"
	    "plot 'sweep.csv' using "
	    "(xc(\"connections\")):(yc(\"user_bytes_per_conn\")) "
	    "with linespoints lc 1 pt 7 title 'server user (PSS)', \\\n"
	    "  '' using "
	    "(xc(\"connections\")):(yc(\"client_user_bytes_per_conn\")) "
	    "with linespoints lc 2 pt 5 title 'client user (PSS)', \\\n"
	    "  '' using (xc(\"connections\")):(yc(\"kernel_bytes_per_conn\")) "
	    "with linespoints lc 3 pt 9 title 'kernel (Slab, both ends)', \\\n"
	    "  '' using "
	    "(xc(\"connections\")):(yc(\"kernel_object_bytes_per_conn\")) "
	    "with linespoints lc 4 pt 8 title 'kernel (slab objects in use)'",
	    b);
	if (fitted && run->user_fit.slope > 0)
		fprintf(f, ", \\\n  user_slope with lines lc 1 dt 2 title "
			   "sprintf('server slope %%.0f B', user_slope)");
	if (fitted && run->client_fit.slope > 0)
		fprintf(f, ", \\\n  client_slope with lines lc 2 dt 2 title "
			   "sprintf('client slope %%.0f B', client_slope)");
	if (fitted && run->kernel_fit.slope > 0)
		fprintf(f, ", \\\n  kernel_slope with lines lc 3 dt 2 title "
			   "sprintf('kernel slope %%.0f B', kernel_slope)");
	if (fitted && run->kernel_object_fit.slope > 0)
		fprintf(f,
			", \\\n  objects_slope with lines lc 4 dt 2 title "
			"sprintf('slab objects slope %%.0f B', objects_slope)");
	fprintf(f, "\nunset logscale\n");
}

static void plot_memory(FILE *f, const struct harness_run *run)
{
	const char *b = run->backend;
	int echo = run->options && run->options->echo;
	int gib = largest_bytes(run) > (4ull << 30);
	double x_lo, x_hi;
	connection_range(run, &x_lo, &x_hi);
	/* Totals against the fitted lines: base + slope x connections. */
	/* Two panels: user memory is MiB where kernel memory is GiB, so one
	 * axis would hide it. */
	fprintf(
	    f,
	    "set terminal pngcairo size 1100,900 noenhanced font 'Sans,12' "
	    "linewidth 2\n"
	    "set output 'memory.png'\n"
	    "set multiplot layout 2,1 title \"%s: memory held (points: "
	    "measured; dashed: base + slope x connections)\"\n"
	    "set xlabel 'concurrent connections (server count)'\n"
	    "set format x '%%.0s%%c'\n"
	    "set format y '%%.1f'\n"
	    "set xrange [0:*]\nset yrange [0:*]\n"
	    "unset title\n"
	    "set lmargin at screen 0.09\nset rmargin at screen 0.96\n"
	    "set key inside top left box opaque\n"
	    "set ylabel 'user memory (MiB)'\n"
	    "M = 1048576.0\n"
	    "plot 'sweep.csv' using "
	    "\"server_live\":(column(\"server_user_bytes\")/M) "
	    "with points lc 1 pt 7 ps 1.5 title 'server user (PSS)', \\\n"
	    "  (fitted ? (user_base + user_slope * x) / M : NaN) with lines "
	    "lc 1 dt 2 notitle, \\\n"
	    "  '' using \"server_live\":(column(\"client_user_bytes\")/M) "
	    "with points lc 2 pt 5 ps 1.5 title 'client user (PSS)', \\\n"
	    "  (fitted ? (client_base + client_slope * x) / M : NaN) with "
	    "lines lc 2 dt 2 notitle",
	    b);
	if (echo)
		fprintf(
		    f,
		    ", \\\n  '' using "
		    "\"server_live\":(yc(\"server_user_bytes_after_echo\")/M) "
		    "with points lc 4 pt 6 ps 1.5 title 'server user after "
		    "echo'");
	fprintf(
	    f,
	    "\nset ylabel 'kernel memory (%s)'\n"
	    "M = %.1f\n"
	    "plot 'sweep.csv' using "
	    "\"server_live\":(column(\"kernel_bytes\")/M) "
	    "with points lc 3 pt 9 ps 1.5 title 'kernel: Slab growth (both "
	    "ends)', \\\n"
	    "  (fitted ? (kernel_base + kernel_slope * x) / M : NaN) with "
	    "lines "
	    "lc 3 dt 2 notitle, \\\n"
	    "  '' using \"server_live\":(column(\"kernel_object_bytes\")/M) "
	    "with points lc 4 pt 8 ps 1.5 title 'kernel: slab objects in use'\n"
	    "unset multiplot\nunset lmargin\nunset rmargin\n"
	    "set key outside right top box opaque\n"
	    "set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' "
	    "linewidth 2\n",
	    gib ? "GiB" : "MiB", gib ? 1073741824.0 : 1048576.0);
	fprintf(
	    f,
	    "set autoscale\nset xlabel 'concurrent connections (log scale)'\n");
	write_log_x(f, x_lo, x_hi);
}

static void plot_connect_rate(FILE *f, const struct harness_run *run)
{
	const char *b = run->backend;
	fprintf(f,
		"set output 'connect-rate.png'\n"
		"set title \"%s: connect rate during each step\"\n"
		"set logscale x\n"
		"set ylabel 'connections per second'\n"
		"set yrange [0:*]\nset format y '%%.0s%%c'\n"
		"plot 'sweep.csv' using (xc(\"connections\")):\"connect_rate\" "
		"with linespoints lc 1 pt 7 title 'connect rate'\n"
		"set autoscale y\n",
		b);
}

static void plot_latency(FILE *f, const struct harness_run *run)
{
	const char *b = run->backend;
	int echo = run->options && run->options->echo;
	fprintf(f,
		"set output 'latency.png'\n"
		"set title \"%s: connect latency per step\"\n"
		"set logscale xy\n"
		"set ylabel 'connect latency (microseconds, log scale)'\n"
		"plot 'sweep.csv' using "
		"(xc(\"connections\")):(yc(\"latency_p50_us\")) "
		"with linespoints pt 7 title 'p50', \\\n"
		"  '' using (xc(\"connections\")):(yc(\"latency_p99_us\")) "
		"with linespoints pt 5 title 'p99', \\\n"
		"  '' using (xc(\"connections\")):(yc(\"latency_p999_us\")) "
		"with linespoints pt 9 title 'p99.9', \\\n"
		"  '' using (xc(\"connections\")):(yc(\"latency_max_us\")) "
		"with linespoints pt 11 title 'max'",
		b);
	if (echo)
		fprintf(f, ", \\\n  '' using "
			   "(xc(\"connections\")):(yc(\"echo_rtt_p99_us\")) "
			   "with linespoints dt 2 pt 6 title 'echo RTT p99'");
	fprintf(f, "\n");
}

int harness_plot_run(const struct harness_run *run, char *why, size_t why_size)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int err = harness_file_create(run->dir, "plots.gp", path, sizeof(path),
				      &f, why, why_size);
	if (err)
		return err;
	/* A fit over too few points or connections draws no slope lines. */
	int fitted = harness_run_fit_meaningful(run, NULL, 0);
	plot_header(f, run, fitted);
	plot_per_connection(f, run, fitted);
	plot_memory(f, run);
	plot_connect_rate(f, run);
	plot_latency(f, run);
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		snprintf(why, why_size, "cannot write %s", path);
		return err;
	}
	err = harness_gnuplot_run(run->dir, "plots.gp", 0, why, why_size);
	if (!err && run->soak.started && run->soak.sample_count)
		err = harness_soak_plot(&run->soak, run->dir, run->backend, why,
					why_size);
	return err;
}

static int has_data(const char *csv)
{
	FILE *f = fopen(csv, "r");
	if (!f)
		return 0;
	int lines = 0, c;
	while ((c = fgetc(f)) != EOF && lines < 3)
		lines += c == '\n';
	fclose(f);
	return lines >= 3; /* header, baseline, one step */
}

/* The latest run of backend (largest run id with data). */
static int latest_run(const char *out, const char *backend, char *run_id,
		      size_t run_id_size)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", out, backend);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	run_id[0] = '\0';
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char csv[PATH_MAX + 300];
		snprintf(csv, sizeof(csv), "%s/%s/sweep.csv", dir, e->d_name);
		size_t len = strlen(e->d_name);
		if (len < run_id_size && strcmp(e->d_name, run_id) > 0 &&
		    has_data(csv))
			memcpy(run_id, e->d_name, len + 1);
	}
	closedir(d);
	return run_id[0] != '\0';
}

/* The runs compared: the latest of each backend, with their sweep.json. */
struct compared {
	const char *out;
	char names[MAX_COMPARED][64], runs[MAX_COMPARED][64];
	json_t *sweeps[MAX_COMPARED]; /* NULL when unreadable */
	size_t count;
};

/* One comparison figure: a sweep.csv column against connections. */
struct compare_figure {
	const char *file, *title, *ylabel;
	const char *column;   /* in sweep.csv */
	const char *step_key; /* the same in sweep.json's steps ("a.b") */
	int log_y;
	const char *slope_key; /* fit.<key> named in the legend, or NULL */
};

static const struct compare_figure compare_figures[] = {
    {"compare-server-memory.png",
     "server user memory per connection (PSS / connections), latest run of "
     "each backend",
     "bytes per connection (log scale)", "user_bytes_per_conn",
     "user_bytes_per_conn", 1, "user_slope_bytes"},
    {"compare-kernel-memory.png",
     "kernel memory per connection (Slab growth / connections, both "
     "loopback ends)",
     "bytes per connection (log scale)", "kernel_bytes_per_conn",
     "kernel_bytes_per_conn", 1, "kernel_slope_bytes"},
    {"compare-connect-rate.png",
     "connect rate during each step, latest run of each backend",
     "connections per second", "connect_rate", "connect_rate", 0, NULL},
    {"compare-latency.png", "connect latency p99, latest run of each backend",
     "p99 connect latency (microseconds, log scale)", "latency_p99_us",
     "connect_latency_us.p99", 1, NULL},
};

static double step_number(const json_t *step, const char *key)
{
	char name[64];
	const char *dot = strchr(key, '.');
	if (!dot)
		return json_number_value(json_object_get(step, key));
	snprintf(name, sizeof(name), "%.*s", (int)(dot - key), key);
	return step_number(json_object_get(step, name), dot + 1);
}

/* Does any compared run have a step with key > 0? gnuplot stops the whole
 * script on a plot whose every point is undefined (kernel 0 B at 1
 * connection), so such a figure is left out. */
static int has_points(const struct compared *c, const char *key)
{
	for (size_t i = 0; i < c->count; i++) {
		size_t k;
		json_t *step;
		json_array_foreach(json_object_get(c->sweeps[i], "steps"), k,
				   step)
		{
			if (step_number(step, "connections") > 0 &&
			    step_number(step, key) > 0)
				return 1;
		}
	}
	return 0;
}

/* The smallest and largest step (connections > 0) of the compared runs;
 * lo and hi stay 0 when there is none. */
static void connections_range(const struct compared *c, double *lo, double *hi)
{
	*lo = *hi = 0;
	for (size_t i = 0; i < c->count; i++) {
		size_t k;
		json_t *step;
		json_array_foreach(json_object_get(c->sweeps[i], "steps"), k,
				   step)
		{
			double n = step_number(step, "connections");
			if (n > 0 && (*lo == 0 || n < *lo))
				*lo = n;
			if (n > *hi)
				*hi = n;
		}
	}
}

/* fit.<key> of run i, so a memory comparison can say the per-connection
 * slope beside each backend's name; not for a fit marked not meaningful. */
static int read_fit(const struct compared *c, size_t i, const char *key,
		    double *value)
{
	json_t *fit = json_object_get(c->sweeps[i], "fit");
	json_t *v = json_object_get(fit, key);
	if (!json_is_number(v) ||
	    json_is_false(json_object_get(fit, "meaningful")))
		return 0;
	*value = json_number_value(v);
	return 1;
}

static void compare_plot(FILE *f, const struct compared *c,
			 const struct compare_figure *fig)
{
	if (!has_points(c, fig->step_key)) {
		/* No stale figure from an earlier comparison either. */
		char png[PATH_MAX + 64];
		snprintf(png, sizeof(png), "%s/%s", c->out, fig->file);
		unlink(png);
		return;
	}
	fprintf(f, "set output '%s'\nset title \"%s\"\nset ylabel '%s'\n",
		fig->file, fig->title, fig->ylabel);
	fprintf(f, fig->log_y
		       ? "set logscale xy\nset format y '%%g'\n"
		       : "unset logscale\nset logscale x\nset yrange [0:*]\n"
			 "set format y '%%.0s%%c'\n");
	fprintf(f, "plot ");
	for (size_t i = 0; i < c->count; i++) {
		char label[128];
		double slope;
		if (fig->slope_key && read_fit(c, i, fig->slope_key, &slope))
			snprintf(label, sizeof(label), "%s (fit slope %.0f B)",
				 c->names[i], fabs(slope) < 0.5 ? 0.0 : slope);
		else
			snprintf(label, sizeof(label), "%s", c->names[i]);
		fprintf(f,
			"%s'%s/%s/sweep.csv' using "
			"(xc(\"connections\")):(yc(\"%s\")) "
			"with linespoints lw 2 pt %zu title '%s'",
			i ? ", \\\n  " : "", c->names[i], c->runs[i],
			fig->column, 5 + 2 * i, label);
	}
	fprintf(f, "\nset autoscale y\n");
}

/* The latest run of every backend under out, sorted by name. */
static int find_compared(struct compared *c, char *why, size_t why_size)
{
	DIR *d = opendir(c->out);
	if (!d) {
		int err = -errno;
		snprintf(why, why_size, "cannot open %s: %s", c->out,
			 strerror(errno));
		return err;
	}
	struct dirent *e;
	while ((e = readdir(d)) && c->count < MAX_COMPARED) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= 64)
			continue;
		if (latest_run(c->out, e->d_name, c->runs[c->count],
			       sizeof(c->runs[0])))
			snprintf(c->names[c->count++], sizeof(c->names[0]),
				 "%s", e->d_name);
	}
	closedir(d);
	for (size_t i = 1; i < c->count; i++)
		for (size_t j = i;
		     j > 0 && strcmp(c->names[j - 1], c->names[j]) > 0; j--) {
			char t[64];
			memcpy(t, c->names[j], 64);
			memcpy(c->names[j], c->names[j - 1], 64);
			memcpy(c->names[j - 1], t, 64);
			memcpy(t, c->runs[j], 64);
			memcpy(c->runs[j], c->runs[j - 1], 64);
			memcpy(c->runs[j - 1], t, 64);
		}
	for (size_t i = 0; i < c->count; i++) {
		char path[PATH_MAX + 160];
		snprintf(path, sizeof(path), "%s/%s/%s/sweep.json", c->out,
			 c->names[i], c->runs[i]);
		c->sweeps[i] = json_load_file(path, 0, NULL);
	}
	return 0;
}

static int write_compare(FILE *f, const struct compared *c)
{
	fprintf(
	    f,
	    "# Latest run of every backend, same axes: gnuplot compare.gp\n");
	fputs(preamble, f);
	/* The legend below the plot, where it covers no line. */
	fprintf(f, "set key below center horizontal Left reverse nobox\n"
		   "set bmargin 7\n");
	double lo, hi;
	connections_range(c, &lo, &hi);
	write_log_x(f, lo, hi);
	for (size_t k = 0;
	     k < sizeof(compare_figures) / sizeof(compare_figures[0]); k++)
		compare_plot(f, c, &compare_figures[k]);
	return ferror(f) ? -EIO : 0;
}

int harness_plot_latest_runs(const char *out, char *why, size_t why_size)
{
	struct compared c = {.out = out};
	int err = find_compared(&c, why, why_size);
	if (err || !c.count)
		return err;
	char path[PATH_MAX + 16];
	FILE *f;
	err = harness_file_create(out, "compare.gp", path, sizeof(path), &f,
				  why, why_size);
	if (!err) {
		err = write_compare(f, &c);
		if (fclose(f) != 0 && !err)
			err = -EIO;
		if (err)
			snprintf(why, why_size, "cannot write %s", path);
		else
			err = harness_gnuplot_run(out, "compare.gp", 0, why,
						  why_size);
	}
	for (size_t i = 0; i < c.count; i++)
		json_decref(c.sweeps[i]);
	return err;
}
