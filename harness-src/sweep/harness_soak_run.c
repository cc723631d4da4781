/* harness_soak_run.c - the soak's loop (--soak DURATION): hold the last
 * step, sample every HARNESS_SOAK_INTERVAL_S, and with --load keep the
 * load running as consecutive windows of that length.
 *
 * Each sample asks the client for its counts (`status`, answered at once),
 * reads the server's live count from its shared stats, judges them, then
 * starts the next load window before reading memory (smaps_rollup of
 * every process takes a while at large counts; the window need not wait
 * for it). So between two windows nothing is scheduled only for the
 * previous window's drain plus one `status` round trip; each window's
 * gap_s records it. Between samples the server's count is watched every
 * 250 ms, with the sweep's own checks (signals, a process gone, memory).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_format.h"
#include "harness_json.h"
#include "harness_soak.h"
#include "harness_sweep_internal.h"

#define STATUS_TIMEOUT_S 30.0
/* As harness_step.c: the drain takes at most 10 s, and the reply must
 * come in the end. */
#define LOAD_REPLY_SLACK_S 30.0
/* How long a fall of the server's count waits for a process's exit to
 * show (see soak_waiter). */
#define LOSS_GRACE_S 1.0
/* Less than this left of the soak: it is over. */
#define END_SLACK_S 0.05

struct soak_state {
	struct sweep *s;
	struct harness_soak *soak;
	double started, end;
	struct mcs_stats_total at_start;      /* the server's counters then */
	double window_started, window_length; /* the load window running */
	double gap_s;			      /* before that window */
};

static double elapsed(const struct soak_state *st)
{
	return mcs_now_seconds() - st->started;
}

/* why for a server count below the target, with what the server counted
 * closing since the soak began. */
static void describe_loss(const struct soak_state *st,
			  const struct mcs_stats_total *t, char *why,
			  size_t why_size)
{
	char at[32], live[32], target[32];
	harness_soak_format_time(elapsed(st), at, sizeof(at));
	harness_format_count(t->live, live, sizeof(live));
	harness_format_count(st->soak->target, target, sizeof(target));
	const struct mcs_stats_total *a = &st->at_start;
	snprintf(why, why_size,
		 "soak: at %s the server holds %s of %s connections: %" PRIu64
		 " lost (since the soak began the server closed %" PRIu64
		 ", saw %" PRIu64 " resets, %" PRIu64 " read and %" PRIu64
		 " write errors)",
		 at, live, target, st->soak->target - t->live,
		 t->closes - a->closes, t->resets - a->resets,
		 t->read_errors - a->read_errors,
		 t->write_errors - a->write_errors);
}

/* The sweep's checks; a process gone takes its connections along. */
static int sweep_check(struct soak_state *st, char *why, size_t why_size)
{
	int err = harness_sweep_check(st->s, why, why_size);
	if (err == -ECHILD)
		st->soak->lost_between_samples = st->soak->target;
	return err;
}

/* Connections went missing: a worker killed outright leaves its count in
 * the stats as it was, and the server then stops the others, whose
 * counts fall first. So give a process's exit LOSS_GRACE_S to show, which
 * explains the loss better: -errno with why if it does, else 0. */
static int process_gone(struct soak_state *st, char *why, size_t why_size)
{
	for (double waited = 0; waited < LOSS_GRACE_S; waited += 0.25) {
		usleep(250000);
		int err = sweep_check(st, why, why_size);
		if (err)
			return err;
	}
	return 0;
}

/* harness_waiter while the soak waits: the sweep's checks, then the
 * server's count against the target. */
static int soak_waiter(void *context, char *why, size_t why_size)
{
	struct soak_state *st = context;
	struct harness_soak *soak = st->soak;
	int err = sweep_check(st, why, why_size);
	if (err)
		return err;
	struct mcs_stats_total t;
	mcs_stats_sum(&st->s->stats, &t);
	if (t.live >= soak->target)
		return 0;
	err = process_gone(st, why, why_size);
	if (err)
		return err;
	mcs_stats_sum(&st->s->stats, &t);
	if (soak->target - t.live > soak->lost_between_samples)
		soak->lost_between_samples = soak->target - t.live;
	describe_loss(st, &t, why, why_size);
	return -EPROTO;
}

/* The client's counts (`status`) and the server's, now. */
static int counts_now(struct soak_state *st, struct harness_soak_sample *sample,
		      char *why, size_t why_size)
{
	struct sweep *s = st->s;
	json_t *reply;
	int err = harness_client_request(&s->client, "status", "status",
					 STATUS_TIMEOUT_S, soak_waiter, st,
					 &reply, why, why_size);
	if (err)
		return err;
	memset(sample, 0, sizeof(*sample));
	sample->elapsed_s = elapsed(st);
	sample->client_established =
	    (uint64_t)harness_json_double(reply, "established");
	sample->client_closed = (uint64_t)harness_json_double(reply, "closed");
	json_decref(reply);
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	sample->server_live = t.live;
	return 0;
}

/* PSS of every server and client process and Slab growth, as the steps
 * measure them. */
static void memory_now(struct soak_state *st,
		       struct harness_soak_sample *sample)
{
	struct sweep *s = st->s;
	pid_t server_pids[HARNESS_MAX_PIDS];
	size_t n = harness_server_pids(s->server.pid, &s->stats, server_pids,
				       HARNESS_MAX_PIDS);
	struct harness_sample m;
	harness_sample_take(server_pids, n, s->client.pids, s->client.pid_count,
			    &m);
	const struct harness_sample *before = &s->run->before;
	sample->server_user_bytes = m.server_pss;
	sample->server_anon_bytes = m.server_pss_anon;
	sample->client_user_bytes = m.client_pss;
	sample->kernel_bytes =
	    m.slab > before->slab ? m.slab - before->slab : 0;
}

/* Seconds until the next sample (a load window's length): the interval,
 * or what is left of the soak; 0 when it is over (with load, also when
 * less than a useful window is left). */
static double next_length(const struct soak_state *st)
{
	double left = st->end - mcs_now_seconds();
	double least =
	    st->soak->load_rate > 0 ? HARNESS_SOAK_MIN_WINDOW_S : END_SLACK_S;
	if (left < least)
		return 0;
	return left < st->soak->interval_s ? left : st->soak->interval_s;
}

static int start_window(struct soak_state *st, double length, char *why,
			size_t why_size)
{
	const struct harness_options *o = st->s->o;
	char command[96];
	snprintf(command, sizeof(command), "load %.0f %u %.3f\n", o->load_rate,
		 o->load_size, length);
	double now = mcs_now_seconds();
	st->gap_s = st->window_started > 0
			? now - (st->window_started + st->window_length)
			: 0;
	st->window_started = now;
	st->window_length = length;
	int err = mcs_child_write(&st->s->client.child, command);
	if (err)
		harness_client_describe_exit(&st->s->client, why, why_size);
	return err;
}

static int await_window(struct soak_state *st, struct harness_soak_window *w,
			char *why, size_t why_size)
{
	json_t *reply;
	int err =
	    harness_client_request(&st->s->client, NULL, "load",
				   st->window_length + LOAD_REPLY_SLACK_S,
				   soak_waiter, st, &reply, why, why_size);
	if (err)
		return err;
	memset(w, 0, sizeof(*w));
	w->duration_s = harness_json_double(reply, "duration_s");
	w->sent_per_s = harness_json_double(reply, "sent_per_s");
	w->achieved_per_s = harness_json_double(reply, "achieved_per_s");
	w->due = (uint64_t)harness_json_double(reply, "due");
	w->messages = (uint64_t)harness_json_double(reply, "messages");
	w->late = (uint64_t)harness_json_double(reply, "late");
	w->errors = (uint64_t)harness_json_double(reply, "errors");
	w->mismatches = (uint64_t)harness_json_double(reply, "mismatches");
	w->rtt_p99_us =
	    harness_json_double(json_object_get(reply, "rtt_us"), "p99");
	double drain = harness_json_double(reply, "elapsed_s") - w->duration_s;
	w->drain_s = drain > 0 ? drain : 0;
	w->gap_s = st->gap_s;
	json_decref(reply);
	return 0;
}

/* Sleep until the next sample, watching. */
static int idle_until(struct soak_state *st, double when, char *why,
		      size_t why_size)
{
	for (;;) {
		int err = soak_waiter(st, why, why_size);
		if (err)
			return err;
		double left = when - mcs_now_seconds();
		if (left <= 0)
			return 0;
		usleep(left < 0.25 ? (useconds_t)(left * 1e6) : 250000);
	}
}

/* One sample (closing the load window that ran, if any), judged, and the
 * next window or wait. Returns 1 when the soak is over, 0 to go on, or
 * -errno with why. */
static int sample_and_go_on(struct soak_state *st,
			    const struct harness_soak_window *window, char *why,
			    size_t why_size)
{
	struct harness_soak_sample sample;
	int err = counts_now(st, &sample, why, why_size);
	if (err)
		return err;
	if (window) {
		sample.loaded = 1;
		sample.load = *window;
	}
	int failed =
	    harness_soak_check_sample(st->soak, &sample, why, why_size);
	if (failed) { /* a process gone explains it better, if it shows */
		char found[640];
		snprintf(found, sizeof(found), "%s", why);
		int gone = process_gone(st, why, why_size);
		if (gone)
			failed = gone;
		else
			snprintf(why, why_size, "%s", found);
	}
	double next = failed ? 0 : next_length(st);
	if (next > 0 && st->soak->load_rate > 0)
		err = start_window(st, next, why, why_size);
	memory_now(st, &sample);
	if (harness_soak_add_sample(st->soak, &sample) && !failed && !err) {
		snprintf(why, why_size, "soak: out of memory for its samples");
		err = -ENOMEM;
	}
	harness_soak_print_sample(st->soak, st->s->run->backend, stdout);
	if (failed || err)
		return failed ? failed : err;
	if (next <= 0)
		return 1;
	if (st->soak->load_rate > 0)
		return 0;
	return idle_until(st, mcs_now_seconds() + next, why, why_size);
}

static int soak_loop(struct soak_state *st, char *why, size_t why_size)
{
	int err = sample_and_go_on(st, NULL, why, why_size);
	while (err == 0) {
		struct harness_soak_window window;
		if (st->soak->load_rate > 0) {
			err = await_window(st, &window, why, why_size);
			if (err)
				break;
		}
		err = sample_and_go_on(st,
				       st->soak->load_rate > 0 ? &window : NULL,
				       why, why_size);
	}
	return err == 1 ? 0 : err;
}

static void announce(const struct soak_state *st)
{
	const struct harness_soak *soak = st->soak;
	char length[32], target[32], load[96] = "";
	harness_soak_format_time(soak->duration_s, length, sizeof(length));
	harness_format_count(soak->target, target, sizeof(target));
	if (soak->load_rate > 0)
		snprintf(load, sizeof(load),
			 ", load %.0f msg/s of %u B in %.0f s windows",
			 soak->load_rate, soak->load_size, soak->interval_s);
	printf("harness: %s: soak of %s at %s connections%s, a sample every "
	       "%.0f s\n",
	       st->s->run->backend, length, target, load, soak->interval_s);
	fflush(stdout);
}

int harness_soak_run(struct sweep *s, char *why, size_t why_size)
{
	struct harness_run *run = s->run;
	struct harness_soak *soak = &run->soak;
	harness_soak_init(soak, s->o->soak_s, run->plan.target, s->o->load_rate,
			  s->o->load_size);
	soak->started = 1;
	struct soak_state st = {.s = s, .soak = soak};
	st.started = mcs_now_seconds();
	st.end = st.started + soak->duration_s;
	mcs_stats_sum(&s->stats, &st.at_start);
	size_t step_index = s->step_index;
	s->step_index = run->planned_step_count - 1; /* fails as the last */
	s->step_target = 0; /* no "connected" progress line meanwhile */
	announce(&st);
	harness_sweep_phase(s, "soak");
	int err = soak_loop(&st, why, why_size);
	soak->elapsed_s = elapsed(&st);
	soak->completed = err == 0;
	harness_soak_summarize(soak);
	if (!err) {
		s->step_index = step_index;
		return 0;
	}
	if (strncmp(why, "soak", 4) != 0) {
		char at[32], cause[640];
		harness_soak_format_time(soak->elapsed_s, at, sizeof(at));
		snprintf(cause, sizeof(cause), "%s", why);
		snprintf(why, why_size, "soak at %s: %s", at, cause);
	}
	return err;
}
