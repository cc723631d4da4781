/* harness_gnuplot.h - run gnuplot on a script, the one way every plot of
 * the harness is drawn (a run's plots, the latest-run comparison, a
 * comparison invocation's plots). */
#ifndef HARNESS_GNUPLOT_H
#define HARNESS_GNUPLOT_H

#include <stddef.h>

/* Run `gnuplot script` in dir, its output to dir/gnuplot.log (appended
 * when append, else the log starts anew). Returns 0, or -errno / -EIO
 * with why: gnuplot missing (with the apt-get line), or failed (naming
 * the log). */
int harness_gnuplot_run(const char *dir, const char *script, int append,
			char *why, size_t why_size);

#endif /* HARNESS_GNUPLOT_H */
