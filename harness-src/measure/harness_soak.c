/* harness_soak.c - the soak's record and what is made of it: the slope of
 * server PSS over time, connections lost, errors, sweep.json's "soak",
 * soak.csv, soak.png and the lines a person reads (see harness_soak.h).
 * Pure except for the files it is asked to write. */
#include "harness_soak.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness_file.h"
#include "harness_fit.h"
#include "harness_format.h"
#include "harness_gnuplot.h"

void harness_soak_init(struct harness_soak *soak, double duration_s,
		       uint64_t target, double load_rate, unsigned load_size)
{
	memset(soak, 0, sizeof(*soak));
	soak->duration_s = duration_s;
	soak->interval_s = HARNESS_SOAK_INTERVAL_S;
	soak->target = target;
	soak->load_rate = load_rate;
	soak->load_size = load_size;
}

int harness_soak_add_sample(struct harness_soak *soak,
			    const struct harness_soak_sample *sample)
{
	if (soak->sample_count == soak->sample_room) {
		size_t room = soak->sample_room ? soak->sample_room * 2 : 64;
		struct harness_soak_sample *grown =
		    realloc(soak->samples, room * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		soak->samples = grown;
		soak->sample_room = room;
	}
	soak->samples[soak->sample_count++] = *sample;
	return 0;
}

void harness_soak_release(struct harness_soak *soak)
{
	free(soak->samples);
	memset(soak, 0, sizeof(*soak));
}

int harness_soak_trend(const double *t, const double *y, size_t n,
		       struct harness_soak_trend *trend)
{
	memset(trend, 0, sizeof(*trend));
	trend->points = n;
	struct harness_fit fit;
	if (harness_fit_linear(t, y, n, &fit))
		return -EINVAL;
	trend->valid = 1;
	trend->slope_per_s = fit.slope;
	trend->base = fit.base;
	trend->r2 = fit.r2;
	double mean_t = 0;
	for (size_t i = 0; i < n; i++)
		mean_t += t[i];
	mean_t /= (double)n;
	double squares = 0, sxx = 0;
	for (size_t i = 0; i < n; i++) {
		double r = y[i] - (fit.base + fit.slope * t[i]);
		squares += r * r;
		sxx += (t[i] - mean_t) * (t[i] - mean_t);
	}
	trend->residual_rms = sqrt(squares / (double)n);
	if (n > 2)
		trend->slope_stderr = sqrt(squares / (double)(n - 2) / sxx);
	return 0;
}

int harness_soak_slope_beyond_noise(const struct harness_soak_trend *trend)
{
	return trend->valid && trend->slope_per_s != 0 &&
	       fabs(trend->slope_per_s) > 2 * trend->slope_stderr;
}

static uint64_t larger(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Connections sample shows missing: the server below the target, the
 * client holding fewer, or closed since the first sample. */
static uint64_t missing(const struct harness_soak *soak,
			const struct harness_soak_sample *sample,
			uint64_t first_closed)
{
	uint64_t t = soak->target, lost = 0;
	if (sample->server_live < t)
		lost = t - sample->server_live;
	if (sample->client_established < t)
		lost = larger(lost, t - sample->client_established);
	if (sample->client_closed > first_closed)
		lost = larger(lost, sample->client_closed - first_closed);
	return lost;
}

static void fit_trends(struct harness_soak *soak)
{
	size_t n = soak->sample_count;
	struct harness_soak_trend *trends[] = {
	    &soak->server, &soak->server_anon, &soak->client, &soak->kernel};
	for (size_t k = 0; k < 4; k++) {
		memset(trends[k], 0, sizeof(*trends[k]));
		trends[k]->points = n;
	}
	double *t = n >= HARNESS_SOAK_MIN_FIT_POINTS
			? malloc(5 * n * sizeof(double))
			: NULL;
	if (!t)
		return;
	double *y[] = {t + n, t + 2 * n, t + 3 * n, t + 4 * n};
	for (size_t i = 0; i < n; i++) {
		const struct harness_soak_sample *s = &soak->samples[i];
		t[i] = s->elapsed_s;
		y[0][i] = (double)s->server_user_bytes;
		y[1][i] = (double)s->server_anon_bytes;
		y[2][i] = (double)s->client_user_bytes;
		y[3][i] = (double)s->kernel_bytes;
	}
	for (size_t k = 0; k < 4; k++)
		harness_soak_trend(t, y[k], n, trends[k]);
	free(t);
}

void harness_soak_summarize(struct harness_soak *soak)
{
	size_t n = soak->sample_count;
	uint64_t first_closed = n ? soak->samples[0].client_closed : 0;
	soak->connections_lost = soak->lost_between_samples;
	soak->errors = soak->mismatches = soak->messages = soak->late = 0;
	soak->max_gap_s = 0;
	for (size_t i = 0; i < n; i++) {
		const struct harness_soak_sample *s = &soak->samples[i];
		soak->connections_lost = larger(soak->connections_lost,
						missing(soak, s, first_closed));
		if (!s->loaded)
			continue;
		soak->errors += s->load.errors;
		soak->mismatches += s->load.mismatches;
		soak->messages += s->load.messages;
		soak->late += s->load.late;
		if (s->load.gap_s > soak->max_gap_s)
			soak->max_gap_s = s->load.gap_s;
	}
	fit_trends(soak);
	/* PSS growth over the soak shared among the messages echoed in it:
	 * what a leak per message would cost each one. */
	soak->have_bytes_per_message =
	    soak->load_rate > 0 && soak->messages && soak->server.valid;
	if (soak->have_bytes_per_message) {
		double span =
		    soak->samples[n - 1].elapsed_s - soak->samples[0].elapsed_s;
		soak->bytes_per_message =
		    soak->server.slope_per_s * span / (double)soak->messages;
		soak->anon_bytes_per_message = soak->server_anon.slope_per_s *
					       span / (double)soak->messages;
	}
}

int harness_soak_check_sample(const struct harness_soak *soak,
			      const struct harness_soak_sample *sample,
			      char *why, size_t why_size)
{
	char at[32], held[32], target[32];
	harness_soak_format_time(sample->elapsed_s, at, sizeof(at));
	harness_format_count(soak->target, target, sizeof(target));
	uint64_t first_closed = soak->sample_count
				    ? soak->samples[0].client_closed
				    : sample->client_closed;
	if (sample->server_live < soak->target) {
		harness_format_count(sample->server_live, held, sizeof(held));
		snprintf(why, why_size,
			 "soak: at %s the server holds %s of %s connections: "
			 "%" PRIu64 " lost",
			 at, held, target, soak->target - sample->server_live);
		return -EPROTO;
	}
	harness_format_count(sample->client_established, held, sizeof(held));
	if (sample->client_closed > first_closed) {
		snprintf(why, why_size,
			 "soak: at %s the client saw %" PRIu64 " connections "
			 "closed since the soak began (it holds %s of %s)",
			 at, sample->client_closed - first_closed, held,
			 target);
		return -EPROTO;
	}
	if (sample->client_established < soak->target) {
		snprintf(why, why_size,
			 "soak: at %s the client holds %s of %s connections",
			 at, held, target);
		return -EPROTO;
	}
	const struct harness_soak_window *w = &sample->load;
	if (sample->loaded && (w->errors || w->mismatches)) {
		snprintf(why, why_size,
			 "soak: the load window ending at %s had %" PRIu64
			 " errors and %" PRIu64 " mismatched echoes of %" PRIu64
			 " messages due: a message was lost to a closed "
			 "connection or came back wrong",
			 at, w->errors, w->mismatches, w->due);
		return -EPROTO;
	}
	return 0;
}

void harness_soak_format_time(double seconds, char *text, size_t text_size)
{
	long total = seconds > 0 ? lround(seconds) : 0;
	long h = total / 3600, m = total % 3600 / 60, s = total % 60;
	if (h)
		snprintf(text, text_size, "%ldh%02ldm%02lds", h, m, s);
	else if (m)
		snprintf(text, text_size, "%ldm%02lds", m, s);
	else
		snprintf(text, text_size, "%lds", s);
}

static json_t *real_or_null(int valid, double value)
{
	return valid ? json_real(value) : json_null();
}

static json_t *window_json(const struct harness_soak_window *w)
{
	return json_pack("{s:f,s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f}",
			 "duration_s", w->duration_s, "sent_per_s",
			 w->sent_per_s, "achieved_per_s", w->achieved_per_s,
			 "due", (json_int_t)w->due, "messages",
			 (json_int_t)w->messages, "late", (json_int_t)w->late,
			 "errors", (json_int_t)w->errors, "mismatches",
			 (json_int_t)w->mismatches, "rtt_p99_us", w->rtt_p99_us,
			 "drain_s", w->drain_s, "gap_s", w->gap_s);
}

static json_t *sample_json(const struct harness_soak_sample *s)
{
	json_t *j = json_pack(
	    "{s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "elapsed_s", s->elapsed_s,
	    "server_user_bytes", (json_int_t)s->server_user_bytes,
	    "server_anon_bytes", (json_int_t)s->server_anon_bytes,
	    "client_user_bytes", (json_int_t)s->client_user_bytes,
	    "kernel_bytes", (json_int_t)s->kernel_bytes, "server_live",
	    (json_int_t)s->server_live, "client_established",
	    (json_int_t)s->client_established, "client_closed",
	    (json_int_t)s->client_closed);
	if (j && s->loaded)
		json_object_set_new(j, "load", window_json(&s->load));
	return j;
}

/* The trend of server PSS: slope per second and per hour, and how far to
 * trust it; or why there is none. */
static void add_pss_trend(json_t *j, const struct harness_soak *soak)
{
	const struct harness_soak_trend *p = &soak->server;
	json_object_set_new(j, "pss_slope_bytes_per_s",
			    real_or_null(p->valid, p->slope_per_s));
	json_object_set_new(j, "pss_slope_bytes_per_hour",
			    real_or_null(p->valid, p->slope_per_s * 3600));
	json_object_set_new(j, "pss_slope_r2", real_or_null(p->valid, p->r2));
	json_object_set_new(j, "pss_slope_stderr_bytes_per_s",
			    real_or_null(p->valid, p->slope_stderr));
	json_object_set_new(j, "pss_residual_rms_bytes",
			    real_or_null(p->valid, p->residual_rms));
	json_object_set_new(j, "pss_slope_beyond_noise",
			    json_boolean(harness_soak_slope_beyond_noise(p)));
	json_object_set_new(j, "pss_fit_points",
			    json_integer((json_int_t)p->points));
	if (!p->valid) {
		char text[160];
		snprintf(text, sizeof(text),
			 "%zu samples: a slope needs %d or more at different "
			 "times",
			 p->points, HARNESS_SOAK_MIN_FIT_POINTS);
		json_object_set_new(j, "pss_slope_unavailable",
				    json_string(text));
	}
	const struct harness_soak_trend *a = &soak->server_anon;
	json_object_set_new(j, "pss_anon_slope_bytes_per_s",
			    real_or_null(a->valid, a->slope_per_s));
	json_object_set_new(j, "pss_anon_slope_bytes_per_hour",
			    real_or_null(a->valid, a->slope_per_s * 3600));
	json_object_set_new(j, "pss_anon_slope_stderr_bytes_per_s",
			    real_or_null(a->valid, a->slope_stderr));
	json_object_set_new(j, "pss_anon_slope_beyond_noise",
			    json_boolean(harness_soak_slope_beyond_noise(a)));
	json_object_set_new(
	    j, "client_pss_slope_bytes_per_s",
	    real_or_null(soak->client.valid, soak->client.slope_per_s));
	json_object_set_new(
	    j, "kernel_slope_bytes_per_s",
	    real_or_null(soak->kernel.valid, soak->kernel.slope_per_s));
	json_object_set_new(j, "bytes_per_message",
			    real_or_null(soak->have_bytes_per_message,
					 soak->bytes_per_message));
	json_object_set_new(j, "anon_bytes_per_message",
			    real_or_null(soak->have_bytes_per_message,
					 soak->anon_bytes_per_message));
}

json_t *harness_soak_json(const struct harness_soak *soak)
{
	json_t *j = json_pack(
	    "{s:f,s:f,s:f,s:b,s:I}", "duration_s", soak->duration_s,
	    "elapsed_s", soak->elapsed_s, "interval_s", soak->interval_s,
	    "completed", soak->completed, "target", (json_int_t)soak->target);
	if (!j)
		return NULL;
	int loaded = soak->load_rate > 0;
	json_object_set_new(j, "load",
			    loaded ? json_pack("{s:f,s:I,s:f}", "offered_per_s",
					       soak->load_rate, "size",
					       (json_int_t)soak->load_size,
					       "window_s", soak->interval_s)
				   : json_null());
	json_t *samples = json_array();
	for (size_t i = 0; i < soak->sample_count; i++)
		json_array_append_new(samples, sample_json(&soak->samples[i]));
	json_object_set_new(j, "samples", samples);
	add_pss_trend(j, soak);
	json_object_set_new(j, "connections_lost",
			    json_integer((json_int_t)soak->connections_lost));
	json_object_set_new(j, "errors",
			    json_integer((json_int_t)soak->errors));
	json_object_set_new(j, "mismatches",
			    json_integer((json_int_t)soak->mismatches));
	json_object_set_new(j, "messages",
			    json_integer((json_int_t)soak->messages));
	json_object_set_new(j, "late", json_integer((json_int_t)soak->late));
	json_object_set_new(j, "max_gap_s",
			    real_or_null(loaded, soak->max_gap_s));
	json_object_set_new(
	    j, "note",
	    json_string(
		"the last step held for duration_s before the liveness check; "
		"a sample every interval_s (server and client PSS, Slab growth "
		"as the steps measure it, the server's live count, the "
		"client's established and closed counts from its status "
		"command); with load, one load command per window, each "
		"sample closing one; drain_s is the client's wait for echoes "
		"in flight after a window, gap_s the time with nothing "
		"scheduled before a window (the previous drain and one status "
		"round trip). pss_slope is least squares of server PSS against "
		"elapsed_s; within 2 pss_slope_stderr of 0 it is no slope "
		"(pss_slope_beyond_noise false). PSS includes a share of "
		"library pages that moves as other processes on the machine "
		"come and go; pss_anon (Pss_Anon: heap, stacks, private maps) "
		"does not, and is where a leak grows. bytes_per_message is the "
		"PSS "
		"growth over the soak divided by the messages echoed in it."));
	return j;
}

static void csv_row(FILE *f, const struct harness_soak_sample *s)
{
	fprintf(f,
		"%.3f,%.4f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		s->elapsed_s, s->elapsed_s / 60.0, s->server_user_bytes,
		s->server_anon_bytes, s->client_user_bytes, s->kernel_bytes,
		s->server_live, s->client_established, s->client_closed);
	const struct harness_soak_window *w = &s->load;
	if (s->loaded)
		fprintf(f,
			",%.3f,%.1f,%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%.0f,%.6f,%.6f\n",
			w->duration_s, w->sent_per_s, w->achieved_per_s, w->due,
			w->messages, w->late, w->errors, w->mismatches,
			w->rtt_p99_us, w->drain_s, w->gap_s);
	else
		fprintf(f, ",,,,,,,,,,,\n");
}

int harness_soak_write_csv(const struct harness_soak *soak, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "elapsed_s,elapsed_min,server_user_bytes,server_anon_bytes,"
		   "client_user_bytes,"
		   "kernel_bytes,server_live,client_established,client_closed,"
		   "load_duration_s,load_sent_per_s,load_achieved_per_s,"
		   "load_due,load_messages,load_late,load_errors,"
		   "load_mismatches,load_rtt_p99_us,load_drain_s,load_gap_s\n");
	for (size_t i = 0; i < soak->sample_count; i++)
		csv_row(f, &soak->samples[i]);
	int err = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

/* A signed byte count per unit for people: "+12.3 B", "-1.5 KiB". */
static void format_signed(double value, char *text, size_t text_size)
{
	if (fabs(value) < 1024) {
		snprintf(text, text_size, "%+.1f B",
			 fabs(value) < 0.05 ? 0.0 : value);
		return;
	}
	char magnitude[32];
	harness_format_signed_bytes(value, magnitude, sizeof(magnitude));
	snprintf(text, text_size, "%s%s", value > 0 ? "+" : "", magnitude);
}

/* The plot's title: where, what load, and the slope it found. */
static void plot_title(const struct harness_soak *soak, const char *backend,
		       char *text, size_t text_size)
{
	char target[32], length[32], load[64] = "", slope[160] = "";
	harness_format_count(soak->target, target, sizeof(target));
	harness_soak_format_time(soak->elapsed_s, length, sizeof(length));
	if (soak->load_rate > 0)
		snprintf(load, sizeof(load), ", load %.0f msg/s",
			 soak->load_rate);
	if (soak->server.valid) {
		char per_s[48], per_h[48];
		format_signed(soak->server.slope_per_s, per_s, sizeof(per_s));
		format_signed(soak->server.slope_per_s * 3600, per_h,
			      sizeof(per_h));
		snprintf(slope, sizeof(slope),
			 "\\nserver PSS slope %s/s (%s/h), r2 %.2f", per_s,
			 per_h, soak->server.r2);
	}
	snprintf(text, text_size, "%s: soak of %s at %s connections%s%s",
		 backend, length, target, load, slope);
}

/* One memory axis for server PSS and kernel memory: linear while they are
 * of a size, log when the kernel's is over 10x the server's (loopback
 * sockets cost the kernel far more than a lean server's user space, and
 * on a linear axis the PSS line would lie flat on zero). */
static int memory_axis_is_log(const struct harness_soak *soak)
{
	uint64_t pss = 0, kernel = 0;
	for (size_t i = 0; i < soak->sample_count; i++) {
		const struct harness_soak_sample *s = &soak->samples[i];
		pss = larger(pss, s->server_user_bytes);
		kernel = larger(kernel, s->kernel_bytes);
	}
	return pss > 0 && kernel > 10 * pss;
}

static void write_plot_script(FILE *f, const struct harness_soak *soak,
			      const char *title)
{
	int log = memory_axis_is_log(soak);
	fprintf(f,
		"# The soak of one run: gnuplot soak.gp (in this directory).\n"
		"set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' "
		"linewidth 2\n"
		"set output 'soak.png'\n"
		"set datafile separator ','\n"
		"set grid xtics ytics lc rgb '#dddddd'\n"
		"set key outside center bottom horizontal maxrows 2 box "
		"opaque\nset bmargin 7\n"
		"set title \"%s\"\n"
		"set xlabel 'time since the soak began (minutes)'\n"
		"set ylabel 'memory (MiB%s)'\n"
		"set y2label 'live connections'\n"
		"set ytics nomirror\nset y2tics\nset format y2 '%%.0f'\n"
		"set xrange [0:%.4g]\nset y2range [0:%.0f]\n%s"
		"M = 1048576.0\n"
		"pss_slope = %.6f\npss_base = %.1f\nfitted = %d\n"
		"minutes(c) = column(c) / 60.0\n"
		"mib(c) = column(c) > 0 ? column(c) / M : NaN\n",
		title, log ? ", log scale" : "",
		soak->elapsed_s > 0 ? soak->elapsed_s / 60.0 : 1.0,
		(double)soak->target * 1.15 + 1,
		log ? "set logscale y\n" : "set yrange [0:*]\n",
		soak->server.slope_per_s, soak->server.base,
		soak->server.valid);
	fprintf(f,
		"plot 'soak.csv' using (minutes(\"elapsed_s\")):"
		"(mib(\"server_user_bytes\")) with linespoints lc 1 pt 7 "
		"title 'server PSS', \\\n"
		"  'soak.csv' using (minutes(\"elapsed_s\")):"
		"(mib(\"server_anon_bytes\")) with linespoints lc 1 dt 3 pt 6 "
		"title 'server PSS, anonymous part', \\\n"
		"  (fitted ? (pss_base + pss_slope * x * 60) / M : NaN) with "
		"lines lc 1 dt 2 title 'server PSS, least squares', \\\n"
		"  'soak.csv' using (minutes(\"elapsed_s\")):"
		"(mib(\"kernel_bytes\")) with linespoints lc 3 pt 9 "
		"title 'kernel: Slab growth', \\\n"
		"  'soak.csv' using (minutes(\"elapsed_s\")):\"server_live\" "
		"axes x1y2 with steps lc 2 title 'server live (right)', \\\n"
		"  'soak.csv' using (minutes(\"elapsed_s\")):"
		"\"client_established\" axes x1y2 with steps lc 4 dt 3 "
		"title 'client established (right)'\n");
}

int harness_soak_plot(const struct harness_soak *soak, const char *dir,
		      const char *backend, char *why, size_t why_size)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int err = harness_file_create(dir, "soak.gp", path, sizeof(path), &f,
				      why, why_size);
	if (err)
		return err;
	char title[400];
	plot_title(soak, backend, title, sizeof(title));
	write_plot_script(f, soak, title);
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		snprintf(why, why_size, "cannot write %s", path);
		return err;
	}
	return harness_gnuplot_run(dir, "soak.gp", 1, why, why_size);
}

void harness_soak_print_sample(const struct harness_soak *soak,
			       const char *backend, FILE *out)
{
	if (!soak->sample_count)
		return;
	const struct harness_soak_sample *s =
	    &soak->samples[soak->sample_count - 1];
	char at[32], length[32], live[32], held[32];
	char server[32], client[32], kernel[32];
	harness_soak_format_time(s->elapsed_s, at, sizeof(at));
	harness_soak_format_time(soak->duration_s, length, sizeof(length));
	harness_format_count(s->server_live, live, sizeof(live));
	harness_format_count(s->client_established, held, sizeof(held));
	harness_format_bytes(s->server_user_bytes, server, sizeof(server));
	harness_format_bytes(s->client_user_bytes, client, sizeof(client));
	harness_format_bytes(s->kernel_bytes, kernel, sizeof(kernel));
	fprintf(out,
		"%s soak %s/%s: server holds %s, client %s (%" PRIu64
		" closed); server PSS %s, client %s, kernel %s",
		backend, at, length, live, held, s->client_closed, server,
		client, kernel);
	if (s->loaded)
		fprintf(out,
			"; load %.0f msg/s achieved of %.0f, %" PRIu64
			" errors, rtt p99 %.0f us",
			s->load.achieved_per_s, soak->load_rate, s->load.errors,
			s->load.rtt_p99_us);
	fprintf(out, "\n");
	fflush(out);
}

/* A byte rate's size for people: "7.0 B", "12.3 KiB". */
static void format_magnitude(double value, char *text, size_t text_size)
{
	value = fabs(value);
	if (value < 1024)
		snprintf(text, text_size, "%.1f B", value);
	else
		harness_format_bytes((uint64_t)llround(value), text, text_size);
}

/* A slope's verdict in words: beyond the noise it grew or it fell. */
static const char *slope_verdict(const struct harness_soak_trend *fit)
{
	if (!harness_soak_slope_beyond_noise(fit))
		return "within 2 standard errors of 0, no growth shown";
	return fit->slope_per_s > 0 ? "beyond 2 standard errors, memory grew"
				    : "beyond 2 standard errors, memory fell";
}

/* "server PSS slope +12.3 B/s (+43.2 KiB per hour; ...)", and its
 * anonymous part; or why there is no slope. */
static void print_slope(const struct harness_soak *soak, const char *backend,
			FILE *out)
{
	const struct harness_soak_trend *p = &soak->server,
					*a = &soak->server_anon;
	if (!p->valid) {
		fprintf(out,
			"%s: soak: server PSS slope not given: %zu samples, a "
			"slope needs %d or more\n",
			backend, p->points, HARNESS_SOAK_MIN_FIT_POINTS);
		return;
	}
	char per_s[48], per_h[48], error[48], spread[48], messages[32];
	format_signed(p->slope_per_s, per_s, sizeof(per_s));
	format_signed(p->slope_per_s * 3600, per_h, sizeof(per_h));
	format_magnitude(p->slope_stderr, error, sizeof(error));
	format_magnitude(p->residual_rms, spread, sizeof(spread));
	harness_format_count(soak->messages, messages, sizeof(messages));
	fprintf(out,
		"%s: soak: server PSS slope %s/s (%s per hour; least squares "
		"over %zu samples, r2 %.2f, standard error %s/s, spread %s: "
		"%s)",
		backend, per_s, per_h, p->points, p->r2, error, spread,
		slope_verdict(p));
	if (soak->have_bytes_per_message)
		fprintf(out,
			"; over %s echoed messages that is %.4f B per "
			"message",
			messages, soak->bytes_per_message);
	char anon[48], kernel[48];
	format_signed(a->slope_per_s, anon, sizeof(anon));
	format_magnitude(a->slope_stderr, error, sizeof(error));
	format_signed(soak->kernel.slope_per_s, kernel, sizeof(kernel));
	fprintf(out,
		"\n%s: soak: its anonymous part (heap; PSS also moves with the "
		"library pages it shares with other processes) %s/s, standard "
		"error %s/s: %s",
		backend, anon, error, slope_verdict(a));
	if (soak->have_bytes_per_message)
		fprintf(out, ", %.4f B per message",
			soak->anon_bytes_per_message);
	fprintf(out, "; kernel %s/s (system-wide)\n", kernel);
}

void harness_soak_print_summary(const struct harness_soak *soak,
				const char *backend, FILE *out)
{
	if (!soak->started)
		return;
	char length[32], target[32], load[96] = "";
	harness_soak_format_time(soak->elapsed_s, length, sizeof(length));
	harness_format_count(soak->target, target, sizeof(target));
	if (soak->load_rate > 0)
		snprintf(load, sizeof(load),
			 "; load %.0f msg/s in %.0f s windows, at most %.1f ms "
			 "between two",
			 soak->load_rate, soak->interval_s,
			 soak->max_gap_s * 1e3);
	char lost[32];
	harness_format_count(soak->connections_lost, lost, sizeof(lost));
	fprintf(out,
		"%s: soak %s %s at %s connections (%zu samples every %.0f "
		"s%s): %s connections lost, %" PRIu64 " errors, %" PRIu64
		" mismatches\n",
		backend, soak->completed ? "held" : "stopped after", length,
		target, soak->sample_count, soak->interval_s, load, lost,
		soak->errors, soak->mismatches);
	print_slope(soak, backend, out);
}
