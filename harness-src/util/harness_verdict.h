/* harness_verdict.h - the statistics a comparison may state: a figure's
 * median with an interval, whether two backends differ, whether their
 * ratio means anything, and numbers rounded for reading.
 *
 * The rules (docs/HARNESS.md "Reading a comparison"):
 * - The interval of n >= 3 values is a percentile bootstrap interval of
 *   the median (deterministic: a fixed seed, so the same runs always give
 *   the same page); below 3 it is the min-max of what there is.
 * - A difference is called only when each side has n >= 3, the two
 *   intervals do not overlap, and the medians differ by more than the
 *   noise threshold (a fraction, --noise, 5% by default) of the larger.
 * - A ratio is shown only between two positive medians whose intervals
 *   stay clear of zero by more than the noise: "0.010 B vs 7.82 B" is
 *   noise around nothing, not x0.001.
 * Pure functions: no I/O, no allocation beyond the caller's buffers. */
#ifndef HARNESS_VERDICT_H
#define HARNESS_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#define HARNESS_VERDICT_MIN_N	  3    /* runs a side before a call is made */
#define HARNESS_VERDICT_RESAMPLES 2000 /* bootstrap resamples */
#define HARNESS_VERDICT_NOISE	  0.05 /* the default --noise */

struct harness_interval {
	size_t n;      /* values that were numbers (NaN skipped) */
	double median; /* NaN when n is 0 */
	double low;    /* the interval: bootstrap (n >= 3) or min-max */
	double high;
	int bootstrap; /* 1: a 95% bootstrap interval; 0: min-max */
};

/* The median of values (NaN skipped) with its interval. At most 64
 * values are used (a comparison has a handful of runs a side). */
void harness_interval_of(const double *values, size_t count,
			 struct harness_interval *out);

enum harness_verdict {
	HARNESS_VERDICT_UNDECIDED, /* n < 3 on a side: no call is made */
	HARNESS_VERDICT_SAME,	   /* overlap, or inside the noise */
	HARNESS_VERDICT_LOWER,	   /* a is lower than b, beyond both */
	HARNESS_VERDICT_HIGHER,	   /* a is higher than b, beyond both */
};

/* a against b, by the rules above (noise a fraction, e.g. 0.05). */
enum harness_verdict harness_verdict_of(const struct harness_interval *a,
					const struct harness_interval *b,
					double noise);

/* "same", "lower", "higher", "undecided (n < 3)". */
const char *harness_verdict_name(enum harness_verdict verdict);

/* Whether a/b may be shown: both positive and clear of zero (each
 * interval's low end above noise times its median). */
int harness_ratio_means_something(const struct harness_interval *a,
				  const struct harness_interval *b,
				  double noise);

/* v to 3 significant figures, thousands separated ("9,820", "61.5",
 * "0.0103", "-2.35"); "n/a" for NaN. Returns text. */
char *harness_round3(double v, char *text, size_t size);

/* A duration in microseconds, 3 significant figures in the unit its size
 * calls for: "812 µs", "12.3 ms", "1.84 s". Returns text. */
char *harness_format_us(double us, char *text, size_t size);

#endif /* HARNESS_VERDICT_H */
