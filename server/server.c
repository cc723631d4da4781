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

#include "mcs_version.h"
#include "mcs_backend_options.h"
#include "mcs_clock.h"
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
	/* The backend's options, parsed from --backend-opt over defaults. */
	struct mcs_backend_option_values backend_options;
	struct mcs_stats_block stats;
	char stats_name[64];
	struct mcs_worker_config *configs;
	uint16_t *ports;
	pid_t *pids;		 /* 0 once reaped */
	unsigned char *reported; /* a worker's failure was already printed */
	unsigned workers;
	unsigned live_workers;
	uint64_t cap_per_worker;
	uint64_t total_cap;
};

/* Reap whatever exited; report unexpected exits. Returns how many workers
 * exited with a failure since the last call. */
static unsigned reap_workers(struct server *s)
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

/* Whether any worker is still running: reaps those already waiting to be
 * (exited before SIGCHLD was ignored), ECHILD once none is left. */
static int workers_remain(void)
{
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		if (pid > 0)
			continue;
		return !(pid < 0 && errno == ECHILD);
	}
}

/* SIGTERM to every worker, SIGKILL to any still there after the grace.
 * SIGCHLD is ignored first, so the kernel reaps each worker in its own
 * exit: their teardown runs on every core at once instead of one worker
 * at a time in this process's wait. It is most of a large run's end: a
 * process that lists /proc/PID/fd leaves an inode and a dentry per
 * descriptor, freed when the worker is reaped (2.2 s at 1M connections,
 * one core busy, the other idle, before this). */
static void stop_workers(struct server *s)
{
	signal(SIGCHLD, SIG_IGN);
	for (unsigned i = 0; i < s->workers; i++)
		if (s->pids[i] > 0)
			kill(s->pids[i], SIGTERM);
	double deadline = mcs_now_seconds() + SHUTDOWN_GRACE_SECONDS;
	while (workers_remain() && mcs_now_seconds() < deadline)
		usleep(10000);
	if (workers_remain())
		for (unsigned i = 0; i < s->workers; i++)
			if (s->pids[i] > 0)
				kill(s->pids[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		; /* blocks until every worker is gone (ECHILD) */
	for (unsigned i = 0; i < s->workers; i++)
		s->pids[i] = 0;
	s->live_workers = 0;
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
		c->options =
		    s->backend.ops->option_count ? &s->backend_options : NULL;
	}
	return 0;
}

static volatile sig_atomic_t stop_signal;

/* What main() goes on with after a step that did not end the run. */
#define CONTINUE (-1)

/* Parse the command line; answer --help and --list-backends. Returns
 * CONTINUE, or the exit status. */
static int read_command_line(struct server *s, int argc, char **argv)
{
	char why[512];
	if (server_parse_options(argc, argv, &s->options, why, sizeof(why))) {
		fprintf(stderr, "server: %s\n", why);
		return 2;
	}
	if (s->options.help) {
		server_print_usage(stdout);
		return 0;
	}
	if (s->options.version) {
		mcs_version_print(stdout, "server");
		return 0;
	}
	if (s->options.list_backends)
		return mcs_backend_print_list("server", stdout, stderr);
	return CONTINUE;
}

/* Load the backend, parse its options (a bad one is bad usage, whether or
 * not the backend runs here), probe it. Returns 0 or the exit status. */
static int load_backend(struct server *s)
{
	char why[512];
	const char *settings[MCS_BACKEND_SETTINGS_MAX];
	for (size_t i = 0; i < s->options.backend_setting_count; i++)
		settings[i] = s->options.backend_settings[i];
	if (mcs_backend_load(NULL, s->options.backend, &s->backend, why,
			     sizeof(why)) ||
	    mcs_backend_options_parse(s->backend.ops, settings,
				      s->options.backend_setting_count,
				      &s->backend_options, why, sizeof(why))) {
		fprintf(stderr, "server: %s\n", why);
		return 2;
	}
	if (s->backend.ops->probe &&
	    s->backend.ops->probe(why, sizeof(why)) != 0) {
		fprintf(stderr, "server: backend %s is unavailable here: %s\n",
			s->options.backend, why);
		return 1;
	}
	return 0;
}

/* Block the signals we wait for before anything needs cleaning up (the
 * stats shm), so a signal can never kill us between the two; workers
 * unblock them after fork. A signal now waits for the loops below and
 * still shuts down cleanly. */
static void block_signals(sigset_t *wait_set)
{
	sigemptyset(wait_set);
	sigaddset(wait_set, SIGINT);
	sigaddset(wait_set, SIGTERM);
	sigaddset(wait_set, SIGCHLD);
	sigaddset(wait_set, SIGHUP);
	sigprocmask(SIG_BLOCK, wait_set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The shared stats block, under --stats-shm or /mcs-server-PID. Returns 0
 * or the exit status. */
static int create_stats(struct server *s)
{
	if (s->options.stats_name[0])
		snprintf(s->stats_name, sizeof(s->stats_name), "%s",
			 s->options.stats_name);
	else
		snprintf(s->stats_name, sizeof(s->stats_name), "/mcs-server-%d",
			 (int)getpid());
	int err = mcs_stats_create(&s->stats, s->stats_name, s->workers,
				   s->options.backend);
	if (err) {
		fprintf(
		    stderr,
		    "server: cannot create shared stats %s: %s (is /dev/shm "
		    "mounted and writable?)\n",
		    s->stats_name, strerror(-err));
		return 1;
	}
	return 0;
}

/* One process per worker config. Returns 0, or the exit status with the
 * workers already started stopped again. */
static int fork_workers(struct server *s)
{
	pid_t self = getpid();
	for (unsigned i = 0; i < s->workers; i++) {
		s->configs[i].stats = &s->stats.workers[i];
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "server: fork worker %u: %s\n", i,
				strerror(errno));
			stop_workers(s);
			mcs_stats_close(&s->stats);
			return 1;
		}
		if (pid == 0)
			server_worker_main(s->backend.ops, &s->configs[i],
					   self);
		s->pids[i] = pid;
		s->live_workers++;
	}
	return 0;
}

static int is_stop_signal(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
}

/* Startup: every worker listening, or the first failure. Returns 0, or 1
 * when a worker failed or they did not all listen in time; a signal sets
 * stop_signal. */
static int wait_until_listening(struct server *s, const sigset_t *wait_set)
{
	double start = mcs_now_seconds();
	for (;;) {
		struct mcs_stats_total t;
		mcs_stats_sum(&s->stats, &t);
		if (reap_workers(s) || report_failed_workers(s))
			return 1;
		if (t.listening == s->workers)
			return 0;
		struct timespec tick = {0, 5 * 1000 * 1000};
		siginfo_t info;
		int sig = sigtimedwait(wait_set, &info, &tick);
		if (is_stop_signal(sig)) {
			stop_signal = sig;
			return 0;
		}
		if (mcs_now_seconds() - start > STARTUP_TIMEOUT_SECONDS) {
			fprintf(
			    stderr,
			    "server: workers did not start listening within "
			    "%.0f s; stopping\n",
			    STARTUP_TIMEOUT_SECONDS);
			return 1;
		}
	}
}

static void print_listening(const struct server *s)
{
	printf("server: %s listening on %s ports %u-%u with %u workers "
	       "(up to %" PRIu64 " connections each, %" PRIu64
	       " in all); stats in %s\n",
	       s->options.backend, inet_ntoa(s->options.address),
	       s->options.port_first, s->options.port_last, s->workers,
	       s->cap_per_worker, s->total_cap, s->stats_name);
}

/* How long to wait for a signal from now: until the next monitor line or
 * the end, at most a second. */
static struct timespec next_wait(const struct server *s, double now, double end,
				 double next_line)
{
	double wake = end;
	if (s->options.interval_seconds > 0 && next_line < wake)
		wake = next_line;
	double wait = wake - now;
	if (wait > 1.0)
		wait = 1.0;
	struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
	return ts;
}

/* Serve until --duration is over, a signal (which sets stop_signal) or a
 * worker's exit, with a monitor line every --interval. Returns 0, or 1
 * when a worker exited. */
static int serve(struct server *s, const sigset_t *wait_set,
		 struct server_monitor *monitor)
{
	double next_line = mcs_now_seconds() + s->options.interval_seconds;
	double end = s->options.duration_seconds > 0
			 ? mcs_now_seconds() + s->options.duration_seconds
			 : INFINITY;
	for (;;) {
		double now = mcs_now_seconds();
		if (now >= end)
			return 0;
		struct timespec ts = next_wait(s, now, end, next_line);
		siginfo_t info;
		int sig = sigtimedwait(wait_set, &info, &ts);
		if (is_stop_signal(sig)) {
			stop_signal = sig;
			return 0;
		}
		if (sig == SIGCHLD && reap_workers(s))
			return 1;
		if (s->live_workers < s->workers) {
			fprintf(stderr, "server: a worker exited on its own; "
					"stopping\n");
			return 1;
		}
		if (s->options.interval_seconds > 0 &&
		    mcs_now_seconds() >= next_line) {
			server_monitor_line(monitor, stdout);
			next_line += s->options.interval_seconds;
		}
	}
}

/* Stop and reap every worker, print the final stats, free everything.
 * Returns the exit status. */
static int shut_down(struct server *s, struct server_monitor *monitor,
		     int exit_code)
{
	stop_workers(s);
	server_monitor_final(monitor, stdout, s->options.json);
	mcs_stats_close(&s->stats);
	mcs_backend_unload(&s->backend);
	free(s->ports);
	free(s->configs);
	free(s->pids);
	free(s->reported);
	if (stop_signal)
		return 128 + stop_signal;
	return exit_code;
}

int main(int argc, char **argv)
{
	static struct server s;
	char why[512];
	setvbuf(stdout, NULL, _IOLBF, 0);

	int status = read_command_line(&s, argc, argv);
	if (status != CONTINUE)
		return status;
	status = load_backend(&s);
	if (status)
		return status;
	if (plan_workers(&s, why, sizeof(why))) {
		fprintf(stderr, "server: %s\n", why);
		return 2;
	}
	sigset_t wait_set;
	block_signals(&wait_set);
	status = create_stats(&s);
	if (!status)
		status = fork_workers(&s);
	if (status)
		return status;

	struct server_monitor monitor;
	server_monitor_init(&monitor, &s.stats, s.pids, s.workers);
	int exit_code = wait_until_listening(&s, &wait_set);
	if (exit_code == 0 && !stop_signal) {
		print_listening(&s);
		exit_code = serve(&s, &wait_set, &monitor);
	}
	return shut_down(&s, &monitor, exit_code);
}
