/* harness_checks.c - what the sweep checks while it waits for the client
 * or the server: a stop signal, a dead server or client, a failed server
 * worker, a worker out of file descriptors, and memory running out (the
 * memory guard). Also draws the live progress line on a terminal. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_format.h"
#include "harness_signal.h"
#include "harness_sweep_internal.h"
#include "mcs_clock.h"
#include "mcs_format.h"
#include "mcs_proc.h"

/* What the run keeps of a memory read: the least headroom, the floor
 * (the default follows a limit changed during the run), the cgroup limit
 * as last seen and the OOM kills so far. */
void harness_note_memory(struct sweep *s, const struct harness_memory_now *m)
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

/* The memory guard: stop while the machine (or the run's memory cgroup)
 * still has the floor left, before the OOM killer picks a process. It
 * reads four times a second while far from the floor, and more often as
 * memory arrives faster than what is left above the floor would last
 * (harness_memory_next_check), so a fast ramp cannot cross the floor and
 * the limit between two reads. -ENOMEM with why when below it. */
static int check_memory(struct sweep *s, char *why, size_t why_size)
{
	double now = mcs_now_seconds();
	if (now < s->next_memory_check)
		return 0;
	struct harness_memory_now m;
	if (harness_memory_read(&s->memory, &m))
		return 0;
	harness_note_memory(s, &m);
	struct harness_run *run = s->run;
	double growth = 0; /* bytes per second since the last read */
	if (s->last_memory_check > 0 && now > s->last_memory_check &&
	    m.headroom < s->last_headroom)
		growth = (double)(s->last_headroom - m.headroom) /
			 (now - s->last_memory_check);
	s->last_memory_check = now;
	s->last_headroom = m.headroom;
	s->next_memory_check = now + harness_memory_next_check(
					 m.headroom, run->memory_floor, growth);
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
int harness_check_fds_full(struct sweep *s, char *why, size_t why_size)
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

/* A server worker that failed, or that is gone without a word (killed:
 * its state never changed), is the cause of a failure. One that stopped
 * was asked to, by a server shutting down because of something else: the
 * server's own exit names that, so it gets WORKER_STOP_GRACE_S to come
 * before the stop itself is reported. -ECHILD with why, or 0. */
#define WORKER_STOP_GRACE_S 3.0

static int check_workers(struct sweep *s, char *why, size_t why_size)
{
	int stopped = -1;
	for (uint32_t i = 0; i < s->stats.header->worker_count; i++) {
		struct mcs_worker_stats *w = &s->stats.workers[i];
		uint64_t state = mcs_stat_get(&w->state);
		pid_t pid = (pid_t)w->pid;
		int gone = pid > 0 && kill(pid, 0) != 0 && errno == ESRCH;
		if (state == MCS_WORKER_FAILED) {
			snprintf(why, why_size,
				 "server worker %u (pid %d) failed: %.190s", i,
				 (int)pid,
				 w->error[0] ? w->error : "no reason given");
			return -ECHILD;
		}
		if (gone && state != MCS_WORKER_STOPPED) {
			snprintf(why, why_size,
				 "server worker %u (pid %d) is gone without "
				 "a word (killed, or it crashed): see "
				 "server.log and the kernel log",
				 i, (int)pid);
			return -ECHILD;
		}
		if (state == MCS_WORKER_STOPPED && stopped < 0)
			stopped = (int)i;
	}
	if (stopped < 0)
		return 0;
	double now = mcs_now_seconds();
	if (!s->workers_stopped_at)
		s->workers_stopped_at = now;
	if (now - s->workers_stopped_at < WORKER_STOP_GRACE_S)
		return 0;
	struct mcs_worker_stats *w = &s->stats.workers[stopped];
	snprintf(why, why_size, "server worker %d (pid %d) stopped: %.190s",
		 stopped, (int)w->pid,
		 w->error[0] ? w->error : "no reason given");
	return -ECHILD;
}

/* The live line: the step, the phase, how long it has run, and during a
 * ramp the server's count. */
static void draw_progress(struct sweep *s, const struct mcs_stats_total *t)
{
	if (!s->phase)
		return;
	double now = mcs_now_seconds();
	s->last_progress = now;
	char live[32], target[32], counts[120] = "";
	if (s->step_target && !strcmp(s->phase, "ramp")) {
		harness_format_count(t->live, live, sizeof(live));
		harness_format_count(s->step_target, target, sizeof(target));
		snprintf(counts, sizeof(counts),
			 " %s/%s connected (server count),", live, target);
	}
	printf("\r\033[K  %s step %zu/%zu, %s:%s %.1f s", s->run->backend,
	       s->step_index + 1, s->run->planned_step_count, s->phase, counts,
	       now - s->phase_started);
	fflush(stdout);
}

void harness_sweep_phase(struct sweep *s, const char *phase)
{
	s->phase = phase;
	s->phase_started = mcs_now_seconds();
	if (s->tty && s->stats.header) {
		struct mcs_stats_total t;
		mcs_stats_sum(&s->stats, &t);
		draw_progress(s, &t);
	}
}

/* Everything the sweep checks while it waits: signals, a dead server or
 * client, a failed worker, a worker out of descriptors, memory running
 * out. Also draws the live progress line on a terminal. */
int harness_sweep_check(void *context, char *why, size_t why_size)
{
	struct sweep *s = context;
	int err = harness_stop_why(why, why_size);
	if (err)
		return err;
	if (s->server.pid > 0 && mcs_child_exited(&s->server)) {
		char status[96], last[400];
		mcs_describe_status(s->server.status, status, sizeof(status));
		mcs_child_last_log_line(&s->server, last, sizeof(last));
		snprintf(why, why_size, "server (pid %d) %s%s%s",
			 (int)s->server.group, status, last[0] ? ": " : "",
			 last);
		return -ECHILD;
	}
	if (s->client.child.pid > 0 && mcs_child_exited(&s->client.child)) {
		harness_client_describe_exit(&s->client, why, why_size);
		return -ECHILD;
	}
	if (s->stats.header) {
		struct mcs_stats_total t;
		mcs_stats_sum(&s->stats, &t);
		if (t.failed || t.stopped) {
			int err = check_workers(s, why, why_size);
			if (err)
				return err;
		}
		if (t.accept_fd_limit) {
			err = check_fd_limit(s, why, why_size);
			if (err)
				return err;
		}
		if (s->tty && mcs_now_seconds() - s->last_progress > 0.25)
			draw_progress(s, &t);
	}
	return check_memory(s, why, why_size);
}
