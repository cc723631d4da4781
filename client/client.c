/* client.c - the `client` binary: the load generator. Parses and checks
 * the command line (nothing starts on bad input), forks worker processes
 * sized from the real RLIMIT_NOFILE (client_shard.h), drives them through
 * their command sockets, adds up their shared-memory results and reports.
 *
 * Two ways to run: plain (ramp to --connections, optionally echo every
 * --interval, hold until --hold or a signal, report, exit) and --control
 * (commands on stdin, JSON events on stdout: docs/CONTROL.md).
 *
 * No orphans: workers die with the parent (PR_SET_PDEATHSIG) and every
 * path out of the parent stops and reaps them first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client_control.h"
#include "client_options.h"
#include "client_report.h"
#include "client_schedule.h"
#include "client_shard.h"
#include "client_shared.h"
#include "client_worker.h"
#include "mcs_version.h"
#include "mcs_clock.h"

#define STARTUP_SECONDS	 15.0
#define SHUTDOWN_SECONDS 30.0
/* Workers bound their own commands by --timeout; the parent waits this
 * much longer before it calls them stuck. */
#define REPLY_GRACE_SECONDS 60.0
#define CONTROL_LINE_MAX    256

struct client {
	struct client_options options;
	struct client_limits limits;
	struct client_shard_plan plan;
	struct client_worker_shared *shared; /* plan.procs blocks */
	size_t shared_bytes;
	int *fds;    /* command sockets, -1 once closed */
	pid_t *pids; /* 0 once reaped */
	unsigned procs;
	struct client_totals totals;
	char error[320]; /* why a worker failed, for the report */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void describe_status(int status, char *text, size_t size)
{
	if (WIFEXITED(status))
		snprintf(text, size, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(text, size, "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(text, size, "status %#x", status);
}

/* Stop every worker, wait for them (bounded), kill what is left, reap
 * all. Safe to call more than once. */
static void stop_workers(struct client *c)
{
	struct client_command stop = {.type = CLIENT_COMMAND_STOP};
	for (unsigned k = 0; k < c->procs; k++) {
		if (c->fds[k] >= 0) {
			(void)send(c->fds[k], &stop, sizeof(stop),
				   MSG_NOSIGNAL | MSG_DONTWAIT);
			close(c->fds[k]);
			c->fds[k] = -1;
		}
	}
	double deadline = mcs_now_seconds() + SHUTDOWN_SECONDS;
	unsigned left = 0;
	for (unsigned k = 0; k < c->procs; k++)
		left += c->pids[k] > 0;
	while (left && mcs_now_seconds() < deadline) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			for (unsigned k = 0; k < c->procs; k++)
				if (c->pids[k] == pid) {
					c->pids[k] = 0;
					left--;
				}
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		struct timespec pause = {0, 10 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	for (unsigned k = 0; k < c->procs; k++)
		if (c->pids[k] > 0)
			kill(c->pids[k], SIGKILL);
	for (unsigned k = 0; k < c->procs; k++) {
		if (c->pids[k] > 0) {
			while (waitpid(c->pids[k], NULL, 0) < 0 &&
			       errno == EINTR)
				;
			c->pids[k] = 0;
		}
	}
}

/* Worker k's socket closed or failed: find out why, for the report. */
static void worker_died(struct client *c, unsigned k)
{
	char how[96] = "closed its command socket";
	int status;
	/* It is exiting: give it a moment to be reapable. */
	for (int i = 0; i < 100; i++) {
		pid_t pid = waitpid(c->pids[k], &status, WNOHANG);
		if (pid == c->pids[k]) {
			describe_status(status, how, sizeof(how));
			c->pids[k] = 0;
			break;
		}
		struct timespec pause = {0, 10 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	snprintf(c->error, sizeof(c->error),
		 "client worker %u (pid %d) died: %s%s%s", k,
		 (int)c->shared[k].pid, how, c->shared[k].error[0] ? ": " : "",
		 c->shared[k].error);
}

/* Fork the workers and wait until each says it is up. 0; -EINTR when a
 * stop signal came first; -1 with c->error when one could not start. */
static int start_workers(struct client *c)
{
	unsigned procs = c->plan.procs;
	c->shared_bytes = sizeof(struct client_worker_shared) * procs;
	c->shared = mmap(NULL, c->shared_bytes, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	c->fds = calloc(procs, sizeof(*c->fds));
	c->pids = calloc(procs, sizeof(*c->pids));
	if (c->shared == MAP_FAILED || !c->fds || !c->pids) {
		snprintf(c->error, sizeof(c->error),
			 "cannot allocate the state of %u workers: %s", procs,
			 strerror(errno));
		return -1;
	}
	for (unsigned k = 0; k < procs; k++)
		c->fds[k] = -1;
	fflush(stdout);
	fflush(stderr);
	for (unsigned k = 0; k < procs; k++) {
		int pair[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
			       pair) < 0) {
			snprintf(c->error, sizeof(c->error),
				 "socketpair for worker %u: %s", k,
				 strerror(errno));
			return -1;
		}
		pid_t pid = fork();
		if (pid < 0) {
			snprintf(c->error, sizeof(c->error),
				 "fork of worker %u: %s (RLIMIT_NPROC?)", k,
				 strerror(errno));
			close(pair[0]);
			close(pair[1]);
			return -1;
		}
		if (pid == 0) {
			close(pair[0]);
			for (unsigned j = 0; j < k; j++)
				close(c->fds[j]);
			struct client_worker_config config = {
			    .index = k,
			    .procs = procs,
			    .host = c->options.host,
			    .port_first = c->options.port_first,
			    .port_count = (uint32_t)c->options.port_last -
					  c->options.port_first + 1,
			    .source_first = c->options.source_first,
			    .source_count = c->options.source_count,
			    .reset_on_exit = c->options.reset_on_exit,
			    .connect_by_port = c->options.connect_by_port,
			    .slots = client_shard_count(c->options.connections,
							procs, k),
			    .command_fd = pair[1],
			    .shared = &c->shared[k],
			};
			_exit(client_worker_run(&config));
		}
		close(pair[1]);
		c->fds[k] = pair[0];
		c->pids[k] = pid;
		c->procs = k + 1;
	}
	/* Each worker says it is up (or why not). A stop signal meanwhile
	 * interrupts the wait: that is no worker's death. */
	double deadline = mcs_now_seconds() + STARTUP_SECONDS;
	for (unsigned k = 0; k < procs; k++) {
		struct pollfd p = {.fd = c->fds[k], .events = POLLIN};
		struct client_reply r;
		int ready;
		do {
			if (stop_signal)
				return -EINTR;
			int left = (int)((deadline - mcs_now_seconds()) * 1000);
			ready = poll(&p, 1, left > 0 ? left : 0);
		} while (ready < 0 && errno == EINTR);
		if (ready != 1 ||
		    recv(c->fds[k], &r, sizeof(r), 0) != sizeof(r) ||
		    r.status != 0) {
			worker_died(c, k);
			return -1;
		}
	}
	return 0;
}

static void print_progress(struct client *c, const char *what, double started,
			   uint64_t *last_count, double *last_time)
{
	struct client_totals *t = &c->totals;
	client_totals_sum(c->shared, c->procs, t);
	double now = mcs_now_seconds();
	if (strcmp(what, "ramp") == 0) {
		double rate =
		    (double)(t->established - *last_count) / (now - *last_time);
		fprintf(stderr,
			"client: ramp %.1fs: %" PRIu64 " established (%" PRIu64
			" new), %" PRIu64 " failed, %" PRIu64
			" in flight, %.0f conn/s\n",
			now - started, t->live, t->established, t->failed,
			t->in_flight, rate);
		*last_count = t->established;
	} else if (strcmp(what, "load") == 0) {
		double rate =
		    (double)(t->messages - *last_count) / (now - *last_time);
		fprintf(stderr,
			"client: load %.1fs: %" PRIu64 " due, %" PRIu64
			" sent, %.0f msg/s verified, %" PRIu64 " late, %" PRIu64
			" errors, %" PRIu64 " mismatches\n",
			now - started, t->due, t->sent, rate, t->late,
			t->errors, t->mismatches);
		*last_count = t->messages;
	} else {
		double rate =
		    (double)(t->messages - *last_count) / (now - *last_time);
		fprintf(stderr,
			"client: echo %.1fs: %" PRIu64 " connections, %.0f "
			"msg/s, %" PRIu64 " mismatches, %" PRIu64
			" errors, %" PRIu64 " late, %" PRIu64 " live\n",
			now - started, t->connections, rate, t->mismatches,
			t->errors, t->late, t->live);
		*last_count = t->messages;
	}
	*last_time = now;
}

/* DONE; SIGNAL: stop now; DIED: a worker died or hung (c->error);
 * REFUSED: the command could not be carried out, the client carries on
 * (c->error says why). PENDING only inside wait_replies(): not yet. */
enum wait_result {
	WAIT_DONE = 0,
	WAIT_SIGNAL = -1,
	WAIT_DIED = -2,
	WAIT_REFUSED = -3,
	WAIT_PENDING = 1
};

/* One wait_replies() call: what it waits for and how far it got. */
struct reply_wait {
	uint32_t type;	      /* the reply that counts */
	const char *what;     /* progress label, or NULL for none */
	double bound_seconds; /* give up after this long, 0 = never */
	double end_after;     /* send END after this long, 0 = never */
	double started, next_progress, last_time;
	uint64_t last_count;
	struct pollfd *polls;
	unsigned char *done; /* per worker: it replied */
	unsigned waiting;    /* workers yet to reply */
	int ended;	     /* END was sent */
	int refused;	     /* a worker replied with a failed status */
};

static enum wait_result reply_wait_start(struct client *c, struct reply_wait *w)
{
	w->polls = calloc(c->procs, sizeof(*w->polls));
	w->done = calloc(c->procs, 1);
	if (!w->polls || !w->done) {
		snprintf(c->error, sizeof(c->error), "out of memory");
		return WAIT_DIED;
	}
	w->started = w->last_time = mcs_now_seconds();
	w->next_progress = w->started + 1.0;
	w->waiting = c->procs;
	return w->waiting ? WAIT_PENDING : WAIT_DONE;
}

/* The clock's part of one pass: a signal, the bound, END once it is due, a
 * progress line every second. WAIT_PENDING to go on. */
static enum wait_result wait_on_clock(struct client *c, struct reply_wait *w,
				      double now)
{
	if (stop_signal)
		return WAIT_SIGNAL;
	if (w->bound_seconds > 0 && now >= w->started + w->bound_seconds) {
		snprintf(c->error, sizeof(c->error),
			 "workers did not answer within %.0f s: stopping them",
			 w->bound_seconds);
		return WAIT_DIED;
	}
	if (w->end_after > 0 && !w->ended && now - w->started >= w->end_after) {
		struct client_command end = {.type = CLIENT_COMMAND_END};
		for (unsigned k = 0; k < c->procs; k++)
			(void)send(c->fds[k], &end, sizeof(end), MSG_NOSIGNAL);
		w->ended = 1;
	}
	if (w->what && now >= w->next_progress) {
		print_progress(c, w->what, w->started, &w->last_count,
			       &w->last_time);
		w->next_progress += 1.0;
		if (w->next_progress < now)
			w->next_progress = now + 1.0;
	}
	return WAIT_PENDING;
}

/* Milliseconds poll() may sleep: to the next progress line (or a second),
 * or to END if that is due first. */
static int poll_timeout(const struct reply_wait *w, double now)
{
	double wake = w->what ? w->next_progress : now + 1.0;
	if (w->end_after > 0 && !w->ended && w->started + w->end_after < wake)
		wake = w->started + w->end_after;
	return (int)((wake - now) * 1000) + 1;
}

/* Read worker k's reply and count it if it is the one awaited (or END).
 * WAIT_PENDING, or SIGNAL/DIED when its socket failed. */
static enum wait_result read_reply(struct client *c, struct reply_wait *w,
				   unsigned k)
{
	struct client_reply r;
	ssize_t got = recv(c->fds[k], &r, sizeof(r), MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return WAIT_PENDING;
	if (got != (ssize_t)sizeof(r)) {
		if (stop_signal)
			return WAIT_SIGNAL;
		worker_died(c, k);
		return WAIT_DIED;
	}
	if (r.type == w->type || r.type == CLIENT_COMMAND_END) {
		w->done[k] = 1;
		w->waiting--;
	}
	if (r.status < 0 && !w->refused) {
		w->refused = 1;
		snprintf(c->error, sizeof(c->error),
			 "client worker %u could not do it: %s", k,
			 c->shared[k].error);
	}
	return WAIT_PENDING;
}

/* Poll every worker that still owes a reply; read what came. */
static enum wait_result poll_replies(struct client *c, struct reply_wait *w,
				     int timeout)
{
	for (unsigned k = 0; k < c->procs; k++) {
		w->polls[k].fd = w->done[k] ? -1 : c->fds[k];
		w->polls[k].events = POLLIN;
		w->polls[k].revents = 0;
	}
	int n = poll(w->polls, c->procs, timeout);
	if (n < 0 && errno != EINTR) {
		snprintf(c->error, sizeof(c->error), "poll: %s",
			 strerror(errno));
		return WAIT_DIED;
	}
	for (unsigned k = 0; k < c->procs && n > 0; k++) {
		if (!w->polls[k].revents)
			continue;
		enum wait_result result = read_reply(c, w, k);
		if (result != WAIT_PENDING)
			return result;
	}
	return w->waiting ? WAIT_PENDING : WAIT_DONE;
}

/* Wait until every worker has replied to `type`, printing progress (what
 * = "ramp", "echo" or "load", or NULL) every second on stderr. end_after
 * > 0: send END to all after that many seconds (PERIODIC). A worker that
 * replies with a failed status makes it REFUSED once all have replied. */
static enum wait_result wait_replies(struct client *c, uint32_t type,
				     const char *what, double bound_seconds,
				     double end_after)
{
	struct reply_wait w = {.type = type,
			       .what = what,
			       .bound_seconds = bound_seconds,
			       .end_after = end_after};
	enum wait_result result = reply_wait_start(c, &w);
	while (result == WAIT_PENDING) {
		double now = mcs_now_seconds();
		result = wait_on_clock(c, &w, now);
		if (result == WAIT_PENDING)
			result = poll_replies(c, &w, poll_timeout(&w, now));
	}
	free(w.polls);
	free(w.done);
	return result == WAIT_DONE && w.refused ? WAIT_REFUSED : result;
}

/* Send one command to every worker; make_command fills worker k's. */
static int send_all(struct client *c, const struct client_command *base,
		    uint64_t total, int split_target)
{
	for (unsigned k = 0; k < c->procs; k++) {
		struct client_command command = *base;
		if (split_target == 1)
			command.target = client_shard_count(total, c->procs, k);
		else if (split_target == 2)
			command.target = client_shard_split(total, c->procs, k);
		if (command.rate > 0)
			command.rate = base->rate / c->procs;
		if (send(c->fds[k], &command, sizeof(command), MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(command)) {
			worker_died(c, k);
			return -1;
		}
	}
	return 0;
}

static double reply_bound(const struct client *c)
{
	return c->options.timeout_seconds + REPLY_GRACE_SECONDS;
}

/* Ramp to `target` connections in total. */
static enum wait_result grow(struct client *c, uint64_t target, double *elapsed)
{
	struct client_command command = {
	    .type = CLIENT_COMMAND_GROW,
	    .window = c->options.window,
	    .rate = c->options.rate,
	    .timeout_seconds = c->options.timeout_seconds,
	};
	double started = mcs_now_seconds();
	if (send_all(c, &command, target, 1) < 0)
		return WAIT_DIED;
	enum wait_result r =
	    wait_replies(c, command.type, "ramp", reply_bound(c), 0);
	*elapsed = mcs_now_seconds() - started;
	client_totals_sum(c->shared, c->procs, &c->totals);
	return r;
}

static enum wait_result echo_round(struct client *c, uint32_t type,
				   uint64_t connections, uint32_t size,
				   double *elapsed)
{
	struct client_command command = {
	    .type = type,
	    .message_size = size,
	    .timeout_seconds = c->options.timeout_seconds,
	};
	double started = mcs_now_seconds();
	if (send_all(c, &command, connections, 2) < 0)
		return WAIT_DIED;
	enum wait_result r = wait_replies(c, type, NULL, reply_bound(c), 0);
	*elapsed = mcs_now_seconds() - started;
	client_totals_sum(c->shared, c->procs, &c->totals);
	return r;
}

/* load RATE SIZE DURATION_S: every held connection gets the same period,
 * held / RATE seconds, so each worker's share of RATE is in proportion to
 * the connections it holds. REFUSED when none is held. */
static enum wait_result load(struct client *c, const struct client_control *l,
			     double *elapsed)
{
	uint64_t held = 0;
	for (unsigned k = 0; k < c->procs; k++)
		held += atomic_load(&c->shared[k].live);
	if (held == 0) {
		snprintf(c->error, sizeof(c->error),
			 "load: no connection is established: grow first");
		return WAIT_REFUSED;
	}
	struct client_command command = {
	    .type = CLIENT_COMMAND_LOAD,
	    .message_size = l->size,
	    .timeout_seconds = l->seconds,
	    .period_ns = client_schedule_period_ns(held, (double)l->count),
	};
	double started = mcs_now_seconds();
	if (send_all(c, &command, 0, 0) < 0)
		return WAIT_DIED;
	enum wait_result r = wait_replies(
	    c, command.type, "load",
	    l->seconds + CLIENT_DRAIN_SECONDS + REPLY_GRACE_SECONDS, 0);
	*elapsed = mcs_now_seconds() - started;
	client_totals_sum(c->shared, c->procs, &c->totals);
	return r;
}

/* The load event, and a line for people when the client itself could not
 * offer the rate. */
static void emit_load(const struct client *c, const struct client_control *l,
		      double elapsed)
{
	const struct client_totals *t = &c->totals;
	if (client_load_not_offered(t))
		fprintf(stderr,
			"client: load %" PRIu64 "/s: only %" PRIu64
			" of %" PRIu64 " due messages went out within the "
			"%.1f s window: the client could not offer this rate "
			"(%" PRIu64 " were late, waiting for their "
			"connection's previous echo; the rest it was too slow "
			"to send)\n",
			l->count, t->sent, t->due, l->seconds, t->late);
	client_emit(stdout, client_load_json(t, l->count, l->seconds, elapsed));
}

/* status: the workers' counters as they are now, without a command to the
 * workers (idle ones change them only when a peer closes). */
static void emit_status(const struct client *c)
{
	static struct client_totals now;
	client_totals_sum(c->shared, c->procs, &now);
	client_emit(stdout, client_status_json(&now));
}

static void emit_error(const char *message)
{
	client_emit(stdout, json_pack("{s:s,s:s}", "event", "error", "message",
				      message));
}

/* A worker died (c->error says which and how): say so on stderr, and as
 * an error event with --json. The exit status, 1. */
static int report_worker_death(const struct client *c,
			       const struct client_options *o)
{
	fprintf(stderr, "client: %s\n", c->error);
	if (o->json)
		emit_error(c->error);
	return 1;
}

static void emit_ready(struct client *c)
{
	client_emit(stdout,
		    json_pack("{s:s,s:I,s:o,s:I,s:I}", "event", "ready",
			      "procs", (json_int_t)c->procs, "pids",
			      client_pids_json(c->pids, c->procs), "fd_limit",
			      (json_int_t)c->limits.fd_limit, "per_proc_max",
			      (json_int_t)c->plan.per_proc_max));
}

/* Read one line from stdin into line (bounded by a time limit of none: the
 * harness decides when to speak, and EOF or a signal ends it). Returns 1
 * for a line, 0 at EOF, -1 on a signal, -2 when a worker dies meanwhile. */
static int read_line(struct client *c, char *line, size_t size)
{
	static struct client_line_buffer input;
	for (;;) {
		if (client_line_take(&input, line, size))
			return 1;
		if (input.eof)
			return 0;
		if (stop_signal)
			return -1;
		/* Watch the workers too: one that dies while the harness
		 * thinks is reported at once. */
		struct pollfd polls[1 + CLIENT_SHARD_MAX_PROCS];
		polls[0].fd = STDIN_FILENO;
		polls[0].events = POLLIN;
		for (unsigned k = 0; k < c->procs; k++) {
			polls[1 + k].fd = c->fds[k];
			polls[1 + k].events = POLLIN;
		}
		int n = poll(polls, 1 + c->procs, 1000);
		if (n < 0 && errno != EINTR)
			return 0;
		if (n <= 0)
			continue;
		for (unsigned k = 0; k < c->procs; k++)
			if (polls[1 + k].revents) {
				if (stop_signal) /* Ctrl-C reached it too */
					return -1;
				worker_died(c, k);
				return -2;
			}
		if (polls[0].revents)
			client_line_read(&input, STDIN_FILENO);
	}
}

static int run_control(struct client *c)
{
	emit_ready(c);
	uint64_t grown = 0;
	char line[CONTROL_LINE_MAX];
	for (;;) {
		int got = read_line(c, line, sizeof(line));
		if (got == -1)
			return 128 + stop_signal;
		if (got == -2) {
			emit_error(c->error);
			return 1;
		}
		if (got == 0)
			break;
		struct client_control command;
		char why[256];
		if (line[0] == '\x01') {
			emit_error("command too long");
			continue;
		}
		if (client_control_parse(line, c->options.connections, &command,
					 why, sizeof(why)) < 0) {
			emit_error(why);
			continue;
		}
		enum wait_result r = WAIT_DONE;
		double elapsed = 0;
		switch (command.type) {
		case CLIENT_CONTROL_NONE: continue;
		case CLIENT_CONTROL_QUIT: goto quit;
		case CLIENT_CONTROL_GROW:
			r = grow(c, command.count, &elapsed);
			if (r == WAIT_DONE) {
				if (command.count > grown)
					grown = command.count;
				client_emit(stdout,
					    client_step_json(
						command.count, &c->totals,
						elapsed, c->pids, c->procs));
			}
			break;
		case CLIENT_CONTROL_ECHO:
			r = echo_round(c, CLIENT_COMMAND_ECHO, command.count,
				       command.size, &elapsed);
			if (r == WAIT_DONE)
				client_emit(stdout, client_echo_json(&c->totals,
								     elapsed));
			break;
		case CLIENT_CONTROL_VERIFY:
			r = echo_round(c, CLIENT_COMMAND_VERIFY, 0, 8,
				       &elapsed);
			if (r == WAIT_DONE)
				client_emit(stdout, client_verify_json(
							&c->totals, elapsed));
			break;
		case CLIENT_CONTROL_LOAD:
			r = load(c, &command, &elapsed);
			if (r == WAIT_DONE)
				emit_load(c, &command, elapsed);
			break;
		case CLIENT_CONTROL_STATUS: emit_status(c); break;
		}
		if (r == WAIT_REFUSED) {
			emit_error(c->error);
			continue;
		}
		if (r == WAIT_SIGNAL)
			return 128 + stop_signal;
		if (r == WAIT_DIED) {
			emit_error(c->error);
			return 1;
		}
	}
quit:
	return 0;
}

/* Sleep until the hold time is over (0 = until a signal), watching the
 * workers. */
static enum wait_result hold(struct client *c, double seconds)
{
	double end = mcs_now_seconds() + seconds;
	struct pollfd polls[CLIENT_SHARD_MAX_PROCS];
	for (;;) {
		if (stop_signal)
			return WAIT_SIGNAL;
		double left = end - mcs_now_seconds();
		if (seconds > 0 && left <= 0)
			return WAIT_DONE;
		for (unsigned k = 0; k < c->procs; k++) {
			polls[k].fd = c->fds[k];
			polls[k].events = POLLIN;
		}
		int timeout =
		    seconds > 0 && left < 1.0 ? (int)(left * 1000) + 1 : 1000;
		int n = poll(polls, c->procs, timeout);
		for (unsigned k = 0; n > 0 && k < c->procs; k++)
			if (polls[k].revents) {
				if (stop_signal)
					return WAIT_SIGNAL;
				worker_died(c, k);
				return WAIT_DIED;
			}
	}
}

static int run_plain(struct client *c)
{
	const struct client_options *o = &c->options;
	FILE *out = stdout;
	if (o->json)
		emit_ready(c);
	double elapsed;
	int status = 0;
	enum wait_result r = grow(c, o->connections, &elapsed);
	if (r == WAIT_DIED)
		return report_worker_death(c, o);
	if (r == WAIT_SIGNAL)
		fprintf(stderr,
			"client: stopped by signal %d during the "
			"ramp; the report covers what was done\n",
			(int)stop_signal);
	if (o->json)
		client_emit(out, client_step_json(o->connections, &c->totals,
						  elapsed, c->pids, c->procs));
	else
		client_print_step(out, o->connections, &c->totals, elapsed);
	if (c->totals.failures[EADDRNOTAVAIL])
		client_report_addrnotavail(stderr, o, &c->limits,
					   c->totals.failures[EADDRNOTAVAIL]);
	if (r == WAIT_SIGNAL)
		return 128 + stop_signal;
	if (c->totals.failed || c->totals.abandoned)
		status = 1;
	if (c->totals.live == 0) {
		fprintf(stderr,
			"client: no connection to %s:%u-%u came up (%" PRIu64
			" failed): is the server running on those ports?\n",
			inet_ntoa(o->host), o->port_first, o->port_last,
			c->totals.failed);
		return 1;
	}
	if (o->payload) {
		struct client_command command = {
		    .type = CLIENT_COMMAND_PERIODIC,
		    .message_size = o->payload,
		    .interval_ms = o->interval_ms,
		    .timeout_seconds = 0,
		};
		double started = mcs_now_seconds();
		if (send_all(c, &command, 0, 0) < 0)
			r = WAIT_DIED;
		else
			/* hold 0 = until a signal: END is sent then */
			r = wait_replies(c, command.type, "echo", 0,
					 o->hold_seconds);
		if (r == WAIT_SIGNAL) {
			/* Stopped by a signal: still report the echo. */
			int sig = stop_signal;
			stop_signal = 0;
			struct client_command end = {.type =
							 CLIENT_COMMAND_END};
			for (unsigned k = 0; k < c->procs; k++)
				(void)send(c->fds[k], &end, sizeof(end),
					   MSG_NOSIGNAL);
			r = wait_replies(c, command.type, NULL,
					 REPLY_GRACE_SECONDS, 0);
			if (r == WAIT_DONE)
				r = WAIT_SIGNAL;
			stop_signal = sig;
		}
		elapsed = mcs_now_seconds() - started;
		if (r == WAIT_DIED)
			return report_worker_death(c, o);
		client_totals_sum(c->shared, c->procs, &c->totals);
		if (o->json)
			client_emit(out, client_echo_json(&c->totals, elapsed));
		else
			client_print_echo(out, &c->totals, elapsed);
		if (c->totals.mismatches || c->totals.errors)
			status = 1;
		if (r == WAIT_SIGNAL)
			return 128 + stop_signal;
	} else {
		r = hold(c, o->hold_seconds);
		if (r == WAIT_DIED)
			return report_worker_death(c, o);
		if (r == WAIT_SIGNAL)
			return 128 + stop_signal;
	}
	client_totals_sum(c->shared, c->procs, &c->totals);
	if (c->totals.dropped) {
		fprintf(stderr,
			"client: %" PRIu64 " of the connections were closed by "
			"the server (or failed) while held\n",
			c->totals.dropped);
		status = 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	static struct client c;
	char why[512];
	if (client_parse_options(argc, argv, &c.options, why, sizeof(why))) {
		fprintf(stderr, "client: %s\n", why);
		return 2;
	}
	if (c.options.help) {
		client_print_usage(stdout);
		return 0;
	}
	if (c.options.version) {
		mcs_version_print(stdout, "client");
		return 0;
	}
	if (client_read_limits(&c.limits, why, sizeof(why))) {
		fprintf(stderr, "client: %s\n", why);
		return 2;
	}
	if (client_check_capacity(&c.options, &c.limits, why, sizeof(why))) {
		fprintf(stderr, "client: %s\n", why);
		return 2;
	}
	if (client_shard_plan(c.options.connections, c.limits.fd_limit,
			      c.options.procs, c.limits.cpus, &c.plan, why,
			      sizeof(why))) {
		fprintf(stderr, "client: --procs: %s\n", why);
		return 2;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int status;
	int started = start_workers(&c);
	if (started == -EINTR) {
		status = 128 + stop_signal; /* stopped while starting */
	} else if (started < 0) {
		fprintf(stderr, "client: %s\n", c.error);
		if (c.options.control || c.options.json)
			emit_error(c.error);
		status = 1;
	} else {
		status = c.options.control ? run_control(&c) : run_plain(&c);
	}
	stop_workers(&c);
	/* docs/CONTROL.md: bye after quit or EOF only; the plain --json run
	 * always ends with one, carrying the exit status. */
	if ((c.options.control && status == 0) ||
	    (!c.options.control && c.options.json))
		client_emit(stdout, json_pack("{s:s,s:i}", "event", "bye",
					      "exit_status", status));
	return status;
}
