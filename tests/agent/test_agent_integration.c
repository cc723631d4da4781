/* test_agent_integration.c - the real mcs-agent under a pipe, as the host
 * `local` of a multi-host run: hello against this build and this
 * machine's limits, the refusals, a server and a client shard driven
 * through it with their output relayed and their memory measured, and
 * that nothing it started outlives it: stdin closed, the agent killed
 * with SIGKILL, its watchdog fired. Loopback only; ports PORT and
 * PORT+1 (the test's argument). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mcs_version.h"

static char bin_dir[PATH_MAX];
static int port;

struct agent_pipe {
	pid_t pid;
	int to, from;
	char buffer[1 << 17];
	size_t have;
	int next_id;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void agent_open(struct agent_pipe *a)
{
	memset(a, 0, sizeof(*a));
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	a->pid = fork();
	assert_true(a->pid >= 0);
	if (a->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		char path[PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/mcs-agent", bin_dir);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	a->to = in[1];
	a->from = out[0];
	a->next_id = 1;
}

/* Send {"id":N,"cmd":...} (body: the rest of the object, after a comma)
 * and return N. */
static int request(struct agent_pipe *a, const char *body)
{
	char line[2048];
	int id = a->next_id++;
	int len = snprintf(line, sizeof(line), "{\"id\":%d,%s}\n", id, body);
	assert_int_equal(write(a->to, line, (size_t)len), len);
	return id;
}

static void send_raw(struct agent_pipe *a, const char *line)
{
	size_t len = strlen(line);
	assert_int_equal(write(a->to, line, len), (ssize_t)len);
}

/* The next line as JSON, or NULL at EOF or after timeout_s. */
static json_t *next_line(struct agent_pipe *a, double timeout_s)
{
	double deadline = now() + timeout_s;
	for (;;) {
		char *nl = memchr(a->buffer, '\n', a->have);
		if (nl) {
			*nl = '\0';
			json_error_t error;
			json_t *j = json_loads(a->buffer, 0, &error);
			if (!j)
				fail_msg("agent line is not JSON: %s",
					 a->buffer);
			size_t used = (size_t)(nl - a->buffer) + 1;
			memmove(a->buffer, nl + 1, a->have - used);
			a->have -= used;
			return j;
		}
		int wait_ms = (int)((deadline - now()) * 1000);
		if (wait_ms <= 0)
			return NULL;
		struct pollfd p = {.fd = a->from, .events = POLLIN};
		if (poll(&p, 1, wait_ms) <= 0)
			continue;
		ssize_t n = read(a->from, a->buffer + a->have,
				 sizeof(a->buffer) - a->have);
		if (n <= 0)
			return NULL;
		a->have += (size_t)n;
	}
}

static const char *event_of(const json_t *j)
{
	const char *e = json_string_value(json_object_get(j, "event"));
	return e ? e : "";
}

/* The reply to request id (events before it are skipped). */
static json_t *reply(struct agent_pipe *a, int id, double timeout_s)
{
	double deadline = now() + timeout_s;
	for (;;) {
		json_t *j = next_line(a, deadline - now());
		if (!j)
			fail_msg("no reply to request %d", id);
		json_t *got = json_object_get(j, "id");
		if (json_is_integer(got) && json_integer_value(got) == id)
			return j;
		json_decref(j);
	}
}

/* The first line with event `event` from proc's output (for "output": its
 * relayed JSON's event, or text containing `event`), or the agent's own
 * event of that name when proc is NULL. */
static json_t *wait_event(struct agent_pipe *a, const char *proc,
			  const char *event, double timeout_s)
{
	double deadline = now() + timeout_s;
	for (;;) {
		json_t *j = next_line(a, deadline - now());
		if (!j)
			fail_msg("no %s event from %s", event,
				 proc ? proc : "the agent");
		const char *from =
		    json_string_value(json_object_get(j, "proc"));
		if (!proc && strcmp(event_of(j), event) == 0)
			return j;
		if (proc && from && strcmp(from, proc) == 0 &&
		    strcmp(event_of(j), "output") == 0) {
			json_t *inner = json_object_get(j, "json");
			const char *text =
			    json_string_value(json_object_get(j, "text"));
			if ((inner && strcmp(event_of(inner), event) == 0) ||
			    (text && strstr(text, event)))
				return j;
		}
		if (proc && from && strcmp(from, proc) == 0 &&
		    strcmp(event_of(j), event) == 0)
			return j;
		json_decref(j);
	}
}

static json_int_t get_int(const json_t *o, const char *path)
{
	char copy[128];
	snprintf(copy, sizeof(copy), "%s", path);
	const json_t *at = o;
	for (char *save, *k = strtok_r(copy, ".", &save); k;
	     k = strtok_r(NULL, ".", &save))
		at = json_object_get(at, k);
	if (!json_is_integer(at))
		fail_msg("%s is not an integer", path);
	return json_integer_value(at);
}

/* Wait for the agent to exit; its status. */
static int agent_wait(struct agent_pipe *a, double timeout_s)
{
	double deadline = now() + timeout_s;
	int status;
	while (waitpid(a->pid, &status, WNOHANG) == 0) {
		if (now() > deadline) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, &status, 0);
			fail_msg("the agent did not exit within %.0f s",
				 timeout_s);
		}
		usleep(20000);
	}
	close(a->to);
	close(a->from);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether pid is gone (or a zombie nobody reaped yet) within timeout_s. */
static int gone_within(pid_t pid, double timeout_s)
{
	double deadline = now() + timeout_s;
	while (now() < deadline) {
		char path[64], stat[256] = "";
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		FILE *f = fopen(path, "r");
		if (!f)
			return 1;
		if (!fgets(stat, sizeof(stat), f))
			stat[0] = '\0';
		fclose(f);
		const char *end = strrchr(stat, ')');
		if (end && end[1] == ' ' && end[2] == 'Z')
			return 1;
		usleep(20000);
	}
	return 0;
}

/* Start the server on PORT through the agent; its pid. */
static pid_t start_server(struct agent_pipe *a)
{
	char body[256];
	snprintf(
	    body, sizeof(body),
	    "\"cmd\":\"start\",\"proc\":\"server\",\"args\":[\"--backend\","
	    "\"epoll\",\"--address\",\"127.0.0.1\",\"--ports\",\"%d\","
	    "\"--interval\",\"0\"]",
	    port);
	json_t *r = reply(a, request(a, body), 10);
	assert_string_equal(event_of(r), "started");
	pid_t pid = (pid_t)get_int(r, "pid");
	json_decref(r);
	json_decref(wait_event(a, "server", "listening", 30));
	return pid;
}

static void test_hello(void **state)
{
	(void)state;
	struct agent_pipe a;
	agent_open(&a);
	json_t *r = reply(&a, request(&a, "\"cmd\":\"hello\""), 10);
	assert_string_equal(event_of(r), "hello");
	assert_int_equal(get_int(r, "protocol"), 1);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(r, "version"), "commit")),
			    mcs_version_commit());
	assert_int_equal(get_int(r, "version.abi"), mcs_version_abi());
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	assert_int_equal(get_int(r, "limits.nofile_hard"),
			 (json_int_t)rl.rlim_max);
	assert_true(get_int(r, "limits.mem_total") > 0);
	assert_true(get_int(r, "limits.cores") >= 1);
	assert_true(json_is_array(
	    json_object_get(json_object_get(r, "limits"), "port_range")));
	json_t *bins = json_object_get(r, "binaries");
	assert_true(json_is_true(json_object_get(bins, "server")));
	assert_true(json_is_true(json_object_get(bins, "client")));
	int epoll = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(r, "backends"), i, v) epoll |=
	    strcmp(json_string_value(v), "epoll") == 0;
	assert_true(epoll);
	json_decref(r);

	r = reply(&a, request(&a, "\"cmd\":\"ping\""), 10);
	assert_string_equal(event_of(r), "pong");
	json_decref(r);
	r = reply(&a, request(&a, "\"cmd\":\"backend\",\"name\":\"epoll\""),
		  10);
	assert_true(json_is_true(json_object_get(r, "available")));
	assert_true(get_int(r, "capacity_per_worker") > 1000);
	json_decref(r);
	r = reply(&a, request(&a, "\"cmd\":\"backend\",\"name\":\"nosuch\""),
		  10);
	assert_true(json_is_false(json_object_get(r, "available")));
	assert_non_null(json_string_value(json_object_get(r, "why")));
	json_decref(r);
	r = reply(&a, request(&a, "\"cmd\":\"quit\""), 10);
	assert_string_equal(event_of(r), "bye");
	json_decref(r);
	assert_int_equal(agent_wait(&a, 10), 0);
}

/* An error reply to the request just sent, naming words. */
static void expect_error(struct agent_pipe *a, const char *body,
			 const char *words)
{
	json_t *r = reply(a, request(a, body), 10);
	assert_string_equal(event_of(r), "error");
	const char *m = json_string_value(json_object_get(r, "message"));
	if (!m || !strstr(m, words))
		fail_msg("'%s' got '%s', not naming '%s'", body,
			 m ? m : "(none)", words);
	json_decref(r);
}

static void test_refusals(void **state)
{
	(void)state;
	struct agent_pipe a;
	agent_open(&a);
	send_raw(&a, "garbage\n");
	json_t *r = next_line(&a, 10);
	assert_non_null(r);
	assert_string_equal(event_of(r), "error");
	assert_null(json_object_get(r, "id"));
	json_decref(r);
	expect_error(&a, "\"cmd\":\"rm\"", "unknown cmd");
	/* Only the project's binaries, from the agent's own folder. */
	expect_error(&a, "\"cmd\":\"start\",\"proc\":\"/bin/sh\"",
		     "\"proc\" must be");
	expect_error(&a,
		     "\"cmd\":\"start\",\"proc\":\"server\",\"args\":[\"--"
		     "stats-shm\",\"/x\"]",
		     "--stats-shm");
	expect_error(&a, "\"cmd\":\"start\",\"proc\":\"client\",\"args\":[1]",
		     "not a string");
	expect_error(&a, "\"cmd\":\"input\",\"proc\":\"client\",\"line\":\"x\"",
		     "not running");
	expect_error(&a, "\"cmd\":\"sysctl\",\"name\":\"kernel.hostname\"",
		     "must be one of");
	r = reply(&a, request(&a, "\"cmd\":\"sysctl\",\"name\":\"fs.nr_open\""),
		  10);
	assert_true(get_int(r, "value") > 0);
	json_decref(r);
	/* The server refuses bad arguments: an exited event says how. */
	r = reply(&a,
		  request(&a, "\"cmd\":\"start\",\"proc\":\"server\","
			      "\"args\":[\"--ports\",\"0\"]"),
		  10);
	assert_string_equal(event_of(r), "started");
	json_decref(r);
	r = wait_event(&a, "server", "exited", 10);
	assert_int_equal(get_int(r, "code"), 2);
	assert_non_null(strstr(
	    json_string_value(json_object_get(r, "log_tail")), "--ports"));
	json_decref(r);
	close(a.to);
	a.to = -1;
	assert_int_equal(agent_wait(&a, 10), 0);
}

static void test_server_and_client(void **state)
{
	(void)state;
	struct agent_pipe a;
	agent_open(&a);
	pid_t server = start_server(&a);
	json_t *r = reply(&a, request(&a, "\"cmd\":\"stats\""), 10);
	assert_int_equal(get_int(r, "live"), 0);
	assert_int_equal(get_int(r, "listening"), 1);
	json_decref(r);
	char body[320];
	snprintf(
	    body, sizeof(body),
	    "\"cmd\":\"start\",\"proc\":\"client\",\"args\":[\"--control\","
	    "\"--json\",\"--host\",\"127.0.0.1\",\"--ports\",\"%d\","
	    "\"--connections\",\"200\"]",
	    port);
	json_decref(reply(&a, request(&a, body), 10));
	json_decref(wait_event(&a, "client", "ready", 30));
	json_decref(reply(
	    &a,
	    request(
		&a,
		"\"cmd\":\"input\",\"proc\":\"client\",\"line\":\"grow 200\""),
	    10));
	r = wait_event(&a, "client", "step", 60);
	json_t *step = json_object_get(r, "json");
	assert_int_equal(get_int(step, "established"), 200);
	/* The whole histogram comes back, for exact merging. */
	json_t *hist = json_object_get(step, "connect_latency_hist");
	assert_int_equal(get_int(hist, "count"), 200);
	json_int_t sum = 0;
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(hist, "buckets"), i, b) sum +=
	    json_integer_value(json_array_get(b, 1));
	assert_int_equal(sum, 200);
	json_decref(r);

	json_int_t live = 0;
	for (int tries = 0; tries < 100 && live != 200; tries++) {
		r = reply(&a, request(&a, "\"cmd\":\"stats\""), 10);
		live = get_int(r, "live");
		json_decref(r);
		usleep(50000);
	}
	assert_int_equal(live, 200);
	r = reply(&a, request(&a, "\"cmd\":\"measure\",\"caches\":true"), 10);
	assert_string_equal(event_of(r), "measure");
	assert_true(get_int(r, "processes.server.count") >= 2);
	assert_true(get_int(r, "processes.server.pss") > 0);
	assert_true(get_int(r, "processes.client.count") >= 2);
	assert_true(get_int(r, "meminfo.slab") > 0);
	assert_true(get_int(r, "sockstat.tcp_inuse") >= 400);
	if (geteuid() == 0)
		assert_true(json_object_size(json_object_get(
				json_object_get(r, "slabinfo"), "caches")) >
			    10);
	json_decref(r);

	r = reply(&a,
		  request(&a, "\"cmd\":\"stop\",\"proc\":\"client\","
			      "\"grace_s\":5"),
		  30);
	assert_string_equal(event_of(r), "stopped");
	assert_true(json_is_true(json_object_get(r, "was_running")));
	assert_int_equal(get_int(r, "code"), 0);
	json_decref(r);
	r = reply(&a, request(&a, "\"cmd\":\"stop\",\"proc\":\"server\""), 30);
	assert_true(json_is_true(json_object_get(r, "was_running")));
	json_decref(r);
	assert_true(gone_within(server, 5));
	close(a.to);
	assert_int_equal(agent_wait(&a, 10), 0);
}

/* How the agent goes, and that its server goes with it. */
enum ending { CLOSE_STDIN, KILL_AGENT, WATCHDOG };

static void check_ending(enum ending how)
{
	struct agent_pipe a;
	agent_open(&a);
	if (how == WATCHDOG)
		json_decref(reply(
		    &a, request(&a, "\"cmd\":\"hello\",\"watchdog_s\":1"), 10));
	pid_t server = start_server(&a);
	int status;
	switch (how) {
	case CLOSE_STDIN:
		close(a.to);
		a.to = -1;
		assert_int_equal(agent_wait(&a, 30), 0);
		break;
	case KILL_AGENT:
		kill(a.pid, SIGKILL);
		status = agent_wait(&a, 10);
		assert_int_equal(status, 128 + SIGKILL);
		break;
	case WATCHDOG: {
		json_t *r = wait_event(&a, NULL, "error", 10);
		assert_non_null(
		    strstr(json_string_value(json_object_get(r, "message")),
			   "watchdog"));
		json_decref(r);
		assert_int_equal(agent_wait(&a, 30), 1);
		break;
	}
	}
	assert_true(gone_within(server, 10));
}

static void test_stdin_closed(void **state)
{
	(void)state;
	check_ending(CLOSE_STDIN);
}

static void test_agent_killed(void **state)
{
	(void)state;
	check_ending(KILL_AGENT);
}

static void test_watchdog(void **state)
{
	(void)state;
	check_ending(WATCHDOG);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("MCS_BIN_DIR");
	if (!dir || argc != 2) {
		fprintf(stderr, "run under ctest (MCS_BIN_DIR and a port)\n");
		return 77;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	port = atoi(argv[1]);
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_server_and_client),
	    cmocka_unit_test(test_stdin_closed),
	    cmocka_unit_test(test_agent_killed),
	    cmocka_unit_test(test_watchdog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
