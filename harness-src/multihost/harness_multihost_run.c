/* harness_multihost_run.c - a multi-host sweep once it is planned: every
 * host's kernel baseline, the server and the client shards started
 * through their agents, then for each step a `grow` sent to every client
 * host at once, their replies merged (sums, the slowest host's time, the
 * latency histograms added bucket by bucket), the server settled, every
 * host measured; the liveness check; and the stop of everything. Any host
 * or shard that goes meanwhile stops the run, naming it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_backend_options.h"
#include "harness_client.h"
#include "harness_driver.h"
#include "harness_format.h"
#include "harness_json.h"
#include "harness_multihost_internal.h"
#include "harness_report.h"
#include "harness_run.h"
#include "harness_signal.h"
#include "mcs_backend_options.h"
#include "mcs_clock.h"
#include "mcs_histogram_json.h"

#define STARTUP_TIMEOUT_S  30.0
#define REQUEST_TIMEOUT_S  30.0
#define LOAD_REPLY_SLACK_S 30.0
#define STOP_TIMEOUT_S	   60.0

static uint64_t grown(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

/* One measure reply of host k into s (the kernel figures as growth since
 * the baseline). */
static void take_measure(struct mh *m, size_t k, const json_t *r,
			 struct harness_host_step *s)
{
	struct mh_host *h = &m->hosts[k];
	json_t *procs = json_object_get(json_object_get(r, "processes"),
					k ? "client" : "server");
	json_t *meminfo = json_object_get(r, "meminfo");
	json_t *sockstat = json_object_get(r, "sockstat");
	json_t *netstat = json_object_get(r, "netstat");
	s->processes = (unsigned)harness_json_u64(procs, "count");
	s->user_bytes = harness_json_u64(procs, "pss");
	s->cpu_s = harness_json_double(procs, "cpu_s");
	h->cpu = s->cpu_s;
	s->kernel_bytes =
	    grown(harness_json_u64(meminfo, "slab"), h->record->slab_before);
	s->kernel_object_bytes = grown(
	    harness_json_u64(json_object_get(r, "slabinfo"), "active_bytes"),
	    h->record->objects_before);
	s->tcp_inuse = harness_json_u64(sockstat, "tcp_inuse");
	h->tcp_mem = harness_json_u64(sockstat, "tcp_mem_bytes");
	h->overflows = harness_json_u64(netstat, "listen_overflows");
	h->drops = harness_json_u64(netstat, "listen_drops");
	h->available = harness_json_u64(meminfo, "available");
}

/* Measure every host at once into steps[k] (NULL: only the CPU). */
static int measure_all(struct mh *m, struct harness_host_step *steps, char *why,
		       size_t why_size)
{
	int ids[HARNESS_MAX_HOSTS];
	for (size_t k = 0; k < m->count; k++)
		ids[k] = harness_agent_sendf(&m->hosts[k].agent, "{s:s}", "cmd",
					     "measure");
	for (size_t k = 0; k < m->count; k++) {
		json_t *r;
		int err = mh_wait_reply(m, k, ids[k], REQUEST_TIMEOUT_S, &r,
					why, why_size);
		if (err)
			return err;
		struct harness_host_step scratch;
		take_measure(m, k, r, steps ? &steps[k] : &scratch);
		json_decref(r);
		struct mh_host *h = &m->hosts[k];
		if (h->available && h->available < m->run->memory_headroom_min)
			m->run->memory_headroom_min = h->available;
		if (h->available && h->available < h->floor) {
			snprintf(why, why_size,
				 "host %s (%s): MemAvailable fell to %.2f GiB, "
				 "below the floor of %.2f GiB: stopped before "
				 "the OOM killer would (--min-free sets it)",
				 h->agent.name, h->record->role,
				 h->available / 1073741824.0,
				 h->floor / 1073741824.0);
			return -ENOMEM;
		}
	}
	return 0;
}

int mh_read_baseline(struct mh *m, char *why, size_t why_size)
{
	/* The kernel frees an earlier run's sockets lazily: wait (20 s at
	 * most) until no host's Slab moves by 4 MiB in 250 ms. */
	uint64_t previous[HARNESS_MAX_HOSTS] = {0};
	double deadline = mcs_now_seconds() + 20.0;
	for (int round = 0;; round++) {
		int quiet = round > 0;
		for (size_t k = 0; k < m->count; k++) {
			json_t *r;
			int err = mh_request(
			    m, k, json_pack("{s:s}", "cmd", "measure"),
			    REQUEST_TIMEOUT_S, &r, why, why_size);
			if (err)
				return err;
			struct mh_host *h = &m->hosts[k];
			uint64_t slab = harness_json_u64(
			    json_object_get(r, "meminfo"), "slab");
			uint64_t moved = slab > previous[k]
					     ? slab - previous[k]
					     : previous[k] - slab;
			quiet &= moved < (4u << 20);
			previous[k] = slab;
			h->record->slab_before = slab;
			h->record->objects_before = harness_json_u64(
			    json_object_get(r, "slabinfo"), "active_bytes");
			take_measure(m, k, r, &h->record->baseline);
			h->tcp_mem_before = h->tcp_mem;
			h->overflows_before = h->overflows;
			h->drops_before = h->drops;
			json_decref(r);
		}
		if (quiet || mcs_now_seconds() > deadline)
			return 0;
		usleep(250000);
	}
}

/* The server's counters: live and accepts; a failed worker is an error. */
static int server_stats(struct mh *m, char *why, size_t why_size)
{
	json_t *r;
	int err = mh_request(m, 0, json_pack("{s:s}", "cmd", "stats"),
			     REQUEST_TIMEOUT_S, &r, why, why_size);
	if (err)
		return err;
	m->live = harness_json_u64(r, "live");
	m->accepts = harness_json_u64(r, "accepts");
	const char *failed =
	    json_string_value(json_object_get(r, "worker_error"));
	if (failed || !json_is_true(json_object_get(r, "available"))) {
		snprintf(why, why_size, "host %s (server): %s",
			 m->hosts[0].agent.name,
			 failed ? failed : "its stats are gone");
		err = -EPROTO;
	}
	json_decref(r);
	return err;
}

/* Start proc on host k with args (stolen). */
static int start_proc(struct mh *m, size_t k, const char *proc, json_t *args,
		      char *why, size_t why_size)
{
	json_t *r;
	int err = mh_request(m, k,
			     json_pack("{s:s,s:s,s:o}", "cmd", "start", "proc",
				       proc, "args", args),
			     REQUEST_TIMEOUT_S, &r, why, why_size);
	json_decref(r);
	return err;
}

static int start_server(struct mh *m, char *why, size_t why_size)
{
	const struct harness_plan *p = &m->run->plan;
	char ports[16], workers[16];
	snprintf(ports, sizeof(ports), "%u-%u", p->port_first, p->port_last);
	snprintf(workers, sizeof(workers), "%u", p->workers);
	json_t *args =
	    json_pack("[s,s,s,s,s,s,s,s,s,s]", "--backend", m->run->backend,
		      "--address", m->hosts[0].record->address, "--ports",
		      ports, "--workers", workers, "--interval", "0");
	const char *settings[MCS_BACKEND_SETTINGS_MAX];
	size_t n = harness_backend_settings(m->o, m->run->backend, settings);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(args, json_string("--backend-opt"));
		json_array_append_new(args, json_string(settings[i]));
	}
	int err = start_proc(m, 0, "server", args, why, why_size);
	double deadline = mcs_now_seconds() + STARTUP_TIMEOUT_S;
	while (!err && !m->hosts[0].agent.listening) {
		err = harness_timed_out(deadline, why, why_size,
					"host %s (server): its workers "
					"did not all listen within %.0f s",
					m->hosts[0].agent.name,
					STARTUP_TIMEOUT_S);
		if (!err)
			err = mh_check(m, why, why_size);
		harness_agents_pump(m->agents, m->count, 100);
	}
	return err;
}

/* Wait until every client host with want[k] has sent an output line with
 * event (an "error" line fails it); replies[k] are the caller's. */
static int wait_clients(struct mh *m, const char *event, const int *want,
			json_t **replies, double timeout_s, char *why,
			size_t why_size)
{
	double deadline = mcs_now_seconds() + timeout_s;
	for (size_t k = 1; k < m->count; k++)
		replies[k] = NULL;
	for (;;) {
		size_t missing = 0;
		for (size_t k = 1; k < m->count; k++) {
			if (!want[k] || replies[k])
				continue;
			json_t *j =
			    harness_agent_take_event(&m->hosts[k].agent, event);
			const char *e =
			    json_string_value(json_object_get(j, "event"));
			if (e && strcmp(e, "error") == 0) {
				const char *text = json_string_value(
				    json_object_get(j, "message"));
				snprintf(why, why_size,
					 "host %s (client): client: %s",
					 m->hosts[k].agent.name,
					 text ? text : "error");
				json_decref(j);
				return -EPROTO;
			}
			replies[k] = j;
			missing += !j;
		}
		if (!missing)
			return 0;
		int err = mh_check(m, why, why_size);
		if (!err)
			err = harness_timed_out(deadline, why, why_size,
						"the client hosts did not all "
						"answer '%s' within %.0f s",
						event, timeout_s);
		if (err)
			return err;
		harness_agents_pump(m->agents, m->count, 100);
	}
}

static void free_replies(struct mh *m, json_t **replies)
{
	for (size_t k = 1; k < m->count; k++) {
		json_decref(replies[k]);
		replies[k] = NULL;
	}
}

/* The client shard of host k: --connections its share. */
static json_t *client_args(struct mh *m, size_t k)
{
	const struct harness_plan *p = &m->run->plan;
	const struct mh_host *h = &m->hosts[k];
	char ports[16], connections[24];
	snprintf(ports, sizeof(ports), "%u-%u", p->port_first, p->port_last);
	snprintf(connections, sizeof(connections), "%" PRIu64, h->share);
	/* --reset-on-exit as in a local sweep (harness_children.c). */
	json_t *args = json_pack(
	    "[s,s,s,s,s,s,s,s,s,s,s]", "--control", "--json", "--host",
	    m->hosts[0].record->address, "--ports", ports, "--connections",
	    connections, "--procs", "auto", "--reset-on-exit");
	if (h->record->sources[0]) {
		json_array_append_new(args, json_string("--sources"));
		json_array_append_new(args, json_string(h->record->sources));
	}
	if (m->o->rate) {
		/* Each host's part of the cap, by its share. */
		char rate[24];
		double part = (double)m->o->rate * (double)h->share /
			      (double)m->o->target;
		snprintf(rate, sizeof(rate), "%.0f", part < 1 ? 1 : part);
		json_array_append_new(args, json_string("--rate"));
		json_array_append_new(args, json_string(rate));
	}
	return args;
}

int mh_start(struct mh *m, char *why, size_t why_size)
{
	int err = start_server(m, why, why_size);
	int want[HARNESS_MAX_HOSTS] = {0};
	for (size_t k = 1; k < m->count && !err; k++) {
		want[k] = m->hosts[k].share > 0;
		if (want[k])
			err = start_proc(m, k, "client", client_args(m, k), why,
					 why_size);
	}
	json_t *ready[HARNESS_MAX_HOSTS] = {0};
	if (!err)
		err = wait_clients(m, "ready", want, ready, STARTUP_TIMEOUT_S,
				   why, why_size);
	free_replies(m, ready);
	return err;
}

/* Send line to the client of every host with want[k] (all at once). */
static int tell_clients(struct mh *m, const int *want, char lines[][96],
			char *why, size_t why_size)
{
	int ids[HARNESS_MAX_HOSTS];
	for (size_t k = 1; k < m->count; k++)
		ids[k] = want[k]
			     ? harness_agent_sendf(
				   &m->hosts[k].agent, "{s:s,s:s,s:s}", "cmd",
				   "input", "proc", "client", "line", lines[k])
			     : 0;
	for (size_t k = 1; k < m->count; k++) {
		if (!want[k])
			continue;
		json_t *r;
		int err = mh_wait_reply(m, k, ids[k], REQUEST_TIMEOUT_S, &r,
					why, why_size);
		json_decref(r);
		if (err)
			return err;
	}
	return 0;
}

/* The server's counters (its host checked meanwhile). */
static int hosts_server_counts(void *driver, uint64_t *live, uint64_t *accepts,
			       char *why, size_t why_size)
{
	int err = server_stats(driver, why, why_size);
	const struct mh *m = driver;
	*live = m->live;
	*accepts = m->accepts;
	return err;
}

static void merge_failures(json_t *into, const json_t *from)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)from, key, value)
	{
		json_int_t have =
		    json_integer_value(json_object_get(into, key));
		json_object_set_new(
		    into, key, json_integer(have + json_integer_value(value)));
	}
}

static void latency_of(const struct mcs_histogram *h, struct harness_latency *l)
{
	l->p50 = (double)mcs_histogram_percentile(h, 50.0);
	l->p90 = (double)mcs_histogram_percentile(h, 90.0);
	l->p99 = (double)mcs_histogram_percentile(h, 99.0);
	l->p999 = (double)mcs_histogram_percentile(h, 99.9);
	l->max = (double)h->max;
}

/* The step replies of every client host into step and the hosts'
 * records. */
static int merge_steps(struct mh *m, json_t **replies,
		       struct harness_step *step, uint64_t *new_total,
		       char *why, size_t why_size)
{
	static struct mcs_histogram latency;
	mcs_histogram_init(&latency);
	step->failures = json_object();
	*new_total = 0;
	for (size_t k = 1; k < m->count; k++) {
		struct harness_host_record *r = m->hosts[k].record;
		struct harness_host_step *hs = &r->steps[r->step_count];
		memset(hs, 0, sizeof(*hs));
		hs->connections = m->hosts[k].part;
		if (!replies[k])
			continue;
		const json_t *j = replies[k];
		hs->established = harness_json_u64(j, "established");
		hs->failed = harness_json_u64(j, "failed");
		hs->elapsed_s = harness_json_double(j, "elapsed_s");
		step->established += hs->established;
		step->failed += hs->failed;
		step->dropped += harness_json_u64(j, "dropped");
		*new_total += harness_json_u64(j, "new");
		if (hs->elapsed_s > step->elapsed_s)
			step->elapsed_s = hs->elapsed_s;
		merge_failures(step->failures, json_object_get(j, "failures"));
		if (mcs_histogram_add_json(
			json_object_get(j, "connect_latency_hist"), &latency)) {
			snprintf(why, why_size,
				 "host %s (client): its step reply has no "
				 "connect_latency_hist: another client build?",
				 m->hosts[k].agent.name);
			return -EPROTO;
		}
	}
	latency_of(&latency, &step->connect_latency);
	harness_step_keep_histogram(step, "connect_latency_us",
				    mcs_histogram_json(&latency));
	/* The rate: what every host opened, over the slowest host's time. */
	step->connect_rate =
	    step->elapsed_s > 0 ? (double)*new_total / step->elapsed_s : 0;
	return 0;
}

/* The step's memory and CPU from every host's measurement. */
static void fill_step(struct mh *m, struct harness_step *step,
		      const struct harness_host_step *hs,
		      const double *cpu_before, uint64_t accepts_before,
		      uint64_t new_total)
{
	const struct mh_host *server = &m->hosts[0];
	step->server_live = m->live;
	step->server_user_bytes = hs[0].user_bytes;
	step->server_processes = hs[0].processes;
	step->kernel_bytes = hs[0].kernel_bytes;
	step->kernel_object_bytes = hs[0].kernel_object_bytes;
	step->tcp_mem_bytes = grown(server->tcp_mem, server->tcp_mem_before);
	step->listen_overflows =
	    grown(server->overflows, server->overflows_before);
	step->listen_drops = grown(server->drops, server->drops_before);
	step->server_ramp_cpu_s = hs[0].cpu_s - cpu_before[0];
	for (size_t k = 1; k < m->count; k++) {
		step->client_user_bytes += hs[k].user_bytes;
		step->client_processes += hs[k].processes;
		step->client_ramp_cpu_s += hs[k].cpu_s - cpu_before[k];
	}
	step->server_cpu_s = step->server_ramp_cpu_s;
	step->client_cpu_s = step->client_ramp_cpu_s;
	step->accepted = grown(m->accepts, accepts_before);
	harness_step_ramp_cpu(step, new_total);
	harness_step_per_connection(step);
	step->wall_s = mcs_now_seconds() - m->started;
	m->run->server_cpu_total_s = hs[0].cpu_s;
	double clients = 0;
	for (size_t k = 1; k < m->count; k++)
		clients += hs[k].cpu_s;
	m->run->client_cpu_total_s = clients;
}

/* The hosts' records get this measurement as their step (or baseline). */
static void keep_host_steps(struct mh *m, const struct harness_host_step *hs,
			    int baseline)
{
	for (size_t k = 0; k < m->count; k++) {
		struct harness_host_record *r = m->hosts[k].record;
		struct harness_host_step *to =
		    baseline ? &r->baseline : &r->steps[r->step_count];
		struct harness_host_step keep = *to;
		*to = hs[k];
		if (k) { /* the client's own figures from its reply */
			to->connections = keep.connections;
			to->established = keep.established;
			to->failed = keep.failed;
			to->elapsed_s = keep.elapsed_s;
		} else {
			to->connections =
			    baseline
				? 0
				: m->run->steps[m->run->step_count].connections;
			to->established = m->live;
		}
		if (!baseline && r->step_count < HARNESS_HOST_MAX_STEPS)
			r->step_count++;
	}
}

static void hosts_print_step(void *driver, const struct harness_step *step)
{
	struct mh *m = driver;
	char conns[32], kernel[32];
	harness_format_bytes(step->kernel_bytes, kernel, sizeof(kernel));
	harness_print_step_head(m->run, m->step_index, step, " (slowest host)");
	printf(", server host kernel %s (%.0f B/conn);", kernel,
	       step->kernel_bytes_per_conn);
	for (size_t k = 1; k < m->count; k++) {
		const struct harness_host_record *r = m->hosts[k].record;
		const struct harness_host_step *s =
		    &r->steps[r->step_count - 1];
		harness_format_count(s->established, conns, sizeof(conns));
		printf(" %s %s in %.2f s;", r->name, conns, s->elapsed_s);
	}
	printf(" %.1f s\n", step->wall_s);
	fflush(stdout);
}

/* A step short of its target: how many each host has. */
static void hosts_describe_short(void *driver, char *why, size_t why_size)
{
	struct mh *m = driver;
	size_t used = strlen(why);
	for (size_t k = 1; k < m->count && used < why_size; k++) {
		const struct harness_host_record *r = m->hosts[k].record;
		const struct harness_host_step *s =
		    &r->steps[r->step_count - 1];
		int n = snprintf(
		    why + used, why_size - used, "%s %s %" PRIu64 "/%" PRIu64,
		    k == 1 ? ":" : "", r->name, s->established, s->connections);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Split count over the clients by what each holds: "CMD part ARGS". */
static void split_by_held(struct mh *m, uint64_t count, uint64_t *parts)
{
	uint64_t held[HARNESS_MAX_CLIENT_HOSTS], total = 0;
	size_t n = m->count - 1;
	for (size_t i = 0; i < n; i++) {
		const struct harness_host_record *r = m->hosts[1 + i].record;
		held[i] =
		    r->step_count ? r->steps[r->step_count - 1].established : 0;
		total += held[i];
		parts[i] = 0;
	}
	harness_hosts_split(count < total ? count : total, total, held, n,
			    parts);
}

static int hosts_echo(void *driver, struct harness_step *step, uint64_t count,
		      char *why, size_t why_size)
{
	struct mh *m = driver;
	uint64_t parts[HARNESS_MAX_CLIENT_HOSTS];
	split_by_held(m, count, parts);
	int want[HARNESS_MAX_HOSTS] = {0};
	char lines[HARNESS_MAX_HOSTS][96];
	for (size_t k = 1; k < m->count; k++) {
		want[k] = parts[k - 1] > 0;
		snprintf(lines[k], sizeof(lines[k]), "echo %" PRIu64 " %u",
			 parts[k - 1], m->o->echo_size);
	}
	json_t *replies[HARNESS_MAX_HOSTS] = {0};
	int err = tell_clients(m, want, lines, why, why_size);
	if (!err)
		err = wait_clients(m, "echo", want, replies, m->o->step_timeout,
				   why, why_size);
	static struct mcs_histogram rtt;
	mcs_histogram_init(&rtt);
	double slowest = 0;
	for (size_t k = 1; k < m->count && !err; k++) {
		if (!replies[k])
			continue;
		step->echo_messages += harness_json_u64(replies[k], "messages");
		step->echo_errors += harness_json_u64(replies[k], "errors") +
				     harness_json_u64(replies[k], "mismatches");
		double e = harness_json_double(replies[k], "elapsed_s");
		slowest = e > slowest ? e : slowest;
		mcs_histogram_add_json(json_object_get(replies[k], "rtt_hist"),
				       &rtt);
	}
	free_replies(m, replies);
	if (err)
		return err;
	step->echo_msgs_per_s =
	    slowest > 0 ? (double)step->echo_messages / slowest : 0;
	latency_of(&rtt, &step->echo_rtt);
	harness_step_keep_histogram(step, "echo_rtt_us",
				    mcs_histogram_json(&rtt));
	return 0;
}

static int hosts_load(void *driver, struct harness_step *step, char *why,
		      size_t why_size)
{
	struct mh *m = driver;
	uint64_t parts[HARNESS_MAX_CLIENT_HOSTS];
	split_by_held(m, (uint64_t)m->o->load_rate, parts);
	int want[HARNESS_MAX_HOSTS] = {0};
	char lines[HARNESS_MAX_HOSTS][96];
	for (size_t k = 1; k < m->count; k++) {
		want[k] = parts[k - 1] > 0;
		snprintf(lines[k], sizeof(lines[k]), "load %" PRIu64 " %u %.3f",
			 parts[k - 1], m->o->load_size, m->o->load_duration);
	}
	json_t *replies[HARNESS_MAX_HOSTS] = {0};
	int err = tell_clients(m, want, lines, why, why_size);
	if (!err)
		err = wait_clients(m, "load", want, replies,
				   m->o->load_duration + LOAD_REPLY_SLACK_S,
				   why, why_size);
	static struct mcs_histogram rtt;
	mcs_histogram_init(&rtt);
	for (size_t k = 1; k < m->count && !err; k++) {
		if (!replies[k])
			continue;
		harness_load_add_reply(&step->load, replies[k]);
		mcs_histogram_add_json(json_object_get(replies[k], "rtt_hist"),
				       &rtt);
	}
	free_replies(m, replies);
	if (!err) {
		latency_of(&rtt, &step->load.rtt);
		harness_step_keep_histogram(step, "load_rtt_us",
					    mcs_histogram_json(&rtt));
	}
	return err;
}

static void hosts_begin_step(void *driver, size_t index, uint64_t target)
{
	(void)target;
	struct mh *m = driver;
	m->step_index = index;
}

/* One step's ramp: every client host grown at once to its part of the
 * step's target, their replies merged into step. */
static int hosts_ramp(void *driver, struct harness_step *step, char *why,
		      size_t why_size)
{
	struct mh *m = driver;
	uint64_t shares[HARNESS_MAX_CLIENT_HOSTS],
	    parts[HARNESS_MAX_CLIENT_HOSTS];
	for (size_t k = 1; k < m->count; k++) {
		shares[k - 1] = m->hosts[k].share;
		parts[k - 1] = m->hosts[k].part;
	}
	harness_hosts_split(step->connections, m->run->plan.target, shares,
			    m->count - 1, parts);
	int want[HARNESS_MAX_HOSTS] = {0};
	char lines[HARNESS_MAX_HOSTS][96];
	for (size_t k = 1; k < m->count; k++) {
		m->hosts[k].part = parts[k - 1];
		want[k] = parts[k - 1] > 0;
		snprintf(lines[k], sizeof(lines[k]), "grow %" PRIu64,
			 parts[k - 1]);
	}
	/* The ramp's window opens: accepts and every host's CPU. */
	int err = server_stats(m, why, why_size);
	if (!err)
		err = measure_all(m, NULL, why, why_size);
	if (err)
		return err;
	m->ramp_accepts = m->accepts;
	for (size_t k = 0; k < m->count; k++)
		m->ramp_cpu[k] = m->hosts[k].cpu;
	json_t *replies[HARNESS_MAX_HOSTS] = {0};
	err = tell_clients(m, want, lines, why, why_size);
	if (!err)
		err = wait_clients(m, "step", want, replies, m->o->step_timeout,
				   why, why_size);
	m->ramp_new = 0;
	if (!err)
		err =
		    merge_steps(m, replies, step, &m->ramp_new, why, why_size);
	free_replies(m, replies);
	return err;
}

/* Once settled: every host measured into the step and its own record. */
static int hosts_measure_step(void *driver, struct harness_step *step,
			      char *why, size_t why_size)
{
	struct mh *m = driver;
	struct harness_host_step hs[HARNESS_MAX_HOSTS];
	int err = measure_all(m, hs, why, why_size);
	if (err)
		return err;
	fill_step(m, step, hs, m->ramp_cpu, m->ramp_accepts, m->ramp_new);
	keep_host_steps(m, hs, 0);
	return 0;
}

static int hosts_measure_baseline(void *driver, char *why, size_t why_size)
{
	struct mh *m = driver;
	struct harness_run *run = m->run;
	struct harness_host_step hs[HARNESS_MAX_HOSTS];
	int err = measure_all(m, hs, why, why_size);
	if (err)
		return err;
	double none[HARNESS_MAX_HOSTS] = {0};
	fill_step(m, &run->baseline, hs, none, m->accepts, 0);
	run->baseline.server_cpu_s = run->baseline.client_cpu_s = 0;
	run->baseline.server_ramp_cpu_s = run->baseline.client_ramp_cpu_s = 0;
	keep_host_steps(m, hs, 1);
	return 0;
}

/* The liveness check on every client host. */
static int hosts_verify(void *driver, uint64_t *server_live, char *why,
			size_t why_size)
{
	struct mh *m = driver;
	struct harness_run *run = m->run;
	int want[HARNESS_MAX_HOSTS] = {0};
	char lines[HARNESS_MAX_HOSTS][96];
	for (size_t k = 1; k < m->count; k++) {
		want[k] = m->hosts[k].share > 0;
		snprintf(lines[k], sizeof(lines[k]), "verify");
	}
	json_t *replies[HARNESS_MAX_HOSTS] = {0};
	int err = tell_clients(m, want, lines, why, why_size);
	if (!err)
		err = wait_clients(m, "verify", want, replies,
				   m->o->step_timeout, why, why_size);
	for (size_t k = 1; k < m->count && !err; k++) {
		if (!replies[k])
			continue;
		run->verify_checked += harness_json_u64(replies[k], "checked");
		run->verify_alive += harness_json_u64(replies[k], "alive");
		run->verify_dead += harness_json_u64(replies[k], "dead");
		double e = harness_json_double(replies[k], "elapsed_s");
		if (e > run->verify_elapsed_s)
			run->verify_elapsed_s = e;
	}
	free_replies(m, replies);
	if (!err)
		err = server_stats(m, why, why_size);
	*server_live = m->live;
	return err;
}

static void hosts_describe_clients(void *driver, char *text, size_t text_size)
{
	const struct mh *m = driver;
	snprintf(text, text_size, ", across %zu client hosts", m->count - 1);
}

/* The hosts driver's words: where the server is, each host's part of a
 * short step, where the liveness check ran. */
static void hosts_describe(void *driver, enum harness_words what, char *text,
			   size_t size)
{
	const struct mh *m = driver;
	if (what == HARNESS_WORDS_LOST_WHERE)
		snprintf(text, size, " on %s", m->hosts[0].agent.name);
	else if (what == HARNESS_WORDS_SHORT)
		hosts_describe_short(driver, text, size);
	else if (what == HARNESS_WORDS_CLIENTS)
		hosts_describe_clients(driver, text, size);
}

const struct harness_driver_ops harness_hosts_driver = {
    HARNESS_DRIVER(hosts, 0.1, "client hosts have"),
    .describe = hosts_describe,
};

int mh_sweep_steps(struct mh *m, char *why, size_t why_size)
{
	return harness_steps_run(&harness_hosts_driver, m, m->run,
				 &m->step_index, why, why_size);
}

void mh_stop_all(struct mh *m)
{
	int ids[HARNESS_MAX_HOSTS];
	/* Every host at once: closing many sockets is seconds of kernel
	 * work on each. The clients get EOF (their quit) first. */
	for (size_t k = 0; k < m->count; k++) {
		struct harness_agent *a = &m->hosts[k].agent;
		a->stopping = 1;
		a->heartbeat = 0;
		ids[k] =
		    a->gone || a->child.stdin_fd < 0
			? -1
			: harness_agent_sendf(a, "{s:s,s:s,s:f}", "cmd", "stop",
					      "proc", k ? "client" : "server",
					      "grace_s", k ? 10.0 : 0.0);
	}
	double deadline = mcs_now_seconds() + STOP_TIMEOUT_S;
	for (size_t k = 0; k < m->count; k++) {
		struct harness_agent *a = &m->hosts[k].agent;
		while (ids[k] > 0 && !a->gone && mcs_now_seconds() < deadline) {
			json_t *r = harness_agent_take_reply(a, ids[k]);
			if (r) {
				json_decref(r);
				break;
			}
			harness_agents_pump(m->agents, m->count, 100);
		}
	}
	for (size_t k = 0; k < m->count; k++)
		harness_agent_close(&m->hosts[k].agent, 10.0);
}
