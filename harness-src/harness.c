/* harness.c - the `mcs-harness` binary behind ./harness: parse the command
 * line, sweep one backend (or every installed one), refresh the comparison
 * plots, and exit with a status that says how it went.
 *
 * The harness is a child subreaper, so server or client workers orphaned
 * by a crash come back to it to be killed and reaped: nothing is left.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "harness_options.h"
#include "harness_plot.h"
#include "harness_process.h"
#include "harness_signal.h"
#include "harness_sweep.h"
#include "mcs_loader.h"

#define MAX_BACKENDS 32

static void refresh_compare(const struct harness_options *o)
{
	if (o->no_plot)
		return;
	char why[512];
	if (harness_plot_compare(o->out, why, sizeof(why)))
		fprintf(stderr, "harness: comparison plots: %s\n", why);
	else
		printf("harness: comparison plots in %s/compare-*.png\n",
		       o->out);
}

static int run_all(const struct harness_options *o)
{
	char names[MAX_BACKENDS][MCS_BACKEND_NAME_MAX];
	int n = mcs_backend_list(NULL, names, MAX_BACKENDS);
	if (n <= 0) {
		fprintf(stderr, "harness: no backends installed: build the "
				"tree (cmake --build build)\n");
		return 1;
	}
	int status = 0;
	static struct harness_run run;
	for (int i = 0; i < n; i++) {
		struct mcs_backend_handle h;
		char why[256] = "";
		int usable =
		    mcs_backend_load(NULL, names[i], &h, why, sizeof(why)) == 0;
		if (usable) {
			if (h.ops->probe && h.ops->probe(why, sizeof(why)))
				usable = 0;
			mcs_backend_unload(&h);
		}
		if (!usable) {
			printf("harness: skipping %s: %s\n", names[i], why);
			continue;
		}
		int s = harness_sweep(o, names[i], &run);
		if (s >= 128)
			return s; /* interrupted: stop here */
		if (s)
			status = 1;
		refresh_compare(o);
	}
	return status;
}

int main(int argc, char **argv)
{
	struct harness_options options;
	char why[512];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (harness_parse_options(argc, argv, &options, why, sizeof(why))) {
		fprintf(stderr, "harness: %s\n", why);
		return 2;
	}
	if (options.help) {
		harness_print_usage(stdout);
		return 0;
	}
	if (options.list_backends)
		return mcs_backend_print_list("harness", stdout, stderr);
	harness_signals_install();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	harness_protect_from_oom(); /* as root; otherwise unprotected */
	if (options.all_backends)
		return run_all(&options);
	static struct harness_run run;
	int status = harness_sweep(&options, options.backend, &run);
	if (run.step_count)
		refresh_compare(&options);
	return status;
}
