/* harness_baseline_options.h - the options of a comparison's statistics
 * and baselines (--save-baseline, --baseline, --fail-on-regression,
 * --reference, --noise): their parsers, which harness_options.c's table
 * points at, and what they must say together. */
#ifndef HARNESS_BASELINE_OPTIONS_H
#define HARNESS_BASELINE_OPTIONS_H

#include <stddef.h>

#include "harness_options-t.h"

/* Each 0, or -EINVAL with why naming the option and what it expects. */
int harness_parse_save_baseline(const char *arg, struct harness_options *o,
				char *why, size_t why_size);
int harness_parse_baseline(const char *arg, struct harness_options *o,
			   char *why, size_t why_size);
int harness_parse_fail_on_regression(const char *arg, struct harness_options *o,
				     char *why, size_t why_size);
int harness_parse_reference(const char *arg, struct harness_options *o,
			    char *why, size_t why_size);
int harness_parse_noise(const char *arg, struct harness_options *o, char *why,
			size_t why_size);

/* --fail-on-regression needs --baseline; none of them with a multi-host
 * run (it makes no comparison). 0 or -EINVAL with why. */
int harness_baseline_options_check(const struct harness_options *o, char *why,
				   size_t why_size);

#endif /* HARNESS_BASELINE_OPTIONS_H */
