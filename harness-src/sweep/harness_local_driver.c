/* harness_local_driver.c - the step algorithm's driver for processes on
 * this machine (harness_driver.h): the client told through its control
 * protocol (grow, echo, load, verify), the server's counters read from its
 * shared stats, memory and CPU from /proc, the slabinfo kept per step. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_driver.h"
#include "harness_format.h"
#include "harness_json.h"
#include "harness_measure.h"
#include "harness_run.h"
#include "harness_sweep_internal.h"
#include "mcs_clock.h"
#include "mcs_proc.h"

/* How long a load may run past its window: the client drains what is in
 * flight for at most 10 s, and the reply must come in the end. */
#define LOAD_REPLY_SLACK_S 30.0

static struct sweep_cpu_mark cpu_now(struct sweep *s)
{
	pid_t server_pids[HARNESS_MAX_PIDS];
	size_t n = harness_server_pids(s->server.pid, &s->stats, server_pids,
				       HARNESS_MAX_PIDS);
	struct sweep_cpu_mark m;
	harness_sample_cpu(server_pids, n, s->client.pids, s->client.pid_count,
			   &m.server, &m.client);
	m.machine = harness_machine_busy_s();
	m.device = s->client.device_write_cpu_s;
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

/* The client's full histogram key of reply, kept as name in the step. */
static void keep_histogram(struct harness_step *step, const char *name,
			   json_t *reply, const char *key)
{
	json_t *hist = json_object_get(reply, key);
	if (json_is_object(hist))
		harness_step_keep_histogram(step, name, json_incref(hist));
}

static int local_echo(void *driver, struct harness_step *step, uint64_t count,
		      char *why, size_t why_size)
{
	struct sweep *s = driver;
	char command[64];
	snprintf(command, sizeof(command), "echo %" PRIu64 " %u", count,
		 s->o->echo_size);
	harness_sweep_phase(s, "echo");
	struct sweep_cpu_mark before = cpu_now(s);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "echo", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	struct sweep_cpu_mark after_cpu = cpu_now(s);
	step->echo_messages = harness_json_u64(reply, "messages");
	step->echo_errors = harness_json_u64(reply, "errors") +
			    harness_json_u64(reply, "mismatches");
	step->echo_msgs_per_s = harness_json_double(reply, "msgs_per_s");
	harness_json_latency(json_object_get(reply, "rtt_us"), &step->echo_rtt);
	keep_histogram(step, "echo_rtt_us", reply, "rtt_hist");
	json_decref(reply);
	step->echo_server_cpu_us_per_msg =
	    per_op_us(after_cpu.server - before.server, step->echo_messages);
	step->echo_client_cpu_us_per_msg =
	    per_op_us(after_cpu.client - before.client, step->echo_messages);
	step->echo_machine_cpu_us_per_msg =
	    per_op_us(after_cpu.machine - before.machine, step->echo_messages);
	double device = after_cpu.device - before.device;
	step->echo_device_write_cpu_us_per_msg =
	    per_op_us(device, step->echo_messages);
	step->echo_client_bound =
	    harness_client_busier(after_cpu.client - before.client,
				  after_cpu.server - before.server, device);
	measure_memory_after(s, step, &step->server_user_bytes_after_echo,
			     &step->client_user_bytes_after_echo,
			     &step->kernel_bytes_after_echo);
	return 0;
}

/* --load: RATE messages/s spread over every held connection for the
 * load's duration, then measure memory again. */
static int local_load(void *driver, struct harness_step *step, char *why,
		      size_t why_size)
{
	struct sweep *s = driver;
	const struct harness_options *o = s->o;
	char command[96];
	snprintf(command, sizeof(command), "load %.0f %u %.3f", o->load_rate,
		 o->load_size, o->load_duration);
	harness_sweep_phase(s, "load");
	struct sweep_cpu_mark before = cpu_now(s);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "load", o->load_duration + LOAD_REPLY_SLACK_S,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	struct sweep_cpu_mark after_cpu = cpu_now(s);
	struct harness_load *l = &step->load;
	harness_load_add_reply(l, reply);
	harness_json_latency(json_object_get(reply, "rtt_us"), &l->rtt);
	keep_histogram(step, "load_rtt_us", reply, "rtt_hist");
	json_decref(reply);
	l->server_cpu_s = after_cpu.server - before.server;
	l->client_cpu_s = after_cpu.client - before.client;
	l->server_cpu_us_per_msg = per_op_us(l->server_cpu_s, l->messages);
	l->client_cpu_us_per_msg = per_op_us(l->client_cpu_s, l->messages);
	l->machine_cpu_us_per_msg =
	    per_op_us(after_cpu.machine - before.machine, l->messages);
	l->device_write_cpu_us_per_msg =
	    per_op_us(after_cpu.device - before.device, l->messages);
	measure_memory_after(s, step, &l->server_user_bytes_after,
			     &l->client_user_bytes_after,
			     &l->kernel_bytes_after);
	return 0;
}

/* The ramp's window opens: the server's accepts and both sides' CPU. */
static void local_begin_step(void *driver, size_t index, uint64_t target)
{
	struct sweep *s = driver;
	s->step_index = index;
	s->step_target = target;
	s->step_started = mcs_now_seconds();
}

/* `grow N`: the client's figures for the step. */
static int local_ramp(void *driver, struct harness_step *step, char *why,
		      size_t why_size)
{
	struct sweep *s = driver;
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	s->ramp_accepts = t.accepts;
	s->ramp_server_live = t.live;
	s->ramp_tcp_ok = harness_tcp_objects_now(&s->ramp_tcp_objects) == 0;
	struct mcs_sockstat sockstat;
	if (mcs_read_sockstat(&sockstat) == 0) {
		s->ramp_tcp_alloc = sockstat.tcp_alloc;
		s->ramp_tcp_inuse = sockstat.tcp_inuse;
	}
	s->ramp_cpu = cpu_now(s);
	s->ramp_started = mcs_now_seconds();
	harness_sweep_phase(s, "ramp");
	char command[64];
	snprintf(command, sizeof(command), "grow %" PRIu64, step->connections);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "step", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	step->established = harness_json_u64(reply, "established");
	step->failed = harness_json_u64(reply, "failed");
	step->elapsed_s = harness_json_double(reply, "elapsed_s");
	step->connect_rate = harness_json_double(reply, "connect_rate");
	harness_json_latency(json_object_get(reply, "connect_latency_us"),
			     &step->connect_latency);
	/* Connections the server ended since they were made (RST, FIN). */
	step->dropped = harness_json_u64(reply, "dropped");
	json_t *failures = json_object_get(reply, "failures");
	step->failures =
	    json_is_object(failures) ? json_incref(failures) : json_object();
	keep_histogram(step, "connect_latency_us", reply,
		       "connect_latency_hist");
	harness_client_take_pids(&s->client, reply);
	json_decref(reply);
	harness_sweep_phase(s, "idle"); /* settling, then measuring */
	return 0;
}

/* The step's memory, its CPU per accept and per connect over the ramp's
 * window, everything since the previous step's measurement, and its
 * slabinfo. */
static int local_measure_step(void *driver, struct harness_step *step,
			      char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	struct sweep *s = driver;
	struct harness_sample sample;
	measure(s, step, &sample);
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	step->accepted = t.accepts - s->ramp_accepts;
	step->server_ramp_cpu_s = sample.server_cpu - s->ramp_cpu.server;
	step->client_ramp_cpu_s = sample.client_cpu - s->ramp_cpu.client;
	uint64_t connected = step->established > s->previous_established
				 ? step->established - s->previous_established
				 : 0;
	step->device_write_ramp_cpu_s =
	    s->client.device_write_cpu_s - s->ramp_cpu.device;
	harness_step_ramp_cpu(step, connected);
	step->machine_ramp_cpu_s =
	    harness_machine_busy_s() - s->ramp_cpu.machine;
	step->machine_cpu_us_per_connect =
	    per_op_us(step->machine_ramp_cpu_s, connected);
	if (s->run->client_kind == HARNESS_CLIENT_TUN)
		harness_step_tun_bound(step, s->run->plan.cores,
				       s->client.procs,
				       mcs_now_seconds() - s->ramp_started);
	step->server_cpu_s = sample.server_cpu - s->previous.server_cpu;
	step->client_cpu_s = sample.client_cpu - s->previous.client_cpu;
	s->previous = sample;
	s->previous_established = step->established;
	s->run->server_cpu_total_s = sample.server_cpu;
	s->run->client_cpu_total_s = sample.client_cpu;
	size_t point = s->run->step_count + 1;
	harness_take_slab_point(s, point);
	if (s->ramp_tcp_ok && step->server_live > s->ramp_server_live) {
		uint64_t added = step->server_live - s->ramp_server_live;
		step->tcp_objects_per_conn = harness_tcp_objects_per_conn(
		    s, point, s->ramp_tcp_objects, added);
		double others =
		    ((double)sample.tcp_alloc - (double)s->ramp_tcp_alloc) -
		    ((double)sample.tcp_inuse - (double)s->ramp_tcp_inuse);
		step->tcp_others_per_conn = others / (double)added;
	}
	if (step->server_live)
		step->tcp_sockets_per_conn =
		    ((double)sample.tcp_inuse - (double)s->baseline_tcp_inuse) /
		    (double)step->server_live;
	return 0;
}

static int local_measure_baseline(void *driver, char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	struct sweep *s = driver;
	measure(s, &s->run->baseline, &s->previous);
	s->baseline_tcp_inuse = s->previous.tcp_inuse;
	harness_take_slab_point(s, 0);
	return 0;
}

/* The server's counters from its shared stats, once everything the sweep
 * watches (signals, processes, workers, memory) is checked. */
static int local_server_counts(void *driver, uint64_t *live, uint64_t *accepts,
			       char *why, size_t why_size)
{
	struct sweep *s = driver;
	int err = harness_sweep_check(s, why, why_size);
	if (err)
		return err;
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	*live = t.live;
	*accepts = t.accepts;
	return 0;
}

/* Short, and no accept for 2 s: a worker out of descriptors? */
static int local_server_stalled(void *driver, char *why, size_t why_size)
{
	return harness_check_fds_full(driver, why, why_size);
}

/* The local driver's only words: the server's count of its losses. */
static void local_describe(void *driver, enum harness_words what, char *detail,
			   size_t detail_size)
{
	if (what != HARNESS_WORDS_LOST_DETAIL)
		return;
	struct sweep *s = driver;
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	snprintf(detail, detail_size,
		 " (accept errors %" PRIu64 ", fd limit %" PRIu64
		 ", over capacity %" PRIu64 ")",
		 t.accept_errors, t.accept_fd_limit, t.over_capacity);
}

static int local_verify(void *driver, uint64_t *server_live, char *why,
			size_t why_size)
{
	struct sweep *s = driver;
	struct harness_run *run = s->run;
	json_t *reply;
	s->step_target = 0;
	harness_sweep_phase(s, "verify");
	int err = harness_client_request(
	    &s->client, "verify", "verify", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	run->verify_checked = harness_json_u64(reply, "checked");
	run->verify_alive = harness_json_u64(reply, "alive");
	run->verify_dead = harness_json_u64(reply, "dead");
	run->verify_elapsed_s = harness_json_double(reply, "elapsed_s");
	json_decref(reply);
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	*server_live = t.live;
	return 0;
}

static void local_print_step(void *driver, const struct harness_step *step)
{
	harness_print_step(driver, step);
}

static int local_pause(void *driver, const struct harness_step *step, char *why,
		       size_t why_size)
{
	return harness_pause(driver, step, why, why_size);
}

static int local_soak(void *driver, char *why, size_t why_size)
{
	return harness_soak_run(driver, why, why_size);
}

const struct harness_driver_ops harness_local_driver = {
    /* 10 ms: the counts are in shared memory, and settling ends after two
     * reads without an accept, so each step waits 20 ms, not 100 ms */
    HARNESS_DRIVER(local, 0.01, "client has"),
    .server_stalled = local_server_stalled,
    .describe = local_describe,
    .pause = local_pause,
    .soak = local_soak,
};
