/* harness_step.c - one step of a sweep, as a list of named parts: the
 * ramp to the step's count (grow, settle, measure, CPU per accept), a
 * closed-loop echo round (--echo), the fixed-rate load (--load), and at
 * the end the liveness check of every connection.
 *
 * CPU per operation is taken over windows that hold only that operation:
 * the ramp's window opens just before `grow` and closes when the server
 * has settled; a load's window is the load itself. Those figures hold
 * whoever was the bottleneck, which a connect rate does not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_format.h"
#include "harness_json.h"
#include "harness_sweep_internal.h"

#define SETTLE_TIMEOUT_S 15.0
/* How long a load may run past its window: the client drains what is in
 * flight for at most 10 s, and the reply must come in the end. */
#define LOAD_REPLY_SLACK_S 30.0

struct cpu_mark {
	double server, client;
};

static struct cpu_mark cpu_now(struct sweep *s)
{
	pid_t server_pids[HARNESS_MAX_PIDS];
	size_t n = harness_server_pids(s->server.pid, &s->stats, server_pids,
				       HARNESS_MAX_PIDS);
	struct cpu_mark m;
	harness_sample_cpu(server_pids, n, s->client.pids, s->client.pid_count,
			   &m.server, &m.client);
	return m;
}

static double per_op_us(double seconds, uint64_t operations)
{
	return operations ? seconds * 1e6 / (double)operations : 0.0;
}

static void measure(struct sweep *s, struct harness_step *step,
		    struct harness_sample *sample)
{
	pid_t server_pids[HARNESS_MAX_PIDS];
	size_t server_count = harness_server_pids(
	    s->server.pid, &s->stats, server_pids, HARNESS_MAX_PIDS);
	harness_sample_take(server_pids, server_count, s->client.pids,
			    s->client.pid_count, sample);
	const struct harness_sample *before = &s->run->before;
	step->server_user_bytes = sample->server_pss;
	step->client_user_bytes = sample->client_pss;
	step->kernel_bytes =
	    sample->slab > before->slab ? sample->slab - before->slab : 0;
	step->kernel_object_bytes =
	    sample->slab_objects > before->slab_objects
		? sample->slab_objects - before->slab_objects
		: 0;
	step->tcp_mem_bytes = sample->tcp_mem > before->tcp_mem
				  ? sample->tcp_mem - before->tcp_mem
				  : 0;
	step->listen_overflows =
	    sample->listen_overflows - before->listen_overflows;
	step->listen_drops = sample->listen_drops - before->listen_drops;
	step->server_processes = sample->server_processes;
	step->client_processes = sample->client_processes;
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	step->server_live = t.live;
	harness_step_per_connection(step);
	step->wall_s = mcs_now_seconds() - s->started;
}

/* Wait until the server holds what the client established and accepts
 * stop moving. Returns 0, or -errno with why. */
static int settle(struct sweep *s, uint64_t established, char *why,
		  size_t why_size)
{
	double deadline = mcs_now_seconds() + SETTLE_TIMEOUT_S;
	uint64_t last_accepts = UINT64_MAX;
	int quiet = 0, fds_checked = 0;
	struct mcs_stats_total t;
	for (;;) {
		int err = harness_sweep_check(s, why, why_size);
		if (err)
			return err;
		mcs_stats_sum(&s->stats, &t);
		quiet = t.accepts == last_accepts ? quiet + 1 : 0;
		last_accepts = t.accepts;
		if (t.live == established && quiet >= 2)
			return 0;
		/* Short, and no accept for 2 s: a worker out of
		 * descriptors? */
		if (t.live < established && quiet >= 40 && !fds_checked) {
			fds_checked = 1;
			err = harness_check_fds_full(s, why, why_size);
			if (err)
				return err;
		}
		if (mcs_now_seconds() > deadline)
			break;
		usleep(50000);
	}
	if (t.live < established) {
		snprintf(why, why_size,
			 "the server holds %" PRIu64 " connections but the "
			 "client has %" PRIu64 " established after %.0f s: "
			 "%" PRIu64 " were lost (accept errors %" PRIu64
			 ", fd limit %" PRIu64 ", over capacity %" PRIu64 ")",
			 t.live, established, SETTLE_TIMEOUT_S,
			 established - t.live, t.accept_errors,
			 t.accept_fd_limit, t.over_capacity);
		return -EPROTO;
	}
	char text[256];
	snprintf(text, sizeof(text),
		 "at %" PRIu64 " established the server counted %" PRIu64
		 " live connections",
		 established, t.live);
	harness_run_warn(s->run, text);
	return 0;
}

/* Memory once traffic has run (echo or load): server and client PSS and
 * Slab growth, without touching the step's own idle figures. */
static void measure_memory_after(struct sweep *s,
				 const struct harness_step *step,
				 uint64_t *server, uint64_t *client,
				 uint64_t *kernel)
{
	struct harness_step after = *step;
	struct harness_sample sample;
	measure(s, &after, &sample);
	*server = after.server_user_bytes;
	*client = after.client_user_bytes;
	*kernel = after.kernel_bytes;
}

static int echo_round(struct sweep *s, struct harness_step *step, char *why,
		      size_t why_size)
{
	uint64_t count = s->o->echo_sample < step->established
			     ? s->o->echo_sample
			     : step->established;
	char command[64];
	snprintf(command, sizeof(command), "echo %" PRIu64 " %u", count,
		 s->o->echo_size);
	struct cpu_mark before = cpu_now(s);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "echo", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	struct cpu_mark after_cpu = cpu_now(s);
	step->echoed = 1;
	step->echo_messages = (uint64_t)harness_json_double(reply, "messages");
	step->echo_errors =
	    (uint64_t)(harness_json_double(reply, "errors") +
		       harness_json_double(reply, "mismatches"));
	step->echo_msgs_per_s = harness_json_double(reply, "msgs_per_s");
	harness_json_latency(json_object_get(reply, "rtt_us"), &step->echo_rtt);
	json_decref(reply);
	step->echo_server_cpu_us_per_msg =
	    per_op_us(after_cpu.server - before.server, step->echo_messages);
	step->echo_client_cpu_us_per_msg =
	    per_op_us(after_cpu.client - before.client, step->echo_messages);
	measure_memory_after(s, step, &step->server_user_bytes_after_echo,
			     &step->client_user_bytes_after_echo,
			     &step->kernel_bytes_after_echo);
	return harness_step_check_echo(step, count, why, why_size);
}

static void read_load_reply(const json_t *reply, struct harness_load *l)
{
	l->offered_per_s = harness_json_double(reply, "offered_per_s");
	l->sent_per_s = harness_json_double(reply, "sent_per_s");
	l->achieved_per_s = harness_json_double(reply, "achieved_per_s");
	l->duration_s = harness_json_double(reply, "duration_s");
	l->connections = (uint64_t)harness_json_double(reply, "connections");
	l->due = (uint64_t)harness_json_double(reply, "due");
	l->messages = (uint64_t)harness_json_double(reply, "messages");
	l->late = (uint64_t)harness_json_double(reply, "late");
	l->errors = (uint64_t)harness_json_double(reply, "errors");
	l->mismatches = (uint64_t)harness_json_double(reply, "mismatches");
	l->client_could_not_offer =
	    json_is_true(json_object_get(reply, "client_could_not_offer")) ||
	    l->sent_per_s < 0.98 * l->offered_per_s;
	harness_json_latency(json_object_get(reply, "rtt_us"), &l->rtt);
}

/* --load: RATE messages/s spread over every held connection for the
 * load's duration, then measure memory again. A load the server cannot
 * sustain is a result (achieved below offered, late messages), not a
 * failure; wrong bytes are. */
static int load_round(struct sweep *s, struct harness_step *step, char *why,
		      size_t why_size)
{
	const struct harness_options *o = s->o;
	char command[96];
	snprintf(command, sizeof(command), "load %.0f %u %.3f", o->load_rate,
		 o->load_size, o->load_duration);
	struct cpu_mark before = cpu_now(s);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "load", o->load_duration + LOAD_REPLY_SLACK_S,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	struct cpu_mark after_cpu = cpu_now(s);
	struct harness_load *l = &step->load;
	step->loaded = 1;
	read_load_reply(reply, l);
	json_decref(reply);
	l->server_cpu_s = after_cpu.server - before.server;
	l->client_cpu_s = after_cpu.client - before.client;
	l->server_cpu_us_per_msg = per_op_us(l->server_cpu_s, l->messages);
	l->client_cpu_us_per_msg = per_op_us(l->client_cpu_s, l->messages);
	measure_memory_after(s, step, &l->server_user_bytes_after,
			     &l->client_user_bytes_after,
			     &l->kernel_bytes_after);
	err = harness_step_check_load(step, o->load_rate, why, why_size);
	if (err)
		return err;
	if (l->client_could_not_offer) {
		char text[384];
		snprintf(text, sizeof(text),
			 "at %" PRIu64 " connections the client could not "
			 "offer the load: it sent %.0f of %.0f msg/s, so the "
			 "latency there measures the client too",
			 step->connections, l->sent_per_s, l->offered_per_s);
		harness_run_warn(s->run, text);
	}
	return 0;
}

/* `grow N`: the client's figures for the step. */
static int ramp(struct sweep *s, struct harness_step *step, char *why,
		size_t why_size)
{
	char command[64];
	snprintf(command, sizeof(command), "grow %" PRIu64, step->connections);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "step", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	step->established = (uint64_t)harness_json_double(reply, "established");
	step->failed = (uint64_t)harness_json_double(reply, "failed");
	step->elapsed_s = harness_json_double(reply, "elapsed_s");
	step->connect_rate = harness_json_double(reply, "connect_rate");
	harness_json_latency(json_object_get(reply, "connect_latency_us"),
			     &step->connect_latency);
	json_t *failures = json_object_get(reply, "failures");
	step->failures =
	    json_is_object(failures) ? json_incref(failures) : json_object();
	harness_client_take_pids(&s->client, reply);
	json_decref(reply);
	return 0;
}

/* The step's CPU: per accept and per connect over the ramp's window, and
 * everything since the previous step's measurement. */
static void account_cpu(struct sweep *s, struct harness_step *step,
			const struct cpu_mark *ramp_start,
			uint64_t accepts_before,
			const struct harness_sample *sample)
{
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	step->accepted = t.accepts - accepts_before;
	step->server_ramp_cpu_s = sample->server_cpu - ramp_start->server;
	step->client_ramp_cpu_s = sample->client_cpu - ramp_start->client;
	uint64_t connected = step->established > s->previous_established
				 ? step->established - s->previous_established
				 : 0;
	harness_step_ramp_cpu(step, connected);
	step->server_cpu_s = sample->server_cpu - s->previous.server_cpu;
	step->client_cpu_s = sample->client_cpu - s->previous.client_cpu;
	s->previous = *sample;
	s->previous_established = step->established;
	s->run->server_cpu_total_s = sample->server_cpu;
	s->run->client_cpu_total_s = sample->client_cpu;
}

/* why for a step that ended short of its target, failures by errno. */
static int short_step(struct harness_step *step, char *why, size_t why_size)
{
	char reasons[256] = "";
	size_t used = 0;
	const char *key;
	json_t *value;
	json_object_foreach(step->failures, key, value)
	{
		used += (size_t)snprintf(
		    reasons + used,
		    used < sizeof(reasons) ? sizeof(reasons) - used : 0,
		    "%s%s %" JSON_INTEGER_FORMAT, used ? ", " : "", key,
		    json_integer_value(value));
		if (used >= sizeof(reasons))
			break;
	}
	snprintf(why, why_size,
		 "target not reached: %" PRIu64 " of %" PRIu64
		 " established, %" PRIu64 " connects failed%s%s%s",
		 step->established, step->connections, step->failed,
		 reasons[0] ? " (" : "", reasons, reasons[0] ? ")" : "");
	return -EPROTO;
}

int harness_measure_baseline(struct sweep *s, char *why, size_t why_size)
{
	int err = settle(s, 0, why, why_size);
	if (err)
		return err;
	measure(s, &s->run->baseline, &s->previous);
	harness_take_slab_point(s, 0);
	s->run->have_baseline = 1;
	return 0;
}

int harness_grow_step(struct sweep *s, uint64_t target, int *paused, char *why,
		      size_t why_size)
{
	struct harness_run *run = s->run;
	struct harness_step *step = &run->steps[run->step_count];
	memset(step, 0, sizeof(*step));
	step->connections = target;
	s->step_target = target;
	s->step_started = mcs_now_seconds();
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	uint64_t accepts_before = t.accepts;
	struct cpu_mark ramp_start = cpu_now(s);
	int err = ramp(s, step, why, why_size);
	if (err)
		return err;

	/* Measure what there is, even if the step fell short. */
	err = settle(s, step->established, why, why_size);
	struct harness_sample sample;
	measure(s, step, &sample);
	account_cpu(s, step, &ramp_start, accepts_before, &sample);
	run->step_count++;
	harness_take_slab_point(s, run->step_count);
	if (err)
		return err;
	if (step->established < target) {
		harness_print_step(s, step);
		return short_step(step, why, why_size);
	}
	int last = s->step_index + 1 == run->planned_step_count;
	if (s->o->echo || (s->o->echo_last && last))
		err = echo_round(s, step, why, why_size);
	if (!err && s->o->load_rate > 0)
		err = load_round(s, step, why, why_size);
	if (err)
		return err;
	harness_print_step(s, step);
	if (s->o->pause_at && !*paused && target >= s->o->pause_at) {
		*paused = 1;
		err = harness_pause(s, step, why, why_size);
		if (err)
			return err;
	}
	return 0;
}

int harness_verify_all(struct sweep *s, char *why, size_t why_size)
{
	struct harness_run *run = s->run;
	json_t *reply;
	s->step_target = 0;
	int err = harness_client_request(
	    &s->client, "verify", "verify", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	run->verified = 1;
	run->verify_checked = (uint64_t)harness_json_double(reply, "checked");
	run->verify_alive = (uint64_t)harness_json_double(reply, "alive");
	run->verify_dead = (uint64_t)harness_json_double(reply, "dead");
	run->verify_elapsed_s = harness_json_double(reply, "elapsed_s");
	json_decref(reply);
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	err = harness_run_check_verify(run, t.live, why, why_size);
	if (err)
		return err;
	char alive[32];
	harness_format_count(run->verify_alive, alive, sizeof(alive));
	printf("%s verify: all %s connections established and answering "
	       "(%.1f s)\n",
	       run->backend, alive, run->verify_elapsed_s);
	return 0;
}
