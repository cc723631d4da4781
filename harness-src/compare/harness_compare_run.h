/* harness_compare_run.h - one comparison invocation (several backends, or
 * --repeat): its folder <out>/compare/<run-id>/, the runs it made, and at
 * the end their summary and plots (harness_summary.h,
 * harness_compare_plot.h),
 * all in that folder. */
#ifndef HARNESS_COMPARE_RUN_H
#define HARNESS_COMPARE_RUN_H

#include <limits.h>
#include <stddef.h>

#include "harness_options.h"
#include "harness_run.h"
#include "harness_summary.h"

struct harness_comparison {
	char id[40];
	char dir[PATH_MAX];
	struct harness_summary_run
	    runs[HARNESS_MAX_BACKENDS * HARNESS_MAX_REPEAT];
	size_t count;
};

/* Make <out>/compare/<run-id>/ and say what will run. Returns 0, or 1 (the
 * exit status) with the reason printed. */
int harness_comparison_start(struct harness_comparison *c, const char *out,
			     size_t backends, unsigned rounds);

/* Record a finished (or failed) run; one that never made its folder (its
 * preflight refused) is left out. */
void harness_comparison_add(struct harness_comparison *c, const char *backend,
			    unsigned round, const struct harness_run *run);

/* Write summary.json, summary.md, summary.csv, summary.junit.xml and
 * (unless --no-plot) the plots of the runs recorded into the comparison's
 * folder, and print the summary; with --baseline judge it against that
 * baseline first, with --save-baseline keep it as one. Returns the exit
 * status: 0; 1 when nothing could be summarized, or --fail-on-regression
 * found a regression (each printed, one line); 2 when the baseline does
 * not fit (the reason printed). */
int harness_comparison_finish(struct harness_comparison *c,
			      const struct harness_options *o);

/* --summarize DIR: read the runs DIR/summary.json lists, then write the
 * summary and plots again into DIR itself (after an upgrade, or a fix of
 * the summary), judged against --baseline if given. Returns the exit
 * status: 0; 2 with the reason printed when DIR is not a comparison's
 * folder (bad usage) or the baseline does not fit; 1 when no run it lists
 * could be read, or a regression was found. */
int harness_comparison_resummarize(const char *dir,
				   const struct harness_options *o);

#endif /* HARNESS_COMPARE_RUN_H */
