/* tun_client.c - the `tun-client` binary: a userspace TCP client over a
 * TUN device (docs/CLIENT-TUN.md). Checks its arguments and its network
 * namespace (nothing is made on bad input: exit 2), makes the device,
 * then speaks the kernel client's control protocol (docs/CONTROL.md) on
 * stdin/stdout with the same JSON. The device goes when the process does.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "client_control.h"
#include "client_report.h"
#include "mcs_version.h"
#include "tun_device.h"
#include "tun_engine.h"
#include "tun_steer.h"
#include "tun_workers.h"

static volatile sig_atomic_t stop_signal;
/* After SIGINT/SIGTERM, the RST pass stops after this long: the process
 * ends within about a second, and what is left goes with the server's
 * exit or the namespace. */
#define ABORT_RESET_S 1.0
/* The command running (its first word), for the abort's report. */
static char running[16] = "none";

/* The workers: engines[0..workers), worker 0 run by the main thread. */
static struct tun_engine *engines;
static unsigned workers = 1;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Print o with the packet counts of every worker ("tun"), unless bare.
 * A command a signal cut short reports nothing (as the kernel client):
 * the process tears down and exits 128+signal. */
static void emit(int bare, json_t *o)
{
	if (stop_signal) {
		json_decref(o);
		return;
	}
	if (o && !bare)
		json_object_set_new(o, "tun",
				    tun_engine_counts_json(engines, workers));
	client_emit(stdout, o);
}

static void emit_error(const char *message)
{
	client_emit(stdout, json_pack("{s:s,s:s}", "event", "error", "message",
				      message));
}

/* One line of stdin into line; the device is read meanwhile (a server
 * that closes between commands is counted at once). 1 for a line, 0 at
 * EOF, -1 on a signal. */
static int read_line(char *line, size_t size)
{
	static struct client_line_buffer input;
	for (;;) {
		int next = client_line_next(&input, line, size, stop_signal);
		if (next != 2)
			return next;
		struct pollfd p[1 + TUN_MAX_QUEUES] = {
		    {.fd = STDIN_FILENO, .events = POLLIN}};
		unsigned n = 1;
		for (unsigned k = 0; k < workers; k++)
			for (unsigned q = 0; q < engines[k].queues; q++)
				p[n++] = (struct pollfd){
				    .fd = engines[k].fds[q], .events = POLLIN};
		if (poll(p, n, 1000) <= 0)
			continue;
		for (unsigned k = 0; k < workers; k++)
			tun_engine_pump(&engines[k], 0);
		if (p[0].revents)
			client_line_read(&input, STDIN_FILENO);
	}
}

static void run_command(const struct client_control *c)
{
	static struct client_totals t;
	double elapsed = 0;
	pid_t pid = getpid();
	struct tun_job_args job = {
	    .count = c->count, .size = c->size, .seconds = c->seconds};
	switch (c->type) {
	case CLIENT_CONTROL_GROW:
		job.type = TUN_JOB_GROW;
		tun_workers_run(engines, workers, &job, &t, &elapsed);
		emit(0, client_step_json(c->count, &t, elapsed, &pid, 1));
		break;
	case CLIENT_CONTROL_ECHO:
	case CLIENT_CONTROL_VERIFY:
		job.type = TUN_JOB_ECHO;
		if (c->type == CLIENT_CONTROL_VERIFY) {
			job.count = UINT64_MAX;
			job.size = 8;
		}
		tun_workers_run(engines, workers, &job, &t, &elapsed);
		emit(0, c->type == CLIENT_CONTROL_ECHO
			    ? client_echo_json(&t, elapsed)
			    : client_verify_json(&t, elapsed));
		break;
	case CLIENT_CONTROL_LOAD:
		job.type = TUN_JOB_LOAD;
		if (tun_workers_run(engines, workers, &job, &t, &elapsed) ==
		    -ENOTCONN) {
			emit_error("load: no connection is established: grow "
				   "first");
			break;
		}
		if (client_load_not_offered(&t))
			fprintf(stderr,
				"tun-client: load: only %llu of %llu due "
				"messages went out within the window (%llu "
				"late)\n",
				(unsigned long long)t.sent,
				(unsigned long long)t.due,
				(unsigned long long)t.late);
		emit(0, client_load_json(&t, c->count, c->seconds, elapsed));
		break;
	case CLIENT_CONTROL_STATUS:
		tun_workers_status(engines, workers, &t);
		emit(0, client_status_json(&t));
		break;
	default: break;
	}
}

static void run_control(void)
{
	char line[256];
	while (!stop_signal) {
		int got = read_line(line, sizeof(line));
		if (got <= 0)
			return;
		struct client_control command;
		char why[256];
		if (line[0] == '\x01') {
			emit_error("command too long");
			continue;
		}
		if (client_control_parse(line, engines[0].capacity, &command,
					 why, sizeof(why)) < 0) {
			emit_error(why);
			continue;
		}
		if (command.type == CLIENT_CONTROL_QUIT)
			return;
		snprintf(running, sizeof(running), "%.*s",
			 (int)strcspn(line, " \t"), line);
		run_command(&command);
		if (!stop_signal) /* else the report names it */
			snprintf(running, sizeof(running), "none");
	}
}

/* Without --control: grow to MAX, verify, quit. */
static void run_plain(void)
{
	struct client_control grow = {.type = CLIENT_CONTROL_GROW,
				      .count = engines[0].capacity};
	struct client_control verify = {.type = CLIENT_CONTROL_VERIFY};
	snprintf(running, sizeof(running), "grow");
	run_command(&grow);
	snprintf(running, sizeof(running), "verify");
	if (!stop_signal)
		run_command(&verify);
}

/* After a signal: what was cut short and what the bounded RST pass left
 * (the "aborted" event on stdout, and one line on stderr). */
static void emit_aborted(int sig, uint64_t held, uint64_t reset, double seconds)
{
	uint64_t left = held > reset ? held - reset : 0;
	fprintf(stderr,
		"tun-client: %s: stopped (command: %s); %llu of %llu "
		"connections reset in %.1f s, %llu left to the server's exit\n",
		strsignal(sig), running, (unsigned long long)reset,
		(unsigned long long)held, seconds, (unsigned long long)left);
	json_t *o = json_pack(
	    "{s:s,s:i,s:s,s:I,s:I,s:I,s:f}", "event", "aborted", "signal", sig,
	    "command", running, "established", (json_int_t)held, "reset",
	    (json_int_t)reset, "left", (json_int_t)left, "teardown_s", seconds);
	if (o)
		json_object_set_new(o, "tun",
				    tun_engine_counts_json(engines, workers));
	client_emit(stdout, o);
}

static void emit_ready(void)
{
	const struct tun_engine *e = &engines[0];
	struct rlimit r = {0};
	getrlimit(RLIMIT_NOFILE, &r);
	pid_t pid = getpid();
	emit(1, json_pack("{s:s,s:I,s:o,s:I,s:I,s:s,s:s}", "event", "ready",
			  "procs", (json_int_t)workers, "pids",
			  client_pids_json(&pid, 1), "fd_limit",
			  (json_int_t)r.rlim_cur, "per_proc_max",
			  (json_int_t)e->capacity, "client", "tun", "device",
			  e->device));
}

static int open_device(const struct tun_options *o, int *fds, char *name)
{
	char why[256] = "";
	int initial = tun_netns_is_initial(why, sizeof(why));
	if (initial < 0) {
		fprintf(stderr, "tun-client: %s\n", why);
		return 2;
	}
	if (initial && !o->allow_initial_netns) {
		fprintf(stderr,
			"tun-client: refusing to make a TUN device here: %s; "
			"run it with ip netns exec NS, or pass "
			"--allow-initial-netns\n",
			why[0] ? why : "this is the initial network namespace");
		return 2;
	}
	struct tun_device_config config = {
	    .address = o->host,
	    .prefix = o->prefix,
	    .txqueuelen = o->txqueuelen,
	    .keep_qdisc = o->keep_qdisc,
	    .mtu = o->mtu,
	    .queues = o->queues,
	};
	memcpy(config.name, o->device, sizeof(config.name));
	if (tun_device_open(&config, fds, why, sizeof(why)) < 0) {
		fprintf(stderr, "tun-client: %s\n", why);
		return 1;
	}
	memcpy(name, config.name, IFNAMSIZ);
	return 0;
}

/* The engines: one per worker, each with its own queue (workers > 1), or
 * one with every queue (--queues alone); the steering program when there
 * are several queues. 0, or the exit status. */
static int start_workers(const struct tun_options *o, const int *fds,
			 const char *name, int *steer)
{
	char why[256];
	workers = o->workers ? o->workers : 1;
	engines = calloc(workers, sizeof(*engines));
	if (!engines) {
		fprintf(stderr, "tun-client: out of memory\n");
		return 1;
	}
	struct tun_options first = *o;
	if (workers > 1)
		first.queues = 1; /* engine 0 has queue 0 only */
	int err = tun_engine_init(&engines[0], &first, fds, name, &stop_signal,
				  why, sizeof(why));
	for (unsigned k = 1; !err && k < workers; k++)
		err = tun_engine_init_worker(&engines[k], &engines[0], k,
					     workers, fds[k], why, sizeof(why));
	if (err) {
		fprintf(stderr, "tun-client: %s\n", why);
		for (unsigned k = workers; k-- > 0;)
			tun_engine_free(&engines[k]);
		free(engines);
		return err == -ERANGE ? 2 : 1;
	}
	if (o->queues > 1 && !o->steer_kernel) {
		*steer = tun_steer_attach(fds[0], &engines[0].peer->space,
					  o->queues, why, sizeof(why));
		if (*steer < 0)
			fprintf(stderr,
				"tun-client: %s: the kernel's flow steering "
				"spreads the replies instead\n",
				why);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tun_options o;
	char why[256];
	if (tun_parse_options(argc, argv, &o, why, sizeof(why)) < 0) {
		fprintf(stderr, "tun-client: %s\n", why);
		return 2;
	}
	if (o.help) {
		tun_print_usage(stdout);
		return 0;
	}
	if (o.version) {
		mcs_version_print(stdout, "tun-client");
		return 0;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int fds[TUN_MAX_QUEUES];
	char name[IFNAMSIZ];
	int status = open_device(&o, fds, name);
	if (status)
		return status;
	int steer = -1;
	status = start_workers(&o, fds, name, &steer);
	if (status) {
		for (unsigned q = 0; q < o.queues; q++)
			close(fds[q]);
		return status;
	}
	emit_ready();
	if (o.control)
		run_control();
	else
		run_plain();
	/* Teardown runs on a signal too (a RST each, so the server's sockets
	 * go at once), bounded to ABORT_RESET_S then (a second signal ends
	 * it at once); the device goes with the fds. */
	int sig = stop_signal;
	stop_signal = 0;
	double elapsed;
	struct client_totals closed, held;
	tun_workers_status(engines, workers, &held);
	struct tun_job_args teardown = {.type = TUN_JOB_TEARDOWN,
					.fin = o.teardown_fin && !sig,
					.bound_s = sig ? ABORT_RESET_S : 0};
	tun_workers_run(engines, workers, &teardown, &closed, &elapsed);
	if (sig)
		emit_aborted(sig, held.live, closed.live, elapsed);
	else
		emit(0,
		     json_pack("{s:s,s:s,s:I,s:f}", "event", "bye", "teardown",
			       o.teardown_fin ? "fin" : "rst", "closed",
			       (json_int_t)closed.live, "teardown_s", elapsed));
	for (unsigned k = workers; k-- > 0;)
		tun_engine_free(&engines[k]);
	free(engines);
	if (steer >= 0)
		close(steer);
	for (unsigned q = 0; q < o.queues; q++)
		close(fds[q]);
	return sig ? 128 + sig : 0;
}
