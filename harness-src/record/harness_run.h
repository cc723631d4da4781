/* harness_run.h - the run record's operations (harness_run.c): how a run
 * ended, its warnings, a step's derived figures and verdicts, the fit and
 * the run's folder. The record itself is in harness_run-t.h. */
#ifndef HARNESS_RUN_H
#define HARNESS_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "harness_run-t.h"

void harness_run_warn(struct harness_run *run, const char *text);

/* Record how the run ended: complete (limited, when the plan lowered the
 * target to the backend's limit), or, with err, interrupted by the stop
 * signal or failed at the 0-based step_index for why. Returns the exit
 * status: 0, 128 + the signal, or 1. */
int harness_run_record_end(struct harness_run *run, int err, size_t step_index,
			   const char *why);

/* "tun" or "kernel" (a run not resolved, a multi-host run: kernel). */
const char *harness_client_kind_name(enum harness_client_kind kind);

/* Where the kernel figures come from: "server" with the TUN client (only
 * the server's end of each connection is on this kernel), "both ends"
 * with the kernel client (a loopback pair). */
const char *harness_kernel_scope(const struct harness_run *run);

/* A step's bytes per connection of its target (none with no target). */
void harness_step_per_connection(struct harness_step *step);

/* Whether the client was the busier side over one window, like with like
 * (docs/HARNESS.md): the client's own CPU (client_s less device_s)
 * against the server's side (server_s plus device_s), and more than 0.1 s
 * of it. device_s is the TUN client's CPU in device writes, the server
 * kernel's receive path run in the writer's thread; 0 with the kernel
 * client, whose sockets' receive work each side's sends carry alike. */
int harness_client_busier(double client_s, double server_s, double device_s);

/* The client's own CPU per connect over the ramp: its figure less the
 * TUN client's device writes (the server kernel's receive path). */
double harness_step_client_own_us(const struct harness_step *step);

/* A step's ramp CPU per accept and per connection the client made
 * (connected), and client_bound by harness_client_busier (with
 * device_write_ramp_cpu_s already set). */
void harness_step_ramp_cpu(struct harness_step *step, uint64_t connected);

/* The TUN client's second rule for client_bound: its threads (threads,
 * one per worker) were busy for 90% of the ramp's window (window_s, the
 * same window as the ramp CPU figures) while the machine still had a
 * tenth of its cores idle: the client's threads, whoever's work they
 * ran, were what the ramp waited for. A saturated machine paced the ramp
 * by its total work instead. Keeps client_bound if already set. */
void harness_step_tun_bound(struct harness_step *step, unsigned cores,
			    unsigned threads, double window_s);

/* Add a client's `load` reply (docs/CONTROL.md) to l: rates, counts and
 * whether it could not offer its rate; duration_s is the reply's. The
 * latency is the caller's (percentiles or a merged histogram). */
void harness_load_add_reply(struct harness_load *l, const json_t *reply);

/* 0, or -EPROTO with why when the step's echo round over count
 * connections had errors or mismatched replies. */
int harness_step_check_echo(const struct harness_step *step, uint64_t count,
			    char *why, size_t why_size);

/* 0, or -EPROTO with why when echoes of the step's load at rate msg/s
 * came back with wrong bytes (a load the server cannot keep up with is a
 * result, not a failure). */
int harness_step_check_load(const struct harness_step *step, double rate,
			    char *why, size_t why_size);

/* 0, or -EPROTO with why when the final liveness check found fewer than
 * the target alive or any dead (server_live: what the server holds). */
int harness_run_check_verify(const struct harness_run *run,
			     uint64_t server_live, char *why, size_t why_size);

/* Keep hist (a histogram's JSON, common/mcs_histogram_json.h; the
 * reference is taken over, NULL is ignored) as name in step's histograms,
 * so sweep.json has the buckets and not only percentiles. */
void harness_step_keep_histogram(struct harness_step *step, const char *name,
				 json_t *hist);

/* Fit memory = base + slope x connections over the baseline and steps. */
void harness_run_fit(struct harness_run *run);

/* The fit means something (harness_fit_meaningful over the run's points
 * and its last step's server_live); else 0 with why (why may be NULL). */
int harness_run_fit_meaningful(const struct harness_run *run, char *why,
			       size_t why_size);

/* The run's folder out/<backend>/<run-id> (made), its id and start time
 * in run. 0 or -errno. */
int harness_make_run_dir(struct harness_run *run, const char *out);

const char *harness_run_status_name(enum harness_run_status status);

#endif /* HARNESS_RUN_H */
