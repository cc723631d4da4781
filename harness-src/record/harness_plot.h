/* harness_plot.h - PNG plots made with gnuplot (pngcairo): one set per run
 * in its directory (a comparison draws its own, beside its summary: no
 * plot mixes the "latest" runs of different days). The gnuplot scripts are kept
 * beside the PNGs so a figure can be re-made or restyled by hand. */
#ifndef HARNESS_PLOT_H
#define HARNESS_PLOT_H

#include <stddef.h>

#include "harness_run.h"

/* memory-per-connection.png, memory.png, connect-rate.png, latency.png in
 * run->dir. Returns 0 or -errno with why. */
int harness_plot_run(const struct harness_run *run, char *why, size_t why_size);

#endif /* HARNESS_PLOT_H */
