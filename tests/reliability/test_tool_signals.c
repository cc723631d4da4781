/* test_tool_signals.c - SIGINT and SIGTERM reach mcs-harness and client at
 * any point of a run (the server has its own test, test_signals.c):
 *
 * - mcs-harness: 50 ms after exec (preflight, waiting for a quiet slab or
 *   starting its children), in the middle of a grow (--rate 2000, once the
 *   client holds 2,000 of step 2's sockets), and while paused at a step.
 *   It must exit 128+signal; once its run directory exists, sweep.json
 *   says "interrupted" with the signal and keeps every step it finished;
 *   its stats object is removed; nothing of the run is left running and
 *   its ports are free.
 * - client (standalone, against a server this test starts): 5 ms after
 *   it starts, in the middle of its ramp (--rate 1000) and while it holds its
 *   connections. It must exit 128+signal, report what it did when it was
 *   stopped mid-ramp or later ("the report covers what was done"), and
 *   leave none of its workers behind.
 *
 * usage: test_reliability_tool_signals FIRST_PORT (uses 20 ports from
 * there: two per case). epoll only: the harness's and the client's signal
 * handling does not depend on the backend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rel_tree.h"
#include "rel_util.h"

#define START_TIMEOUT_MS 240000 /* harness start, quiet slab, first step */
#define EXIT_TIMEOUT_MS	 60000	/* from the signal to the exit */
#define GONE_TIMEOUT_MS	 20000	/* orphans reaped, ports free again */

static char top_dir[PATH_MAX];
static char real_server[PATH_MAX];
static char real_client[PATH_MAX];
static uint16_t base_port;

static int setup(void **state)
{
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rel_tree_teardown();
	return 0;
}

/* Wait for c to exit after sig; it must say it was interrupted. */
static void expect_interrupted(struct rel_child *c, const char *what, int sig)
{
	int64_t sent = rel_now_ms();
	int code = rel_wait_exit(c, EXIT_TIMEOUT_MS);
	fprintf(stderr, "%s exited %d %.2f s after signal %d\n", what, code,
		(double)(rel_now_ms() - sent) / 1000.0, sig);
	if (code == -1) {
		rel_dump_tracked();
		fail_msg("%s still running %d s after signal %d", what,
			 EXIT_TIMEOUT_MS / 1000, sig);
	}
	if (code != 128 + sig)
		fail_msg(
		    "%s exited %d after signal %d, not %d; it printed:\n%s",
		    what, code, sig, 128 + sig, c->out);
}

static void expect_nothing_left(const struct rel_ports *ports)
{
	assert_int_equal(rel_still_running(GONE_TIMEOUT_MS), 0);
	/* Also what started after we looked: anything with its ports. */
	assert_int_equal(rel_marked_running(GONE_TIMEOUT_MS), 0);
	assert_int_equal(
	    rel_ports_busy(ports->first, ports->last, GONE_TIMEOUT_MS), 0);
}

/* Sockets the processes under parent hold (open descriptors of its
 * children, a few of them not sockets). */
static long tree_descriptors(pid_t parent)
{
	pid_t kids[64];
	size_t n = rel_children_of(parent, kids, 64);
	long total = 0;
	for (size_t i = 0; i < n; i++) {
		int fds = rel_fd_count(kids[i]);
		if (fds > 0)
			total += fds;
	}
	return total;
}

/* ---- mcs-harness ---- */

enum harness_moment { HARNESS_STARTING, HARNESS_RAMPING, HARNESS_PAUSED };

static const char *moment_name(enum harness_moment m)
{
	return m == HARNESS_STARTING  ? "starting"
	       : m == HARNESS_RAMPING ? "ramping"
				      : "paused";
}

/* The run directory of out_dir/epoll (its only one), or "" if none. */
static void run_dir(const char *out_dir, char *dir, size_t size)
{
	dir[0] = '\0';
	char parent[PATH_MAX + 128];
	snprintf(parent, sizeof(parent), "%s/epoll", out_dir);
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			snprintf(dir, size, "%s/%s", parent, e->d_name);
	closedir(d);
}

static void harness_case(enum harness_moment moment, int sig,
			 unsigned port_offset)
{
	struct rel_ports ports = rel_ports_at(base_port, port_offset);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	rel_tree_mark(ports.text);
	char out_dir[PATH_MAX + 64];
	snprintf(out_dir, sizeof(out_dir), "%s/harness-%s-%d", top_dir,
		 moment_name(moment), sig);
	assert_int_equal(mkdir(out_dir, 0700), 0);
	/* The kernel client: the case counts its sockets (the TUN client,
	 * the default as root, holds none). */
	char *argv[] = {"mcs-harness", "--backend", "epoll",	  "--target",
			"20000",       "--steps",   "2k",	  "--ports",
			ports.text,    "--workers", "2",	  "--out",
			out_dir,       "--no-plot", "--client",	  "kernel",
			"--rate",      "2000",	    "--pause-at", "2000",
			NULL};
	if (moment == HARNESS_RAMPING)
		argv[18] = NULL; /* no pause */
	struct rel_child *h = rel_spawn("mcs-harness", argv);
	pid_t harness = h->pid;
	int stats_expected = 0;

	if (moment == HARNESS_STARTING) {
		usleep(50000);
		rel_track_tree(harness);
	} else if (moment == HARNESS_PAUSED) {
		if (!rel_wait_for(h, "to continue", START_TIMEOUT_MS))
			fail_msg("harness did not pause; it printed:\n%s",
				 h->out);
		rel_track_tree(harness);
		stats_expected = 1;
	} else {
		/* Step 1 done, then 2,000 more client sockets into step 2. */
		if (!rel_wait_for(h, "step 1/2", START_TIMEOUT_MS))
			fail_msg("harness did not finish step 1; it "
				 "printed:\n%s",
				 h->out);
		pid_t client = rel_child_running(harness, real_client);
		assert_true(client > 0);
		int64_t deadline = rel_now_ms() + START_TIMEOUT_MS;
		long held;
		while ((held = tree_descriptors(client)) < 4000 &&
		       rel_now_ms() < deadline)
			usleep(20000);
		rel_track_tree(harness);
		fprintf(stderr, "client holds about %ld descriptors\n", held);
		assert_true(held >= 4000 && held < 18000);
		stats_expected = 1;
	}
	assert_true(rel_tracked_count() >= 1);
	assert_int_equal(kill(harness, sig), 0);
	expect_interrupted(h, "mcs-harness", sig);

	/* Its stats object is gone, whatever the moment. */
	char shm[96];
	snprintf(shm, sizeof(shm), "/dev/shm/mcs-harness-%d", (int)harness);
	assert_int_equal(access(shm, F_OK), -1);

	/* Results flushed once there is a run directory. */
	char dir[PATH_MAX + 400];
	run_dir(out_dir, dir, sizeof(dir));
	if (stats_expected && !dir[0])
		fail_msg("no run directory under %s", out_dir);
	if (dir[0]) {
		char path[PATH_MAX + 420];
		snprintf(path, sizeof(path), "%s/sweep.json", dir);
		json_error_t error;
		json_t *root = json_load_file(path, 0, &error);
		if (!root)
			fail_msg("%s: %s", path, error.text);
		assert_string_equal(
		    json_string_value(json_object_get(root, "status")),
		    "interrupted");
		json_t *failure = json_object_get(root, "failure");
		assert_int_equal(
		    (int)json_integer_value(json_object_get(failure, "signal")),
		    sig);
		size_t steps = json_array_size(json_object_get(root, "steps"));
		fprintf(
		    stderr, "%s: interrupted at step %d, %zu kept\n", path,
		    (int)json_integer_value(json_object_get(failure, "step")),
		    steps);
		if (stats_expected) {
			/* Step 1 (2,000) was measured before the signal. */
			assert_true(steps >= 1);
			json_t *first =
			    json_array_get(json_object_get(root, "steps"), 0);
			assert_int_equal(
			    (int)json_integer_value(
				json_object_get(first, "established")),
			    2000);
		}
		json_decref(root);
	}
	expect_nothing_left(&ports);
}

static void test_harness_sigint_starting(void **state)
{
	(void)state;
	harness_case(HARNESS_STARTING, SIGINT, 0);
}

static void test_harness_sigterm_starting(void **state)
{
	(void)state;
	harness_case(HARNESS_STARTING, SIGTERM, 2);
}

static void test_harness_sigint_ramping(void **state)
{
	(void)state;
	harness_case(HARNESS_RAMPING, SIGINT, 4);
}

static void test_harness_sigterm_ramping(void **state)
{
	(void)state;
	harness_case(HARNESS_RAMPING, SIGTERM, 6);
}

static void test_harness_sigterm_paused(void **state)
{
	(void)state;
	harness_case(HARNESS_PAUSED, SIGTERM, 8);
}

/* ---- client ---- */

enum client_moment { CLIENT_STARTING, CLIENT_RAMPING, CLIENT_HOLDING };

static void client_case(enum client_moment moment, int sig,
			unsigned port_offset)
{
	struct rel_ports ports = rel_ports_at(base_port, port_offset);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	rel_tree_mark(ports.text);
	char *server_argv[] = {"server",   "--backend", "epoll", "--ports",
			       ports.text, "--workers", "2",	 "--interval",
			       "0",	   NULL};
	struct rel_child *server = rel_spawn("server", server_argv);
	if (!rel_wait_for(server, "listening on", REL_TIMEOUT_MS))
		fail_msg("server did not listen; it printed:\n%s", server->out);
	rel_track_tree(server->pid);

	char *client_argv[] = {
	    "client", "--json",	 "--ports", ports.text, "--connections",
	    "5000",   "--procs", "2",	    "--rate",	"1000",
	    "--hold", "120",	 NULL};
	if (moment == CLIENT_HOLDING)
		client_argv[8] = NULL; /* full speed, then hold */
	struct rel_child *client = rel_spawn("client", client_argv);
	if (moment == CLIENT_STARTING) {
		usleep(5000);
		rel_track_tree(client->pid);
	} else if (moment == CLIENT_RAMPING) {
		/* A second into a 5 s ramp. */
		int64_t deadline = rel_now_ms() + REL_TIMEOUT_MS;
		long held;
		while ((held = tree_descriptors(client->pid)) < 1000 &&
		       rel_now_ms() < deadline)
			usleep(20000);
		rel_track_tree(client->pid);
		fprintf(stderr, "client holds about %ld descriptors\n", held);
		assert_true(held >= 1000 && held < 4800);
	} else {
		if (!rel_wait_for(client, "\"established\":5000",
				  REL_TIMEOUT_MS))
			fail_msg("client did not establish 5000; it "
				 "printed:\n%s",
				 client->out);
		rel_track_tree(client->pid);
	}
	pid_t workers[64];
	size_t nworkers = rel_children_of(client->pid, workers, 64);
	assert_int_equal(kill(client->pid, sig), 0);
	expect_interrupted(client, "client", sig);
	/* Stopped mid-ramp or later: it reported what it had done. */
	if (moment != CLIENT_STARTING)
		assert_non_null(strstr(client->out, "\"established\":"));
	pid_t left = rel_wait_gone(workers, nworkers, GONE_TIMEOUT_MS);
	if (left)
		fail_msg("client worker %d left running", (int)left);
	/* The server lost its peers, nothing of its own: it stops cleanly. */
	kill(server->pid, SIGTERM);
	assert_int_equal(rel_wait_exit(server, EXIT_TIMEOUT_MS), 128 + SIGTERM);
	expect_nothing_left(&ports);
}

static void test_client_sigint_starting(void **state)
{
	(void)state;
	client_case(CLIENT_STARTING, SIGINT, 10);
}

static void test_client_sigterm_ramping(void **state)
{
	(void)state;
	client_case(CLIENT_RAMPING, SIGTERM, 12);
}

static void test_client_sigint_ramping(void **state)
{
	(void)state;
	client_case(CLIENT_RAMPING, SIGINT, 14);
}

static void test_client_sigterm_holding(void **state)
{
	(void)state;
	client_case(CLIENT_HOLDING, SIGTERM, 16);
}

static void test_client_sigint_holding(void **state)
{
	(void)state;
	client_case(CLIENT_HOLDING, SIGINT, 18);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIRST_PORT (20 ports)\n", argv[0]);
		return 2;
	}
	if (rel_tree_init())
		return 1;
	base_port = rel_port_arg(argv[1]);
	char real_harness[PATH_MAX];
	if (rel_tree_binary("server", real_server) ||
	    rel_tree_binary("client", real_client) ||
	    rel_tree_binary("mcs-harness", real_harness))
		return 77;
	signal(SIGPIPE, SIG_IGN);
	snprintf(top_dir, sizeof(top_dir), "/tmp/mcs-tool-signals-XXXXXX");
	if (!mkdtemp(top_dir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_harness_sigint_starting, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_harness_sigterm_starting,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_harness_sigint_ramping, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_harness_sigterm_ramping, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_harness_sigterm_paused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_client_sigint_starting, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_client_sigterm_ramping, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_client_sigint_ramping, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_client_sigterm_holding, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_client_sigint_holding, setup,
					    teardown),
	};
	int64_t started = rel_now_ms();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	fprintf(stderr, "tool signals: %.1f s\n",
		(double)(rel_now_ms() - started) / 1000.0);
	char command[PATH_MAX + 16];
	snprintf(command, sizeof(command), "rm -rf '%s'", top_dir);
	if (system(command) != 0)
		fprintf(stderr, "could not remove %s\n", top_dir);
	return failed;
}
