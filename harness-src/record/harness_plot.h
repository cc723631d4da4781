/* harness_plot.h - PNG plots made with gnuplot (pngcairo): one set per run
 * in its directory, and the comparison of every backend's latest run in
 * the results directory. The gnuplot scripts are kept beside the PNGs so a
 * figure can be re-made or restyled by hand. */
#ifndef HARNESS_PLOT_H
#define HARNESS_PLOT_H

#include <stddef.h>

#include "harness_run.h"

/* memory-per-connection.png, memory.png, connect-rate.png, latency.png in
 * run->dir. Returns 0 or -errno with why. */
int harness_plot_run(const struct harness_run *run, char *why, size_t why_size);

/* compare-*.png in out: the latest run of every backend found under
 * out/<backend>/<run-id>/sweep.csv. Returns 0 (also when there is nothing
 * to compare) or -errno with why. */
int harness_plot_latest_runs(const char *out, char *why, size_t why_size);

#endif /* HARNESS_PLOT_H */
