/* test_multihost.c - the multi-host mode of mcs-harness, end to end. One
 * binary, one case per argument:
 *
 *   refuse      (anywhere) bad host names exit 2 and run nothing (a host
 *               named `a;touch /tmp/x` does not create /tmp/x); a missing
 *               agent, another build, a missing backend and an
 *               unreachable host are refused before anything starts
 *   local PORT  (anywhere) a sweep with the server and a client shard on
 *               `local`, its totals checked against the per-host figures
 *   local_kill PORT  (anywhere) the client's agent killed mid-run: the
 *               run stops, results kept, the host named, nothing left
 *   ssh, netns  (the hosts of hosts.sh) the sweep to 40,000 connections,
 *               20,000 per client host (past one process's fd cap there),
 *               over `ssh -i KEY -o UserKnownHostsFile=FILE` or `ip netns
 *               exec {host}`, totals checked against every host's figures
 *   kill        (the hosts) one client host's agent killed mid-run over
 *               ssh: the clean stop, on every host
 *   link_down   (the hosts) the link to one client host cut mid-run: the
 *               stop within the heartbeat, the host named, nothing left
 *   refuse_remote (the hosts) an unreachable ssh host and another build
 *               on a real host, refused naming the host
 *
 * Asserts on counts, exit statuses and messages, never on timing (the
 * bounds below only keep a hung run from hanging the suite). Exit 0 pass,
 * 1 fail, 77 skip (with the reason).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_BOUND_S 400.0

static char bin_dir[PATH_MAX], other_build[PATH_MAX], out_dir[PATH_MAX];
static char ports[32];

/* The hosts of `hosts.sh env ID`. */
static struct {
	char ctl[64], ns[3][64], addr[3][32], key[256], known[256];
} hosts;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* A harness run with its stdout and stderr on one pipe. */
struct run {
	pid_t pid;
	int fd;
	char text[1 << 17];
	size_t len;
};

static void run_start(struct run *r, char *const argv[])
{
	memset(r, 0, sizeof(*r));
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	r->fd = p[0];
}

/* Read until needle shows up (1), EOF (0) or timeout_s (0). */
static int run_read_until(struct run *r, const char *needle, double timeout_s)
{
	double deadline = now() + timeout_s;
	while (!needle || !strstr(r->text, needle)) {
		int wait_ms = (int)((deadline - now()) * 1000);
		if (wait_ms <= 0)
			return 0;
		struct pollfd p = {.fd = r->fd, .events = POLLIN};
		if (poll(&p, 1, wait_ms) <= 0)
			continue;
		ssize_t n =
		    read(r->fd, r->text + r->len, sizeof(r->text) - 1 - r->len);
		if (n <= 0)
			return 0;
		r->len += (size_t)n;
		r->text[r->len] = '\0';
	}
	return 1;
}

/* Its exit status once it ends (killed after RUN_BOUND_S: a failure). */
static int run_finish(struct run *r)
{
	run_read_until(r, NULL, RUN_BOUND_S);
	close(r->fd);
	int status;
	double deadline = now() + 30;
	while (waitpid(r->pid, &status, WNOHANG) == 0) {
		if (now() > deadline) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
			fail_msg("the harness did not exit:\n%s", r->text);
		}
		usleep(50000);
	}
	fprintf(stderr, "%s", r->text);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_all(char *const argv[], struct run *r)
{
	run_start(r, argv);
	return run_finish(r);
}

/* argv for mcs-harness: prefix (the control namespace, or none), then
 * the words given, NULL-terminated. */
static void harness_argv(char **argv, int in_ctl, const char *const *words)
{
	static char harness[PATH_MAX + 16];
	snprintf(harness, sizeof(harness), "%s/mcs-harness", bin_dir);
	size_t n = 0;
	if (in_ctl) {
		argv[n++] = "ip";
		argv[n++] = "netns";
		argv[n++] = "exec";
		argv[n++] = hosts.ctl;
	}
	argv[n++] = harness;
	for (size_t i = 0; words[i]; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
}

static json_t *load_sweep(void)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/epoll/latest/sweep.json", out_dir);
	json_error_t error;
	json_t *d = json_load_file(path, 0, &error);
	if (!d)
		fail_msg("cannot read %s: %s", path, error.text);
	return d;
}

static json_int_t int_at(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

static const char *text_at(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Totals against every host's own figures, at every step. */
static void check_totals(const json_t *d, json_int_t target, size_t clients,
			 int shared_kernel, unsigned min_client_processes)
{
	assert_string_equal(text_at(d, "status"), "complete");
	assert_int_equal(int_at(d, "target"), target);
	json_t *verify = json_object_get(d, "verify");
	assert_int_equal(int_at(verify, "alive"), target);
	assert_int_equal(int_at(verify, "dead"), 0);
	json_t *hosts_j = json_object_get(d, "hosts");
	assert_int_equal(json_array_size(hosts_j), 1 + clients);
	json_t *server = json_array_get(hosts_j, 0);
	assert_string_equal(text_at(server, "role"), "server");
	json_t *steps = json_object_get(d, "steps");
	size_t n = json_array_size(steps);
	assert_true(n >= 2);
	json_int_t planned = 0;
	for (size_t k = 1; k <= clients; k++) {
		json_t *c = json_array_get(hosts_j, k);
		assert_string_equal(text_at(c, "role"), "client");
		planned += int_at(json_object_get(c, "plan"), "connections");
		assert_int_equal(json_array_size(json_object_get(c, "steps")),
				 n);
		assert_true(int_at(c, "processes") >= min_client_processes);
		assert_int_equal(
		    !json_is_null(json_object_get(c, "kernel_shared_with")),
		    shared_kernel);
	}
	assert_int_equal(planned, target);
	for (size_t i = 0; i < n; i++) {
		json_t *step = json_array_get(steps, i);
		json_int_t sum = 0, held_by_hosts = 0;
		for (size_t k = 1; k <= clients; k++) {
			json_t *hs = json_array_get(
			    json_object_get(json_array_get(hosts_j, k),
					    "steps"),
			    i);
			sum += int_at(hs, "established");
			held_by_hosts += int_at(hs, "connections");
		}
		assert_int_equal(sum, int_at(step, "established"));
		assert_int_equal(held_by_hosts, int_at(step, "connections"));
		json_t *ss =
		    json_array_get(json_object_get(server, "steps"), i);
		assert_int_equal(int_at(ss, "established"),
				 int_at(step, "server_live"));
		assert_int_equal(int_at(step, "server_user_bytes"),
				 int_at(ss, "user_bytes"));
		/* The hosts' connect histograms, merged and kept: the
		 * step's new connections, all of them at the first step. */
		json_t *hist = json_object_get(
		    json_object_get(step, "histograms"), "connect_latency_us");
		assert_true(json_is_array(json_object_get(hist, "buckets")));
		assert_true(int_at(hist, "count") > 0);
		assert_true(int_at(hist, "count") <=
			    int_at(step, "established"));
		if (i == 0)
			assert_int_equal(int_at(hist, "count"),
					 int_at(step, "established"));
	}
	json_t *last = json_array_get(steps, n - 1);
	assert_int_equal(int_at(last, "established"), target);
	assert_int_equal(int_at(server, "established"), target);
	json_int_t client_user = 0;
	for (size_t k = 1; k <= clients; k++)
		client_user += int_at(json_array_get(hosts_j, k), "user_bytes");
	assert_int_equal(int_at(last, "client_user_bytes"), client_user);
	json_t *m = json_object_get(d, "multihost");
	assert_string_equal(text_at(m, "kernels"),
			    shared_kernel ? "shared" : "separate");
	assert_int_equal(int_at(m, "server_kernel_bytes"),
			 int_at(server, "kernel_bytes"));
}

/* ---- processes and namespaces ---- */

static int comm_is(pid_t pid, const char *name)
{
	char path[64], comm[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, name) == 0;
}

static int zombie(pid_t pid)
{
	char path[64], stat[256] = "";
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 1;
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = '\0';
	fclose(f);
	const char *end = strrchr(stat, ')');
	return end && end[1] == ' ' && end[2] == 'Z';
}

/* Our processes (server, client, agent) in namespace ns, counted. */
static int ours_in(const char *ns, pid_t *agent)
{
	char command[128];
	snprintf(command, sizeof(command), "ip netns pids %s 2>/dev/null", ns);
	FILE *p = popen(command, "r");
	int count = 0, pid;
	while (p && fscanf(p, "%d", &pid) == 1) {
		if (zombie(pid))
			continue;
		int is_agent = comm_is(pid, "mcs-agent");
		if (is_agent && agent)
			*agent = pid;
		count += is_agent || comm_is(pid, "server") ||
			 comm_is(pid, "client");
	}
	if (p)
		pclose(p);
	return count;
}

/* None of ours left in any host's namespace (teardown may take a few
 * seconds after the harness exits; an agent cut off stops at its
 * watchdog, 15 s: 60 at most). */
static void check_hosts_clean(void)
{
	double deadline = now() + 60;
	for (int i = 0; i < 3; i++)
		while (ours_in(hosts.ns[i], NULL)) {
			if (now() > deadline)
				fail_msg("processes of the run are left in %s",
					 hosts.ns[i]);
			usleep(100000);
		}
}

/* Read `hosts.sh env ID`; 0, or 77 when the hosts are not there. */
static int load_hosts(void)
{
	const char *script = getenv("MCS_MULTIHOST_HOSTS");
	const char *id = getenv("MCS_MULTIHOST_ID");
	if (!script || !id) {
		fprintf(stderr, "SKIP: MCS_MULTIHOST_HOSTS/ID not set: run "
				"under ctest\n");
		return 77;
	}
	char command[PATH_MAX + 128];
	snprintf(command, sizeof(command), "'%s' check", script);
	if (system(command) != 0)
		return 77; /* it said why */
	snprintf(command, sizeof(command), "'%s' env '%s'", script, id);
	FILE *p = popen(command, "r");
	char line[512];
	int found = 0;
	while (p && fgets(line, sizeof(line), p)) {
		char name[64], value[400];
		if (sscanf(line, "%63[A-Z0-9_]='%399[^']'", name, value) != 2)
			continue;
		struct {
			const char *name;
			char *into;
			size_t size;
		} keys[] = {
		    {"MCS_MH_CTL_NS", hosts.ctl, sizeof(hosts.ctl)},
		    {"MCS_MH_SERVER_NS", hosts.ns[0], sizeof(hosts.ns[0])},
		    {"MCS_MH_CLIENT1_NS", hosts.ns[1], sizeof(hosts.ns[1])},
		    {"MCS_MH_CLIENT2_NS", hosts.ns[2], sizeof(hosts.ns[2])},
		    {"MCS_MH_SERVER_ADDR", hosts.addr[0],
		     sizeof(hosts.addr[0])},
		    {"MCS_MH_CLIENT1_ADDR", hosts.addr[1],
		     sizeof(hosts.addr[1])},
		    {"MCS_MH_CLIENT2_ADDR", hosts.addr[2],
		     sizeof(hosts.addr[2])},
		    {"MCS_MH_SSH_KEY", hosts.key, sizeof(hosts.key)},
		    {"MCS_MH_KNOWN_HOSTS", hosts.known, sizeof(hosts.known)},
		};
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(name, keys[i].name) == 0) {
				size_t len = strlen(value);
				if (len >= keys[i].size)
					len = keys[i].size - 1;
				memcpy(keys[i].into, value, len);
				keys[i].into[len] = '\0';
				found++;
			}
	}
	int status = p ? pclose(p) : -1;
	if (status != 0 || found != 9) {
		fprintf(stderr,
			"the hosts of %s are not up (the fixture "
			"multihost_hosts_up failed?)\n",
			id);
		return 1;
	}
	return 0;
}

static const char *ssh_transport(void)
{
	static char t[800];
	snprintf(t, sizeof(t),
		 "ssh -i %s -o UserKnownHostsFile=%s -o BatchMode=yes {host}",
		 hosts.key, hosts.known);
	return t;
}

/* "root@ADDR" of host i, or "NS=ADDR" (server) / "NS" for netns. */
static const char *host_name(int i, int netns)
{
	static char names[3][128];
	if (netns)
		snprintf(names[i], sizeof(names[i]), i ? "%s" : "%s=%s",
			 hosts.ns[i], hosts.addr[i]);
	else
		snprintf(names[i], sizeof(names[i]), "root@%s", hosts.addr[i]);
	return names[i];
}

/* ---- the cases ---- */

static void test_sweep_remote(int netns)
{
	char clients[300];
	snprintf(clients, sizeof(clients), "%s,%s", host_name(1, netns),
		 host_name(2, netns));
	const char *words[] = {
	    "--backend",      "epoll",
	    "--target",	      "40000",
	    "--steps",	      "10000",
	    "--server-host",  host_name(0, netns),
	    "--client-hosts", clients,
	    "--transport",    netns ? "ip netns exec {host}" : ssh_transport(),
	    "--remote-dir",   bin_dir,
	    "--no-plot",      "--out",
	    out_dir,	      NULL};
	char *argv[32];
	harness_argv(argv, 1, words);
	struct run r;
	int status = run_all(argv, &r);
	if (status != 0)
		fail_msg("harness exited %d", status);
	assert_non_null(strstr(r.text, "all 40,000 connections established "
				       "and answering"));
	json_t *d = load_sweep();
	/* 20,000 per client host: more than one client process there. */
	check_totals(d, 40000, 2, 1, 3);
	json_decref(d);
	check_hosts_clean();
}

static void test_ssh(void **state)
{
	(void)state;
	test_sweep_remote(0);
}

static void test_netns(void **state)
{
	(void)state;
	test_sweep_remote(1);
}

/* Start a paced sweep over ssh to 40,000 (4,000 connects/s, so it is
 * still running when a case breaks something) and wait for its step 1. */
static void start_paced_ssh_run(struct run *r)
{
	char clients[300];
	snprintf(clients, sizeof(clients), "%s,%s", host_name(1, 0),
		 host_name(2, 0));
	const char *words[] = {"--backend",	 "epoll",
			       "--target",	 "40000",
			       "--steps",	 "8000,16000,24000",
			       "--rate",	 "4000",
			       "--server-host",	 host_name(0, 0),
			       "--client-hosts", clients,
			       "--transport",	 ssh_transport(),
			       "--remote-dir",	 bin_dir,
			       "--no-plot",	 "--out",
			       out_dir,		 NULL};
	char *argv[32];
	harness_argv(argv, 1, words);
	run_start(r, argv);
	if (!run_read_until(r, "step 1/4", 120))
		fail_msg("no first step: %s", r->text);
}

/* Kill the agent on client host 1 once step 1 is done; the run must stop
 * with its results, the host named, and nothing left anywhere. */
static void test_kill(void **state)
{
	(void)state;
	struct run r;
	start_paced_ssh_run(&r);
	pid_t agent = 0;
	ours_in(hosts.ns[1], &agent);
	assert_true(agent > 0);
	assert_int_equal(kill(agent, SIGKILL), 0);
	int status = run_finish(&r);
	assert_int_equal(status, 1);
	assert_non_null(strstr(r.text, host_name(1, 0)));
	json_t *d = load_sweep();
	assert_string_equal(text_at(d, "status"), "failed");
	const char *reason = text_at(json_object_get(d, "failure"), "reason");
	if (!strstr(reason, host_name(1, 0)))
		fail_msg("the failure does not name %s: %s", host_name(1, 0),
			 reason);
	assert_true(json_array_size(json_object_get(d, "steps")) >= 1);
	json_decref(d);
	check_hosts_clean();
}

/* Cut the link to client host 1 after step 1 (its bridge port down): the
 * harness hears nothing more from its agent and stops the run, naming
 * it; that agent's watchdog stops what it runs there. */
static void test_link_down(void **state)
{
	(void)state;
	struct run r;
	start_paced_ssh_run(&r);
	char command[256];
	snprintf(command, sizeof(command), "ip -n %s link set veth-c1 down",
		 hosts.ctl);
	assert_int_equal(system(command), 0);
	int status = run_finish(&r);
	snprintf(command, sizeof(command), "ip -n %s link set veth-c1 up",
		 hosts.ctl);
	assert_int_equal(system(command), 0);
	assert_int_equal(status, 1);
	json_t *d = load_sweep();
	assert_string_equal(text_at(d, "status"), "failed");
	const char *reason = text_at(json_object_get(d, "failure"), "reason");
	if (!strstr(reason, host_name(1, 0)) || !strstr(reason, "no answer"))
		fail_msg("the failure does not name %s and the silence: %s",
			 host_name(1, 0), reason);
	json_decref(d);
	check_hosts_clean();
}

/* An ssh host with no machine behind it, and another build on a real
 * host: refused before anything starts, naming the host. */
static void test_refuse_remote(void **state)
{
	(void)state;
	const char *words[] = {
	    "--backend",      "epoll",	       "--target",
	    "1000",	      "--server-host", "root@198.18.0.77",
	    "--client-hosts", host_name(1, 0), "--transport",
	    ssh_transport(),  "--remote-dir",  bin_dir,
	    "--out",	      out_dir,	       NULL};
	char *argv[32];
	harness_argv(argv, 1, words);
	struct run r;
	assert_int_equal(run_all(argv, &r), 1);
	assert_non_null(strstr(r.text, "host root@198.18.0.77 (server) is "
				       "unreachable"));
	const char *other[] = {
	    "--backend",      "epoll",	       "--target",
	    "1000",	      "--server-host", host_name(0, 0),
	    "--client-hosts", host_name(1, 0), "--transport",
	    ssh_transport(),  "--remote-dir",  other_build,
	    "--out",	      out_dir,	       NULL};
	harness_argv(argv, 1, other);
	assert_int_equal(run_all(argv, &r), 1);
	assert_non_null(strstr(r.text, "runs another build"));
	check_hosts_clean();
}

/* Whether file exists. */
static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void expect_refused(const char *const *words, int want_status,
			   const char *message)
{
	char *argv[32];
	harness_argv(argv, 0, words);
	struct run r;
	int status = run_all(argv, &r);
	if (status != want_status || !strstr(r.text, message))
		fail_msg("exit %d (want %d), output lacks '%s':\n%s", status,
			 want_status, message, r.text);
}

static void test_refuse(void **state)
{
	(void)state;
	int had_x = exists("/tmp/x");
	const char *server_bad[] = {"--backend",
				    "epoll",
				    "--target",
				    "1000",
				    "--server-host",
				    "a;touch /tmp/x",
				    "--client-hosts",
				    "local",
				    "--out",
				    out_dir,
				    NULL};
	expect_refused(server_bad, 2, "--server-host: host 'a;touch /tmp/x'");
	const char *client_bad[] = {"--backend",
				    "epoll",
				    "--target",
				    "1000",
				    "--server-host",
				    "local",
				    "--client-hosts",
				    "c1,a;touch /tmp/x",
				    "--out",
				    out_dir,
				    NULL};
	expect_refused(client_bad, 2, "--client-hosts");
	const char *user_bad[] = {"--backend",
				  "epoll",
				  "--target",
				  "1000",
				  "--server-host",
				  "$(touch /tmp/x)@h",
				  "--client-hosts",
				  "local",
				  "--out",
				  out_dir,
				  NULL};
	expect_refused(user_bad, 2, "--server-host");
	if (!had_x)
		assert_false(exists("/tmp/x"));

	const char *missing[] = {"--backend",
				 "epoll",
				 "--target",
				 "1000",
				 "--server-host",
				 "local",
				 "--client-hosts",
				 "local",
				 "--remote-dir",
				 "/nonexistent/mcs/bin",
				 "--out",
				 out_dir,
				 NULL};
	expect_refused(missing, 1,
		       "/nonexistent/mcs/bin/mcs-agent cannot run there");
	const char *other[] = {"--backend",
			       "epoll",
			       "--target",
			       "1000",
			       "--server-host",
			       "local",
			       "--client-hosts",
			       "local",
			       "--remote-dir",
			       other_build,
			       "--out",
			       out_dir,
			       NULL};
	expect_refused(other, 1, "host local (server) runs another build");
	const char *backend[] = {
	    "--backend", "nosuch",	   "--target", "1000",	"--server-host",
	    "local",	 "--client-hosts", "local",    "--out", out_dir,
	    NULL};
	expect_refused(backend, 1, "backend nosuch is not installed there");
	if (geteuid() == 0) {
		const char *gone[] = {"--backend",
				      "epoll",
				      "--target",
				      "1000",
				      "--server-host",
				      "local",
				      "--client-hosts",
				      "mcs-no-such-netns",
				      "--transport",
				      "ip netns exec {host}",
				      "--out",
				      out_dir,
				      NULL};
		expect_refused(gone, 1,
			       "host mcs-no-such-netns (client) is "
			       "unreachable");
	}
	/* Nothing ran: no results were written. */
	char results[PATH_MAX + 16];
	snprintf(results, sizeof(results), "%s/epoll", out_dir);
	assert_false(exists(results));
}

static void test_local(void **state)
{
	(void)state;
	const char *words[] = {
	    "--backend",     "epoll",	  "--target",	    "3000",
	    "--steps",	     "1000,2000", "--ports",	    ports,
	    "--server-host", "local",	  "--client-hosts", "local",
	    "--no-plot",     "--out",	  out_dir,	    NULL};
	char *argv[32];
	harness_argv(argv, 0, words);
	struct run r;
	assert_int_equal(run_all(argv, &r), 0);
	json_t *d = load_sweep();
	check_totals(d, 3000, 1, 1, 2);
	/* Exact merging: the last step's latency has its percentiles. */
	json_t *steps = json_object_get(d, "steps");
	json_t *last = json_array_get(steps, json_array_size(steps) - 1);
	json_t *latency = json_object_get(last, "connect_latency_us");
	assert_true(json_number_value(json_object_get(latency, "max")) > 0);
	json_decref(d);
}

/* The agent of the `local` client (the one whose child is the client). */
static pid_t client_agent(pid_t harness)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)harness,
		 (int)harness);
	FILE *f = fopen(path, "r");
	int pid;
	pid_t found = 0;
	while (f && fscanf(f, "%d", &pid) == 1) {
		char sub[96];
		snprintf(sub, sizeof(sub), "/proc/%d/task/%d/children", pid,
			 pid);
		FILE *g = fopen(sub, "r");
		int child;
		while (g && fscanf(g, "%d", &child) == 1)
			if (comm_is(child, "client"))
				found = pid;
		if (g)
			fclose(g);
	}
	if (f)
		fclose(f);
	return found;
}

static void test_local_kill(void **state)
{
	(void)state;
	const char *words[] = {"--backend",	 "epoll",
			       "--target",	 "30000",
			       "--steps",	 "5000,10000,20000",
			       "--rate",	 "5000",
			       "--ports",	 ports,
			       "--server-host",	 "local",
			       "--client-hosts", "local",
			       "--no-plot",	 "--out",
			       out_dir,		 NULL};
	char *argv[32];
	harness_argv(argv, 0, words);
	struct run r;
	run_start(&r, argv);
	if (!run_read_until(&r, "step 1/4", 120))
		fail_msg("no first step: %s", r.text);
	pid_t agent = client_agent(r.pid);
	assert_true(agent > 0);
	pid_t agents[8];
	int n = 0;
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)r.pid,
		 (int)r.pid);
	FILE *f = fopen(path, "r");
	while (f && n < 8 && fscanf(f, "%d", &agents[n]) == 1)
		n++;
	if (f)
		fclose(f);
	assert_int_equal(kill(agent, SIGKILL), 0);
	assert_int_equal(run_finish(&r), 1);
	assert_non_null(strstr(r.text, "host local (client)"));
	json_t *d = load_sweep();
	assert_string_equal(text_at(d, "status"), "failed");
	assert_non_null(strstr(text_at(json_object_get(d, "failure"), "reason"),
			       "host local (client)"));
	assert_true(json_array_size(json_object_get(d, "steps")) >= 1);
	json_decref(d);
	/* Every agent, and so every process under them, is gone. */
	for (int i = 0; i < n; i++) {
		double deadline = now() + 30;
		while (kill(agents[i], 0) == 0 && !zombie(agents[i]) &&
		       now() < deadline)
			usleep(100000);
		assert_true(kill(agents[i], 0) != 0 || zombie(agents[i]));
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("MCS_BIN_DIR");
	const char *other = getenv("MCS_OTHER_BUILD_DIR");
	if (!dir || !other || argc < 2) {
		fprintf(stderr, "SKIP: run under ctest (MCS_BIN_DIR, "
				"MCS_OTHER_BUILD_DIR and a case)\n");
		return 77;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	snprintf(other_build, sizeof(other_build), "%s", other);
	const char *name = argv[1];
	if (argc > 2)
		snprintf(ports, sizeof(ports), "%s-%d", argv[2],
			 atoi(argv[2]) + 9);
	struct CMUnitTest test;
	if (strcmp(name, "refuse") == 0)
		test = (struct CMUnitTest)cmocka_unit_test(test_refuse);
	else if (strcmp(name, "local") == 0 && ports[0])
		test = (struct CMUnitTest)cmocka_unit_test(test_local);
	else if (strcmp(name, "local_kill") == 0 && ports[0])
		test = (struct CMUnitTest)cmocka_unit_test(test_local_kill);
	else if (strcmp(name, "ssh") == 0)
		test = (struct CMUnitTest)cmocka_unit_test(test_ssh);
	else if (strcmp(name, "netns") == 0)
		test = (struct CMUnitTest)cmocka_unit_test(test_netns);
	else if (strcmp(name, "kill") == 0)
		test = (struct CMUnitTest)cmocka_unit_test(test_kill);
	else if (strcmp(name, "link_down") == 0)
		test = (struct CMUnitTest)cmocka_unit_test(test_link_down);
	else if (strcmp(name, "refuse_remote") == 0)
		test = (struct CMUnitTest)cmocka_unit_test(test_refuse_remote);
	else {
		fprintf(stderr, "unknown case '%s'\n", name);
		return 1;
	}
	int remote = strcmp(name, "ssh") == 0 || strcmp(name, "netns") == 0 ||
		     strcmp(name, "kill") == 0 ||
		     strcmp(name, "link_down") == 0 ||
		     strcmp(name, "refuse_remote") == 0;
	if (remote) {
		int why = load_hosts();
		if (why)
			return why;
	}
	snprintf(out_dir, sizeof(out_dir), "/tmp/mcs-multihost-test-XXXXXX");
	if (!mkdtemp(out_dir)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {test};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	nftw(out_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? 1 : 0;
}
