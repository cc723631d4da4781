/* harness_sweep_internal.h - what the parts of one sweep share: the sweep
 * state, the periodic sanity check, and the functions each file provides.
 * Private to harness_sweep.c, harness_children.c and harness_console.c. */
#ifndef HARNESS_SWEEP_INTERNAL_H
#define HARNESS_SWEEP_INTERNAL_H

#include <stddef.h>

#include "harness_client.h"
#include "harness_memory_guard.h"
#include "mcs_process.h"
#include "harness_run.h"
#include "harness_slab.h"
#include "mcs_clock.h"
#include "mcs_stats.h"

/* CPU seconds at one moment: the server's and the client's processes,
 * the machine's /proc/stat busy time, and the TUN client's device writes
 * as it last reported them (0 with the kernel client). */
struct sweep_cpu_mark {
	double server, client, machine, device;
};

struct sweep {
	struct harness_run *run;
	const struct harness_options *o;
	struct mcs_child server;
	struct harness_client client;
	struct mcs_stats_block stats;
	char stats_name[64];
	double started;
	int tty;
	size_t step_index;
	uint64_t step_target;
	double step_started;
	double last_progress;
	/* What the sweep is doing, for the live line on a terminal: "ramp",
	 * "idle" (settling and measuring), "echo", "load", "soak",
	 * "verify", "teardown"; NULL draws none. */
	const char *phase;
	double phase_started;
	/* The ramp's window: the server's accepts and the CPU seconds when
	 * it opened. */
	uint64_t ramp_accepts;
	struct sweep_cpu_mark ramp_cpu;
	double ramp_started; /* when the ramp's window opened */
	/* The TCP cache's objects in use and the server's live connections
	 * then (ramp_tcp_ok: the read worked). */
	uint64_t ramp_tcp_objects, ramp_server_live;
	/* sockstat then: the machine's TCP alloc, the namespace's inuse. */
	uint64_t ramp_tcp_alloc, ramp_tcp_inuse;
	int ramp_tcp_ok;
	struct harness_sample previous; /* for per-step CPU */
	uint64_t baseline_tcp_inuse;	/* sockstat TCP inuse at the baseline */
	uint64_t previous_established;	/* for CPU per connect */
	/* /proc/slabinfo at the baseline [0] and after each step [i]. */
	struct mcs_slab_snapshot *slab_points;
	size_t slab_point_count;
	int slab_error;		      /* -errno: a snapshot could not be read */
	struct harness_memory memory; /* the memory guard */
	double next_memory_check;     /* when the guard reads again */
	double last_memory_check;     /* when it last read, and what it saw */
	uint64_t last_headroom;
	double workers_stopped_at; /* when a stopped worker was first seen */
};

/* Signals, a dead server, a failed worker: 0 to carry on, or -errno with
 * why. Also draws the live progress line on a terminal. Fits
 * harness_waiter. */
int harness_sweep_check(void *context, char *why, size_t why_size);
/* The sweep enters phase (see struct sweep), drawn at once on a
 * terminal. */
void harness_sweep_phase(struct sweep *s, const char *phase);

/* harness_checks.c: what the run keeps of a memory read (least headroom,
 * floor, cgroup limit, OOM kills); and, once the server's count has
 * stopped short, whether a worker has every descriptor open (-EMFILE with
 * why for the first such worker). */
void harness_note_memory(struct sweep *s, const struct harness_memory_now *m);
int harness_check_fds_full(struct sweep *s, char *why, size_t why_size);

/* harness_kernel_caches.c: keep the slabinfo snapshot of the measurement
 * just taken as point index (0 the baseline, i step i); after the sweep, the
 * fit per cache into run->kernel_cache_fit (or the reason it is missing); free
 * the snapshots. */
void harness_take_slab_point(struct sweep *s, size_t index);
/* The TCP cache's objects in use now (a slabinfo read), or -errno. */
int harness_tcp_objects_now(uint64_t *objects);
/* The TCP cache's objects in use at point index less before (read when
 * the ramp began), per connection the ramp added; 0 without a snapshot or
 * connections. The window is the ramp's, not the sweep's: slabinfo is the
 * machine's, and the shorter the window, the less of others is in it. */
double harness_tcp_objects_per_conn(const struct sweep *s, size_t index,
				    uint64_t before, uint64_t connections);
void harness_fit_kernel_caches(struct sweep *s);
void harness_release_kernel_caches(struct sweep *s);

/* harness_children.c: start the server (waits for "listening", maps its
 * stats) and the client (waits for "ready"); stop both, whatever state
 * they are in. */
int harness_start_server(struct sweep *s, char *why, size_t why_size);
int harness_start_client(struct sweep *s, char *why, size_t why_size);
/* --client tun: tun-client first (it makes the device and the server's
 * address in the sweep's namespace; waits for "ready"), then the server
 * bound to that address. */
int harness_start_tun(struct sweep *s, char *why, size_t why_size);
/* failed: the run stopped on a failure (the memory guard's among them),
 * so the client may be in the middle of a command that it will not
 * interrupt for "quit": it is stopped first and at once, so that no
 * connection or message arrives after the sweep stopped. */
void harness_stop_children(struct sweep *s, int failed);
/* Remove stats objects in /dev/shm left by a harness killed outright. */
void harness_remove_stale_stats(void);

/* harness_console.c: the line printed after each step, and --pause-at. */
void harness_print_step(struct sweep *s, const struct harness_step *step);
int harness_pause(struct sweep *s, const struct harness_step *step, char *why,
		  size_t why_size);

/* harness_soak_run.c: hold the last step for o->soak_s, sampling into
 * run->soak. Returns 0, or -errno with why: a lost connection, an echo
 * error, a signal, a process gone. */
int harness_soak_run(struct sweep *s, char *why, size_t why_size);

#endif /* HARNESS_SWEEP_INTERNAL_H */
