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

#endif /* HARNESS_REPORT_H */
