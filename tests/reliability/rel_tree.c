/* rel_tree.c - processes a reliability test starts and every process of
 * their trees, see rel_tree.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rel_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_proc.h"
#include "rel_util.h"

#define MAX_TRACKED 512

/* Everything started for the current case, for the teardown to kill on
 * any path: our direct children and every pid of their trees we saw. */
static struct rel_child *children[8];
static size_t child_count;
static pid_t tracked[MAX_TRACKED];
static size_t tracked_count;
static const char *tracked_ports; /* rel_tree_mark() */

/* Whether pid is still running one of our processes: its command line
 * holds the case's marker (guards against a recycled pid). */
static int is_ours(pid_t pid)
{
	char path[64], args[4096];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(args, 1, sizeof(args) - 1, f);
	fclose(f);
	args[n] = '\0';
	for (size_t i = 0; i < n; i += strlen(args + i) + 1)
		if (tracked_ports && strcmp(args + i, tracked_ports) == 0)
			return 1;
	return 0;
}

/* 1 while pid exists and is not a zombie. */
int rel_is_running(pid_t pid)
{
	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 0;
	char path[64], stat[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	const char *paren = strrchr(stat, ')');
	return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

int rel_case_running(pid_t pid)
{
	return rel_is_running(pid) && is_ours(pid);
}

pid_t rel_wait_gone(const pid_t *pids, size_t count, int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	for (size_t i = 0; i < count; i++) {
		while (rel_case_running(pids[i]) && rel_now_ms() < deadline)
			usleep(50000);
		if (rel_case_running(pids[i]))
			return pids[i];
	}
	return 0;
}

void rel_track(pid_t pid)
{
	for (size_t i = 0; i < tracked_count; i++)
		if (tracked[i] == pid)
			return;
	if (tracked_count < MAX_TRACKED)
		tracked[tracked_count++] = pid;
}

/* Children of pid (every thread's list), appended to out. */
size_t rel_children_of(pid_t pid, pid_t *out, size_t max)
{
	int n = mcs_list_children(pid, out, max > INT_MAX ? INT_MAX : (int)max);
	return n < 0 ? 0 : (size_t)n;
}

/* Record pid and its whole tree. */
void rel_track_tree(pid_t pid)
{
	rel_track(pid);
	pid_t kids[MAX_TRACKED];
	size_t n = rel_children_of(pid, kids, MAX_TRACKED);
	for (size_t i = 0; i < n; i++)
		rel_track_tree(kids[i]);
}

static int exe_is(pid_t pid, const char *real)
{
	char link[64], exe[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	return strcmp(exe, real) == 0;
}

/* The child of parent running binary real, or -1. */
pid_t rel_child_running(pid_t parent, const char *real)
{
	pid_t kids[MAX_TRACKED];
	size_t n = rel_children_of(parent, kids, MAX_TRACKED);
	for (size_t i = 0; i < n; i++)
		if (exe_is(kids[i], real))
			return kids[i];
	return -1;
}

/* When set, the cgroup.procs file the next spawned child moves itself
 * into before exec (so all it starts is charged there too). */
static const char *cgroup_procs;

static char bin_dir[PATH_MAX];

int rel_tree_init(void)
{
	const char *dir = getenv("MCS_BIN_DIR");
	if (!dir) {
		fprintf(stderr, "MCS_BIN_DIR is not set: run through ctest\n");
		return 1;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	return 0;
}

int rel_tree_binary(const char *name, char *real)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", bin_dir, name);
	if (access(path, X_OK) != 0 || !realpath(path, real)) {
		fprintf(stderr, "skip: no %s binary at %s yet\n", name, path);
		return 77;
	}
	return 0;
}

struct rel_ports rel_ports_at(uint16_t base, unsigned offset)
{
	struct rel_ports c;
	c.first = (uint16_t)(base + offset);
	c.last = (uint16_t)(c.first + 1);
	snprintf(c.text, sizeof(c.text), "%u-%u", c.first, c.last);
	return c;
}

void rel_tree_mark(const char *marker)
{
	tracked_ports = marker;
}

void rel_tree_cgroup(const char *procs)
{
	cgroup_procs = procs;
}

size_t rel_tracked_count(void)
{
	return tracked_count;
}

struct rel_child *rel_spawn(const char *name, char *const argv[])
{
	struct rel_child *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", bin_dir, name);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		if (cgroup_procs) {
			int fd = open(cgroup_procs, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(126);
			close(fd);
		}
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execv(path, argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	c->pid = pid;
	c->in_fd = in[1];
	c->out_fd = out[0];
	fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
	assert_true(child_count < sizeof(children) / sizeof(children[0]));
	children[child_count++] = c;
	rel_track(pid);
	return c;
}

/* Read what c printed, waiting up to wait_ms for something. 0 on EOF. */
int rel_drain(struct rel_child *c, int wait_ms)
{
	if (c->out_fd < 0)
		return 0;
	struct pollfd p = {.fd = c->out_fd, .events = POLLIN};
	if (poll(&p, 1, wait_ms) <= 0)
		return 1;
	for (;;) {
		if (c->len + 1 >= sizeof(c->out))
			c->len = 0; /* keep reading; the tail matters */
		ssize_t r = read(c->out_fd, c->out + c->len,
				 sizeof(c->out) - 1 - c->len);
		if (r > 0) {
			c->len += (size_t)r;
			c->out[c->len] = '\0';
			continue;
		}
		if (r == 0) {
			close(c->out_fd);
			c->out_fd = -1;
			return 0;
		}
		return 1;
	}
}

/* The first line of c's output containing needle, waiting up to
 * timeout_ms; NULL if it did not come (or c closed its stdout). */
const char *rel_wait_for(struct rel_child *c, const char *needle,
			 int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	for (;;) {
		const char *hit = strstr(c->out, needle);
		if (hit && strchr(hit, '\n'))
			return hit;
		if (rel_now_ms() >= deadline)
			return NULL;
		if (!rel_drain(c, 100) && !strstr(c->out, needle))
			return NULL;
	}
}

/* Exit status of c (128+signal if killed), draining its output; -1 if it
 * is still running after timeout_ms. */
int rel_wait_exit(struct rel_child *c, int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	for (;;) {
		int status;
		pid_t r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid) {
			c->pid = 0;
			rel_drain(c, 0);
			return WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
		}
		if (rel_now_ms() >= deadline)
			return -1;
		if (!rel_drain(c, 100))
			usleep(100000);
	}
}

void rel_send_line(struct rel_child *c, const char *line)
{
	if (c->in_fd >= 0 && write(c->in_fd, line, strlen(line)) < 0)
		fprintf(stderr, "write to pid %d: %s\n", (int)c->pid,
			strerror(errno));
}

/* Wait until every tracked pid is gone; the count still running. */
int rel_still_running(int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	for (;;) {
		int running = 0;
		for (size_t i = 0; i < tracked_count; i++)
			if (rel_is_running(tracked[i]) && is_ours(tracked[i]))
				running++;
		if (!running || rel_now_ms() >= deadline) {
			for (size_t i = 0; running && i < tracked_count; i++)
				if (rel_is_running(tracked[i]) &&
				    is_ours(tracked[i]))
					fprintf(stderr,
						"left running: pid %d\n",
						(int)tracked[i]);
			return running;
		}
		usleep(100000);
	}
}

/* Ports first..last bindable again (waiting up to timeout_ms): 0 if so. */
int rel_ports_busy(uint16_t first, uint16_t last, int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	for (;;) {
		int busy = 0;
		for (unsigned p = first; p <= last; p++)
			if (!rel_port_free((uint16_t)p))
				busy = (int)p;
		if (!busy || rel_now_ms() >= deadline)
			return busy;
		usleep(100000);
	}
}

void rel_tree_teardown(void)
{
	for (size_t i = 0; i < child_count; i++)
		if (children[i]->pid > 0)
			kill(-children[i]->pid, SIGKILL);
	for (size_t i = 0; i < tracked_count; i++)
		if (rel_is_running(tracked[i]) && is_ours(tracked[i])) {
			kill(tracked[i], SIGKILL);
			pid_t group = getpgid(tracked[i]);
			if (group > 1 && group != getpgrp())
				kill(-group, SIGKILL);
		}
	for (size_t i = 0; i < child_count; i++) {
		struct rel_child *c = children[i];
		if (c->pid > 0)
			waitpid(c->pid, NULL, 0);
		if (c->in_fd >= 0)
			close(c->in_fd);
		if (c->out_fd >= 0)
			close(c->out_fd);
		free(c);
	}
	child_count = 0;
	tracked_count = 0;
	tracked_ports = NULL;
	cgroup_procs = NULL;
}

/* Marked processes now, named on stderr when say is set. */
static int count_marked(int say)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	pid_t self = getpid();
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid == self || !rel_case_running(pid))
			continue;
		n++;
		if (say)
			fprintf(stderr, "left running: pid %d (marked %s)\n",
				(int)pid, tracked_ports);
	}
	closedir(d);
	return n;
}

int rel_marked_running(int timeout_ms)
{
	if (!tracked_ports)
		return 0;
	int64_t deadline = rel_now_ms() + timeout_ms;
	while (count_marked(0) && rel_now_ms() < deadline)
		usleep(100000);
	return count_marked(1);
}

/* On a hang: state, wait channel and command of every tracked pid. */
void rel_dump_tracked(void)
{
	for (size_t i = 0; i < tracked_count; i++) {
		char path[64], text[512] = "", wchan[128] = "";
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)tracked[i]);
		FILE *f = fopen(path, "r");
		if (f) {
			size_t n = fread(text, 1, sizeof(text) - 1, f);
			text[n] = '\0';
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/wchan", (int)tracked[i]);
		f = fopen(path, "r");
		if (f) {
			size_t n = fread(wchan, 1, sizeof(wchan) - 1, f);
			wchan[n] = '\0';
			fclose(f);
		}
		fprintf(stderr, "pid %d: wchan %s; stat %.120s\n",
			(int)tracked[i], wchan[0] ? wchan : "-",
			text[0] ? text : "(gone)");
	}
}
