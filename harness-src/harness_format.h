/* harness_format.h - numbers for people: counts with thousands separators,
 * byte sizes in KiB/MiB/GiB, and what is printed after a run: the summary
 * or the failure, and the warnings. */
#ifndef HARNESS_FORMAT_H
#define HARNESS_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_run.h"

/* 1234567 -> "1,234,567" */
void harness_format_count(uint64_t value, char *text, size_t text_size);
/* 1536 -> "1.5 KiB" */
void harness_format_bytes(uint64_t value, char *text, size_t text_size);
/* -1536.0 -> "-1.5 KiB" (a fitted base can come out below zero) */
void harness_format_signed_bytes(double value, char *text, size_t text_size);
/* A memory fit means something only over HARNESS_FIT_MIN_POINTS points
 * (the baseline and the steps) reaching HARNESS_FIT_MIN_CONNECTIONS at the
 * last step: below that a single 4 KiB page of PSS, or a slab page, moves
 * the slope by a byte or more per connection, and two points always fit a
 * line exactly. */
#define HARNESS_FIT_MIN_POINTS	    3
#define HARNESS_FIT_MIN_CONNECTIONS 5000
/* 1 when the fit over points reaching last_connections means something;
 * else 0, and why says why not (why may be NULL). Pure. */
int harness_fit_meaningful(size_t points, uint64_t last_connections, char *why,
			   size_t why_size);
/* The same for a run's fit (its points and its last step's server_live). */
int harness_run_fit_meaningful(const struct harness_run *run, char *why,
			       size_t why_size);
/* The few lines a user wants at the end of a good run. */
void harness_print_summary(const struct harness_run *run, FILE *out);
/* The run's warnings, a line each ("harness: warning: ..."). */
void harness_print_warnings(const struct harness_run *run, FILE *out);
/* The line for a run that failed or was interrupted: the step, its
 * connections, why, and where the results so far are. */
void harness_print_failure(const struct harness_run *run, const char *why,
			   FILE *out);

#endif /* HARNESS_FORMAT_H */
