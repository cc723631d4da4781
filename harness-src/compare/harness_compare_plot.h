/* harness_compare_plot.h - the comparison plots of one invocation (issue 10):
 * per backend, the median over its runs at each step with min-max error
 * bars, drawn from exactly the runs given (not the latest run of each
 * backend found on disk). gnuplot (pngcairo) makes the PNGs; each PNG's
 * script (.gp) and data (.dat) stay beside it so it can be re-made by hand.
 *
 * compare-server-cpu.png          server µs per accept vs connections held
 * compare-load-latency.png        load RTT p99 at the fixed offered rate
 * compare-server-cpu-per-msg.png  server µs per message under load
 * compare-server-memory.png       server user bytes per connection
 * compare-kernel-memory.png       kernel bytes per connection
 * compare-connect-rate.png        connect rate during each step
 * compare-latency.png             connect latency p99
 * compare-kernel-by-cache.png     kernel slope by slab cache, stacked, with
 *                                 the whole-Slab slope beside each bar
 *
 * A figure no run recorded (no --load, no root for slabinfo) still gives a
 * PNG that says so, never a failure. */
#ifndef HARNESS_COMPARE_H
#define HARNESS_COMPARE_H

#include <stddef.h>

#include "harness_summary.h"

/* compare-*.png (and their .gp and .dat) in compare_dir, which must exist,
 * from exactly these runs. Returns 0 or -errno with why (the first plot
 * that failed; the others are still attempted). */
int harness_compare_plot(const char *compare_dir,
			 const struct harness_summary_run *runs, size_t n,
			 char *why, size_t why_size);

#endif /* HARNESS_COMPARE_H */
