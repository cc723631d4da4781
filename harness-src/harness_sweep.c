/* harness_sweep.c - the sweep itself.
 *
 * Order matters for honest numbers: the kernel baseline is read before the
 * server starts; the "baseline" step (0 connections) is measured once both
 * processes are up, so the fit sees their fixed cost; every step waits
 * until the server holds what the client says it established and the
 * accept counters stop moving before measuring. Every exit path goes
 * through harness_stop_children(), which kills both process groups.
 */
#include "harness_sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness_format.h"
#include "harness_plot.h"
#include "harness_signal.h"
#include "harness_sweep_internal.h"
#include "mcs_format.h"
#include "mcs_loader.h"
#include "mcs_proc.h"

#define SETTLE_TIMEOUT_S 15.0

double harness_now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int make_run_dir(struct harness_run *run, const char *out)
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
		return make_dirs(run->dir);
	}
	return -EEXIST;
}

/* What the run keeps of a memory read: the least headroom, the floor
 * (the default follows a limit changed during the run), the cgroup limit
 * as last seen and the OOM kills so far. */
static void note_memory(struct sweep *s, const struct harness_memory_now *m)
{
	struct harness_run *run = s->run;
	if (m->headroom < run->memory_headroom_min)
		run->memory_headroom_min = m->headroom;
	run->memory_floor = harness_memory_floor(&s->memory, s->o);
	if (s->memory.cgroup_limit) {
		run->memory_cgroup_limit = s->memory.cgroup_limit;
		snprintf(run->memory_cgroup, sizeof(run->memory_cgroup), "%s",
			 s->memory.cgroup_name);
	}
	run->oom_kills_machine = m->machine_ooms;
	run->oom_kills_cgroup = m->cgroup_ooms;
}

/* The memory guard, four times a second: stop while the machine (or the
 * run's memory cgroup) still has the floor left, before the OOM killer
 * picks a process. -ENOMEM with why when below it. */
static int check_memory(struct sweep *s, char *why, size_t why_size)
{
	double now = harness_now_seconds();
	if (now - s->last_memory_check < 0.25)
		return 0;
	s->last_memory_check = now;
	struct harness_memory_now m;
	if (harness_memory_read(&s->memory, &m))
		return 0;
	note_memory(s, &m);
	struct harness_run *run = s->run;
	if (!run->memory_floor || m.headroom >= run->memory_floor)
		return 0;
	struct mcs_stats_total t = {0};
	if (s->stats.header)
		mcs_stats_sum(&s->stats, &t);
	char left[32], floor[32], limit[32], live[32];
	mcs_format_bytes(m.headroom, left, sizeof(left));
	mcs_format_bytes(run->memory_floor, floor, sizeof(floor));
	mcs_format_bytes(s->memory.cgroup_limit, limit, sizeof(limit));
	harness_format_count(t.live, live, sizeof(live));
	char bound[400];
	if (m.cgroup_bound)
		snprintf(bound, sizeof(bound),
			 "under the limit of %s of memory cgroup %.200s", limit,
			 s->memory.cgroup_name);
	else
		snprintf(bound, sizeof(bound), "MemAvailable");
	snprintf(why, why_size,
		 "memory pressure: %s left (%s) at %s connections, below the "
		 "floor of %s: stopped before the OOM killer would; lower "
		 "--target, free memory or lower --min-free",
		 left, bound, live, floor);
	return -ENOMEM;
}

/* why for server worker i (pid) out of descriptors, detail saying how. */
static void fd_exhaustion_why(char *why, size_t why_size, uint32_t i, pid_t pid,
			      const char *detail)
{
	snprintf(why, why_size,
		 "server worker %u (pid %d) ran out of file descriptors: %s. "
		 "Check what lowered its limit (prlimit --pid %d) or holds "
		 "descriptors (ls /proc/%d/fd)",
		 i, (int)pid, detail, (int)pid, (int)pid);
}

/* A server worker out of file descriptors (EMFILE/ENFILE on accept). The
 * plan keeps each worker at 90% of what its RLIMIT_NOFILE allows, so this
 * means its limit was lowered or something holds descriptors; the worker
 * keeps serving what it holds, but the step cannot complete: stop now
 * rather than at the step timeout, naming it. -EMFILE with why. */
static int check_fd_limit(struct sweep *s, char *why, size_t why_size)
{
	for (uint32_t i = 0; i < s->stats.header->worker_count; i++) {
		struct mcs_worker_stats *w = &s->stats.workers[i];
		uint64_t hits = mcs_stat_get(&w->accept_fd_limit);
		if (!hits)
			continue;
		pid_t pid = (pid_t)w->pid;
		uint64_t soft = 0, hard = 0;
		char limit[48] = "unknown";
		if (mcs_process_fd_limit(pid, &soft, &hard) == 0)
			snprintf(limit, sizeof(limit), "%" PRIu64, soft);
		char detail[256];
		snprintf(detail, sizeof(detail),
			 "accept failed with EMFILE/ENFILE %" PRIu64
			 " time%s while it held %" PRIu64
			 " connections (its RLIMIT_NOFILE is now %s; the plan "
			 "gave it up to %u); it keeps serving those",
			 hits, hits == 1 ? "" : "s", mcs_stat_get(&w->live),
			 limit, s->run->plan.capacity_per_worker);
		fd_exhaustion_why(why, why_size, i, pid, detail);
		return -EMFILE;
	}
	return 0;
}

/* A worker whose descriptors are all open takes no more connections even
 * if it never saw EMFILE: libuv accepts and closes them itself when accept
 * fails so (its "EMFILE trick") and tells nobody. Reading /proc/PID/fd of
 * every worker is slow at 1M, so only settle() asks, once the server's
 * count has stopped short. -EMFILE with why for the first such worker. */
static int check_fds_full(struct sweep *s, char *why, size_t why_size)
{
	for (uint32_t i = 0; i < s->stats.header->worker_count; i++) {
		struct mcs_worker_stats *w = &s->stats.workers[i];
		pid_t pid = (pid_t)w->pid;
		unsigned open_fds;
		uint64_t soft, hard;
		if (mcs_count_process_fds(pid, &open_fds) ||
		    mcs_process_fd_limit(pid, &soft, &hard) ||
		    open_fds + 2 < soft)
			continue;
		char detail[256];
		snprintf(detail, sizeof(detail),
			 "%u open of its RLIMIT_NOFILE of %" PRIu64
			 " while it held %" PRIu64 " connections (the plan "
			 "gave it up to %u), so it takes no more",
			 open_fds, soft, mcs_stat_get(&w->live),
			 s->run->plan.capacity_per_worker);
		fd_exhaustion_why(why, why_size, i, pid, detail);
		return -EMFILE;
	}
	return 0;
}

/* Everything the sweep checks while it waits: signals, a dead server or
 * client, a failed worker, a worker out of descriptors, memory running
 * out. Also draws the live progress line on a terminal. */
int harness_sweep_check(void *context, char *why, size_t why_size)
{
	struct sweep *s = context;
	int sig = harness_stop_signal();
	if (sig) {
		snprintf(why, why_size, "interrupted by signal %d (%s)", sig,
			 strsignal(sig));
		return -EINTR;
	}
	if (s->server.pid > 0 && harness_child_exited(&s->server)) {
		char status[96], last[400];
		harness_describe_status(s->server.status, status,
					sizeof(status));
		harness_child_last_log_line(&s->server, last, sizeof(last));
		snprintf(why, why_size, "server (pid %d) %s%s%s",
			 (int)s->server.group, status, last[0] ? ": " : "",
			 last);
		return -ECHILD;
	}
	if (s->client.child.pid > 0 && harness_child_exited(&s->client.child)) {
		harness_client_describe_exit(&s->client, why, why_size);
		return -ECHILD;
	}
	if (s->stats.header) {
		struct mcs_stats_total t;
		mcs_stats_sum(&s->stats, &t);
		if (t.failed || t.stopped) {
			for (uint32_t i = 0; i < s->stats.header->worker_count;
			     i++) {
				struct mcs_worker_stats *w =
				    &s->stats.workers[i];
				uint64_t state = mcs_stat_get(&w->state);
				if (state == MCS_WORKER_FAILED ||
				    state == MCS_WORKER_STOPPED) {
					snprintf(
					    why, why_size,
					    "server worker %u (pid %" PRId64
					    ") %s: %.190s",
					    i, (int64_t)w->pid,
					    state == MCS_WORKER_FAILED
						? "failed"
						: "stopped",
					    w->error[0] ? w->error
							: "no reason given");
					return -ECHILD;
				}
			}
		}
		if (t.accept_fd_limit) {
			int err = check_fd_limit(s, why, why_size);
			if (err)
				return err;
		}
		double now = harness_now_seconds();
		if (s->tty && s->step_target && now - s->last_progress > 0.25) {
			s->last_progress = now;
			char live[32], target[32];
			harness_format_count(t.live, live, sizeof(live));
			harness_format_count(s->step_target, target,
					     sizeof(target));
			printf("\r\033[K  %s step %zu/%zu: %s/%s connected "
			       "(server count), %.1f s",
			       s->run->backend, s->step_index + 1,
			       s->run->planned_step_count, live, target,
			       now - s->step_started);
			fflush(stdout);
		}
	}
	return check_memory(s, why, why_size);
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
	if (step->connections) {
		double n = (double)step->connections;
		step->user_bytes_per_conn = step->server_user_bytes / n;
		step->client_user_bytes_per_conn = step->client_user_bytes / n;
		step->kernel_bytes_per_conn = step->kernel_bytes / n;
	}
	step->wall_s = harness_now_seconds() - s->started;
}

/* Wait until the server holds what the client established and accepts
 * stop moving. Returns 0, or -errno with why. */
static int settle(struct sweep *s, uint64_t established, char *why,
		  size_t why_size)
{
	double deadline = harness_now_seconds() + SETTLE_TIMEOUT_S;
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
			err = check_fds_full(s, why, why_size);
			if (err)
				return err;
		}
		if (harness_now_seconds() > deadline)
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

static int echo_round(struct sweep *s, struct harness_step *step, char *why,
		      size_t why_size)
{
	uint64_t count = s->o->echo_sample < step->established
			     ? s->o->echo_sample
			     : step->established;
	char command[64];
	snprintf(command, sizeof(command), "echo %" PRIu64 " %u", count,
		 s->o->echo_size);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "echo", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	step->echoed = 1;
	step->echo_messages = (uint64_t)harness_json_number(reply, "messages");
	step->echo_errors =
	    (uint64_t)(harness_json_number(reply, "errors") +
		       harness_json_number(reply, "mismatches"));
	step->echo_msgs_per_s = harness_json_number(reply, "msgs_per_s");
	harness_json_latency(json_object_get(reply, "rtt_us"), &step->echo_rtt);
	json_decref(reply);
	struct harness_step after = *step;
	struct harness_sample sample;
	measure(s, &after, &sample);
	step->server_user_bytes_after_echo = after.server_user_bytes;
	step->client_user_bytes_after_echo = after.client_user_bytes;
	step->kernel_bytes_after_echo = after.kernel_bytes;
	if (step->echo_errors) {
		snprintf(why, why_size,
			 "echo over %" PRIu64 " connections: %" PRIu64
			 " errors or mismatched replies",
			 count, step->echo_errors);
		return -EPROTO;
	}
	return 0;
}

static int grow_step(struct sweep *s, uint64_t target, int *paused, char *why,
		     size_t why_size)
{
	struct harness_run *run = s->run;
	struct harness_step *step = &run->steps[run->step_count];
	memset(step, 0, sizeof(*step));
	step->connections = target;
	s->step_target = target;
	s->step_started = harness_now_seconds();
	char command[64];
	snprintf(command, sizeof(command), "grow %" PRIu64, target);
	json_t *reply;
	int err = harness_client_request(
	    &s->client, command, "step", s->o->step_timeout,
	    harness_sweep_check, s, &reply, why, why_size);
	if (err)
		return err;
	step->established = (uint64_t)harness_json_number(reply, "established");
	step->failed = (uint64_t)harness_json_number(reply, "failed");
	step->elapsed_s = harness_json_number(reply, "elapsed_s");
	step->connect_rate = harness_json_number(reply, "connect_rate");
	harness_json_latency(json_object_get(reply, "connect_latency_us"),
			     &step->connect_latency);
	json_t *failures = json_object_get(reply, "failures");
	step->failures =
	    json_is_object(failures) ? json_incref(failures) : json_object();
	harness_client_take_pids(&s->client, reply);
	json_decref(reply);

	/* Measure what there is, even if the step fell short. */
	err = settle(s, step->established, why, why_size);
	struct harness_sample sample;
	measure(s, step, &sample);
	step->server_cpu_s = sample.server_cpu - s->previous.server_cpu;
	step->client_cpu_s = sample.client_cpu - s->previous.client_cpu;
	step->client_bound =
	    step->client_cpu_s > step->server_cpu_s && step->client_cpu_s > 0.1;
	s->previous = sample;
	run->server_cpu_total_s = sample.server_cpu;
	run->client_cpu_total_s = sample.client_cpu;
	run->step_count++;
	if (err)
		return err;
	if (step->established < target) {
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
			 step->established, target, step->failed,
			 reasons[0] ? " (" : "", reasons,
			 reasons[0] ? ")" : "");
		harness_print_step(s, step);
		return -EPROTO;
	}
	if (s->o->echo) {
		err = echo_round(s, step, why, why_size);
		if (err)
			return err;
	}
	harness_print_step(s, step);
	if (s->o->pause_at && !*paused && target >= s->o->pause_at) {
		*paused = 1;
		err = harness_pause(s, step, why, why_size);
		if (err)
			return err;
	}
	return 0;
}

static int verify_all(struct sweep *s, char *why, size_t why_size)
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
	run->verify_checked = (uint64_t)harness_json_number(reply, "checked");
	run->verify_alive = (uint64_t)harness_json_number(reply, "alive");
	run->verify_dead = (uint64_t)harness_json_number(reply, "dead");
	run->verify_elapsed_s = harness_json_number(reply, "elapsed_s");
	json_decref(reply);
	struct mcs_stats_total t;
	mcs_stats_sum(&s->stats, &t);
	if (run->verify_alive != run->plan.target || run->verify_dead) {
		snprintf(why, why_size,
			 "liveness check: %" PRIu64 " of %" PRIu64
			 " connections answered, %" PRIu64 " dead (server "
			 "holds %" PRIu64 ")",
			 run->verify_alive, run->plan.target, run->verify_dead,
			 t.live);
		return -EPROTO;
	}
	char alive[32];
	harness_format_count(run->verify_alive, alive, sizeof(alive));
	printf("%s verify: all %s connections established and answering "
	       "(%.1f s)\n",
	       run->backend, alive, run->verify_elapsed_s);
	return 0;
}

static int sweep_steps(struct sweep *s, char *why, size_t why_size)
{
	struct harness_run *run = s->run;
	int err = harness_start_server(s, why, why_size);
	if (!err)
		err = harness_start_client(s, why, why_size);
	if (err)
		return err;
	/* Both up, nothing connected: the fixed cost. */
	err = settle(s, 0, why, why_size);
	if (err)
		return err;
	measure(s, &run->baseline, &s->previous);
	run->have_baseline = 1;
	int paused = 0;
	for (s->step_index = 0; s->step_index < run->planned_step_count;
	     s->step_index++) {
		err = grow_step(s, run->planned_steps[s->step_index], &paused,
				why, why_size);
		if (err)
			return err;
	}
	return verify_all(s, why, why_size);
}

static void warn_client_bound(struct harness_run *run)
{
	const struct harness_step *worst = NULL;
	size_t bound = 0;
	if (run->options->rate)
		return; /* --rate set the pace, not the client's CPU */
	for (size_t i = 0; i < run->step_count; i++) {
		if (!run->steps[i].client_bound)
			continue;
		bound++;
		worst = &run->steps[i];
	}
	if (!bound)
		return;
	char text[384];
	snprintf(text, sizeof(text),
		 "the client, not the server, was the bottleneck at %zu of %zu "
		 "steps (at %" PRIu64 " connections it used %.2f CPU s, the "
		 "server %.2f): connect rates there measure the client",
		 bound, run->step_count, worst->connections,
		 worst->client_cpu_s, worst->server_cpu_s);
	harness_run_warn(run, text);
}

/* The kernel frees a previous run's sockets lazily (RCU, deferred work):
 * a baseline read while Slab is still falling would hide growth. Wait
 * until it moves by less than 4 MiB in 250 ms, for at most 20 s. */
static void wait_for_quiet_slab(void)
{
	struct mcs_meminfo previous, now;
	if (mcs_read_meminfo(&previous))
		return;
	double deadline = harness_now_seconds() + 20.0;
	while (harness_now_seconds() < deadline && !harness_stop_signal()) {
		usleep(250000);
		if (mcs_read_meminfo(&now))
			return;
		uint64_t moved = now.slab > previous.slab
				     ? now.slab - previous.slab
				     : previous.slab - now.slab;
		if (moved < (4u << 20))
			return;
		previous = now;
	}
}

int harness_sweep(const struct harness_options *o, const char *backend,
		  struct harness_run *run)
{
	char why[640] = "";
	struct sweep s;
	memset(&s, 0, sizeof(s));
	s.server.stdin_fd = s.server.stdout_fd = -1;
	s.client.child.stdin_fd = s.client.child.stdout_fd = -1;
	s.run = run;
	s.o = o;
	s.tty = isatty(STDOUT_FILENO);
	memset(run, 0, sizeof(*run));
	run->options = o;
	snprintf(run->backend, sizeof(run->backend), "%s", backend);

	/* Preflight first: nothing is written or started if it fails. */
	struct mcs_backend_handle handle;
	int err = mcs_backend_load(NULL, backend, &handle, why, sizeof(why));
	if (err) {
		fprintf(stderr, "harness: %s\n", why);
		return err == -ENOENT || err == -EINVAL ? 2 : 1;
	}
	if (handle.ops->probe && handle.ops->probe(why, sizeof(why)) != 0) {
		fprintf(stderr, "harness: backend %s is unavailable here: %s\n",
			backend, why);
		mcs_backend_unload(&handle);
		return 1;
	}
	err = harness_plan_make(o, handle.ops, &run->plan, why, sizeof(why));
	mcs_backend_unload(&handle);
	if (!err)
		err =
		    harness_preflight(o, &run->plan, stdout, why, sizeof(why));
	if (err) {
		fprintf(stderr, "harness: %s: preflight: %s\n", backend, why);
		return 1;
	}
	for (size_t i = 0; i < run->plan.warning_count; i++)
		fprintf(stderr, "harness: warning: %s\n",
			run->plan.warnings[i]);
	if (run->plan.limited)
		printf("harness: %s: %s; sweeping to that limit\n", backend,
		       run->plan.limit_reason);
	run->planned_step_count = harness_step_list(
	    o, run->plan.target, run->planned_steps, HARNESS_MAX_STEPS);
	err = make_run_dir(run, o->out);
	if (err) {
		fprintf(stderr, "harness: cannot create %s: %s\n", run->dir,
			strerror(-err));
		return 1;
	}
	char target[32];
	harness_format_count(run->plan.target, target, sizeof(target));
	char files[32], memory[32], available[32];
	harness_format_count(run->plan.files_needed, files, sizeof(files));
	harness_format_bytes(run->plan.memory_needed, memory, sizeof(memory));
	harness_format_bytes(run->plan.memory_available, available,
			     sizeof(available));
	printf("harness: %s to %s connections: %u server workers (ports "
	       "%u-%u, up to %u each), about %u client processes, sources "
	       "%s; needs %s open files and about %s of memory (%s "
	       "available); results in %s\n",
	       backend, target, run->plan.workers, run->plan.port_first,
	       run->plan.port_last, run->plan.capacity_per_worker,
	       run->plan.client_procs, run->plan.sources, files, memory,
	       available, run->dir);
	fflush(stdout);

	harness_remove_stale_stats();
	wait_for_quiet_slab();
	harness_memory_start(&s.memory);
	run->memory_headroom_min = UINT64_MAX;
	run->memory_floor = harness_memory_floor(&s.memory, o);
	struct harness_memory_now memory_now;
	if (harness_memory_read(&s.memory, &memory_now) == 0)
		note_memory(&s, &memory_now);
	s.started = harness_now_seconds();
	harness_sample_system(&run->before);
	if (run->before.tcp_inuse > 10000) {
		/* Kernel figures are system-wide: say when others share them.
		 */
		char text[384];
		snprintf(text, sizeof(text),
			 "%" PRIu64 " TCP sockets were already in use before "
			 "the server started: kernel memory figures are "
			 "system-wide and include whatever else runs here",
			 run->before.tcp_inuse);
		harness_run_warn(run, text);
		fprintf(stderr, "harness: warning: %s\n", text);
	}
	err = sweep_steps(&s, why, sizeof(why));
	if (!err)
		run->sweep_s = harness_now_seconds() - s.started;
	if (s.tty)
		printf("\r\033[K");
	double teardown_started = harness_now_seconds();
	harness_stop_children(&s);
	run->teardown_s = harness_now_seconds() - teardown_started;
	run->duration_s = harness_now_seconds() - s.started;

	/* The OOM kills and the limit as they are now, once all is down. */
	int memory_read = harness_memory_read(&s.memory, &memory_now) == 0;
	if (memory_read)
		note_memory(&s, &memory_now);
	int status = 0;
	if (err) {
		int sig = harness_stop_signal();
		/* A process gone, a step short, a timeout: say when memory
		 * ran out meanwhile (the guard's own stop says so already). */
		if (!sig && err != -ENOMEM && memory_read)
			harness_memory_explain(&s.memory, &memory_now, why,
					       sizeof(why));
		run->status =
		    sig ? HARNESS_RUN_INTERRUPTED : HARNESS_RUN_FAILED;
		run->signal = sig;
		run->failed_step = (int)s.step_index + 1;
		run->failed_connections = s.step_index < run->planned_step_count
					      ? run->planned_steps[s.step_index]
					      : run->plan.target;
		snprintf(run->failure, sizeof(run->failure), "%s", why);
		status = sig ? 128 + sig : 1;
	} else {
		run->status = run->plan.limited ? HARNESS_RUN_LIMITED
						: HARNESS_RUN_COMPLETE;
	}
	harness_run_fit(run);
	warn_client_bound(run);
	char write_why[512];
	if (harness_results_write(run, write_why, sizeof(write_why)))
		fprintf(stderr, "harness: %s\n", write_why);
	char link[PATH_MAX + 16];
	int len =
	    snprintf(link, sizeof(link), "%s/%s/latest", o->out, run->backend);
	if (len < (int)sizeof(link))
		unlink(link);
	if (len >= (int)sizeof(link) || symlink(run->run_id, link) != 0)
		fprintf(stderr, "harness: cannot link %s: %s\n", link,
			strerror(errno));
	if (!o->no_plot && run->step_count) {
		char plot_why[512];
		if (harness_plot_run(run, plot_why, sizeof(plot_why)))
			fprintf(stderr, "harness: plots: %s\n", plot_why);
	}
	for (size_t i = 0; i < run->warning_count; i++)
		fprintf(stderr, "harness: warning: %s\n", run->warnings[i]);
	if (err) {
		char conns[32];
		harness_format_count(run->failed_connections, conns,
				     sizeof(conns));
		fprintf(stderr,
			"harness: %s: step %d (%s connections) %s: %s; results "
			"so far in %s\n",
			backend, run->failed_step, conns,
			run->signal ? "interrupted" : "failed", why, run->dir);
	} else {
		harness_print_summary(run, stdout);
	}
	for (size_t i = 0; i < run->step_count; i++)
		json_decref(run->steps[i].failures);
	json_decref(run->baseline.failures);
	return status;
}
