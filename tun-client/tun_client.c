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
#include "tun_device.h"
#include "tun_engine.h"
#include "tun_steer.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void emit(const struct tun_engine *e, json_t *o)
{
	if (o && e)
		json_object_set_new(o, "tun", tun_engine_counts_json(e));
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
static int read_line(struct tun_engine *e, char *line, size_t size)
{
	static struct client_line_buffer input;
	for (;;) {
		if (client_line_take(&input, line, size))
			return 1;
		if (input.eof)
			return 0;
		if (stop_signal)
			return -1;
		struct pollfd p[1 + TUN_MAX_QUEUES] = {
		    {.fd = STDIN_FILENO, .events = POLLIN}};
		for (unsigned q = 0; q < e->queues; q++)
			p[1 + q] =
			    (struct pollfd){.fd = e->fds[q], .events = POLLIN};
		if (poll(p, 1 + e->queues, 1000) <= 0)
			continue;
		tun_engine_pump(e, 0);
		if (p[0].revents)
			client_line_read(&input, STDIN_FILENO);
	}
}

static void run_command(struct tun_engine *e, const struct client_control *c)
{
	static struct client_totals t;
	double elapsed = 0;
	pid_t pid = getpid();
	switch (c->type) {
	case CLIENT_CONTROL_GROW:
		tun_engine_grow(e, c->count, &t, &elapsed);
		emit(e, client_step_json(c->count, &t, elapsed, &pid, 1));
		break;
	case CLIENT_CONTROL_ECHO:
		tun_engine_echo(e, c->count, c->size, &t, &elapsed);
		emit(e, client_echo_json(&t, elapsed));
		break;
	case CLIENT_CONTROL_VERIFY:
		tun_engine_echo(e, UINT64_MAX, 8, &t, &elapsed);
		emit(e, client_verify_json(&t, elapsed));
		break;
	case CLIENT_CONTROL_LOAD:
		if (tun_engine_load(e, c->count, c->size, c->seconds, &t,
				    &elapsed) < 0) {
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
		emit(e, client_load_json(&t, c->count, c->seconds, elapsed));
		break;
	case CLIENT_CONTROL_STATUS:
		tun_engine_status(e, &t);
		emit(e, client_status_json(&t));
		break;
	default: break;
	}
}

static void run_control(struct tun_engine *e)
{
	char line[256];
	while (!stop_signal) {
		int got = read_line(e, line, sizeof(line));
		if (got <= 0)
			return;
		struct client_control command;
		char why[256];
		if (line[0] == '\x01') {
			emit_error("command too long");
			continue;
		}
		if (client_control_parse(line, e->capacity, &command, why,
					 sizeof(why)) < 0) {
			emit_error(why);
			continue;
		}
		if (command.type == CLIENT_CONTROL_QUIT)
			return;
		run_command(e, &command);
	}
}

/* Without --control: grow to MAX, verify, quit. */
static void run_plain(struct tun_engine *e)
{
	struct client_control grow = {.type = CLIENT_CONTROL_GROW,
				      .count = e->capacity};
	struct client_control verify = {.type = CLIENT_CONTROL_VERIFY};
	run_command(e, &grow);
	if (!stop_signal)
		run_command(e, &verify);
}

static void emit_ready(const struct tun_engine *e)
{
	struct rlimit r = {0};
	getrlimit(RLIMIT_NOFILE, &r);
	pid_t pid = getpid();
	emit(NULL, json_pack("{s:s,s:I,s:o,s:I,s:I,s:s,s:s}", "event", "ready",
			     "procs", (json_int_t)1, "pids",
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
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int fds[TUN_MAX_QUEUES];
	char name[IFNAMSIZ];
	int status = open_device(&o, fds, name);
	if (status)
		return status;
	static struct tun_engine e;
	if (tun_engine_init(&e, &o, fds, name, &stop_signal, why, sizeof(why)) <
	    0) {
		fprintf(stderr, "tun-client: %s\n", why);
		for (unsigned q = 0; q < o.queues; q++)
			close(fds[q]);
		return 2;
	}
	int steer = -1;
	if (o.queues > 1 && !o.steer_kernel) {
		steer = tun_steer_attach(e.fd, &e.peer->space, o.queues, why,
					 sizeof(why));
		if (steer < 0)
			fprintf(stderr,
				"tun-client: %s: the kernel's flow steering "
				"spreads the replies instead\n",
				why);
	}
	emit_ready(&e);
	if (o.control)
		run_control(&e);
	else
		run_plain(&e);
	/* Teardown runs on a signal too (a RST each, so the server's sockets
	 * go at once), then the device goes with the fd. */
	int sig = stop_signal;
	stop_signal = 0;
	double elapsed;
	uint64_t closed =
	    tun_engine_teardown(&e, o.teardown_fin && !sig, &elapsed);
	if (!sig)
		emit(&e,
		     json_pack("{s:s,s:s,s:I,s:f}", "event", "bye", "teardown",
			       o.teardown_fin ? "fin" : "rst", "closed",
			       (json_int_t)closed, "teardown_s", elapsed));
	tun_engine_free(&e);
	if (steer >= 0)
		close(steer);
	for (unsigned q = 0; q < o.queues; q++)
		close(fds[q]);
	return sig ? 128 + sig : 0;
}
