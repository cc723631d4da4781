/* test_harness_soak_sweep.c - the soak through mcs-harness on loopback: a
 * 2,000-connection sweep held 25 s under a 500 msg/s load, whose
 * sweep.json must hold the soak's samples with every field, no lost
 * connection, no error, and a soak.png; then a soak stopped by Ctrl-C,
 * which must exit 130 with the samples so far. Nothing may be left
 * running. No timing is asserted.
 *
 * usage: test_integration_harness_soak_bin FIRST_PORT (FIRST_PORT to
 *   FIRST_PORT+3, from mcs_test_ports). Skips (77) while the client binary
 *   is not built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <math.h>
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

#define TARGET 2000

static char bin_dir[PATH_MAX];
static char out_dir[PATH_MAX];
static char ports[32];	      /* "A-B" */
static char ports_prefix[16]; /* "A-": how our children's argv shows it */

/* Server or client processes of ours still running. */
static int leftover_processes(void)
{
	return test_procs_leftover(bin_dir, ports_prefix);
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

static void file_exists(const char *name)
{
	char path[PATH_MAX + 64];
	struct stat st;
	snprintf(path, sizeof(path), "%s/epoll/latest/%s", out_dir, name);
	if (stat(path, &st) != 0 || st.st_size == 0)
		fail_msg("%s is missing or empty", path);
}

/* Start mcs-harness with extra arguments, its stdout on *out (NULL: not
 * captured). Returns its pid. */
static pid_t start_harness(char *const extra[], size_t extra_count, FILE **out)
{
	char harness[PATH_MAX + 16];
	snprintf(harness, sizeof(harness), "%s/mcs-harness", bin_dir);
	char *argv[32] = {harness,    "--backend", "epoll",    "--ports",
			  ports,      "--out",	   out_dir,    "--no-tune",
			  "--target", "2000",	   "--client", "kernel"};
	size_t n = 12;
	for (size_t i = 0; i < extra_count && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	int pipe_fds[2];
	assert_int_equal(pipe(pipe_fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (out)
			dup2(pipe_fds[1], STDOUT_FILENO);
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		execv(harness, argv);
		_exit(127);
	}
	close(pipe_fds[1]);
	if (out)
		*out = fdopen(pipe_fds[0], "r");
	else
		close(pipe_fds[0]);
	return pid;
}

static int wait_exit(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Every field of one sample, and the load window it closes (all but the
 * first sample, which is taken before any window). */
static void check_sample(const json_t *sample, size_t index,
			 double *previous_elapsed)
{
	double elapsed = number(sample, "elapsed_s");
	assert_true(elapsed >= *previous_elapsed);
	*previous_elapsed = elapsed;
	assert_true(number(sample, "server_user_bytes") > 0);
	assert_true(number(sample, "server_anon_bytes") > 0);
	assert_true(number(sample, "client_user_bytes") > 0);
	assert_true(number(sample, "kernel_bytes") >= 0);
	assert_int_equal((int)number(sample, "server_live"), TARGET);
	assert_int_equal((int)number(sample, "client_established"), TARGET);
	assert_int_equal((int)number(sample, "client_closed"), 0);
	json_t *load = json_object_get(sample, "load");
	if (index == 0) {
		assert_null(load);
		return;
	}
	assert_non_null(load);
	assert_true(number(load, "duration_s") > 0);
	assert_true(number(load, "sent_per_s") > 0);
	assert_true(number(load, "achieved_per_s") > 0);
	assert_true(number(load, "messages") > 0);
	assert_int_equal((int)number(load, "errors"), 0);
	assert_int_equal((int)number(load, "mismatches"), 0);
	assert_true(number(load, "rtt_p99_us") > 0);
	assert_true(number(load, "gap_s") >= 0);
}

static void test_soak_under_load(void **state)
{
	(void)state;
	char *extra[] = {"--soak", "25s", "--load", "500"};
	assert_int_equal(wait_exit(start_harness(extra, 4, NULL)), 0);
	assert_int_equal(leftover_processes(), 0);

	json_t *root = load_latest();
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "complete");
	json_t *soak = json_object_get(root, "soak");
	assert_true(json_is_object(soak));
	assert_float_equal(number(soak, "duration_s"), 25, 1e-9);
	assert_float_equal(number(soak, "interval_s"), 10, 1e-9);
	assert_true(json_is_true(json_object_get(soak, "completed")));
	json_t *samples = json_object_get(soak, "samples");
	assert_true(json_array_size(samples) >= 2);
	double previous = 0;
	size_t i;
	json_t *sample;
	json_array_foreach(samples, i, sample)
	{
		check_sample(sample, i, &previous);
	}
	assert_int_equal((int)number(soak, "connections_lost"), 0);
	assert_int_equal((int)number(soak, "errors"), 0);
	assert_int_equal((int)number(soak, "mismatches"), 0);
	assert_true(number(soak, "messages") > 0);
	/* A slope with its trust, or the reason there is none. */
	if (json_array_size(samples) >= 3) {
		double per_s = number(soak, "pss_slope_bytes_per_s");
		assert_float_equal(number(soak, "pss_slope_bytes_per_hour"),
				   per_s * 3600, fabs(per_s) * 1e-9 + 1e-6);
		assert_true(number(soak, "pss_slope_stderr_bytes_per_s") >= 0);
		number(soak, "pss_slope_r2");
		number(soak, "bytes_per_message");
	} else {
		assert_non_null(json_string_value(
		    json_object_get(soak, "pss_slope_unavailable")));
	}
	/* The liveness check still runs after the soak. */
	json_t *verify = json_object_get(root, "verify");
	assert_int_equal((int)number(verify, "alive"), TARGET);
	json_decref(root);
	file_exists("soak.png");
	file_exists("soak.csv");
	file_exists("soak.gp");
}

static void test_interrupted_soak_keeps_its_samples(void **state)
{
	(void)state;
	char *extra[] = {"--soak", "1h", "--no-plot"};
	FILE *out;
	pid_t pid = start_harness(extra, 3, &out);
	assert_non_null(out);
	char line[2048];
	int sampled = 0;
	while (fgets(line, sizeof(line), out))
		if (strstr(line, "soak 0s/")) { /* the first sample */
			sampled = 1;
			break;
		}
	kill(pid, sampled ? SIGINT : SIGTERM); /* never an hour-long orphan */
	assert_true(sampled);
	assert_int_equal(wait_exit(pid), 130);
	fclose(out);
	assert_int_equal(leftover_processes(), 0);

	json_t *root = load_latest();
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "interrupted");
	json_t *failure = json_object_get(root, "failure");
	assert_non_null(strstr(
	    json_string_value(json_object_get(failure, "reason")), "signal"));
	json_t *soak = json_object_get(root, "soak");
	assert_true(json_is_object(soak));
	assert_true(json_is_false(json_object_get(soak, "completed")));
	json_t *samples = json_object_get(soak, "samples");
	assert_true(json_array_size(samples) >= 1);
	double previous = 0;
	check_sample(json_array_get(samples, 0), 0, &previous);
	json_decref(root);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("MCS_BIN_DIR");
	int first = argc == 2 ? atoi(argv[1]) : 0;
	if (!dir || first < 1024 || first > 32764) {
		fprintf(stderr, "usage: %s FIRST_PORT, through ctest\n",
			argv[0]);
		return 1;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	snprintf(ports, sizeof(ports), "%d-%d", first, first + 3);
	snprintf(ports_prefix, sizeof(ports_prefix), "%d-", first);
	if (test_need_binary(bin_dir, "client"))
		return 77;
	if (test_out_dir_make(out_dir, sizeof(out_dir),
			      "/tmp/mcs-harness-soak-XXXXXX"))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_soak_under_load),
	    cmocka_unit_test(test_interrupted_soak_keeps_its_samples),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (!failed)
		test_out_dir_remove(out_dir);
	return failed;
}
