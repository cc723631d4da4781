/* harness_children.c - the server and client processes of a sweep: find
 * their binaries, start them and wait until they are ready, and stop both
 * on every exit path. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness_backend_options.h"
#include "harness_json.h"
#include "harness_signal.h"
#include "harness_sweep_internal.h"
#include "harness_transport.h"
#include "mcs_backend_options.h"

#define STARTUP_TIMEOUT_S 30.0
#define QUIT_TIMEOUT_S	  30.0
/* The TUN client's device address, the server's (tun-client --help): in
 * 198.18.0.0/15, and only inside the sweep's namespace. */
#define TUN_SERVER_ADDRESS "198.18.0.1"

/* A harness killed outright (SIGKILL) takes its server with it but leaves
 * the server's stats object in /dev/shm: remove those whose harness is
 * gone. */
void harness_remove_stale_stats(void)
{
	DIR *d = opendir("/dev/shm");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!mcs_pid_name_gone(e->d_name, "mcs-harness-", 0))
			continue;
		char name[300];
		snprintf(name, sizeof(name), "/%s", e->d_name);
		shm_unlink(name);
	}
	closedir(d);
}

static int find_binary(const char *name, char *path, size_t path_size,
		       char *why, size_t why_size)
{
	const char *dir = getenv("MCS_BIN_DIR");
	char self[PATH_MAX];
	if (!dir || !dir[0]) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0) {
			snprintf(why, why_size, "readlink /proc/self/exe: %s",
				 strerror(errno));
			return -errno;
		}
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		dir = self;
	}
	int len = snprintf(path, path_size, "%s/%s", dir, name);
	if (len >= (int)path_size || access(path, X_OK) != 0) {
		snprintf(why, why_size,
			 "%s binary not found at %s: build it (cmake --build "
			 "build) or set MCS_BIN_DIR",
			 name, path);
		return -ENOENT;
	}
	return 0;
}

/* Start one process of the sweep: through the transport into the sweep's
 * network namespace (the mechanism a remote host uses too), or here. */
static int start_child(struct sweep *s, struct mcs_child *child,
		       const char *name, char *const argv[], const char *log,
		       char *why, size_t why_size)
{
	static struct harness_command command;
	const struct harness_netns *ns = &s->run->netns;
	int err = harness_transport_command(
	    HARNESS_TRANSPORT_NETNS, ns->active ? ns->name : HARNESS_LOCAL_HOST,
	    argv, &command, why, why_size);
	if (err)
		return err;
	return mcs_child_start(child, name, command.argv, log, why, why_size);
}

/* Append --backend-opt NAME=VALUE for each setting that applies to
 * backend to argv, NULL-terminated, which has room for them all. */
static void add_backend_settings(const struct harness_options *o,
				 const char *backend, char **argv)
{
	const char *settings[MCS_BACKEND_SETTINGS_MAX];
	size_t n = harness_backend_settings(o, backend, settings);
	size_t end = 0;
	while (argv[end])
		end++;
	for (size_t i = 0; i < n; i++) {
		argv[end++] = "--backend-opt";
		argv[end++] = (char *)settings[i];
	}
	argv[end] = NULL;
}

int harness_start_server(struct sweep *s, char *why, size_t why_size)
{
	struct harness_run *run = s->run;
	char path[PATH_MAX], ports[16], workers[16], log[PATH_MAX + 16];
	int err = find_binary("server", path, sizeof(path), why, why_size);
	if (err)
		return err;
	snprintf(ports, sizeof(ports), "%u-%u", run->plan.port_first,
		 run->plan.port_last);
	snprintf(workers, sizeof(workers), "%u", run->plan.workers);
	snprintf(s->stats_name, sizeof(s->stats_name), "/mcs-harness-%d",
		 (int)getpid());
	snprintf(log, sizeof(log), "%s/server.log", run->dir);
	char *argv[14 + 2 * MCS_BACKEND_SETTINGS_MAX] = {
	    path,  "--backend",	  run->backend,	 "--ports",
	    ports, "--workers",	  workers,	 "--interval",
	    "0",   "--stats-shm", s->stats_name, NULL};
	if (run->client_kind == HARNESS_CLIENT_TUN) {
		/* Bound to the TUN device's address, not the wildcard. */
		argv[11] = "--address";
		argv[12] = TUN_SERVER_ADDRESS;
		argv[13] = NULL;
	}
	add_backend_settings(s->o, run->backend, argv);
	err = start_child(s, &s->server, "server", argv, log, why, why_size);
	if (err)
		return err;
	/* It prints one line on stdout once every worker listens. */
	double deadline = mcs_now_seconds() + STARTUP_TIMEOUT_S;
	char line[1024];
	for (;;) {
		int got =
		    mcs_child_read_line(&s->server, line, sizeof(line), 250);
		if (got == 1 && strstr(line, "listening"))
			break;
		if (got == -EPIPE || (got < 0 && got != -EINTR)) {
			harness_sweep_check(s, why, why_size);
			if (!why[0] || s->server.pid > 0) {
				char last[400];
				mcs_child_last_log_line(&s->server, last,
							sizeof(last));
				snprintf(why, why_size,
					 "server did not start: %s",
					 last[0] ? last : "no reason given");
			}
			return -ECHILD;
		}
		err = harness_sweep_check(s, why, why_size);
		if (!err)
			err = harness_timed_out(
			    deadline, why, why_size,
			    "server workers did not all listen within %.0f s "
			    "(see server.log in the run directory)",
			    STARTUP_TIMEOUT_S);
		if (err)
			return err;
	}
	err = mcs_stats_open(&s->stats, s->stats_name);
	if (err) {
		snprintf(why, why_size, "cannot open the server's stats %s: %s",
			 s->stats_name, strerror(-err));
		return err;
	}
	return 0;
}

/* A client's argv (count entries, NULL last) ends with "--rate R": with
 * no cap (rate 0) it is left off. */
static void rate_option_last(char **argv, size_t count, uint64_t rate)
{
	if (!rate && count >= 3 && argv[count - 3] &&
	    strcmp(argv[count - 3], "--rate") == 0)
		argv[count - 3] = NULL;
}

/* Start a client of either kind (name) with argv, its stderr in log, and
 * wait for its "ready": how many processes it has, and their pids. */
static int start_client_child(struct sweep *s, const char *name,
			      char *const argv[], const char *log, char *why,
			      size_t why_size)
{
	int err =
	    start_child(s, &s->client.child, name, argv, log, why, why_size);
	if (err)
		return err;
	json_t *ready;
	err = harness_client_request(&s->client, NULL, "ready",
				     STARTUP_TIMEOUT_S, harness_sweep_check, s,
				     &ready, why, why_size);
	if (err)
		return err;
	s->client.procs = (unsigned)harness_json_double(ready, "procs");
	harness_client_take_pids(&s->client, ready);
	json_decref(ready);
	return 0;
}

int harness_start_client(struct sweep *s, char *why, size_t why_size)
{
	struct harness_run *run = s->run;
	char path[PATH_MAX], ports[16], connections[24], log[PATH_MAX + 16];
	int err = find_binary("client", path, sizeof(path), why, why_size);
	if (err)
		return err;
	snprintf(ports, sizeof(ports), "%u-%u", run->plan.port_first,
		 run->plan.port_last);
	snprintf(connections, sizeof(connections), "%" PRIu64,
		 run->plan.target);
	snprintf(log, sizeof(log), "%s/client.log", run->dir);
	char rate[24];
	snprintf(rate, sizeof(rate), "%" PRIu64, s->o->rate);
	char *argv[] = {path,
			"--control",
			"--json",
			"--host",
			"127.0.0.1",
			"--ports",
			ports,
			"--connections",
			connections,
			"--procs",
			"auto",
			"--sources",
			run->plan.sources,
			"--reset-on-exit",
			"--rate",
			rate,
			NULL};
	/* --reset-on-exit: the load generator's sockets close with RST, so
	 * neither end keeps TIME_WAIT or FIN state into the next run (200k:
	 * 611k segments at teardown without it, 200k with it). */
	rate_option_last(argv, sizeof(argv) / sizeof(argv[0]), s->o->rate);
	return start_client_child(s, "client", argv, log, why, why_size);
}

/* tun-client in the sweep's namespace: it makes the TUN device there, puts
 * 198.18.0.1/15 on it, and says "ready" (docs/CLIENT-TUN.md). Started
 * like the kernel client (its own process group, killed with the harness),
 * so the device, a file of that process, goes when it does. */
static int start_tun_client(struct sweep *s, char *why, size_t why_size)
{
	struct harness_run *run = s->run;
	char path[PATH_MAX], ports[16], connections[24], timeout[24];
	char log[PATH_MAX + 16];
	int err = find_binary("tun-client", path, sizeof(path), why, why_size);
	if (err)
		return err;
	snprintf(ports, sizeof(ports), "%u-%u", run->plan.port_first,
		 run->plan.port_last);
	snprintf(connections, sizeof(connections), "%" PRIu64,
		 run->plan.target);
	snprintf(timeout, sizeof(timeout), "%.0f", s->o->step_timeout);
	snprintf(log, sizeof(log), "%s/client.log", run->dir);
	char rate[24];
	snprintf(rate, sizeof(rate), "%" PRIu64, s->o->rate);
	/* --procs auto: a worker per online CPU, at most as many as were
	 * measured to help (tun-client --help). */
	char *argv[] = {path,
			"--control",
			"--json",
			"--host",
			TUN_SERVER_ADDRESS,
			"--ports",
			ports,
			"--connections",
			connections,
			"--sources",
			run->plan.sources,
			"--timeout",
			timeout,
			"--procs",
			"auto",
			"--rate",
			rate,
			NULL};
	rate_option_last(argv, sizeof(argv) / sizeof(argv[0]), s->o->rate);
	return start_client_child(s, "tun-client", argv, log, why, why_size);
}

int harness_start_tun(struct sweep *s, char *why, size_t why_size)
{
	int err = start_tun_client(s, why, why_size);
	if (!err)
		err = harness_start_server(s, why, why_size);
	return err;
}

/* "quit" to the client and its "bye": the client's own teardown seconds
 * (teardown_s) go to the run. */
static void quit_client(struct sweep *s)
{
	json_t *bye;
	char why[256];
	if (s->client.child.pid <= 0 || harness_stop_signal())
		return;
	if (harness_client_request(&s->client, "quit", "bye", QUIT_TIMEOUT_S,
				   NULL, NULL, &bye, why, sizeof(why)) != 0)
		return;
	json_t *seconds = json_object_get(bye, "teardown_s");
	if (json_is_number(seconds))
		s->run->teardown_client_reported_s = json_number_value(seconds);
	json_decref(bye);
}

/* The client's polite end: "quit", then reaped (on a signal, with no
 * wait for a polite exit); its seconds since started go to the run. */
static void end_client(struct sweep *s, double started)
{
	quit_client(s);
	mcs_child_stop(&s->client.child, harness_stop_signal() ? 0.5 : 5.0,
		       10.0);
	s->run->teardown_client_s = mcs_now_seconds() - started;
}

/* The server's stats go, then the server (SIGTERM'd already) is reaped. */
static void reap_server(struct sweep *s, double started)
{
	if (s->stats.header)
		mcs_stats_close(&s->stats);
	mcs_child_stop(&s->server, 0.0, 15.0);
	s->run->teardown_server_s = mcs_now_seconds() - started;
}

/* A TUN run ends client first: its RST to every connection ("quit";
 * the server's sockets go at once, with no FIN or TIME_WAIT), and only
 * then the server's exit, which finds nothing left to close. Measured at
 * 300,000 connections, 2 workers: 6.0 s in all, against 14.1 s with both
 * at once (the server's FINs and the client's answers cross the RSTs)
 * and 9.2 s server first (13,000 orphans left in FIN_WAIT1). */
static void stop_tun_children(struct sweep *s, double started)
{
	end_client(s, started);
	if (s->server.pid > 0)
		kill(-s->server.pid, SIGTERM);
	reap_server(s, started);
}

/* The kernel client's run, or a failed one. */
static void stop_both(struct sweep *s, int failed, double started)
{
	if (failed) {
		/* The client reads "quit" only between commands: mid-grow it
		 * would go on connecting until the quit timeout, and each
		 * connection still lands in the listen queue of a server
		 * that is exiting (memory the guard had stopped for). Stop it
		 * first, by signal, and only then the server. */
		/* tun-client stops within about a second of SIGTERM (its RST
		 * pass bounded to 1 s): give it 3 s, so a failed run stops
		 * within 5 s. */
		double grace =
		    s->run->client_kind == HARNESS_CLIENT_TUN ? 3.0 : 10.0;
		mcs_child_stop(&s->client.child, 0.0, grace);
		s->run->teardown_client_s = mcs_now_seconds() - started;
	}
	/* Otherwise both ends tear down at once: closing a million sockets
	 * is kernel work that takes seconds on each side, and there are two
	 * cores. */
	if (s->server.pid > 0)
		kill(-s->server.pid, SIGTERM);
	if (!failed)
		end_client(s, started);
	reap_server(s, started);
}

void harness_stop_children(struct sweep *s, int failed)
{
	double started = mcs_now_seconds();
	if (!failed && s->run->client_kind == HARNESS_CLIENT_TUN)
		stop_tun_children(s, started);
	else
		stop_both(s, failed, started);
	/* The server unlinks its stats; if it was killed, we do. */
	if (s->stats_name[0])
		shm_unlink(s->stats_name);
}
