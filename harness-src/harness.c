/* harness.c - the `mcs-harness` binary behind ./harness: parse the command
 * line, sweep one backend, or compare several (a list, or all) over
 * repeated interleaved rounds, and exit with a status that says how it
 * went.
 *
 * A comparison runs round r = 1..N, each round every backend once, in an
 * order rotated by one each round, so that a drift of the machine during
 * the invocation hits every backend alike. It then writes the summary of
 * exactly those runs (medians, min-max, ratios to epoll) and their plots
 * into <out>/compare/<run-id>/.
 *
 * The harness is a child subreaper, so server or client workers orphaned
 * by a crash come back to it to be killed and reaped: nothing is left.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "harness_backend_options.h"
#include "harness_baseline.h"
#include "harness_compare_run.h"
#include "harness_fields.h"
#include "harness_multihost.h"
#include "harness_options.h"
#include "harness_plot.h"
#include "harness_report_html.h"
#include "harness_verdict.h"
#include "mcs_version.h"
#include "mcs_process.h"
#include "harness_signal.h"
#include "harness_sweep.h"
#include "mcs_clock.h"
#include "mcs_loader.h"

/* Whether backend name loads and works here; why if not. */
static int usable(const char *name, int *unknown, char *why, size_t why_size)
{
	struct mcs_backend_handle h;
	int err = mcs_backend_load(NULL, name, &h, why, why_size);
	*unknown = err == -ENOENT || err == -EINVAL;
	if (err)
		return 0;
	int ok = !h.ops->probe || h.ops->probe(why, why_size) == 0;
	mcs_backend_unload(&h);
	return ok;
}

/* The backends to run, in order: every installed one that works here for
 * all (the others are skipped, saying why), or the list as given, where
 * any name that is not installed or does not work here stops everything
 * before it starts. Returns how many, or -(exit status). */
static int choose_backends(const struct harness_options *o,
			   char names[][MCS_BACKEND_NAME_MAX])
{
	char why[256];
	int unknown;
	if (!o->all_backends) {
		for (size_t i = 0; i < o->backend_count; i++) {
			if (usable(o->backends[i], &unknown, why,
				   sizeof(why))) {
				snprintf(names[i], MCS_BACKEND_NAME_MAX, "%s",
					 o->backends[i]);
				continue;
			}
			if (unknown)
				fprintf(stderr,
					"harness: option --backend: %s (see "
					"--list-backends)\n",
					why);
			else
				fprintf(stderr,
					"harness: backend %s is unavailable "
					"here: %s\n",
					o->backends[i], why);
			return unknown ? -2 : -1;
		}
		return (int)o->backend_count;
	}
	char found[HARNESS_MAX_BACKENDS][MCS_BACKEND_NAME_MAX];
	int n = mcs_backend_list(NULL, found, HARNESS_MAX_BACKENDS);
	int kept = 0;
	for (int i = 0; i < n; i++) {
		if (!usable(found[i], &unknown, why, sizeof(why))) {
			printf("harness: skipping %s: %s\n", found[i], why);
			continue;
		}
		memcpy(names[kept++], found[i], MCS_BACKEND_NAME_MAX);
	}
	if (kept == 0) {
		fprintf(stderr, "harness: no backend installed works here: "
				"build the tree (cmake --build build) and see "
				"--list-backends\n");
		return -1;
	}
	return kept;
}

/* Rounds of every backend, rotated; then the summary and its plots. */
/* "run k of n" with the time left, estimated from the runs so far (every
 * backend runs once a round, so a round's mean is a fair guess). */
static void print_progress(unsigned round, unsigned rounds, size_t k,
			   size_t count, const char *name, size_t done,
			   size_t total, double elapsed)
{
	char left[64] = "";
	if (done) {
		double seconds =
		    elapsed / (double)done * (double)(total - done);
		snprintf(left, sizeof(left), ", about %.0f min left",
			 seconds / 60.0 < 1 ? 1.0 : seconds / 60.0);
	}
	printf("harness: run %zu of %zu (round %u/%u, backend %zu/%zu): "
	       "%s%s\n",
	       done + 1, total, round + 1, rounds, k + 1, count, name, left);
}

/* report.html of a run that got as far as its sweep.json (a refused
 * preflight leaves none: nothing to say). */
static void report_run(const struct harness_run *run)
{
	char why[512];
	if (!run->dir[0] || !run->step_count)
		return;
	if (harness_report_run(run->dir, why, sizeof(why)))
		fprintf(stderr, "harness: report.html: %s\n", why);
}

static void report_comparison(const char *dir, const struct harness_options *o)
{
	char why[512];
	if (harness_report_comparison(dir, o->reference, o->noise_pct / 100,
				      why, sizeof(why)))
		fprintf(stderr, "harness: report.html: %s\n", why);
	else
		printf("harness: the comparison's page: %s/report.html\n", dir);
}

static int compare(const struct harness_options *given,
		   char names[][MCS_BACKEND_NAME_MAX], size_t count)
{
	static struct harness_options o;
	o = *given;
	o.echo_last = 1; /* the saturation figure, once per run */
	struct harness_comparison c;
	int status = harness_comparison_start(&c, o.out, count, o.repeat);
	if (status)
		return status;
	static struct harness_run run;
	size_t total = (size_t)o.repeat * count, done = 0;
	double started = mcs_now_seconds();
	for (unsigned round = 0; round < o.repeat; round++) {
		for (size_t k = 0; k < count; k++) {
			const char *name = names[(k + round) % count];
			print_progress(round, o.repeat, k, count, name, done,
				       total, mcs_now_seconds() - started);
			int s = harness_sweep(&o, name, &run);
			report_run(&run);
			done++;
			harness_comparison_add(&c, name, round, &run);
			if (s >= 128) {
				harness_comparison_finish(&c, &o);
				report_comparison(c.dir, &o);
				return s; /* interrupted: stop here */
			}
			if (s)
				status = 1;
		}
	}
	int judged = harness_comparison_finish(&c, &o);
	report_comparison(c.dir, &o);
	/* A baseline that does not fit (2) or a regression (1) says more
	 * than a failed step. */
	return judged ? judged : status;
}

/* --baseline NAME: it exists, is readable, holds the count backends of
 * names about to run and aimed at the same --target (count 0: not
 * checked), checked before anything runs. 0, or 2 with the reason printed. */
static int check_baseline(const struct harness_options *o,
			  char names[][MCS_BACKEND_NAME_MAX], size_t count)
{
	char why[1024];
	const char *list[HARNESS_MAX_BACKENDS];
	for (size_t i = 0; i < count; i++)
		list[i] = names[i];
	json_t *baseline =
	    harness_baseline_load(o->out, o->baseline, why, sizeof(why));
	int err = !baseline;
	if (baseline && count)
		err = harness_baseline_check_plan(baseline, o->baseline, list,
						  count, (double)o->target, why,
						  sizeof(why));
	json_decref(baseline);
	if (err)
		fprintf(stderr, "harness: --baseline: %s\n", why);
	return err ? 2 : 0;
}

/* A sweep across hosts: the backend is the server host's to have (its
 * agent checks); its --backend-opt settings are checked here when this
 * machine has it too. */
static int multihost(const struct harness_options *o)
{
	char names[1][MCS_BACKEND_NAME_MAX], why[512];
	snprintf(names[0], sizeof(names[0]), "%s", o->backend);
	int unknown;
	if (o->backend_setting_count &&
	    usable(o->backend, &unknown, why, sizeof(why)) &&
	    harness_backend_options_check(o, names, 1, why, sizeof(why))) {
		fprintf(stderr, "harness: %s\n", why);
		return 2;
	}
	harness_signals_install();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	static struct harness_run run;
	int status = harness_multihost_sweep(o, o->backend, &run);
	report_run(&run);
	return status;
}

/* --dry-run: each backend's plan, in the order given; nothing started.
 * The worst status of them (a refused preflight: 1). */
static int dry_run(const struct harness_options *o,
		   char names[][MCS_BACKEND_NAME_MAX], size_t count)
{
	static struct harness_run run;
	int status = 0;
	for (size_t k = 0; k < count; k++) {
		int s = harness_sweep(o, names[k], &run);
		if (s > status)
			status = s;
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
	if (options.version) {
		mcs_version_print(stdout, "mcs-harness");
		return 0;
	}
	if (options.list_backends)
		return mcs_backend_print_list("harness", stdout, stderr);
	if (options.list_fields) {
		harness_fields_print(stdout);
		return 0;
	}
	if (options.summarize[0]) {
		if (options.baseline[0] && check_baseline(&options, NULL, 0))
			return 2;
		int status =
		    harness_comparison_resummarize(options.summarize, &options);
		if (status != 2)
			report_comparison(options.summarize, &options);
		return status;
	}
	if (options.report[0]) {
		if (harness_report_write(options.report, why, sizeof(why))) {
			fprintf(stderr, "harness: --report: %s\n", why);
			return 1;
		}
		printf("harness: wrote %s/report.html\n", options.report);
		return 0;
	}
	if (options.multihost)
		return multihost(&options);
	char names[HARNESS_MAX_BACKENDS][MCS_BACKEND_NAME_MAX];
	int count = choose_backends(&options, names);
	if (count < 0)
		return -count;
	/* Every --backend-opt against every backend, before anything runs. */
	if (harness_backend_options_check(&options, names, (size_t)count, why,
					  sizeof(why))) {
		fprintf(stderr, "harness: %s\n", why);
		return 2;
	}
	if (options.baseline[0] &&
	    check_baseline(&options, names, (size_t)count))
		return 2;
	if (options.dry_run)
		return dry_run(&options, names, (size_t)count);
	harness_signals_install();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	mcs_protect_from_oom(); /* as root; otherwise unprotected */
	/* A baseline is a comparison's: one backend once makes one too. */
	if (count > 1 || options.repeat > 1 || options.baseline[0] ||
	    options.save_baseline[0])
		return compare(&options, names, (size_t)count);
	static struct harness_run run;
	int status = harness_sweep(&options, names[0], &run);
	report_run(&run);
	return status;
}
