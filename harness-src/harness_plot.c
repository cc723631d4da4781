/* harness_plot.c - write gnuplot scripts and run gnuplot on them.
 *
 * Counts span decades, so x is log-scaled; bytes per connection too (the
 * fixed cost divided by few connections dwarfs the slope at small counts,
 * which is exactly why the fitted slope is drawn beside it). */
#include "harness_plot.h"

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

/* Run gnuplot on script in directory dir; its stderr goes to log. */
static int run_gnuplot(const char *dir, const char *script, char *why,
		       size_t why_size)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "fork gnuplot: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(126);
		int log =
		    open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (log >= 0) {
			dup2(log, STDERR_FILENO);
			dup2(log, STDOUT_FILENO);
		}
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, why_size,
			 "gnuplot is not installed: apt-get install -y "
			 "gnuplot-nox (or pass --no-plot)");
	else
		snprintf(why, why_size,
			 "gnuplot failed on %s/%s: see %s/gnuplot.log", dir,
			 script, dir);
	return -EIO;
}

int harness_plot_run(const struct harness_run *run, char *why, size_t why_size)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/plots.gp", run->dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(why, why_size, "cannot write %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	const char *b = run->backend;
	int echo = run->options && run->options->echo;
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
	int gib = largest > (4ull << 30);
	fprintf(
	    f, "# Plots of one sweep: gnuplot plots.gp (in this directory).\n");
	fputs(preamble, f);
	fprintf(f,
		"user_slope = %.3f\nuser_base = %.1f\n"
		"client_slope = %.3f\nclient_base = %.1f\n"
		"kernel_slope = %.3f\nkernel_base = %.1f\n"
		"objects_slope = %.3f\n",
		run->user_fit.slope, run->user_fit.base, run->client_fit.slope,
		run->client_fit.base, run->kernel_fit.slope,
		run->kernel_fit.base, run->kernel_object_fit.slope);

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
	if (run->user_fit.slope > 0)
		fprintf(f, ", \\\n  user_slope with lines lc 1 dt 2 title "
			   "sprintf('server slope %%.0f B', user_slope)");
	if (run->client_fit.slope > 0)
		fprintf(f, ", \\\n  client_slope with lines lc 2 dt 2 title "
			   "sprintf('client slope %%.0f B', client_slope)");
	if (run->kernel_fit.slope > 0)
		fprintf(f, ", \\\n  kernel_slope with lines lc 3 dt 2 title "
			   "sprintf('kernel slope %%.0f B', kernel_slope)");
	if (run->kernel_object_fit.slope > 0)
		fprintf(f,
			", \\\n  objects_slope with lines lc 4 dt 2 title "
			"sprintf('slab objects slope %%.0f B', objects_slope)");
	fprintf(f, "\nunset logscale\n");

	/* Totals against the fitted lines: base + slope x connections. */
	/* Two panels: user memory is MiB where kernel memory is GiB, so one
	 * axis would hide it. */
	fprintf(f,
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
		"  (user_base + user_slope * x) / M with lines lc 1 dt 2 "
		"notitle, \\\n"
		"  '' using \"server_live\":(column(\"client_user_bytes\")/M) "
		"with points lc 2 pt 5 ps 1.5 title 'client user (PSS)', \\\n"
		"  (client_base + client_slope * x) / M with lines lc 2 dt 2 "
		"notitle",
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
	    "  (kernel_base + kernel_slope * x) / M with lines lc 3 dt 2 "
	    "notitle, \\\n"
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

	fprintf(f,
		"set output 'connect-rate.png'\n"
		"set title \"%s: connect rate during each step\"\n"
		"set logscale x\n"
		"set ylabel 'connections per second'\n"
		"set yrange [0:*]\nset format y '%%.0s%%c'\n"
		"plot 'sweep.csv' using (xc(\"connections\")):\"connect_rate\" "
		"with linespoints lc 1 pt 7 title 'connect rate'\n"
		"set autoscale\n",
		b);

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
	int err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		snprintf(why, why_size, "cannot write %s", path);
		return err;
	}
	return run_gnuplot(run->dir, "plots.gp", why, why_size);
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

/* fit.<key> from a run's sweep.json, so a memory comparison can say the
 * per-connection slope beside each backend's name. */
static int read_fit(const char *out, const char *name, const char *run,
		    const char *key, double *value)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s/%s/sweep.json", out, name, run);
	json_t *root = json_load_file(path, 0, NULL);
	json_t *v =
	    root ? json_object_get(json_object_get(root, "fit"), key) : NULL;
	int found = v && json_is_number(v);
	if (found)
		*value = json_number_value(v);
	json_decref(root);
	return found;
}

static void compare_plot(FILE *f, const char *out, const char *file,
			 const char *title, const char *ylabel,
			 const char *column, int log_y, const char *slope_key,
			 char names[][64], char runs[][64], size_t count)
{
	fprintf(f, "set output '%s'\nset title \"%s\"\nset ylabel '%s'\n", file,
		title, ylabel);
	fprintf(f, log_y ? "set logscale xy\nset format y '%%g'\n"
			 : "unset logscale\nset logscale x\nset yrange [0:*]\n"
			   "set format y '%%.0s%%c'\n");
	fprintf(f, "plot ");
	for (size_t i = 0; i < count; i++) {
		char label[128];
		double slope;
		if (slope_key &&
		    read_fit(out, names[i], runs[i], slope_key, &slope))
			snprintf(label, sizeof(label), "%s (fit slope %.0f B)",
				 names[i], fabs(slope) < 0.5 ? 0.0 : slope);
		else
			snprintf(label, sizeof(label), "%s", names[i]);
		fprintf(f,
			"%s'%s/%s/sweep.csv' using "
			"(xc(\"connections\")):(yc(\"%s\")) "
			"with linespoints lw 2 pt %zu title '%s'",
			i ? ", \\\n  " : "", names[i], runs[i], column,
			5 + 2 * i, label);
	}
	fprintf(f, "\nset autoscale\n");
}

int harness_plot_compare(const char *out, char *why, size_t why_size)
{
	char names[MAX_COMPARED][64], runs[MAX_COMPARED][64];
	size_t count = 0;
	DIR *d = opendir(out);
	if (!d) {
		snprintf(why, why_size, "cannot open %s: %s", out,
			 strerror(errno));
		return -errno;
	}
	struct dirent *e;
	while ((e = readdir(d)) && count < MAX_COMPARED) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= 64)
			continue;
		if (latest_run(out, e->d_name, runs[count], sizeof(runs[0]))) {
			snprintf(names[count], sizeof(names[0]), "%s",
				 e->d_name);
			count++;
		}
	}
	closedir(d);
	if (!count)
		return 0;
	/* Stable order: sort by name. */
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0;
		     j--) {
			char t[64];
			memcpy(t, names[j], 64);
			memcpy(names[j], names[j - 1], 64);
			memcpy(names[j - 1], t, 64);
			memcpy(t, runs[j], 64);
			memcpy(runs[j], runs[j - 1], 64);
			memcpy(runs[j - 1], t, 64);
		}
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/compare.gp", out);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(why, why_size, "cannot write %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	fprintf(
	    f,
	    "# Latest run of every backend, same axes: gnuplot compare.gp\n");
	fputs(preamble, f);
	compare_plot(f, out, "compare-server-memory.png",
		     "server user memory per connection (PSS / connections), "
		     "latest run of each backend",
		     "bytes per connection (log scale)", "user_bytes_per_conn",
		     1, "user_slope_bytes", names, runs, count);
	compare_plot(f, out, "compare-kernel-memory.png",
		     "kernel memory per connection (Slab growth / connections, "
		     "both loopback ends)",
		     "bytes per connection (log scale)",
		     "kernel_bytes_per_conn", 1, "kernel_slope_bytes", names,
		     runs, count);
	compare_plot(
	    f, out, "compare-connect-rate.png",
	    "connect rate during each step, latest run of each backend",
	    "connections per second", "connect_rate", 0, NULL, names, runs,
	    count);
	compare_plot(f, out, "compare-latency.png",
		     "connect latency p99, latest run of each backend",
		     "p99 connect latency (microseconds, log scale)",
		     "latency_p99_us", 1, NULL, names, runs, count);
	int err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		snprintf(why, why_size, "cannot write %s", path);
		return err;
	}
	return run_gnuplot(out, "compare.gp", why, why_size);
}
