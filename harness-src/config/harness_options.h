/* harness_options.h - the harness's command line: what to sweep and how.
 *
 * Parsing never prints: it returns -EINVAL with one line naming the option
 * and what was expected, and the caller exits 2 with it.
 */
#ifndef HARNESS_OPTIONS_H
#define HARNESS_OPTIONS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_hosts.h"

#include "harness_options-t.h"

void harness_print_usage(FILE *out);

/* Parse argv into o. Returns 0, or -EINVAL with one line in why. */
int harness_parse_options(int argc, char **argv, struct harness_options *o,
			  char *why, size_t why_size);

/* The most messages per second --load may offer at a first step of
 * first_step connections: one message per connection per millisecond,
 * below which an open-loop schedule on loopback means nothing. */
double harness_load_ceiling(uint64_t first_step);

/* The connection counts to step through for a run to target: the --steps
 * (or default) values below target, then target itself; or with --points,
 * K steps spaced evenly on a log scale from about target/1000 to target.
 * Returns how many (>= 1). */
size_t harness_step_list(const struct harness_options *o, uint64_t target,
			 uint64_t *steps, size_t max_steps);

#endif /* HARNESS_OPTIONS_H */
