/* run_binary.h - run one of the project's binaries as a test would from a
 * shell: arguments in, exit status and captured stderr/stdout out, with a
 * deadline, and the whole process group killed if it overstays. */
#ifndef RUN_BINARY_H
#define RUN_BINARY_H

#include <stddef.h>
#include <sys/types.h>

struct run_result {
	int exit_code;	/* exit status, 128+signal if killed, -1 on timeout */
	char out[8192]; /* stdout */
	char err[8192]; /* stderr */
};

/* Run $MCS_BIN_DIR/<name> with argv (NULL-terminated, argv[0] ignored).
 * Waits up to timeout_ms. */
int run_binary(const char *name, char *const argv[], int timeout_ms,
	       struct run_result *result);

/* Start it in the background in its own process group; stdout/stderr go to
 * files under /tmp. Returns the pid or -1. */
pid_t start_binary(const char *name, char *const argv[]);

/* Wait up to timeout_ms for a start_binary() pid to exit; if it has not,
 * SIGKILL its process group and reap it. Its wait status goes to status.
 * Returns 0 if it exited in time, -1 if it had to be killed. */
int wait_binary(pid_t pid, int timeout_ms, int *status);

/* Count processes whose parent is pid (0 if none or gone). */
int count_children(pid_t pid);

/* Number of lines in text (a last line without '\n' counts). */
int count_lines(const char *text);

#endif /* RUN_BINARY_H */
