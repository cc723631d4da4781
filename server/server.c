/* server.c - the `server` binary: load a backend plugin, fork one worker
 * process per share of the ports, monitor them through shared-memory stats
 * once a second, and shut everything down cleanly on a signal.
 *
 * Why processes: RLIMIT_NOFILE caps every process (20,000 here, and root
 * cannot raise it), so one process can never hold 1M sockets. Each worker
 * owns its own ports, and its connection cap is computed from the real
 * limit (getrlimit), so no worker is ever handed more than it may hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mcs_loader.h"
#include "mcs_proc.h"
#include "mcs_stats.h"
#include "server_monitor.h"
#include "server_options.h"
#include "server_worker.h"

#define STARTUP_TIMEOUT_SECONDS 15.0
#define SHUTDOWN_GRACE_SECONDS	10.0

struct server {
	struct server_options options;
	struct mcs_backend_handle backend;
	struct mcs_stats_block stats;
	struct mcs_worker_config *configs;
	uint16_t *ports;
	pid_t *pids;		 /* 0 once reaped */
	unsigned char *reported; /* a worker's failure was already printed */
	unsigned workers;
	unsigned live_workers;
	uint64_t cap_per_worker;
	uint64_t total_cap;
};

static double monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reap whatever exited; report unexpected exits. Returns how many workers
 * exited with a failure since the last call. */
static unsigned reap_workers(struct server *s, int report)
{
	unsigned failures = 0;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			break;
		for (unsigned i = 0; i < s->workers; i++) {
			if (s->pids[i] != pid)
				continue;
			s->pids[i] = 0;
			s->live_workers--;
			int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			if (ok)
				break;
			failures++;
			if (!report)
				break;
			struct mcs_worker_stats *w = &s->stats.workers[i];
			if (s->reported[i])
				break;
			s->reported[i] = 1;
			if (mcs_stat_get(&w->state) == MCS_WORKER_FAILED)
				fprintf(stderr, "server: worker %u: %s\n", i,
					w->error);
			else if (WIFSIGNALED(status))
				fprintf(stderr,
					"server: worker %u (pid %d) was killed "
					"by signal %d (%s); stopping\n",
					i, (int)pid, WTERMSIG(status),
					strsignal(WTERMSIG(status)));
			else
				fprintf(
				    stderr,
				    "server: worker %u (pid %d) exited with "
				    "status %d; stopping\n",
				    i, (int)pid, WEXITSTATUS(status));
			break;
		}
	}
	return failures;
}

/* Print the reason of every worker that marked itself failed and was not
 * reported yet (it may not have exited yet). Returns how many. */
static unsigned report_failed_workers(struct server *s)
{
	unsigned failed = 0;
	for (unsigned i = 0; i < s->workers; i++) {
		struct mcs_worker_stats *w = &s->stats.workers[i];
		if (mcs_stat_get(&w->state) != MCS_WORKER_FAILED)
			continue;
		failed++;
		if (!s->reported[i]) {
			s->reported[i] = 1;
			fprintf(stderr, "server: worker %u: %s\n", i, w->error);
		}
	}
	return failed;
}

static void stop_workers(struct server *s)
{
	for (unsigned i = 0; i < s->workers; i++)
		if (s->pids[i] > 0)
			kill(s->pids[i], SIGTERM);
	double deadline = monotonic_seconds() + SHUTDOWN_GRACE_SECONDS;
	while (s->live_workers > 0 && monotonic_seconds() < deadline) {
		reap_workers(s, 0);
		if (s->live_workers > 0)
			usleep(10000);
	}
	for (unsigned i = 0; i < s->workers; i++)
		if (s->pids[i] > 0)
			kill(s->pids[i], SIGKILL);
	while (s->live_workers > 0) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0)
			break;
		for (unsigned i = 0; i < s->workers; i++)
			if (s->pids[i] == pid) {
				s->pids[i] = 0;
				s->live_workers--;
			}
	}
}

/* Split ports over workers and compute each worker's cap. */
static int plan_workers(struct server *s, char *why, size_t why_size)
{
	struct server_options *o = &s->options;
	unsigned ports = (unsigned)o->port_last - o->port_first + 1;
	s->workers = o->workers ? o->workers : ports;
	uint64_t soft, hard;
	int err = mcs_fd_limit_raise(&soft);
	if (err || mcs_fd_limit(&soft, &hard)) {
		snprintf(why, why_size, "getrlimit(RLIMIT_NOFILE): %s",
			 strerror(err ? -err : errno));
		return -EIO;
	}
	unsigned ports_per_worker = (ports + s->workers - 1) / s->workers;
	uint64_t fd_budget =
	    soft > ports_per_worker ? soft - ports_per_worker : 0;
	if (fd_budget > UINT32_MAX)
		fd_budget = UINT32_MAX;
	uint64_t cap = s->backend.ops->capacity((unsigned)fd_budget);
	if (cap == 0) {
		snprintf(why, why_size,
			 "backend %s can hold no connections with an fd limit "
			 "of %" PRIu64 ": raise RLIMIT_NOFILE",
			 o->backend, soft);
		return -EINVAL;
	}
	uint64_t total_cap = 0;
	if (o->max_connections) {
		/* The total is exact: the first total % W workers hold one
		 * more than the others. */
		uint64_t share =
		    (o->max_connections + s->workers - 1) / s->workers;
		if (share <= cap)
			total_cap = o->max_connections;
		if (share < cap)
			cap = share;
		else if (share > cap)
			fprintf(
			    stderr,
			    "server: warning: --max-connections %" PRIu64
			    " is more than %u workers of %s can hold (%" PRIu64
			    " each, %" PRIu64 " in all); holding at most that: "
			    "widen --ports and add --workers\n",
			    o->max_connections, s->workers, o->backend, cap,
			    cap * s->workers);
	}
	s->cap_per_worker = cap;
	s->total_cap = total_cap ? total_cap : cap * s->workers;
	s->ports = calloc(ports, sizeof(uint16_t));
	s->configs = calloc(s->workers, sizeof(*s->configs));
	s->pids = calloc(s->workers, sizeof(pid_t));
	s->reported = calloc(s->workers, 1);
	if (!s->ports || !s->configs || !s->pids || !s->reported) {
		snprintf(why, why_size, "out of memory planning %u workers",
			 s->workers);
		return -ENOMEM;
	}
	/* Contiguous blocks of ports: worker i gets ports [i*k, i*k+k). */
	unsigned next = 0;
	for (unsigned i = 0; i < s->workers; i++) {
		unsigned share = ports / s->workers + (i < ports % s->workers);
		struct mcs_worker_config *c = &s->configs[i];
		c->worker_index = i;
		c->worker_count = s->workers;
		c->address = o->address;
		c->ports = &s->ports[next];
		c->port_count = share;
		for (unsigned k = 0; k < share; k++, next++)
			s->ports[next] = (uint16_t)(o->port_first + next);
		c->max_connections = (unsigned)cap;
		if (total_cap)
			c->max_connections =
			    (unsigned)(total_cap / s->workers +
				       (i < total_cap % s->workers));
		c->threads = o->threads;
		c->read_buffer_size = o->read_buffer_size;
		c->write_backlog_limit = o->write_backlog_limit;
		c->listen_backlog = o->listen_backlog;
	}
	return 0;
}

static volatile sig_atomic_t stop_signal;

int main(int argc, char **argv)
{
	struct server s;
	char why[512];
	memset(&s, 0, sizeof(s));
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (server_parse_options(argc, argv, &s.options, why, sizeof(why))) {
		fprintf(stderr, "server: %s\n", why);
		return 2;
	}
	if (s.options.help) {
		server_print_usage(stdout);
		return 0;
	}
	if (s.options.list_backends)
		return mcs_backend_print_list("server", stdout, stderr);

	if (mcs_backend_load(NULL, s.options.backend, &s.backend, why,
			     sizeof(why))) {
		fprintf(stderr, "server: %s\n", why);
		return 2;
	}
	if (s.backend.ops->probe &&
	    s.backend.ops->probe(why, sizeof(why)) != 0) {
		fprintf(stderr, "server: backend %s is unavailable here: %s\n",
			s.options.backend, why);
		return 1;
	}
	if (plan_workers(&s, why, sizeof(why))) {
		fprintf(stderr, "server: %s\n", why);
		return 2;
	}
	/* Block the signals we wait for before anything needs cleaning up
	 * (the stats shm), so a signal can never kill us between the two;
	 * workers unblock them after fork. A signal now waits for the loop
	 * below and still shuts down cleanly. */
	sigset_t wait_set;
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGINT);
	sigaddset(&wait_set, SIGTERM);
	sigaddset(&wait_set, SIGCHLD);
	sigaddset(&wait_set, SIGHUP);
	sigprocmask(SIG_BLOCK, &wait_set, NULL);
	signal(SIGPIPE, SIG_IGN);

	char stats_name[64];
	if (s.options.stats_name[0])
		snprintf(stats_name, sizeof(stats_name), "%s",
			 s.options.stats_name);
	else
		snprintf(stats_name, sizeof(stats_name), "/mcs-server-%d",
			 (int)getpid());
	int err = mcs_stats_create(&s.stats, stats_name, s.workers,
				   s.options.backend);
	if (err) {
		fprintf(
		    stderr,
		    "server: cannot create shared stats %s: %s (is /dev/shm "
		    "mounted and writable?)\n",
		    stats_name, strerror(-err));
		return 1;
	}

	pid_t self = getpid();
	for (unsigned i = 0; i < s.workers; i++) {
		s.configs[i].stats = &s.stats.workers[i];
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "server: fork worker %u: %s\n", i,
				strerror(errno));
			stop_workers(&s);
			mcs_stats_close(&s.stats);
			return 1;
		}
		if (pid == 0)
			server_worker_main(s.backend.ops, &s.configs[i], self);
		s.pids[i] = pid;
		s.live_workers++;
	}

	int exit_code = 0;
	struct server_monitor monitor;
	server_monitor_init(&monitor, &s.stats, s.pids, s.workers);

	/* Startup: every worker listening, or the first failure. */
	double start = monotonic_seconds();
	for (;;) {
		struct mcs_stats_total t;
		mcs_stats_sum(&s.stats, &t);
		if (reap_workers(&s, 1) || report_failed_workers(&s)) {
			exit_code = 1;
			break;
		}
		if (t.listening == s.workers)
			break;
		struct timespec tick = {0, 5 * 1000 * 1000};
		siginfo_t info;
		int sig = sigtimedwait(&wait_set, &info, &tick);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			stop_signal = sig;
			break;
		}
		if (monotonic_seconds() - start > STARTUP_TIMEOUT_SECONDS) {
			fprintf(
			    stderr,
			    "server: workers did not start listening within "
			    "%.0f s; stopping\n",
			    STARTUP_TIMEOUT_SECONDS);
			exit_code = 1;
			break;
		}
	}
	if (exit_code == 0 && !stop_signal) {
		printf("server: %s listening on %s ports %u-%u with %u workers "
		       "(up to %" PRIu64 " connections each, %" PRIu64
		       " in all); stats in %s\n",
		       s.options.backend, inet_ntoa(s.options.address),
		       s.options.port_first, s.options.port_last, s.workers,
		       s.cap_per_worker, s.total_cap, stats_name);
		double next_line =
		    monotonic_seconds() + s.options.interval_seconds;
		double end =
		    s.options.duration_seconds > 0
			? monotonic_seconds() + s.options.duration_seconds
			: INFINITY;
		for (;;) {
			double now = monotonic_seconds();
			if (now >= end)
				break;
			double wake = end;
			if (s.options.interval_seconds > 0 && next_line < wake)
				wake = next_line;
			double wait = wake - now;
			if (wait > 1.0)
				wait = 1.0;
			struct timespec ts = {
			    (time_t)wait, (long)((wait - floor(wait)) * 1e9)};
			siginfo_t info;
			int sig = sigtimedwait(&wait_set, &info, &ts);
			if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
				stop_signal = sig;
				break;
			}
			if (sig == SIGCHLD && reap_workers(&s, 1)) {
				exit_code = 1;
				break;
			}
			if (s.live_workers < s.workers) {
				fprintf(stderr,
					"server: a worker exited on its "
					"own; stopping\n");
				exit_code = 1;
				break;
			}
			if (s.options.interval_seconds > 0 &&
			    monotonic_seconds() >= next_line) {
				server_monitor_line(&monitor, stdout);
				next_line += s.options.interval_seconds;
			}
		}
	}
	stop_workers(&s);
	server_monitor_final(&monitor, stdout, s.options.json);
	mcs_stats_close(&s.stats);
	mcs_backend_unload(&s.backend);
	free(s.ports);
	free(s.configs);
	free(s.pids);
	free(s.reported);
	if (stop_signal)
		return 128 + stop_signal;
	return exit_code;
}
