/* agent.h - mcs-agent, the harness's hands on one host of a multi-host
 * run (docs/MULTIHOST.md). It speaks JSON lines on stdin and stdout: one
 * request per line in, one reply per request out (same "id"), and events
 * of its own between them (a process's output line, a process that
 * exited). It starts only the project's own server and client, from its
 * own directory, never another command; it reads the host's limits and
 * its processes' and the kernel's memory; and it stops everything it
 * started when its stdin closes, when it is told to, when a signal
 * arrives, or when the harness falls silent past the watchdog. Its
 * children die with it (PR_SET_PDEATHSIG) if it is killed outright.
 *
 * The parts, one file each: agent.c (the loop), agent_protocol.c (lines
 * in and out), agent_commands.c (what each command does), agent_hello.c (build,
 * limits, binaries, backends), agent_procs.c (start, input, stop, relay),
 * agent_measure.c (memory and kernel counters), agent_sysctl.c (the few sysctls
 * a run may raise).
 */
#ifndef AGENT_H
#define AGENT_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

#include "mcs_process.h"
#include "mcs_stats.h"
#include "mcs_version.h"

/* The protocol's version (mcs_version.h). */
#define AGENT_PROTOCOL_VERSION MCS_AGENT_PROTOCOL_VERSION
/* Longest request line. */
#define AGENT_LINE_MAX (1 << 16)

enum agent_proc_id { AGENT_SERVER, AGENT_CLIENT, AGENT_PROC_COUNT };

/* One process the agent may run: the server or a client shard. */
struct agent_proc {
	const char *name; /* "server", "client": the binary and the id */
	struct mcs_child child;
	int running;		      /* started, its group not yet stopped */
	char stats_name[64];	      /* the server's stats object */
	struct mcs_stats_block stats; /* mapped once the server listens */
};

struct agent {
	char bin_dir[PATH_MAX]; /* where the agent, server, client are */
	char log_dir[PATH_MAX]; /* /tmp/mcs-agent-PID: the processes' logs */
	struct agent_proc procs[AGENT_PROC_COUNT];
	double watchdog_s; /* 0: none; else stop when silent that long */
	double last_heard; /* when the last request line came */
	int output_broken; /* stdout write failed: the harness is gone */
	int quit;	   /* leave the loop */
};

/* A parsed request: {"id": N, "cmd": "NAME", ...}. */
struct agent_request {
	json_t *root; /* owned */
	json_int_t id;
	const char *cmd;
};

/* agent_protocol.c */
/* Parse one line. Returns 0, or -EINVAL with why (not JSON, not an
 * object, no integer id, no cmd); r->id is kept when it was readable. */
int agent_request_parse(const char *line, struct agent_request *r, char *why,
			size_t why_size);
void agent_request_free(struct agent_request *r);
/* {"id": r->id, "event": event}, to add fields to. */
json_t *agent_reply(const struct agent_request *r, const char *event);
/* Write object as one line on stdout (steals the reference). Sets
 * a->output_broken when that fails. */
void agent_emit(struct agent *a, json_t *object);
/* Reply {"id", "event": "error", "message"} to r. */
void agent_emit_error(struct agent *a, const struct agent_request *r,
		      const char *message);
/* agent_commands.c: answer one request (any command). */
void agent_dispatch(struct agent *a, const struct agent_request *r);

/* agent_hello.c */
json_t *agent_hello_json(const struct agent *a);
/* {"cmd":"backend","name":N}: whether it loads and works here, and what
 * one worker holds under this host's fd cap. */
json_t *agent_backend_json(const struct agent_request *r);

/* agent_procs.c */
void agent_procs_init(struct agent *a);
int agent_proc_id(const char *name);
/* Start procs[id] with the arguments given (the binary is fixed). 0, or
 * -errno with why. */
int agent_proc_start(struct agent *a, int id, json_t *args, char *why,
		     size_t why_size);
/* Stop procs[id] (close stdin, wait grace_s, then SIGTERM, SIGKILL): its
 * final output is relayed first. Returns its "stopped" fields. */
json_t *agent_proc_stop(struct agent *a, int id, double grace_s);
/* Relay the lines each process printed; report those that exited. */
void agent_procs_pump(struct agent *a);
/* Stop everything (on EOF, quit, a signal, the watchdog). */
void agent_procs_stop_all(struct agent *a);
/* The fds to poll for process output, -1 where none. */
int agent_proc_output_fd(const struct agent *a, int id);

/* agent_measure.c */
json_t *agent_measure_json(struct agent *a, int with_caches);
json_t *agent_stats_json(struct agent *a);

/* agent_sysctl.c: {"cmd":"sysctl","name":N[,"at_least":V]}. */
json_t *agent_sysctl_json(const struct agent_request *r, char *why,
			  size_t why_size);

#endif /* AGENT_H */
