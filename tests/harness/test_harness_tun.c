/* test_harness_tun.c - sweeps through mcs-harness with the TUN client
 * (--client tun): a sweep to 20,000 connections with --load 2k and --echo
 * whose sweep.json must name the client kind, count about one TCP object
 * per connection (the server's end only) and verify every connection; and
 * the server killed mid-ramp, after which the harness must stop within
 * 5 s with the reason and its results. Neither may leave a process or the
 * sweep's namespace (and so its TUN device) behind. A harness killed with
 * SIGKILL takes tun-client and its device along; its namespace goes with
 * the next run. Bad usage of --client exits 2.
 *
 * Root only, with /dev/net/tun (the namespace and the device need both):
 * skips (77) otherwise, or while tun-client is not built. argv[1]: the
 * first of 16 ports from the test pool.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_binary.h"
#include "test_out_dir.h"
#include "test_procs.h"

static char ports[32];	      /* --ports FIRST-LAST */
static char ports_prefix[16]; /* "FIRST-": our processes' argument */
static char bin_dir[PATH_MAX];
static char out_dir[PATH_MAX];

static int netns_exists(pid_t pid)
{
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/mcs-sweep-%d", (int)pid);
	return access(path, F_OK) == 0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static json_t *load_latest(void)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/epoll/latest/sweep.json", out_dir);
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);
	if (!root)
		fprintf(stderr, "%s: %s\n", path, error.text);
	return root;
}

static double number(const json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	if (!json_is_number(v))
		fail_msg("field %s missing or not a number", key);
	return json_number_value(v);
}

/* Start mcs-harness with the common arguments and extra; its stdout on
 * *out when out is not NULL. */
static pid_t start_harness(char *const extra[], size_t extra_count, FILE **out)
{
	char harness[PATH_MAX + 16];
	snprintf(harness, sizeof(harness), "%s/mcs-harness", bin_dir);
	char *argv[40] = {harness, "--backend", "epoll", "--ports",
			  ports,   "--out",	out_dir, "--no-plot"};
	size_t n = 8;
	for (size_t i = 0; i < extra_count && n < 39; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	int pipe_fds[2];
	assert_int_equal(pipe(pipe_fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipe_fds[1], STDOUT_FILENO);
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		execv(harness, argv);
		_exit(127);
	}
	close(pipe_fds[1]);
	FILE *f = fdopen(pipe_fds[0], "r");
	assert_non_null(f);
	if (out)
		*out = f;
	else {
		char line[2048];
		while (fgets(line, sizeof(line), f))
			fputs(line, stderr);
		fclose(f);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_tun_sweep_to_20k(void **state)
{
	(void)state;
	char *extra[] = {"--target", "20k",    "--steps", "1k",	   "--client",
			 "tun",	     "--load", "2k",	  "--echo"};
	/* slabinfo is the machine's: when the rest of the machine made or
	 * closed many TCP sockets during the last ramp (tcp_others_per_conn,
	 * from sockstat), the slab figure says nothing of the sweep's own;
	 * run again, at most 3 times, and check the last run. */
	json_t *root = NULL;
	for (int run = 0; run < 3; run++) {
		json_decref(root);
		pid_t pid = start_harness(extra, 9, NULL);
		assert_int_equal(wait_status(pid), 0);
		assert_int_equal(test_procs_leftover(bin_dir, ports_prefix), 0);
		assert_false(netns_exists(pid));
		root = load_latest();
		assert_non_null(root);
		double others = number(root, "tcp_others_per_conn");
		fprintf(stderr, "run %d: others %.3f\n", run + 1, others);
		if (others > -0.1 && others < 0.1)
			break;
	}
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "complete");
	assert_string_equal(
	    json_string_value(json_object_get(root, "client_kind")), "tun");
	assert_string_equal(
	    json_string_value(json_object_get(root, "kernel_scope")), "server");
	/* Only the server's end of each connection is on this kernel: about
	 * one TCP object (struct tcp_sock) per connection, against 2 for a
	 * loopback pair. slabinfo is the machine's: what the rest of the
	 * machine made or freed over the same window (sockstat, outside the
	 * sweep's namespace: tcp_others_per_conn) is taken out, with a
	 * margin. Another job's teardown freeing a million sockets during the
	 * ramp once put the raw figure at -0.57. */
	double tcp = number(root, "tcp_objects_per_conn");
	double others = number(root, "tcp_others_per_conn");
	fprintf(stderr, "tcp_objects_per_conn %.3f, others %.3f\n", tcp,
		others);
	assert_true(tcp - others >= 0.8 && tcp - others <= 1.3);
	/* The same from the sweep's own namespace, where nothing else
	 * runs: the server's sockets, one per connection. */
	double sockets = number(root, "tcp_sockets_per_conn");
	assert_true(sockets >= 0.95 && sockets <= 1.05);
	json_t *verify = json_object_get(root, "verify");
	assert_int_equal((int)number(verify, "alive"), 20000);
	assert_int_equal((int)number(verify, "dead"), 0);

	json_t *steps = json_object_get(root, "steps");
	assert_int_equal(json_array_size(steps), 2);
	size_t i;
	json_t *step;
	json_array_foreach(steps, i, step)
	{
		double connections = number(step, "connections");
		assert_int_equal((int)number(step, "established"),
				 (int)connections);
		assert_int_equal((int)number(step, "server_live"),
				 (int)connections);
		assert_int_equal((int)number(step, "failed"), 0);
		assert_true(number(step, "machine_ramp_cpu_s") > 0);
		json_t *echo = json_object_get(step, "echo");
		assert_non_null(echo);
		assert_int_equal((int)number(echo, "errors"), 0);
		assert_true(number(echo, "messages") > 0);
		json_t *load = json_object_get(step, "load");
		assert_non_null(load);
		assert_int_equal((int)number(load, "errors"), 0);
		assert_int_equal((int)number(load, "mismatches"), 0);
		assert_true(number(load, "messages") > 0);
	}
	json_decref(root);
}

/* The server of the harness's sweep: the process running bin_dir/server
 * whose parent is the harness (`ip netns exec` execs it in place). */
static pid_t find_server(pid_t harness)
{
	char real[PATH_MAX], path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/server", bin_dir);
	if (!realpath(path, real))
		return 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char link[300], exe[PATH_MAX], stat_path[300];
		snprintf(link, sizeof(link), "/proc/%s/exe", e->d_name);
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		if (strcmp(exe, real) != 0)
			continue;
		snprintf(stat_path, sizeof(stat_path), "/proc/%s/stat",
			 e->d_name);
		FILE *f = fopen(stat_path, "r");
		int ppid = 0;
		if (f) {
			if (fscanf(f, "%*d (%*[^)]) %*c %d", &ppid) != 1)
				ppid = 0;
			fclose(f);
		}
		if (ppid == harness)
			found = (pid_t)atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* The server SIGKILLed while the TUN client grows to the last step: the
 * harness stops within 5 s, says the server is gone, keeps the step it
 * measured and leaves nothing behind. */
static void test_tun_server_killed_mid_ramp(void **state)
{
	(void)state;
	char *extra[] = {"--target", "200k",	 "--steps",
			 "1k",	     "--client", "tun"};
	FILE *out;
	pid_t pid = start_harness(extra, 6, &out);
	char line[2048];
	int stepped = 0;
	while (fgets(line, sizeof(line), out)) {
		fputs(line, stderr);
		if (strstr(line, "step 1/2")) {
			stepped = 1;
			break;
		}
	}
	assert_true(stepped);
	/* The ramp to 200k has begun (it takes seconds): kill the server. */
	usleep(300000);
	pid_t server = find_server(pid);
	assert_true(server > 0);
	double killed_at = now_s();
	assert_int_equal(kill(server, SIGKILL), 0);
	while (fgets(line, sizeof(line), out))
		fputs(line, stderr);
	fclose(out);
	int status = wait_status(pid);
	double took = now_s() - killed_at;
	fprintf(stderr, "harness exited %d, %.1f s after the kill\n", status,
		took);
	assert_int_equal(status, 1);
	assert_true(took < 5.0);
	assert_int_equal(test_procs_leftover(bin_dir, ports_prefix), 0);
	assert_false(netns_exists(pid));

	json_t *root = load_latest();
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "failed");
	assert_string_equal(
	    json_string_value(json_object_get(root, "client_kind")), "tun");
	const char *reason = json_string_value(
	    json_object_get(json_object_get(root, "failure"), "reason"));
	assert_non_null(reason);
	fprintf(stderr, "reason: %s\n", reason);
	assert_non_null(strstr(reason, "server"));
	/* The step measured before the kill is kept. */
	assert_int_equal(json_array_size(json_object_get(root, "steps")), 1);
	json_decref(root);
}

/* The interfaces of network namespace name but lo, from `ip -n name -o
 * link`: how many, -1 if it cannot be listed. */
static int devices_besides_lo(const char *name)
{
	char command[256];
	snprintf(command, sizeof(command), "ip -n %s -o link 2>/dev/null",
		 name);
	FILE *p = popen(command, "r");
	if (!p)
		return -1;
	char line[512];
	int count = 0;
	while (fgets(line, sizeof(line), p))
		if (!strstr(line, ": lo:"))
			count++;
	return pclose(p) == 0 ? count : -1;
}

/* kill -9 of the harness mid-sweep: tun-client dies with it (its
 * parent-death signal), and with it the TUN device; the namespace, which
 * nothing removes then, goes with the next harness run. */
static void test_tun_kill9_leaves_no_device(void **state)
{
	(void)state;
	char *extra[] = {"--target", "20k", "--steps",	  "2k",
			 "--client", "tun", "--pause-at", "2k"};
	FILE *out;
	pid_t pid = start_harness(extra, 8, &out);
	char line[2048];
	int paused = 0;
	while (!paused && fgets(line, sizeof(line), out))
		paused = strstr(line, "paused at") != NULL;
	assert_true(paused);
	char name[64];
	snprintf(name, sizeof(name), "mcs-sweep-%d", (int)pid);
	assert_int_equal(devices_besides_lo(name), 1); /* the TUN device */
	kill(pid, SIGKILL);
	fclose(out);
	assert_int_equal(wait_status(pid), 128 + SIGKILL);
	int left = 1;
	for (int i = 0; i < 100 && left; i++) {
		left = test_procs_leftover(bin_dir, ports_prefix);
		if (left)
			usleep(100000);
	}
	assert_int_equal(left, 0);
	/* The TUN device went with tun-client. The namespace stays until a
	 * harness run removes it: this test's next run below, or one that
	 * another test starts meanwhile (ctest -j2 ran one between two lines
	 * here once), and then it is gone already, with its devices. */
	int devices = devices_besides_lo(name);
	if (netns_exists(pid))
		assert_int_equal(devices, 0);
	char *next[] = {"--target", "1k", "--client", "tun"};
	assert_int_equal(wait_status(start_harness(next, 4, NULL)), 0);
	assert_false(netns_exists(pid));
	assert_int_equal(test_procs_leftover(bin_dir, ports_prefix), 0);
}

/* --client tun needs the sweep's own namespace. */
static void test_tun_bad_usage(void **state)
{
	(void)state;
	char *no_netns[] = {"--target", "1k", "--client", "tun", "--no-netns"};
	assert_int_equal(wait_status(start_harness(no_netns, 5, NULL)), 2);
	char *bad[] = {"--target", "1k", "--client", "udp"};
	assert_int_equal(wait_status(start_harness(bad, 4, NULL)), 2);
	char *multihost[] = {
	    "--target",	     "1k",    "--client",	"tun",
	    "--server-host", "local", "--client-hosts", "local"};
	assert_int_equal(wait_status(start_harness(multihost, 8, NULL)), 2);
}

int main(int argc, char **argv)
{
	int first = argc > 1 ? atoi(argv[1]) : 0;
	if (first < 1024 || first > 65535 - 15) {
		fprintf(stderr, "usage: %s FIRST_PORT (run through ctest)\n",
			argv[0]);
		return 1;
	}
	snprintf(ports, sizeof(ports), "%d-%d", first, first + 15);
	snprintf(ports_prefix, sizeof(ports_prefix), "%d-", first);
	const char *dir = getenv("MCS_BIN_DIR");
	if (!dir) {
		fprintf(stderr, "MCS_BIN_DIR is not set: run through ctest\n");
		return 1;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		fprintf(stderr, "skip: needs root and /dev/net/tun\n");
		return 77;
	}
	if (test_need_binary(bin_dir, "tun-client"))
		return 77;
	if (test_out_dir_make(out_dir, sizeof(out_dir),
			      "/tmp/mcs-harness-tun-XXXXXX"))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tun_bad_usage),
	    cmocka_unit_test(test_tun_sweep_to_20k),
	    cmocka_unit_test(test_tun_server_killed_mid_ramp),
	    cmocka_unit_test(test_tun_kill9_leaves_no_device),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (!failed)
		test_out_dir_remove(out_dir);
	return failed;
}
