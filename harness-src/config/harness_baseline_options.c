/* harness_baseline_options.c - parsing and checking --save-baseline,
 * --baseline, --fail-on-regression, --reference and --noise
 * (harness_baseline_options.h). */
#include "harness_baseline_options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_parse.h"

#define NAME_EXPECT                                                            \
	"a name of letters, digits, '.', '_' or '-', not starting with "       \
	"'.', under 64 characters"

/* A baseline's name is a folder under <out>/baselines/: no '/', no "..",
 * nothing a shell or a CI log would mangle. */
static int name_ok(const char *name, size_t size)
{
	size_t len = strlen(name);
	if (!len || len >= size || name[0] == '.')
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* A baseline's NAME option into name (of size bytes), or bad usage. */
static int parse_name(const char *option, const char *arg, char *name,
		      size_t size, char *why, size_t why_size)
{
	if (!name_ok(arg, size))
		return mcs_option_error(why, why_size, option, arg,
					NAME_EXPECT);
	snprintf(name, size, "%s", arg);
	return 0;
}

int harness_parse_save_baseline(const char *arg, struct harness_options *o,
				char *why, size_t why_size)
{
	return parse_name("--save-baseline", arg, o->save_baseline,
			  sizeof(o->save_baseline), why, why_size);
}

int harness_parse_baseline(const char *arg, struct harness_options *o,
			   char *why, size_t why_size)
{
	return parse_name("--baseline", arg, o->baseline, sizeof(o->baseline),
			  why, why_size);
}

/* A percentage: a plain number from min to max, "%" allowed at the end. */
static int parse_percent(const char *arg, double min, double max, double *value)
{
	char *end;
	double v = strtod(arg, &end);
	if (end == arg || (*end && strcmp(end, "%") != 0) || !isfinite(v) ||
	    v < min || v > max)
		return -EINVAL;
	*value = v;
	return 0;
}

int harness_parse_fail_on_regression(const char *arg, struct harness_options *o,
				     char *why, size_t why_size)
{
	if (parse_percent(arg, 0, 1000, &o->fail_on_regression_pct))
		return mcs_option_error(why, why_size, "--fail-on-regression",
					arg, "a percentage from 0 to 1000");
	o->fail_on_regression = 1;
	return 0;
}

int harness_parse_reference(const char *arg, struct harness_options *o,
			    char *why, size_t why_size)
{
	if (!name_ok(arg, sizeof(o->reference)))
		return mcs_option_error(why, why_size, "--reference", arg,
					"a backend name (epoll by default)");
	snprintf(o->reference, sizeof(o->reference), "%s", arg);
	return 0;
}

int harness_parse_noise(const char *arg, struct harness_options *o, char *why,
			size_t why_size)
{
	if (parse_percent(arg, 0.1, 100, &o->noise_pct))
		return mcs_option_error(why, why_size, "--noise", arg,
					"a percentage from 0.1 to 100 "
					"(default 5)");
	return 0;
}

int harness_baseline_options_check(const struct harness_options *o, char *why,
				   size_t why_size)
{
	if (o->fail_on_regression && !o->baseline[0]) {
		snprintf(why, why_size,
			 "option --fail-on-regression needs --baseline NAME: "
			 "the comparison it judges against");
		return -EINVAL;
	}
	const char *given = o->baseline[0]	  ? "--baseline"
			    : o->save_baseline[0] ? "--save-baseline"
						  : NULL;
	if (given && (o->server_host_given || o->client_hosts_given)) {
		snprintf(why, why_size,
			 "option %s: not with --server-host (a multi-host run "
			 "makes no comparison to keep or judge)",
			 given);
		return -EINVAL;
	}
	if (o->save_baseline[0] && o->summarize[0] == 0 && o->report[0]) {
		snprintf(why, why_size,
			 "option --save-baseline: not with --report (it "
			 "keeps a comparison's summary; use --summarize DIR)");
		return -EINVAL;
	}
	return 0;
}
