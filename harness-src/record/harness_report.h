/* harness_report.h - what is printed after a run: the summary of a good
 * run, the line for a failed or interrupted one, and the warnings. */
#ifndef HARNESS_REPORT_H
#define HARNESS_REPORT_H

#include <stdio.h>

#include "harness_run.h"

/* The few lines a user wants at the end of a good run. */
void harness_print_summary(const struct harness_run *run, FILE *out);
/* The run's warnings, a line each ("harness: warning: ..."). */
void harness_print_warnings(const struct harness_run *run, FILE *out);
/* The line for a run that failed or was interrupted: the step, its
 * connections, why, and where the results so far are. */
void harness_print_failure(const struct harness_run *run, const char *why,
			   FILE *out);

/* The head of a step's line, on stdout: "epoll step 2/3: 10,000/100,000
 * established, 40,445 conn/s<rate_note>, p99 18431 us; server 1.9 MiB
 * (200 B/conn)"; the driver prints the rest. index is 0-based. */
void harness_print_step_head(const struct harness_run *run, size_t index,
			     const struct harness_step *step,
			     const char *rate_note);

#endif /* HARNESS_REPORT_H */
