/* harness_sweep.h - one sweep of one backend: preflight, start server and
 * client, grow step by step, measure, verify, stop everything, write the
 * results. */
#ifndef HARNESS_SWEEP_H
#define HARNESS_SWEEP_H

#include "harness_run.h"

/* Run backend to o->target. Fills run (its results are written to
 * run->dir even when a step fails). Returns the process exit status this
 * run deserves: 0 complete (or stopped at the backend's own limit), 1
 * failed, 128+signal when interrupted. Prints progress to stdout and one
 * line saying why on stderr when it fails. With o->dry_run: the preflight
 * alone, changing nothing, and its plan printed (harness_dry_run.h); 0,
 * or the status and the line a refused preflight gives. */
int harness_sweep(const struct harness_options *o, const char *backend,
		  struct harness_run *run);

#endif /* HARNESS_SWEEP_H */
