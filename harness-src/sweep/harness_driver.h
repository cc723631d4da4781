/* harness_driver.h - the step algorithm and what it asks of the processes
 * it drives, as fio's struct client_ops behind one backend loop.
 *
 * The algorithm (harness_step.c) is written once: the baseline (settle at
 * 0, measure), then for every planned step the ramp, settle, measure, a
 * short step's verdict, the echo round, the fixed-rate load and their
 * verdicts, --pause-at; the soak; the liveness check. A driver says how
 * each part is done where the processes run:
 *
 * - harness_local_driver (harness_local_driver.c): the server and the
 *   client as child processes of this harness, the server's counters read
 *   from its shared stats, memory and CPU from /proc. Another kind of
 *   client (a TUN client, say) is another binary behind the same control
 *   protocol (docs/CONTROL.md), started by harness_children.c: a client
 *   kind under this driver, not a third driver.
 * - harness_hosts_driver (multihost/harness_multihost_run.c): the server
 *   and one client shard per host, driven through each host's agent; the
 *   clients' replies merged.
 *
 * Every hook returns 0 or a negative errno with one line in why, unless
 * it returns void. The optional ones may be NULL. */
#ifndef HARNESS_DRIVER_H
#define HARNESS_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "harness_run-t.h"

/* What a driver's describe hook is asked for. */
enum harness_words {
	HARNESS_WORDS_LOST_WHERE,  /* where the server is: " on HOST" */
	HARNESS_WORDS_LOST_DETAIL, /* its count of losses: " (accept ...)" */
	HARNESS_WORDS_SHORT,	   /* a short step's why, more (appended) */
	HARNESS_WORDS_CLIENTS,	   /* where the liveness check ran:
				    * ", across 2 client hosts" */
};

struct harness_driver_ops {
	/* How often settling reads the server's counts, in seconds. */
	double poll_s;
	/* The server's live connections and accepts now, after the
	 * driver's own checks (a signal, a process or host gone, memory
	 * running out). */
	int (*server_counts)(void *driver, uint64_t *live, uint64_t *accepts,
			     char *why, size_t why_size);
	/* Optional: the server stayed short of what the client established,
	 * with no accept for 2 s. 0 to wait on, or why (a worker out of
	 * descriptors). */
	int (*server_stalled)(void *driver, char *why, size_t why_size);
	/* Who established the connections, for the line that says some
	 * were lost ("client has", "client hosts have"). */
	const char *clients_have;
	/* Optional: the driver's words for a line (enum harness_words):
	 * written into text, or appended to it for HARNESS_WORDS_SHORT; a
	 * driver with nothing to say for one leaves text as it is. */
	void (*describe)(void *driver, enum harness_words what, char *text,
			 size_t size);
	/* Both up, nothing connected: measure run->baseline. */
	int (*measure_baseline)(void *driver, char *why, size_t why_size);
	/* Step index (0-based) of the plan, to target connections, begins. */
	void (*begin_step)(void *driver, size_t index, uint64_t target);
	/* Grow to step->connections: what the client(s) reported into step
	 * (established, failed, times, latency, failures). */
	int (*ramp)(void *driver, struct harness_step *step, char *why,
		    size_t why_size);
	/* Once settled: the step's memory and CPU into step. */
	int (*measure_step)(void *driver, struct harness_step *step, char *why,
			    size_t why_size);
	/* A closed-loop echo round over count connections: step->echo_*. */
	int (*echo)(void *driver, struct harness_step *step, uint64_t count,
		    char *why, size_t why_size);
	/* The fixed-rate load (--load): step->load. */
	int (*load)(void *driver, struct harness_step *step, char *why,
		    size_t why_size);
	/* The liveness check of every connection: run->verify_* and what
	 * the server holds. */
	int (*verify)(void *driver, uint64_t *server_live, char *why,
		      size_t why_size);
	/* The line printed after a step. */
	void (*print_step)(void *driver, const struct harness_step *step);
	/* Optional: --pause-at, after the step's line. */
	int (*pause)(void *driver, const struct harness_step *step, char *why,
		     size_t why_size);
	/* Optional: --soak, hold the last step before the liveness check. */
	int (*soak)(void *driver, char *why, size_t why_size);
};

/* What every driver has: the required hooks, named PREFIX_server_counts,
 * ..., PREFIX_print_step, its poll period and its words for who
 * established the connections. One list of them, so each driver's table
 * adds only its optional hooks. */
#define HARNESS_DRIVER(prefix, poll, clients)                                  \
	.poll_s = (poll), .clients_have = (clients),                           \
	.server_counts = prefix##_server_counts,                               \
	.measure_baseline = prefix##_measure_baseline,                         \
	.begin_step = prefix##_begin_step, .ramp = prefix##_ramp,              \
	.measure_step = prefix##_measure_step, .echo = prefix##_echo,          \
	.load = prefix##_load, .verify = prefix##_verify,                      \
	.print_step = prefix##_print_step

extern const struct harness_driver_ops harness_local_driver;

/* Run the steps of run's plan through ops on driver: the baseline, every
 * step, the soak (o->soak_s), the liveness check. *step_index is the
 * step in progress (for the run's record when one fails). Returns 0 or
 * -errno with why. */
int harness_steps_run(const struct harness_driver_ops *ops, void *driver,
		      struct harness_run *run, size_t *step_index, char *why,
		      size_t why_size);

#endif /* HARNESS_DRIVER_H */
