/* harness_sweep_internal.h - what the parts of one sweep share: the sweep
 * state, the periodic sanity check, and the functions each file provides.
 * Private to harness_sweep.c, harness_children.c and harness_console.c. */
#ifndef HARNESS_SWEEP_INTERNAL_H
#define HARNESS_SWEEP_INTERNAL_H

#include <stddef.h>

#include "harness_client.h"
#include "harness_memory.h"
#include "harness_process.h"
#include "harness_run.h"
#include "mcs_stats.h"

struct sweep {
	struct harness_run *run;
	const struct harness_options *o;
	struct harness_child server;
	struct harness_client client;
	struct mcs_stats_block stats;
	char stats_name[64];
	double started;
	int tty;
	size_t step_index;
	uint64_t step_target;
	double step_started;
	double last_progress;
	struct harness_sample previous; /* for per-step CPU */
	struct harness_memory memory;	/* the memory guard */
	double last_memory_check;
};

double harness_now_seconds(void);

/* Signals, a dead server, a failed worker: 0 to carry on, or -errno with
 * why. Also draws the live progress line on a terminal. Fits
 * harness_waiter. */
int harness_sweep_check(void *context, char *why, size_t why_size);

/* harness_children.c: start the server (waits for "listening", maps its
 * stats) and the client (waits for "ready"); stop both, whatever state
 * they are in. */
int harness_start_server(struct sweep *s, char *why, size_t why_size);
int harness_start_client(struct sweep *s, char *why, size_t why_size);
void harness_stop_children(struct sweep *s);
/* Remove stats objects in /dev/shm left by a harness killed outright. */
void harness_remove_stale_stats(void);

/* harness_console.c: the line printed after each step, and --pause-at. */
void harness_print_step(struct sweep *s, const struct harness_step *step);
int harness_pause(struct sweep *s, const struct harness_step *step, char *why,
		  size_t why_size);

#endif /* HARNESS_SWEEP_INTERNAL_H */
