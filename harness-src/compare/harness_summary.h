/* harness_summary.h - the summary of a repeated, interleaved comparison
 * (issue 10, part 4): every backend ran N times, round r running each
 * backend once in a rotated order. From the runs' sweep.json files this
 * computes the headline figures per backend as median [interval] (n), their
 * ratio to a reference backend (epoll unless --reference), and which
 * differences lie beyond the run-to-run spread, and writes them as summary.json
 * and summary.md.
 *
 * The math (spread of a list, ratio, overlap) and the number formatting
 * are pure and unit-tested; harness_compare_plot.h plots the same runs. */
#ifndef HARNESS_SUMMARY_H
#define HARNESS_SUMMARY_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

/* One run of the invocation: dir holds its sweep.json. */
struct harness_summary_run {
	char backend[32];
	unsigned round;
	char dir[PATH_MAX];
};

/* median, min, max over the n values that were present. With n == 0 the
 * other three are NaN. */
struct harness_spread {
	double median; /* even n: the mean of the two middle values */
	double min;
	double max;
	size_t n;
};

/* The spread of count values, skipping NaN (a missing figure). */
void harness_spread_of(const double *values, size_t count,
		       struct harness_spread *spread);

/* a's median over b's: NaN when either is empty or either median is not
 * positive (a ratio of a cost near 0 or below says nothing). */
double harness_spread_ratio(const struct harness_spread *a,
			    const struct harness_spread *b);

/* Whether the min-max ranges of a and b overlap ("within spread"): 1 yes,
 * 0 no, -1 when it cannot be judged (either has fewer than 2 values, so
 * there is no spread to compare against). */
int harness_spread_overlap(const struct harness_spread *a,
			   const struct harness_spread *b);

/* value for people: thousands separators; whole numbers from 100 up, then
 * 1, 2 or 3 decimals below 100, 10 and 1; "-" for NaN.
 * 1234567.8 -> "1,234,568", 12.345 -> "12.3", 1.5 -> "1.50",
 * 0.01234 -> "0.012". */
void harness_summary_format(double value, char *text, size_t text_size);

/* The number at path in root, or NaN when any part is missing or not a
 * number. path is keys joined by '.', where a key may carry an array
 * index, negative from the end: "fit.user_slope_bytes",
 * "steps[-1].load.rtt_us.p99". */
double harness_json_number(const json_t *root, const char *path);

/* The runs of one invocation with their sweep.json loaded, grouped by
 * backend (epoll first, the others in order of first appearance). */
#define HARNESS_COMPARE_MAX_BACKENDS 16
struct harness_summary_set {
	const struct harness_summary_run *runs;
	size_t run_count;
	json_t **sweeps; /* per run; NULL when unreadable */
	char **errors;	 /* per run; why sweep.json could not be read */
	char backends[HARNESS_COMPARE_MAX_BACKENDS][32];
	size_t backend_count;
	/* What ratios and calls are against (--reference, "epoll" unless
	 * set) and the noise of the calls (--noise as a fraction, 0.05 unless
	 * set); harness_summary_load sets the defaults. */
	char reference[32];
	double noise;
};

/* Load every run's sweep.json. An unreadable file is not an error (the run
 * may have died before writing it): it is recorded in errors. Returns 0,
 * -EINVAL for no runs or too many backends, -ENOMEM. */
int harness_summary_load(const struct harness_summary_run *runs, size_t n,
			 struct harness_summary_set *set, char *why,
			 size_t why_size);
void harness_summary_free(struct harness_summary_set *set);

/* Whether run i counts towards the figures: its sweep.json was read and
 * its status is neither "failed" nor "interrupted". */
int harness_summary_usable(const struct harness_summary_set *set, size_t i);

/* How a summary states its ratios and calls: against reference (a
 * backend name; NULL: epoll), with noise the fraction harness_verdict_of
 * takes (0: HARNESS_VERDICT_NOISE). */
struct harness_summary_config {
	const char *reference;
	double noise;
};

/* Read every run's sweep.json, compute the headline figures, write
 * <compare_dir>/summary.json and summary.md (compare_dir must exist).
 * config may be NULL (epoll, 5%). Returns 0 or -errno with why. */
int harness_summary_write(const char *compare_dir,
			  const struct harness_summary_run *runs, size_t n,
			  const struct harness_summary_config *config,
			  char *why, size_t why_size);

#endif /* HARNESS_SUMMARY_H */
