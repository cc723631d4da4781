/* harness_soak.h - the soak (--soak DURATION): the last step held for a
 * while before the liveness check, with memory and live counts sampled
 * every HARNESS_SOAK_INTERVAL_S, and (with --load) the fixed-rate load
 * running all along as consecutive windows of that length.
 *
 * The record and everything computed from it (the slope of server PSS
 * over time, the losses, the JSON, CSV, plot and summary lines) are pure
 * and live in harness_soak.c (harness_core, unit-tested); the loop that
 * drives the server and the client is harness_soak_run.c.
 */
#ifndef HARNESS_SOAK_H
#define HARNESS_SOAK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_soak-t.h"

/* Set up an empty record. */
void harness_soak_init(struct harness_soak *soak, double duration_s,
		       uint64_t target, double load_rate, unsigned load_size);
/* Append a copy of sample. Returns 0 or -ENOMEM. */
int harness_soak_add_sample(struct harness_soak *soak,
			    const struct harness_soak_sample *sample);
/* Free the samples; the record is empty after. */
void harness_soak_release(struct harness_soak *soak);

/* Fit y = base + slope x t over n points. Returns 0, or -EINVAL (trend
 * invalid) for fewer than two points or a single time. */
int harness_soak_trend(const double *t, const double *y, size_t n,
		       struct harness_soak_trend *trend);

/* Whether a slope stands out of the noise: more than 2 standard errors
 * from 0 (a perfect line counts when its slope is not 0). */
int harness_soak_slope_beyond_noise(const struct harness_soak_trend *trend);

/* Losses, errors and the trends from the samples. */
void harness_soak_summarize(struct harness_soak *soak);

/* Whether sample (the newest) shows a lost connection or an echo that
 * erred: the server below the target, the client holding fewer, or the
 * client's closed count above the first sample's, or a load window with
 * errors or mismatches. Returns 0, or -EPROTO with why. */
int harness_soak_check_sample(const struct harness_soak *soak,
			      const struct harness_soak_sample *sample,
			      char *why, size_t why_size);

/* 75.4 -> "1m15s", 25 -> "25s", 3725 -> "1h02m05s". */
void harness_soak_format_time(double seconds, char *text, size_t text_size);

/* The "soak" object of sweep.json. */
json_t *harness_soak_json(const struct harness_soak *soak);
/* soak.csv: one row per sample. Returns 0 or -errno. */
int harness_soak_write_csv(const struct harness_soak *soak, const char *path);
/* soak.gp and soak.png in dir (from soak.csv there). Returns 0 or -errno
 * with why. */
int harness_soak_plot(const struct harness_soak *soak, const char *dir,
		      const char *backend, char *why, size_t why_size);
/* The line printed after each sample, and the summary lines at the end
 * (nothing when no soak ran). */
void harness_soak_print_sample(const struct harness_soak *soak,
			       const char *backend, FILE *out);
void harness_soak_print_summary(const struct harness_soak *soak,
				const char *backend, FILE *out);

#endif /* HARNESS_SOAK_H */
