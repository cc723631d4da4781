/* rel_tree.h - processes a reliability test starts, and every process of
 * their trees: spawn a binary with stdin and stdout on pipes in its own
 * process group (optionally inside a cgroup), read what it prints, wait
 * for its exit, find and record the processes it starts, and check that
 * none of them is left. rel_tree_teardown() kills and reaps whatever is
 * left on any path; it never touches a process whose command line lacks
 * the case's marker argument (a recycled pid, another test's process).
 */
#ifndef REL_TREE_H
#define REL_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A child of this test with its stdin and stdout on pipes. */
struct rel_child {
	pid_t pid; /* 0 once reaped */
	int in_fd;
	int out_fd;
	char out[65536]; /* what it printed (the tail, if it printed more) */
	size_t len;
};

/* Where the binaries are: MCS_BIN_DIR, set by ctest. 0, or 1 (said on
 * stderr) when it is not set. */
int rel_tree_init(void);
/* The real path of binary name there into real (PATH_MAX bytes): 0, or 77
 * (skip, said on stderr) while it is not built. */
int rel_tree_binary(const char *name, char *real);

/* Two ports of a case, offset from a test's first port: "A-B", A, B. */
struct rel_ports {
	char text[16];
	uint16_t first, last;
};
struct rel_ports rel_ports_at(uint16_t base, unsigned offset);
/* The argument every process of the current case has on its command line
 * (its --ports value): only such processes are ever killed. */
void rel_tree_mark(const char *marker);
/* The cgroup.procs file the next rel_spawn() moves its child into before
 * exec, or NULL. */
void rel_tree_cgroup(const char *procs);

/* Start bin_dir/name with argv; a cmocka failure if it cannot. */
struct rel_child *rel_spawn(const char *name, char *const argv[]);
/* Read what c printed, waiting up to wait_ms for something. 0 on EOF. */
int rel_drain(struct rel_child *c, int wait_ms);
/* The first line of c's output containing needle, waiting up to
 * timeout_ms; NULL if it did not come (or c closed its stdout). */
const char *rel_wait_for(struct rel_child *c, const char *needle,
			 int timeout_ms);
/* Exit status of c (128+signal if killed), draining its output; -1 if it
 * is still running after timeout_ms. */
int rel_wait_exit(struct rel_child *c, int timeout_ms);
void rel_send_line(struct rel_child *c, const char *line);

/* Record pid (and its whole tree) for rel_still_running() and teardown. */
void rel_track(pid_t pid);
void rel_track_tree(pid_t pid);
size_t rel_tracked_count(void);
/* Children of pid (every thread's list) into out; how many. */
size_t rel_children_of(pid_t pid, pid_t *out, size_t max);
/* The child of parent running the binary at path real, or -1. */
pid_t rel_child_running(pid_t parent, const char *real);
/* 1 while pid exists and is not a zombie. */
int rel_is_running(pid_t pid);
/* 1 while pid runs and is a process of the case (its marker). */
int rel_case_running(pid_t pid);
/* Wait up to timeout_ms for each of pids to be gone (or no longer a
 * process of the case): 0, or the first one still running. */
pid_t rel_wait_gone(const pid_t *pids, size_t count, int timeout_ms);
/* Wait until every tracked pid of ours is gone; how many still run. */
int rel_still_running(int timeout_ms);
/* Ports first..last bindable again (waiting up to timeout_ms): 0 if so,
 * else the last busy port. */
int rel_ports_busy(uint16_t first, uint16_t last, int timeout_ms);
/* Processes anywhere on the machine, tracked or not, that run with the
 * case's marker on their command line: waits up to timeout_ms for them
 * to go, then names those left on stderr; how many. */
int rel_marked_running(int timeout_ms);
/* On a hang: state, wait channel and command of every tracked pid. */
void rel_dump_tracked(void);

/* Kill every child's process group and every tracked process of ours,
 * reap the children, forget them all. */
void rel_tree_teardown(void);

#endif /* REL_TREE_H */
