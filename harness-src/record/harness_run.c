/* harness_run.c - the run record's operations, shared by a local and a
 * multi-host sweep: how a run ended, its warnings, a step's derived
 * figures, the echo, load and liveness verdicts, the fit, and the run's
 * folder (harness_run.h). */
#include "harness_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "harness_file.h"
#include "harness_json.h"
#include "harness_fit.h"
#include "harness_signal.h"

const char *harness_run_status_name(enum harness_run_status status)
{
	switch (status) {
	case HARNESS_RUN_COMPLETE: return "complete";
	case HARNESS_RUN_LIMITED: return "limited";
	case HARNESS_RUN_FAILED: return "failed";
	case HARNESS_RUN_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}

void harness_run_warn(struct harness_run *run, const char *text)
{
	if (run->warning_count <
	    sizeof(run->warnings) / sizeof(run->warnings[0]))
		snprintf(run->warnings[run->warning_count++],
			 sizeof(run->warnings[0]), "%s", text);
}

int harness_run_record_end(struct harness_run *run, int err, size_t step_index,
			   const char *why)
{
	if (!err) {
		run->status = run->plan.limited ? HARNESS_RUN_LIMITED
						: HARNESS_RUN_COMPLETE;
		return 0;
	}
	int sig = harness_stop_signal();
	run->status = sig ? HARNESS_RUN_INTERRUPTED : HARNESS_RUN_FAILED;
	run->signal = sig;
	run->failed_step = (int)step_index + 1;
	run->failed_connections = step_index < run->planned_step_count
				      ? run->planned_steps[step_index]
				      : run->plan.target;
	snprintf(run->failure, sizeof(run->failure), "%s", why);
	return sig ? 128 + sig : 1;
}

void harness_step_per_connection(struct harness_step *step)
{
	if (!step->connections)
		return;
	double n = (double)step->connections;
	step->user_bytes_per_conn = step->server_user_bytes / n;
	step->client_user_bytes_per_conn = step->client_user_bytes / n;
	step->kernel_bytes_per_conn = step->kernel_bytes / n;
	step->kernel_object_bytes_per_conn = step->kernel_object_bytes / n;
}

int harness_client_busier(double client_s, double server_s, double device_s)
{
	double own = client_s - device_s, server_side = server_s + device_s;
	return own > server_side && own > 0.1;
}

double harness_step_client_own_us(const struct harness_step *step)
{
	return step->client_cpu_us_per_connect -
	       step->device_write_cpu_us_per_connect;
}

void harness_step_ramp_cpu(struct harness_step *step, uint64_t connected)
{
	step->server_cpu_us_per_accept =
	    step->accepted ? step->server_ramp_cpu_s * 1e6 / step->accepted : 0;
	step->client_cpu_us_per_connect =
	    connected ? step->client_ramp_cpu_s * 1e6 / connected : 0;
	step->device_write_cpu_us_per_connect =
	    connected ? step->device_write_ramp_cpu_s * 1e6 / connected : 0;
	step->client_bound = harness_client_busier(
	    step->client_ramp_cpu_s, step->server_ramp_cpu_s,
	    step->device_write_ramp_cpu_s);
}

const char *harness_client_kind_name(enum harness_client_kind kind)
{
	return kind == HARNESS_CLIENT_TUN ? "tun" : "kernel";
}

const char *harness_kernel_scope(const struct harness_run *run)
{
	return run->client_kind == HARNESS_CLIENT_TUN ? "server" : "both ends";
}

void harness_step_tun_bound(struct harness_step *step, unsigned cores,
			    unsigned threads, double window_s)
{
	double wall = window_s;
	double busy = 0.9 * wall * (threads ? threads : 1);
	step->client_bound |= wall > 0 && step->client_ramp_cpu_s > 0.1 &&
			      step->client_ramp_cpu_s >= busy &&
			      step->machine_ramp_cpu_s < 0.9 * cores * wall;
}

void harness_load_add_reply(struct harness_load *l, const json_t *reply)
{
	l->offered_per_s += harness_json_double(reply, "offered_per_s");
	l->sent_per_s += harness_json_double(reply, "sent_per_s");
	l->achieved_per_s += harness_json_double(reply, "achieved_per_s");
	l->duration_s = harness_json_double(reply, "duration_s");
	l->connections += harness_json_u64(reply, "connections");
	l->due += harness_json_u64(reply, "due");
	l->messages += harness_json_u64(reply, "messages");
	l->late += harness_json_u64(reply, "late");
	l->errors += harness_json_u64(reply, "errors");
	l->mismatches += harness_json_u64(reply, "mismatches");
	l->client_could_not_offer |=
	    json_is_true(json_object_get(reply, "client_could_not_offer"));
}

int harness_step_check_echo(const struct harness_step *step, uint64_t count,
			    char *why, size_t why_size)
{
	if (!step->echo_errors)
		return 0;
	snprintf(why, why_size,
		 "echo over %" PRIu64 " connections: %" PRIu64
		 " errors or mismatched replies",
		 count, step->echo_errors);
	return -EPROTO;
}

int harness_step_check_load(const struct harness_step *step, double rate,
			    char *why, size_t why_size)
{
	if (!step->load.mismatches)
		return 0;
	snprintf(why, why_size,
		 "load of %.0f msg/s: %" PRIu64 " echoes came back "
		 "with wrong bytes: the server corrupts data",
		 rate, step->load.mismatches);
	return -EPROTO;
}

int harness_run_check_verify(const struct harness_run *run,
			     uint64_t server_live, char *why, size_t why_size)
{
	if (run->verify_alive == run->plan.target && !run->verify_dead)
		return 0;
	snprintf(why, why_size,
		 "liveness check: %" PRIu64 " of %" PRIu64
		 " connections answered, %" PRIu64 " dead (server "
		 "holds %" PRIu64 ")",
		 run->verify_alive, run->plan.target, run->verify_dead,
		 server_live);
	return -EPROTO;
}

void harness_step_keep_histogram(struct harness_step *step, const char *name,
				 json_t *hist)
{
	if (!hist)
		return;
	if (!step->histograms)
		step->histograms = json_object();
	json_object_set_new(step->histograms, name, hist);
}

/* A slope whose points are not on a line, said as a warning. */
static void warn_low_r2(struct harness_run *run, const char *what,
			const struct harness_fit *fit)
{
	if (!(fit->r2 < HARNESS_FIT_R2_MIN))
		return;
	char text[320];
	snprintf(text, sizeof(text),
		 "the %s fit is not a straight line (r2 %.3f, below %.2f; "
		 "slope %.1f B per connection): it did not grow with the "
		 "count alone, so read the per-step figures before the slope",
		 what, fit->r2, HARNESS_FIT_R2_MIN, fit->slope);
	harness_run_warn(run, text);
}

/* A point's server (or client) user memory once its traffic ended:
 * after the load, else after the echo, else its idle figure. */
static uint64_t user_after_traffic(const struct harness_step *s, int client)
{
	if (s->loaded)
		return client ? s->load.client_user_bytes_after
			      : s->load.server_user_bytes_after;
	if (s->echoed)
		return client ? s->client_user_bytes_after_echo
			      : s->server_user_bytes_after_echo;
	return client ? s->client_user_bytes : s->server_user_bytes;
}

/* The memory the ramps alone added, point by point: the first point's
 * idle figure, then each step adds what grew from the end of the last
 * point's traffic to its own idle measurement, when only connections were
 * made. Pages an echo or load round touched (a shared buffer ring, say)
 * stay out; with no traffic at all this is each point's idle figure. */
static void ramp_only_user(const struct harness_step *const *points, size_t n,
			   int client, double *y)
{
	for (size_t i = 0; i < n; i++) {
		double idle = (double)(client ? points[i]->client_user_bytes
					      : points[i]->server_user_bytes);
		y[i] = i ? y[i - 1] + idle -
			       (double)user_after_traffic(points[i - 1], client)
			 : idle;
	}
}

void harness_run_fit(struct harness_run *run)
{
	double x[HARNESS_MAX_STEPS + 1], user[HARNESS_MAX_STEPS + 1];
	double client[HARNESS_MAX_STEPS + 1], kernel[HARNESS_MAX_STEPS + 1];
	double objects[HARNESS_MAX_STEPS + 1], after[HARNESS_MAX_STEPS + 1];
	size_t n = 0;
	const struct harness_step *points[HARNESS_MAX_STEPS + 1];
	if (run->have_baseline)
		points[n++] = &run->baseline;
	for (size_t i = 0; i < run->step_count; i++)
		points[n++] = &run->steps[i];
	run->had_traffic = 0;
	for (size_t i = 0; i < n; i++) {
		/* Fit against what the server really held. */
		x[i] = (double)points[i]->server_live;
		kernel[i] = (double)points[i]->kernel_bytes;
		objects[i] = (double)points[i]->kernel_object_bytes;
		after[i] = (double)user_after_traffic(points[i], 0);
		run->had_traffic |= points[i]->loaded || points[i]->echoed;
	}
	ramp_only_user(points, n, 0, user);
	ramp_only_user(points, n, 1, client);
	run->have_fit = harness_fit_linear(x, user, n, &run->user_fit) == 0;
	harness_fit_linear(x, client, n, &run->client_fit);
	harness_fit_linear(x, kernel, n, &run->kernel_fit);
	harness_fit_linear(x, objects, n, &run->kernel_object_fit);
	if (run->had_traffic)
		harness_fit_linear(x, after, n, &run->user_after_traffic_fit);
	if (run->have_fit && harness_run_fit_meaningful(run, NULL, 0)) {
		warn_low_r2(run, "server user memory", &run->user_fit);
		warn_low_r2(run, "kernel memory", &run->kernel_fit);
	}
}

int harness_run_fit_meaningful(const struct harness_run *run, char *why,
			       size_t why_size)
{
	uint64_t last =
	    run->step_count ? run->steps[run->step_count - 1].server_live : 0;
	return harness_fit_meaningful(run->user_fit.points, last, why,
				      why_size);
}

int harness_make_run_dir(struct harness_run *run, const char *out)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(run->started_at, sizeof(run->started_at), "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (int attempt = 0; attempt < 100; attempt++) {
		if (attempt)
			snprintf(run->run_id, sizeof(run->run_id), "%s-%d",
				 stamp, attempt);
		else
			snprintf(run->run_id, sizeof(run->run_id), "%s", stamp);
		int len = snprintf(run->dir, sizeof(run->dir), "%s/%s/%s", out,
				   run->backend, run->run_id);
		if (len >= (int)sizeof(run->dir))
			return -ENAMETOOLONG;
		struct stat st;
		if (stat(run->dir, &st) == 0)
			continue;
		return harness_make_dirs(run->dir);
	}
	return -EEXIST;
}
