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
	/* Whose kernel: both ends of each loopback pair, or the server's
	 * side alone with the TUN client. */
	const char *scope = run->client_kind == HARNESS_CLIENT_TUN
				? "server side only"
				: "both ends";
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
	    "with linespoints lc 3 pt 9 title 'kernel (Slab, %s)', \\\n"
	    "  '' using "
	    "(xc(\"connections\")):(yc(\"kernel_object_bytes_per_conn\")) "
	    "with linespoints lc 4 pt 8 title 'kernel (slab objects in use, "
	    "%s)'",
	    b, scope, scope);
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
