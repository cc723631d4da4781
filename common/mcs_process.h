/* mcs_process.h - start children (the server, the client; an agent's
 * processes) so that nothing is ever left running.
 *
 * Each child runs in its own process group (its workers inherit it), with
 * PR_SET_PDEATHSIG so it dies if the harness is killed outright, stdin and
 * stdout on pipes to the harness and stderr to a log file. Stopping sends
 * SIGTERM to the whole group, waits, then SIGKILLs the group and reaps.
 */
#ifndef MCS_PROCESS_H
#define MCS_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

struct mcs_child {
	const char *name;    /* "server", "client": for messages */
	pid_t pid;	     /* 0 when not running (reaped) */
	pid_t group;	     /* its pid and process group, kept once reaped */
	int stdin_fd;	     /* write end of its stdin, -1 when closed */
	int stdout_fd;	     /* read end of its stdout, -1 when closed */
	int status;	     /* wait status once reaped */
	char log_path[4096]; /* where its stderr goes */
	char buffer[65536];  /* stdout bytes not yet returned as lines */
	size_t buffered;
};

/* Start argv[0] (a path) as a child; stderr appended to log_path. Returns 0
 * or -errno with a reason in why. */
int mcs_child_start(struct mcs_child *child, const char *name,
		    char *const argv[], const char *log_path, char *why,
		    size_t why_size);

/* Read one line of the child's stdout (newline removed) into line, waiting
 * at most timeout_ms. Returns 1 for a line, 0 on timeout, -EPIPE when the
 * child closed stdout, -EINTR when a signal arrived, -EMSGSIZE for a line
 * longer than the buffer. */
int mcs_child_read_line(struct mcs_child *child, char *line, size_t line_size,
			int timeout_ms);

/* Write all of text to the child's stdin. Returns 0 or -errno. */
int mcs_child_write(struct mcs_child *child, const char *text);

/* Reap the child if it has exited. Returns 1 if it has (status set), 0 if
 * it still runs. */
int mcs_child_exited(struct mcs_child *child);

/* Stop the child's whole process group: close its stdin (a polite "quit"
 * for the client) and wait up to eof_grace seconds for it to exit; then
 * SIGTERM the group and wait up to term_grace; then SIGKILL the group and
 * reap. Safe to call twice. */
void mcs_child_stop(struct mcs_child *child, double eof_grace,
		    double term_grace);

/* Last non-empty line of the child's stderr log, for failure messages. */
void mcs_child_last_log_line(const struct mcs_child *child, char *line,
			     size_t line_size);

/* When memory runs out, the OOM killer must pick a server or client
 * process, never the harness that reports it: children started after this
 * get oom_score_adj HARNESS_CHILD_OOM_SCORE (or the harness's own, if
 * higher), which needs no privilege; the harness tries -1000 for itself,
 * which needs CAP_SYS_RESOURCE. Returns 0, or -errno if that last step
 * was refused (the children's score alone still protects it). */
#define HARNESS_CHILD_OOM_SCORE 500
int mcs_protect_from_oom(void);

/* Describe a wait status: "exited with status 1", "killed by signal 9". */
void mcs_describe_status(int status, char *text, size_t text_size);

/* Remove a folder and the files in it (names starting with '.' are left,
 * so a folder holding one stays). Best effort: nothing is reported. */
void mcs_remove_dir(const char *dir);

/* Is name "<prefix><pid>" (nothing after the pid) that of a process no
 * longer running? own: what to answer for this process's own pid. The one
 * test every leftover of a killed run (folders, stats objects, network
 * namespaces) is found by. */
int mcs_pid_name_gone(const char *name, const char *prefix, int own);

/* Remove the folders <parent>/<prefix><pid> left by processes killed
 * outright: those whose pid no longer runs. With remove_own, this
 * process's own pid counts as gone (a folder a previous process of that
 * pid left); without, it is kept. Best effort, like mcs_remove_dir. */
void mcs_remove_dead_pid_dirs(const char *parent, const char *prefix,
			      int remove_own);

#endif /* MCS_PROCESS_H */
