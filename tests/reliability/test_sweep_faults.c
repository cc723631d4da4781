/* test_sweep_faults.c - something goes wrong in the middle of a sweep of
 * one backend (argv: BACKEND FIRST_PORT): what the harness and the client
 * must do about it. Counts below are for every backend but select, which
 * runs 600 then 1,800 connections (struct sweep_config).
 *
 * - A server worker, or a client worker, SIGKILLed while mcs-harness is
 *   paused (--pause-at) after its first step (5,000).
 * - A client worker SIGKILLed mid-ramp: the second step (to 30,000) runs
 *   at --rate 2500 and the worker dies once the client holds 2,500 of its
 *   25,000 new connections (counted in /proc/PID/fd).
 * - A server worker out of file descriptors: its RLIMIT_NOFILE lowered at
 *   the pause (prlimit) to what it has open plus 100.
 * - Memory pressure: the run lives in a memory cgroup made for it, whose
 *   limit is set at the pause to what it uses plus a little. With
 *   --min-free 24M and a capped rate the memory guard stops the sweep and
 *   nothing is killed; with --min-free 0 the OOM killer ends a server or
 *   client process and the reason says memory ran out.
 *
 * In each case the harness must exit 1 within a bounded time, write
 * sweep.json with status "failed", the failed step and a reason naming
 * the dead process (or the memory pressure), keep the step measured
 * before, and leave nothing running: every pid of its process tree
 * recorded before the fault is gone and the ports can be bound again.
 * A last case drives `client --control` directly and kills one of its
 * workers before `verify`: the client must report an error event, exit 1
 * and take its other workers down.
 *
 * SIGINT while paused is already covered by
 * tests/harness/test_harness_sweep.c (test_interrupt_keeps_results).
 *
 * Fourteen ports from FIRST_PORT, in 3000-3099 (see CMakeLists.txt). At
 * most 30,000 connections; in practice about 13,000. The memory cases skip
 * without a memory cgroup we may create; the whole test skips (77) while
 * mcs-harness or client is not built, or the backend cannot run here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel_memcg.h"
#include "rel_tree.h"
#include "rel_util.h"

/* Generous deadlines: a slow machine (or ASan) must not fail a case. */
#define PAUSE_TIMEOUT_MS 240000 /* harness start, quiet slab, first step */
#define EXIT_TIMEOUT_MS	 120000 /* from resume to the harness's exit */
#define GONE_TIMEOUT_MS	 20000	/* orphans reaped, ports free again */
#define MAX_TRACKED	 512

/* One backend's runs: counts that two workers of it can hold, a rate that
 * makes step 2 last 10 s, and memory limits scaled to what step 2 needs
 * (about 5 KB of charged kernel memory per connection). */
struct sweep_config {
	const char *backend;
	unsigned first, target; /* the two steps; paused after the first */
	unsigned rate;		/* connects/s: (target - first) / 10 */
	unsigned guard_headroom_mib, floor_mib; /* the guard case */
	unsigned oom_headroom_mib;		/* the OOM case */
};
static const struct sweep_config configs[] = {
    /* select: FD_SETSIZE caps a worker at about 1,000 connections. */
    {"select", 600, 1800, 120, 4, 2, 2},
    /* the rest hold 19,983 per worker here (RLIMIT_NOFILE 20,000). */
    {NULL, 5000, 30000, 2500, 64, 24, 32},
};
static struct sweep_config cfg;
static uint16_t base_port; /* this backend's 14 ports start here */

static char top_dir[PATH_MAX];
static char real_server[PATH_MAX];
static char real_client[PATH_MAX];

static struct rel_memcg memcg; /* the memory-pressure cases' cgroup */

static int setup(void **state)
{
	(void)state;
	return 0;
}

/* Any path, failed or not: kill what is left of the case and reap it,
 * then remove its memory cgroup (it empties once all is reaped). */
static int teardown(void **state)
{
	(void)state;
	rel_tree_teardown();
	if (rel_memcg_destroy(&memcg))
		fprintf(stderr, "teardown: memory cgroup left behind\n");
	return 0;
}

static const char *string_field(const json_t *object, const char *key)
{
	const char *s = json_string_value(json_object_get(object, key));
	if (!s)
		fail_msg("field %s missing or not a string", key);
	return s;
}

static double number_field(const json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	if (!json_is_number(v))
		fail_msg("field %s missing or not a number", key);
	return json_number_value(v);
}

/* Parse the pids after "label:" on the pause output; how many. */
static size_t pause_pids(const char *out, const char *label, pid_t *pids,
			 size_t max)
{
	const char *p = strstr(out, label);
	if (!p)
		return 0;
	p += strlen(label);
	size_t n = 0;
	while (n < max && *p && *p != '\n') {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		pids[n++] = (pid_t)v;
		p = end;
	}
	return n;
}

/* A sweep paused at its first step, and every process of it. */
struct paused_sweep {
	struct rel_child *h;
	char out_dir[PATH_MAX + 32];
	pid_t server, client;
	pid_t server_workers[64], client_workers[64];
	size_t nserver, nclient;
};

/* Start mcs-harness on ports (2 workers of the backend, steps cfg.first
 * and cfg.target, paused after the first) with extra arguments; wait for
 * the pause and record every pid of the run. */
static void start_paused(struct paused_sweep *p, const char *name,
			 const char *ports, const char *const extra[])
{
	memset(p, 0, sizeof(*p));
	snprintf(p->out_dir, sizeof(p->out_dir), "%s/%s", top_dir, name);
	assert_int_equal(mkdir(p->out_dir, 0700), 0);
	rel_tree_mark(ports);
	static char target[16], first[16];
	snprintf(target, sizeof(target), "%u", cfg.target);
	snprintf(first, sizeof(first), "%u", cfg.first);
	char *argv[40] = {"mcs-harness",
			  "--backend",
			  (char *)cfg.backend,
			  "--target",
			  target,
			  "--steps",
			  first,
			  "--ports",
			  (char *)ports,
			  "--workers",
			  "2",
			  "--pause-at",
			  first,
			  "--out",
			  p->out_dir,
			  "--no-plot",
			  "--step-timeout",
			  "120",
			  "--client", /* these faults kill its workers */
			  "kernel"};
	size_t n = 20;
	for (size_t i = 0; extra && extra[i] && n + 1 < 40; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	struct rel_child *h = p->h = rel_spawn("mcs-harness", argv);
	const char *paused = rel_wait_for(h, "to continue", PAUSE_TIMEOUT_MS);
	if (!paused)
		fail_msg("harness did not pause at %u; it printed:\n%s",
			 cfg.first, h->out);

	/* Every process of the run, before anything happens to it. */
	rel_track_tree(h->pid);
	p->server = rel_child_running(h->pid, real_server);
	p->client = rel_child_running(h->pid, real_client);
	assert_true(p->server > 0);
	assert_true(p->client > 0);
	p->nserver = rel_children_of(p->server, p->server_workers, 64);
	p->nclient = rel_children_of(p->client, p->client_workers, 64);
	assert_int_equal(p->nserver, 2);
	assert_true(p->nclient >= 1);
	/* The pause names them too. */
	pid_t listed[MAX_TRACKED];
	size_t nlisted =
	    pause_pids(h->out, "server pids:", listed, MAX_TRACKED);
	assert_true(nlisted >= p->nserver);
	for (size_t i = 0; i < nlisted; i++)
		rel_track(listed[i]);
	nlisted = pause_pids(h->out, "client pids:", listed, MAX_TRACKED);
	assert_true(nlisted >= p->nclient);
	for (size_t i = 0; i < nlisted; i++)
		rel_track(listed[i]);
}

/* Resume a paused harness: Enter, and SIGUSR1 unless it has exited
 * already (WNOWAIT: not reaped, so its pid cannot have been recycled and
 * its status is left for rel_wait_exit). */
static void resume(struct rel_child *h)
{
	rel_send_line(h, "\n");
	siginfo_t info = {0};
	if (waitid(P_PID, (id_t)h->pid, &info, WEXITED | WNOHANG | WNOWAIT) ==
		0 &&
	    info.si_pid == 0)
		kill(h->pid, SIGUSR1);
}

/* Wait for the harness to end after something went wrong: it must exit 1
 * within EXIT_TIMEOUT_MS. Returns the seconds it took from since_ms. */
static double expect_exit_1(struct rel_child *h, int64_t since_ms)
{
	int code = rel_wait_exit(h, EXIT_TIMEOUT_MS);
	double took = (double)(rel_now_ms() - since_ms) / 1000.0;
	fprintf(stderr, "harness exited %d after %.2f s; it printed:\n%s\n",
		code, took, h->out);
	if (code == -1) {
		rel_dump_tracked();
		fail_msg("harness still running %d s later",
			 EXIT_TIMEOUT_MS / 1000);
	}
	assert_int_equal(code, 1);
	return took;
}

/* The sweep.json of a run that failed at step 2 (cfg.target connections),
 * or at step 1 if allow_first: status failed, the reason copied out, the
 * first step measured before kept whole. The root, for more checks. */
static json_t *failed_sweep(const char *out_dir, int allow_first, char *reason,
			    size_t reason_size)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s/latest/sweep.json", out_dir,
		 cfg.backend);
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);
	if (!root)
		fail_msg("%s: %s", path, error.text);
	assert_string_equal(string_field(root, "status"), "failed");
	json_t *failure = json_object_get(root, "failure");
	assert_non_null(failure);
	snprintf(reason, reason_size, "%s", string_field(failure, "reason"));
	int step = (int)number_field(failure, "step");
	fprintf(stderr, "failure: step %d, connections %.0f, reason: %s\n",
		step, number_field(failure, "connections"), reason);
	/* Noticed during the pause (step 1) or after resuming (step 2),
	 * never later: there is none. */
	assert_true(step == 2 || (allow_first && step == 1));
	assert_int_equal((int)number_field(failure, "connections"),
			 step == 1 ? cfg.first : cfg.target);
	json_t *steps = json_object_get(root, "steps");
	assert_true(json_array_size(steps) >= 1);
	json_t *first = json_array_get(steps, 0);
	assert_int_equal((int)number_field(first, "connections"), cfg.first);
	assert_int_equal((int)number_field(first, "established"), cfg.first);
	assert_int_equal((int)number_field(first, "server_live"), cfg.first);
	return root;
}

/* Nothing of the run is left, and its ports are free. */
static void expect_nothing_left(uint16_t first_port, uint16_t last_port)
{
	assert_int_equal(rel_still_running(GONE_TIMEOUT_MS), 0);
	assert_int_equal(rel_ports_busy(first_port, last_port, GONE_TIMEOUT_MS),
			 0);
}

/* Sockets the client workers hold now (open descriptors, less a few). */
static long client_sockets(const struct paused_sweep *p)
{
	long total = 0;
	for (size_t i = 0; i < p->nclient; i++) {
		int n = rel_fd_count(p->client_workers[i]);
		if (n > 0)
			total += n;
	}
	return total;
}

/* What a sweep that lost a process must look like afterwards. */
struct sweep_case {
	const char *name; /* "server" */
	unsigned port_offset;
	int kill_client; /* else a server worker */
};

/* A worker SIGKILLed while the sweep is paused after its first step. */
static void run_sweep_fault(const struct sweep_case *k)
{
	struct rel_ports ports = rel_ports_at(base_port, k->port_offset);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	struct paused_sweep p;
	start_paused(&p, k->name, ports.text, NULL);
	pid_t victim = k->kill_client ? p.client_workers[p.nclient - 1]
				      : p.server_workers[1];
	fprintf(stderr,
		"killing %s worker %d (harness %d, server %d, "
		"client %d, %zu pids tracked)\n",
		k->kill_client ? "client" : "server", (int)victim,
		(int)p.h->pid, (int)p.server, (int)p.client,
		rel_tracked_count());
	assert_int_equal(kill(victim, SIGKILL), 0);
	usleep(300000);
	resume(p.h);
	expect_exit_1(p.h, rel_now_ms());

	char reason[640];
	json_decref(failed_sweep(p.out_dir, 1, reason, sizeof(reason)));
	/* The reason says which process died. */
	assert_non_null(strstr(reason, k->kill_client ? "client" : "server"));
	char victim_text[32];
	snprintf(victim_text, sizeof(victim_text), "%d", (int)victim);
	/* Checked last, so that the clean-up is checked either way. */
	int names_victim = strstr(reason, victim_text) != NULL;
	expect_nothing_left(ports.first, ports.last);
	/* The reason says which process died, not only that one exited. */
	if (!names_victim)
		fail_msg("failure reason does not name the killed %s worker "
			 "(pid %d): %s",
			 k->kill_client ? "client" : "server", (int)victim,
			 reason);
}

static void test_server_worker_killed(void **state)
{
	(void)state;
	const struct sweep_case k = {"server", 0, 0};
	run_sweep_fault(&k);
}

static void test_client_worker_killed(void **state)
{
	(void)state;
	const struct sweep_case k = {"client", 2, 1};
	run_sweep_fault(&k);
}

/* A client worker SIGKILLed in the middle of a grow: the second step runs
 * at cfg.rate (10 s for it), and the worker dies once the client holds a
 * tenth of its new connections (a second at the cap). */
static void test_client_worker_killed_mid_ramp(void **state)
{
	(void)state;
	struct rel_ports ports = rel_ports_at(base_port, 6);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	struct paused_sweep p;
	char rate[16];
	snprintf(rate, sizeof(rate), "%u", cfg.rate);
	const char *const extra[] = {"--rate", rate, NULL};
	start_paused(&p, "mid-ramp", ports.text, extra);
	long before = client_sockets(&p);
	assert_true(before >= cfg.first);
	resume(p.h);
	long into = (long)cfg.rate;
	int64_t deadline = rel_now_ms() + PAUSE_TIMEOUT_MS;
	long held = before;
	while ((held = client_sockets(&p)) < before + into &&
	       rel_now_ms() < deadline)
		usleep(20000);
	pid_t victim = p.client_workers[0];
	assert_int_equal(kill(victim, SIGKILL), 0);
	int64_t killed = rel_now_ms();
	fprintf(stderr,
		"killed client worker %d with %ld client sockets open (%ld "
		"at the pause, %u wanted)\n",
		(int)victim, held, before, cfg.target);
	/* Mid-ramp: well past the first step, well short of the second. */
	assert_true(held >= before + into);
	assert_true(held < (long)cfg.target - into);

	double took = expect_exit_1(p.h, killed);
	fprintf(stderr, "harness noticed and ended %.2f s after the kill\n",
		took);
	char reason[640];
	json_decref(failed_sweep(p.out_dir, 0, reason, sizeof(reason)));
	assert_non_null(strstr(reason, "client"));
	char victim_text[32];
	snprintf(victim_text, sizeof(victim_text), "%d", (int)victim);
	int names_victim = strstr(reason, victim_text) != NULL;
	expect_nothing_left(ports.first, ports.last);
	if (!names_victim)
		fail_msg("failure reason does not name the killed client "
			 "worker (pid %d): %s",
			 (int)victim, reason);
}

/* A server worker runs out of file descriptors mid-sweep: at the pause its
 * RLIMIT_NOFILE is lowered (prlimit) to what it has open plus 100, and
 * step 2 asks it for far more. The harness must stop at step 2 within
 * seconds, naming the worker, not wait for the step timeout. io_uring is
 * the exception: its connections are direct descriptors in a table
 * registered at start, which a later RLIMIT_NOFILE does not touch, so its
 * sweep must simply complete. */
static void test_server_worker_out_of_fds(void **state)
{
	(void)state;
	struct rel_ports ports = rel_ports_at(base_port, 12);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	struct paused_sweep p;
	start_paused(&p, "out-of-fds", ports.text, NULL);
	pid_t victim = p.server_workers[1];
	int open_fds = rel_fd_count(victim);
	assert_true(open_fds > 0);
	struct rlimit low = {.rlim_cur = (rlim_t)open_fds + 100,
			     .rlim_max = (rlim_t)open_fds + 100};
	assert_int_equal(prlimit(victim, RLIMIT_NOFILE, &low, NULL), 0);
	fprintf(stderr,
		"server worker %d: %d descriptors open, RLIMIT_NOFILE "
		"lowered to %d\n",
		(int)victim, open_fds, open_fds + 100);
	resume(p.h);
	int64_t resumed = rel_now_ms();
	if (strcmp(cfg.backend, "io_uring") == 0) {
		int code = rel_wait_exit(p.h, EXIT_TIMEOUT_MS);
		fprintf(stderr, "harness exited %d; it printed:\n%s\n", code,
			p.h->out);
		assert_int_equal(code, 0);
		char path[PATH_MAX + 64];
		snprintf(path, sizeof(path), "%s/%s/latest/sweep.json",
			 p.out_dir, cfg.backend);
		json_error_t error;
		json_t *root = json_load_file(path, 0, &error);
		if (!root)
			fail_msg("%s: %s", path, error.text);
		assert_string_equal(string_field(root, "status"), "complete");
		json_t *verify = json_object_get(root, "verify");
		assert_non_null(verify);
		assert_int_equal((int)number_field(verify, "alive"),
				 (int)cfg.target);
		json_decref(root);
		expect_nothing_left(ports.first, ports.last);
		return;
	}
	double took = expect_exit_1(p.h, resumed);
	fprintf(stderr, "stopped %.2f s after the resume\n", took);
	char reason[640];
	json_decref(failed_sweep(p.out_dir, 0, reason, sizeof(reason)));
	assert_non_null(strstr(reason, "ran out of file descriptors"));
	char victim_text[32];
	snprintf(victim_text, sizeof(victim_text), "(pid %d)", (int)victim);
	int names_victim = strstr(reason, victim_text) != NULL;
	expect_nothing_left(ports.first, ports.last);
	if (!names_victim)
		fail_msg("failure reason does not name the worker out of "
			 "descriptors (pid %d): %s",
			 (int)victim, reason);
}

/* Memory pressure: the run lives in a memory cgroup of its own, and at
 * the pause its limit is set to what it uses plus headroom MiB, far less
 * than step 2's new loopback connections need (about 5 KB each charged:
 * 130 MB for 25,000). */
static char memcg_procs[PATH_MAX + 32];

static int start_in_memcg(struct paused_sweep *p, const char *name,
			  const char *ports, const char *const extra[],
			  uint64_t headroom_mib, uint64_t *limit)
{
	int skip = rel_memcg_create(&memcg, "mcs-memory-pressure");
	if (skip)
		return skip;
	/* The next rel_spawn moves its child in before exec. */
	rel_memcg_procs(&memcg, memcg_procs, sizeof(memcg_procs));
	rel_tree_cgroup(memcg_procs);
	start_paused(p, name, ports, extra);
	rel_tree_cgroup(NULL);
	uint64_t usage = rel_memcg_usage(&memcg);
	assert_true(usage > 0);
	*limit = usage + (headroom_mib << 20);
	assert_int_equal(rel_memcg_set_limit(&memcg, *limit), 0);
	fprintf(stderr,
		"memory cgroup %s: %.1f MiB in use at %u connections, "
		"limit set to %.1f MiB\n",
		memcg.dir, usage / 1048576.0, cfg.first, *limit / 1048576.0);
	return 0;
}

static json_t *memory_object(json_t *root)
{
	json_t *memory = json_object_get(root, "memory");
	assert_true(json_is_object(memory));
	return memory;
}

/* The guard: at a capped rate the headroom falls below --min-free long
 * before the limit, and the harness stops with nothing killed. */
static void test_memory_guard_stops_the_sweep(void **state)
{
	(void)state;
	struct rel_ports ports = rel_ports_at(base_port, 8);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	struct paused_sweep p;
	char rate[16], floor[16], floor_text[64];
	snprintf(rate, sizeof(rate), "%u", cfg.rate);
	snprintf(floor, sizeof(floor), "%uM", cfg.floor_mib);
	snprintf(floor_text, sizeof(floor_text), "below the floor of %u.0 MiB",
		 cfg.floor_mib);
	const char *const extra[] = {"--rate", rate, "--min-free", floor, NULL};
	uint64_t limit;
	if (start_in_memcg(&p, "memory-guard", ports.text, extra,
			   cfg.guard_headroom_mib, &limit))
		skip();
	resume(p.h);
	double took = expect_exit_1(p.h, rel_now_ms());
	fprintf(stderr, "stopped %.2f s after the resume\n", took);
	char reason[640];
	json_t *root = failed_sweep(p.out_dir, 0, reason, sizeof(reason));
	assert_non_null(strstr(reason, "memory pressure: "));
	assert_non_null(strstr(reason, "memory cgroup"));
	assert_non_null(strstr(reason, floor_text));
	json_t *memory = memory_object(root);
	assert_int_equal((long)number_field(memory, "floor_bytes"),
			 (long)cfg.floor_mib << 20);
	/* The limit it saw is the one set (rounded down to pages). */
	double seen = number_field(memory, "cgroup_limit_bytes");
	assert_true(seen <= (double)limit && seen > (double)limit - 65536);
	assert_true(number_field(memory, "least_headroom_bytes") <
		    (double)((uint64_t)cfg.floor_mib << 20));
	/* Stopped before the kernel had to kill anything. */
	assert_int_equal((int)number_field(memory, "oom_kills_cgroup"), 0);
	assert_int_equal((int)rel_memcg_oom_kills(&memcg), 0);
	json_decref(root);
	expect_nothing_left(ports.first, ports.last);
}

/* No guard (--min-free 0) and no rate cap: the limit is reached, the OOM
 * killer ends a server or client process (never the harness: its
 * children's oom_score_adj is 500), and the failure says it was memory. */
static void test_oom_kill_is_named(void **state)
{
	(void)state;
	struct rel_ports ports = rel_ports_at(base_port, 10);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	struct paused_sweep p;
	const char *const extra[] = {"--min-free", "0", NULL};
	uint64_t limit;
	if (start_in_memcg(&p, "oom", ports.text, extra, cfg.oom_headroom_mib,
			   &limit))
		skip();
	resume(p.h);
	double took = expect_exit_1(p.h, rel_now_ms());
	fprintf(stderr, "ended %.2f s after the resume\n", took);
	uint64_t kills = rel_memcg_oom_kills(&memcg);
	uint64_t hits = rel_memcg_limit_hits(&memcg);
	fprintf(stderr,
		"memory cgroup: %llu OOM kills, limit reached %llu "
		"times\n",
		(unsigned long long)kills, (unsigned long long)hits);
	char reason[640];
	json_t *root = failed_sweep(p.out_dir, 0, reason, sizeof(reason));
	/* Memory ran out: the limit was reached, and the reason says so
	 * with the counts the cgroup kept. */
	assert_true(hits > 0);
	assert_non_null(strstr(reason, "out of memory: "));
	char counts[160];
	snprintf(counts, sizeof(counts),
		 "reached its limit %llu times and the kernel's OOM killer "
		 "ran %llu times",
		 (unsigned long long)hits, (unsigned long long)kills);
	/* Counted when the harness failed; the cgroup may count on while
	 * the run is torn down, so compare the OOM kills in the JSON. */
	json_t *memory = memory_object(root);
	assert_true(number_field(memory, "oom_kills_cgroup") <= (double)kills);
	if (kills)
		assert_true(number_field(memory, "oom_kills_cgroup") >= 1);
	fprintf(stderr, "cgroup counters now: %s\n", counts);
	json_decref(root);
	expect_nothing_left(ports.first, ports.last);
}

/* client --control on its own: a worker killed between grow and verify. */
static void test_control_client_worker_killed(void **state)
{
	(void)state;
	struct rel_ports ports = rel_ports_at(base_port, 4);
	rel_tree_mark(ports.text);
	assert_int_equal(rel_ports_busy(ports.first, ports.last, 0), 0);
	char *server_argv[] = {"server",  "--backend",	(char *)cfg.backend,
			       "--ports", ports.text,	"--workers",
			       "2",	  "--interval", "0",
			       NULL};
	struct rel_child *server = rel_spawn("server", server_argv);
	if (!rel_wait_for(server, "listening on", REL_TIMEOUT_MS))
		fail_msg("server did not listen; it printed:\n%s", server->out);
	rel_track_tree(server->pid);

	char *client_argv[] = {
	    "client",	 "--control", "--json",	  "--host",
	    "127.0.0.1", "--ports",   ports.text, "--connections",
	    "1000",	 "--procs",   "2",	  NULL};
	struct rel_child *client = rel_spawn("client", client_argv);
	if (!rel_wait_for(client, "\"ready\"", REL_TIMEOUT_MS))
		fail_msg("client not ready; it printed:\n%s", client->out);
	rel_send_line(client, "grow 1000\n");
	const char *step = rel_wait_for(client, "\"step\"", 120000);
	if (!step)
		fail_msg("no step reply; the client printed:\n%s", client->out);
	assert_non_null(strstr(step, "\"established\":1000"));

	rel_track_tree(client->pid);
	pid_t workers[64];
	size_t n = rel_children_of(client->pid, workers, 64);
	assert_int_equal(n, 2);
	rel_track_tree(server->pid);
	fprintf(stderr, "killing client worker %d of client %d\n",
		(int)workers[0], (int)client->pid);
	assert_int_equal(kill(workers[0], SIGKILL), 0);
	rel_send_line(client, "verify\n");

	int code = rel_wait_exit(client, EXIT_TIMEOUT_MS);
	fprintf(stderr, "client exited %d; it printed:\n%s\n", code,
		client->out);
	assert_int_equal(code, 1);
	const char *error = strstr(client->out, "\"event\":\"error\"");
	if (!error)
		error = strstr(client->out, "\"event\": \"error\"");
	assert_non_null(error);
	char victim[32];
	snprintf(victim, sizeof(victim), "%d", (int)workers[0]);
	assert_non_null(strstr(error, victim));
	/* No verify result was claimed for a client that lost a worker. */
	assert_null(strstr(client->out, "\"event\":\"verify\""));
	/* No client worker is left. */
	pid_t left = rel_wait_gone(workers, n, GONE_TIMEOUT_MS);
	if (left)
		fail_msg("client worker %d left running", (int)left);

	/* The server, which lost nothing of its own, stops cleanly. */
	kill(server->pid, SIGTERM);
	assert_int_equal(rel_wait_exit(server, EXIT_TIMEOUT_MS), 128 + SIGTERM);
	assert_int_equal(rel_still_running(GONE_TIMEOUT_MS), 0);
	assert_int_equal(
	    rel_ports_busy(ports.first, ports.last, GONE_TIMEOUT_MS), 0);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s BACKEND FIRST_PORT (14 ports)\n",
			argv[0]);
		return 2;
	}
	if (rel_tree_init())
		return 1;
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		if (!configs[i].backend ||
		    strcmp(configs[i].backend, argv[1]) == 0) {
			cfg = configs[i];
			break;
		}
	cfg.backend = argv[1];
	base_port = rel_port_arg(argv[2]);
	int available = rel_backend_available(cfg.backend);
	if (available)
		return available;
	char real_harness[PATH_MAX];
	if (rel_tree_binary("server", real_server) ||
	    rel_tree_binary("client", real_client) ||
	    rel_tree_binary("mcs-harness", real_harness))
		return 77;
	signal(SIGPIPE, SIG_IGN);
	snprintf(top_dir, sizeof(top_dir), "/tmp/mcs-sweep-faults-XXXXXX");
	if (!mkdtemp(top_dir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_server_worker_killed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_client_worker_killed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_control_client_worker_killed,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_worker_killed_mid_ramp,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_worker_out_of_fds,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_memory_guard_stops_the_sweep,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_oom_kill_is_named, setup,
					    teardown),
	};
	int64_t started = rel_now_ms();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	fprintf(stderr, "sweep faults: %.1f s\n",
		(double)(rel_now_ms() - started) / 1000.0);
	char command[PATH_MAX + 16];
	snprintf(command, sizeof(command), "rm -rf '%s'", top_dir);
	if (system(command) != 0)
		fprintf(stderr, "could not remove %s\n", top_dir);
	return failed;
}
