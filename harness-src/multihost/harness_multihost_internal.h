/* harness_multihost_internal.h - what the parts of a multi-host sweep
 * share: the hosts with their agents, and the functions of
 * harness_multihost_messages.c (requests, replies, checks) and
 * harness_multihost_run.c (measure, steps, verify, stop), which
 * harness_multihost.c (connect, check, plan, record) calls. */
#ifndef HARNESS_MULTIHOST_INTERNAL_H
#define HARNESS_MULTIHOST_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "harness_agent.h"
#include "harness_hosts.h"
#include "harness_run.h"
#include "mcs_histogram.h"

/* One host of the run: [0] the server's, then the clients'. */
struct mh_host {
	const struct harness_host_spec *spec;
	struct harness_host_record *record; /* in the run's record */
	struct harness_agent agent;
	json_t *hello; /* owned */
	uint64_t mem_total, mem_available, files_in_use, file_max;
	uint64_t nofile_hard;
	unsigned port_low, port_high, cores;
	int root;
	uint64_t share; /* client: its connections at the target */
	uint64_t part;	/* client: its part of the step in progress */
	uint64_t floor; /* stop when MemAvailable falls below it */
	double cpu;	/* CPU seconds its processes had run, last measured */
	uint64_t tcp_mem_before, overflows_before, drops_before;
	uint64_t tcp_mem, overflows, drops; /* last measured */
	uint64_t available;		    /* MemAvailable, last measured */
};

struct mh {
	const struct harness_options *o;
	struct harness_run *run;
	struct harness_hosts_record *record;
	struct mh_host hosts[HARNESS_MAX_HOSTS];
	size_t count;
	struct harness_agent *agents[HARNESS_MAX_HOSTS];
	char agent_path[PATH_MAX];
	char log_dir[64]; /* /tmp/mcs-harness-hosts-PID: the agents' stderr */
	unsigned capacity_per_worker;
	double started;
	size_t step_index;
	uint64_t accepts; /* the server's accepts, last read */
	uint64_t live;	  /* the server's live connections, last read */
	/* The ramp's window: accepts and every host's CPU when it opened,
	 * and the connections the clients opened in it. */
	uint64_t ramp_accepts, ramp_new;
	double ramp_cpu[HARNESS_MAX_HOSTS];
	int tty;
};

/* harness_multihost_messages.c */
/* Wait for the reply to request id of host k (every agent pumped, every
 * host checked meanwhile). 0 with *reply, or -errno with why. */
int mh_wait_reply(struct mh *m, size_t k, int id, double timeout_s,
		  json_t **reply, char *why, size_t why_size);
/* Send one request to host k and wait for its reply. */
int mh_request(struct mh *m, size_t k, json_t *request, double timeout_s,
	       json_t **reply, char *why, size_t why_size);
/* Signals, a host gone: 0 to carry on, or -errno with why naming it. */
int mh_check(struct mh *m, char *why, size_t why_size);

/* harness_multihost_run.c */
/* Every host's kernel counters before anything starts. */
int mh_read_baseline(struct mh *m, char *why, size_t why_size);
/* Start the server and the client shards, wait until each is ready. */
int mh_start(struct mh *m, char *why, size_t why_size);
/* Both up, nothing connected; every step; the liveness check. */
int mh_sweep_steps(struct mh *m, char *why, size_t why_size);
/* Stop every process on every host, then the agents. */
void mh_stop_all(struct mh *m);

#endif /* HARNESS_MULTIHOST_INTERNAL_H */
