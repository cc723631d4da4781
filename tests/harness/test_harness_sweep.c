/* test_harness_sweep.c - real sweeps through mcs-harness on loopback:
 * a 30,000-connection sweep (past one process's fd cap, so at least two
 * server workers) whose sweep.json must hold sane figures; an interrupted
 * sweep that must exit 130 with its partial results; and a check that
 * neither leaves a server or client process behind. As root each sweep
 * runs in a network namespace of its own: it must be gone after Ctrl-C,
 * and one left by a harness killed with SIGKILL must be removed by the
 * next run. Ports 2600-2699 only.
 * Skips (77) while the client binary is not built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_binary.h"
#include "test_out_dir.h"
#include "test_procs.h"

static char bin_dir[PATH_MAX];
static char out_dir[PATH_MAX];

/* Processes still running one of our binaries (server or client) for one
 * of our sweeps: those with an argument beginning "2600-" (the --ports of
 * every sweep here), so servers and clients of other tests running at the
 * same time are not mistaken for ours. */
static int leftover_processes(void)
{
	return test_procs_leftover(bin_dir, "2600-");
}

/* Does the private network namespace of harness pid exist? */
static int netns_exists(pid_t pid)
{
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/mcs-sweep-%d", (int)pid);
	return access(path, F_OK) == 0;
}

/* Leftover processes, allowing a killed harness's children the moment
 * their parent-death signal needs to land. */
static int leftover_processes_after(double seconds)
{
	for (int i = 0; i < (int)(seconds * 10); i++) {
		if (leftover_processes() == 0)
			return 0;
		usleep(100000);
	}
	return leftover_processes();
}

static json_t *load_latest(const char *backend)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s/latest/sweep.json", out_dir,
		 backend);
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

static int run_harness(char *const extra[], size_t extra_count)
{
	char harness[PATH_MAX + 16];
	snprintf(harness, sizeof(harness), "%s/mcs-harness", bin_dir);
	/* The kernel client: these sweeps check its figures (its PSS, both
	 * ends' kernel memory); test_harness_tun.c sweeps with tun. */
	char *argv[32] = {harness,     "--backend", "epoll", "--ports",
			  "2600-2699", "--out",	    out_dir, "--no-tune",
			  "--client",  "kernel"};
	size_t n = 10;
	for (size_t i = 0; i < extra_count && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(harness, argv);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_sweep_to_30k(void **state)
{
	(void)state;
	char *extra[] = {"--target", "30000",	      "--steps", "1k,10k",
			 "--echo",   "--echo-sample", "1000"};
	assert_int_equal(run_harness(extra, 7), 0);
	assert_int_equal(leftover_processes(), 0);

	json_t *root = load_latest("epoll");
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "backend")),
			    "epoll");
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "complete");
	assert_int_equal((int)number(root, "target"), 30000);
	/* Past one process's fd cap: at least two server workers. */
	json_t *plan = json_object_get(root, "plan");
	assert_true(number(plan, "workers") >= 2);
	/* As root, in a namespace of its own whose hash holds both ends of
	 * every connection; otherwise on the host, saying why. */
	json_t *ns = json_object_get(root, "network_namespace");
	assert_non_null(ns);
	if (geteuid() == 0) {
		assert_non_null(
		    strstr(json_string_value(json_object_get(ns, "name")),
			   "mcs-sweep-"));
		assert_true(number(ns, "tcp_child_ehash_entries") >= 60000);
	} else {
		assert_string_equal(
		    json_string_value(json_object_get(ns, "on_host_because")),
		    "not root");
	}

	json_t *steps = json_object_get(root, "steps");
	assert_int_equal(json_array_size(steps), 3);
	double previous_connections = 0;
	size_t i;
	json_t *step;
	json_array_foreach(steps, i, step)
	{
		double connections = number(step, "connections");
		assert_true(connections > previous_connections);
		previous_connections = connections;
		assert_int_equal((int)number(step, "established"),
				 (int)connections);
		assert_int_equal((int)number(step, "server_live"),
				 (int)connections);
		assert_int_equal((int)number(step, "failed"), 0);
		assert_true(number(step, "connect_rate") > 0);
		json_t *lat = json_object_get(step, "connect_latency_us");
		assert_true(number(lat, "p50") > 0);
		assert_true(number(lat, "p50") <= number(lat, "p99"));
		assert_true(number(lat, "p99") <= number(lat, "p999"));
		assert_true(number(lat, "p999") <= number(lat, "max"));
		assert_true(number(step, "server_user_bytes") > 0);
		assert_true(number(step, "client_user_bytes") > 0);
		assert_true(number(step, "server_processes") >= 3);
		assert_true(number(step, "user_bytes_per_conn") > 0);
		json_t *echo = json_object_get(step, "echo");
		assert_non_null(echo);
		assert_int_equal((int)number(echo, "errors"), 0);
		assert_true(number(echo, "msgs_per_s") > 0);
		/* The full histograms, not only percentiles: every echo of
		 * the step is counted in its buckets. */
		json_t *hist = json_object_get(step, "histograms");
		json_t *echo_hist = json_object_get(hist, "echo_rtt_us");
		assert_true(number(echo_hist, "count") ==
			    number(echo, "messages"));
		assert_true(
		    json_array_size(json_object_get(echo_hist, "buckets")) > 0);
		assert_non_null(json_object_get(hist, "connect_latency_us"));
	}
	/* At 30k the kernel holds ~60k sockets: a few KB per connection, at
	 * least 1 KB and far below 100 KB whatever the machine's noise. */
	json_t *last = json_array_get(steps, 2);
	double kernel = number(last, "kernel_bytes_per_conn");
	assert_true(kernel > 1000 && kernel < 100000);

	json_t *fit = json_object_get(root, "fit");
	assert_non_null(fit);
	double kernel_slope = number(fit, "kernel_slope_bytes");
	assert_true(kernel_slope > 1000 && kernel_slope < 50000);
	double user_slope = number(fit, "user_slope_bytes");
	assert_true(user_slope >= 0 && user_slope < 20000);
	number(fit, "user_base_bytes");
	number(fit, "kernel_base_bytes");

	json_t *verify = json_object_get(root, "verify");
	assert_int_equal((int)number(verify, "alive"), 30000);
	assert_int_equal((int)number(verify, "dead"), 0);

	/* Provenance: the command as typed, the machine's CPU model. */
	const char *command =
	    json_string_value(json_object_get(root, "command_line"));
	assert_non_null(command);
	assert_non_null(strstr(command, "--target 30000"));
	json_t *machine = json_object_get(root, "machine");
	assert_non_null(json_string_value(json_object_get(machine, "kernel")));
	assert_non_null(
	    json_string_value(json_object_get(machine, "cpu_model")));
	assert_true(number(machine, "cores") >= 1);
	assert_true(number(machine, "memory_bytes") > 0);
	assert_non_null(json_object_get(json_object_get(machine, "sysctls"),
					"fs.file-max"));
	assert_non_null(
	    json_object_get(json_object_get(machine, "libraries"), "liburing"));
	assert_non_null(
	    json_string_value(json_object_get(machine, "git_commit")));
	json_decref(root);

	char path[PATH_MAX + 64];
	struct stat st;
	const char *files[] = {
	    "sweep.csv",	"report.html", "memory-per-connection.png",
	    "connect-rate.png", "latency.png", "summary.txt"};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		snprintf(path, sizeof(path), "%s/epoll/latest/%s", out_dir,
			 files[f]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size > 0);
	}
	/* No plot of "the latest run of every backend" beside them: such
	 * plots mixed runs of different days, and a single run writes only
	 * into its own folder. */
	snprintf(path, sizeof(path), "%s/compare-server-memory.png", out_dir);
	assert_int_equal(stat(path, &st), -1);
}

/* Start a 20k sweep that pauses after its 2k step; returns its pid once
 * paused, with its stdout in *stdout_of. */
static pid_t start_paused(FILE **stdout_of)
{
	char harness[PATH_MAX + 16];
	snprintf(harness, sizeof(harness), "%s/mcs-harness", bin_dir);
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		execl(harness, harness, "--backend", "epoll", "--ports",
		      "2600-2699", "--out", out_dir, "--no-tune", "--no-plot",
		      "--client", "kernel", "--target", "20000", "--steps",
		      "2k", "--pause-at", "2k", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	/* Wait for the pause, then Ctrl-C it. */
	FILE *f = fdopen(out[0], "r");
	char line[1024];
	int paused = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "paused at")) {
			paused = 1;
			break;
		}
	assert_true(paused);
	*stdout_of = f;
	return pid;
}

static void test_interrupt_keeps_results(void **state)
{
	(void)state;
	FILE *f;
	pid_t pid = start_paused(&f);
	if (geteuid() == 0)
		assert_true(netns_exists(pid));
	kill(pid, SIGINT);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fclose(f);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 130);
	assert_int_equal(leftover_processes(), 0);
	assert_false(netns_exists(pid));

	json_t *root = load_latest("epoll");
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "interrupted");
	json_t *failure = json_object_get(root, "failure");
	assert_non_null(failure);
	assert_non_null(strstr(
	    json_string_value(json_object_get(failure, "reason")), "signal"));
	/* The step measured before the interrupt is kept. */
	assert_int_equal(json_array_size(json_object_get(root, "steps")), 1);
	json_decref(root);
}

static uint64_t ehash_sysctl(void)
{
	unsigned long long value = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_child_ehash_entries", "r");
	if (f) {
		if (fscanf(f, "%llu", &value) != 1)
			value = 0;
		fclose(f);
	}
	return value;
}

/* kill -9 gives the harness no chance to clean up: its children die with
 * it, its namespace stays (nothing else removes it), and the next run,
 * with or without a namespace of its own, removes it. */
static void test_kill9_namespace_removed_by_next_run(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	uint64_t ehash_before = ehash_sysctl();
	FILE *f;
	pid_t pid = start_paused(&f);
	assert_true(netns_exists(pid));
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fclose(f);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(leftover_processes_after(10.0), 0);
	assert_true(netns_exists(pid));
	char *extra[] = {"--no-netns", "--no-plot", "--target", "1000"};
	assert_int_equal(run_harness(extra, 4), 0);
	assert_false(netns_exists(pid));
	assert_int_equal(ehash_sysctl(), ehash_before);
	assert_int_equal(leftover_processes(), 0);
}

static void test_bad_usage_exits_2(void **state)
{
	(void)state;
	char *extra[] = {"--target", "lots"};
	assert_int_equal(run_harness(extra, 2), 2);
}

int main(void)
{
	const char *dir = getenv("MCS_BIN_DIR");
	if (!dir) {
		fprintf(stderr, "MCS_BIN_DIR is not set: run through ctest\n");
		return 1;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	if (test_need_binary(bin_dir, "client"))
		return 77;
	if (test_out_dir_make(out_dir, sizeof(out_dir),
			      "/tmp/mcs-harness-test-XXXXXX"))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_usage_exits_2),
	    cmocka_unit_test(test_sweep_to_30k),
	    cmocka_unit_test(test_interrupt_keeps_results),
	    cmocka_unit_test(test_kill9_namespace_removed_by_next_run),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (!failed)
		test_out_dir_remove(out_dir);
	return failed;
}
