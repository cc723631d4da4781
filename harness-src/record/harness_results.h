/* harness_results.h - the run record written out: sweep.csv, sweep.json
 * (and soak.csv), and the <backend>/latest link. */
#ifndef HARNESS_RESULTS_H
#define HARNESS_RESULTS_H

#include <stddef.h>

#include "harness_run.h"

/* Write sweep.csv and sweep.json into run->dir. Returns 0 or -errno with a
 * reason in why. */
int harness_results_write(const struct harness_run *run, char *why,
			  size_t why_size);

/* Point OUT/<backend>/latest at the run (replacing the link there).
 * Returns 0 or -errno with why. */
int harness_results_link_latest(const struct harness_run *run, const char *out,
				char *why, size_t why_size);

/* Write the results, point OUT/<backend>/latest at them and, with plot
 * and at least one step, draw the run's plots; say on stderr what could
 * not be done ("harness: ..."): the run's outcome does not depend on it. */
void harness_results_save(const struct harness_run *run, const char *out,
			  int plot);

#endif /* HARNESS_RESULTS_H */
