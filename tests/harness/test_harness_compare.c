/* test_harness_compare.c - a real comparison through mcs-harness on
 * loopback: `--backend epoll,select --target 20k --load 2k --repeat 2`.
 * Checks that the four runs were made in rotated order, that each run's
 * steps carry the fixed-rate load and the CPU per operation, and that the
 * summary holds every headline figure with each median inside its
 * min-max. Also the bad input of the comparison options (exit 2).
 * Ports 3400-3499 only. Skips (77) while the client or the select
 * backend is not built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_binary.h"

static char bin_dir[PATH_MAX];
static char out_dir[PATH_MAX];

/* Run mcs-harness with args (after the fixed ports/out/no-tune). Returns
 * its exit status; stderr's first line goes to first_line if given. */
static int run_harness(char *const extra[], size_t extra_count,
		       char *first_line, size_t line_size)
{
	char harness[PATH_MAX + 16];
	snprintf(harness, sizeof(harness), "%s/mcs-harness", bin_dir);
	char *argv[40] = {harness, "--ports", "3400-3499",
			  "--out", out_dir,   "--no-tune"};
	size_t n = 6;
	for (size_t i = 0; i < extra_count && n < 39; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	int err[2];
	assert_int_equal(pipe(err), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(err[1], STDERR_FILENO);
		close(err[0]);
		execv(harness, argv);
		_exit(127);
	}
	close(err[1]);
	FILE *f = fdopen(err[0], "r");
	char line[1024];
	int first = 1;
	while (fgets(line, sizeof(line), f)) {
		fputs(line, stderr);
		if (first && first_line)
			snprintf(first_line, line_size, "%s", line);
		first = 0;
	}
	fclose(f);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static double number(const json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	if (!json_is_number(v))
		fail_msg("field %s missing or not a number", key);
	return json_number_value(v);
}

/* The one folder under out/compare/. */
static void compare_dir(char *path, size_t size)
{
	char parent[PATH_MAX + 16];
	snprintf(parent, sizeof(parent), "%s/compare", out_dir);
	DIR *d = opendir(parent);
	assert_non_null(d);
	struct dirent *e;
	int found = 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, size, "%s/%s", parent, e->d_name);
			found++;
		}
	closedir(d);
	assert_int_equal(found, 1);
}

/* Every step of a run: the load ran, verified, and per-op CPU is there. */
static void check_run(const char *dir)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	json_t *root = json_load_file(path, 0, NULL);
	assert_non_null(root);
	const char *status = json_string_value(json_object_get(root, "status"));
	assert_true(strcmp(status, "complete") == 0 ||
		    strcmp(status, "limited") == 0);
	number(root, "ramp_s");
	json_t *steps = json_object_get(root, "steps");
	assert_true(json_array_size(steps) >= 2);
	size_t i;
	json_t *step;
	json_array_foreach(steps, i, step)
	{
		assert_true(number(step, "accepted") > 0);
		assert_true(number(step, "server_cpu_us_per_accept") > 0);
		assert_true(number(step, "client_cpu_us_per_connect") > 0);
		json_t *load = json_object_get(step, "load");
		assert_non_null(load);
		assert_int_equal((int)number(load, "offered_per_s"), 2000);
		assert_true(number(load, "messages") > 0);
		assert_int_equal((int)number(load, "mismatches"), 0);
		assert_int_equal((int)number(load, "errors"), 0);
		number(load, "late");
		number(load, "achieved_per_s");
		number(load, "server_cpu_us_per_msg");
		json_t *rtt = json_object_get(load, "rtt_us");
		assert_true(number(rtt, "p50") > 0);
		assert_true(number(rtt, "p50") <= number(rtt, "p99"));
		assert_true(number(rtt, "p99") <= number(rtt, "max"));
	}
	/* The last step also ran the closed-loop echo (saturation). */
	json_t *last = json_array_get(steps, json_array_size(steps) - 1);
	assert_true(number(json_object_get(last, "echo"), "msgs_per_s") > 0);
	json_decref(root);
}

static void check_spread(const json_t *spread)
{
	double n = number(spread, "n");
	if (n == 0)
		return;
	double median = number(spread, "median");
	double min = number(spread, "min");
	double max = number(spread, "max");
	assert_true(min <= median && median <= max);
	assert_true(n <= 2);
}

static void test_compare_epoll_select(void **state)
{
	(void)state;
	char *extra[] = {"--backend", "epoll,select", "--target", "20k",
			 "--load",    "2k",	      "--repeat", "2"};
	assert_int_equal(run_harness(extra, 8, NULL, 0), 0);

	char dir[PATH_MAX + 300];
	compare_dir(dir, sizeof(dir));
	char path[PATH_MAX + 400];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	json_t *summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);

	/* Four runs, round 1 epoll then select, round 2 select then epoll. */
	json_t *runs = json_object_get(summary, "runs");
	assert_int_equal(json_array_size(runs), 4);
	const char *expected[] = {"epoll", "select", "select", "epoll"};
	for (size_t i = 0; i < 4; i++) {
		json_t *run = json_array_get(runs, i);
		assert_string_equal(
		    json_string_value(json_object_get(run, "backend")),
		    expected[i]);
		assert_int_equal((int)number(run, "round"), i < 2 ? 1 : 2);
		check_run(json_string_value(json_object_get(run, "dir")));
	}

	/* Every headline figure, both backends, medians inside min-max. */
	json_t *figures = json_object_get(summary, "figures");
	assert_true(json_array_size(figures) >= 8);
	const char *keys[] = {
	    "server_user_slope_bytes",	 "kernel_slope_bytes",
	    "server_us_per_accept_last", "load_rtt_p99_first_us",
	    "load_rtt_p99_last_us",	 "server_us_per_msg_last",
	    "echo_msgs_per_s",		 "time_to_target_s"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *figure = NULL;
		size_t i;
		json_t *f;
		json_array_foreach(
		    figures, i,
		    f) if (strcmp(json_string_value(json_object_get(f, "key")),
				  keys[k]) == 0) figure = f;
		if (!figure)
			fail_msg("summary.json has no figure %s", keys[k]);
		json_t *backends = json_object_get(figure, "backends");
		for (size_t b = 0; b < 2; b++) {
			json_t *spread = json_object_get(backends, expected[b]);
			assert_non_null(spread);
			check_spread(spread);
		}
		/* epoll against itself is 1, where a ratio is given at all:
		 * none is for a figure whose interval reaches down to about
		 * zero (harness_verdict.h). */
		json_t *epoll = json_object_get(backends, "epoll");
		json_t *self = json_object_get(epoll, "ratio_to_epoll");
		if (json_is_number(self))
			assert_true(fabs(json_number_value(self) - 1) < 1e-9);
		else if (number(epoll, "n") > 0)
			assert_true(number(epoll, "low") <=
				    0.05 * number(epoll, "median"));
	}
	json_decref(summary);

	struct stat st;
	const char *files[] = {
	    "summary.md", "report.html", "compare-server-cpu.png",
	    "compare-load-latency.png", "compare-server-cpu-per-msg.png"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size > 0);
	}
}

/* Each refused before anything starts: exit 2, one line naming it. */
static void test_bad_comparison_options(void **state)
{
	(void)state;
	struct {
		char *args[6];
		size_t count;
		const char *option;
	} cases[] = {
	    {{"--backend", "epoll", "--target", "20k", "--load", "0"},
	     6,
	     "--load"},
	    {{"--backend", "epoll", "--target", "20k", "--load", "-5"},
	     6,
	     "--load"},
	    {{"--backend", "epoll", "--target", "20k", "--load", "fast"},
	     6,
	     "--load"},
	    {{"--backend", "epoll", "--target", "20k", "--load", "5M"},
	     6,
	     "--load"},
	    {{"--backend", "epoll", "--target", "20k", "--repeat", "0"},
	     6,
	     "--repeat"},
	    {{"--backend", "epoll,nosuch", "--target", "20k"}, 4, "--backend"},
	    {{"--backend", "epoll,,select", "--target", "20k"}, 4, "--backend"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[1024] = "";
		int status = run_harness(cases[i].args, cases[i].count, line,
					 sizeof(line));
		if (status != 2 || !strstr(line, cases[i].option))
			fail_msg("case %zu: exit %d, first line: %s", i, status,
				 line);
	}
}

int main(void)
{
	const char *dir = getenv("MCS_BIN_DIR");
	const char *backends = getenv("MCS_BACKEND_DIR");
	if (!dir || !backends) {
		fprintf(stderr, "MCS_BIN_DIR is not set: run through ctest\n");
		return 1;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	if (test_need_binary(bin_dir, "client"))
		return 77;
	char file[PATH_MAX + 32];
	snprintf(file, sizeof(file), "%s/select.so", backends);
	if (access(file, R_OK) != 0) {
		fprintf(stderr, "skip: no select backend at %s\n", file);
		return 77;
	}
	snprintf(out_dir, sizeof(out_dir), "/tmp/mcs-compare-test-XXXXXX");
	if (!mkdtemp(out_dir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_comparison_options),
	    cmocka_unit_test(test_compare_epoll_select),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (!failed) {
		char command[PATH_MAX + 16];
		snprintf(command, sizeof(command), "rm -rf '%s'", out_dir);
		if (system(command) != 0)
			fprintf(stderr, "could not remove %s\n", out_dir);
	}
	return failed;
}
