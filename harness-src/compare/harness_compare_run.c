/* harness_compare_run.c - the folder, the list of runs and the closing
 * summary of one comparison invocation (see harness_compare_run.h). */
#include "harness_compare_run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "harness_baseline.h"
#include "harness_compare_plot.h"
#include "harness_file.h"
#include "harness_json.h"
#include "harness_summary_export.h"
#include "harness_sweep_internal.h"

int harness_comparison_start(struct harness_comparison *c, const char *out,
			     size_t backends, unsigned rounds)
{
	memset(c, 0, sizeof(*c));
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s/compare", out);
	for (int attempt = 0; attempt < 100; attempt++) {
		if (attempt)
			snprintf(c->id, sizeof(c->id), "%s-%d", stamp, attempt);
		else
			snprintf(c->id, sizeof(c->id), "%s", stamp);
		if (snprintf(c->dir, sizeof(c->dir), "%s/%s", parent, c->id) >=
		    (int)sizeof(c->dir))
			break;
		struct stat st;
		if (stat(c->dir, &st) == 0)
			continue;
		int err = harness_make_dirs(c->dir);
		if (err) {
			fprintf(stderr, "harness: cannot create %s: %s\n",
				c->dir, strerror(-err));
			return 1;
		}
		printf("harness: comparing %zu backend%s over %u round%s "
		       "(order rotated each round); summary in %s\n",
		       backends, backends == 1 ? "" : "s", rounds,
		       rounds == 1 ? "" : "s", c->dir);
		return 0;
	}
	fprintf(stderr, "harness: cannot make a folder under %s/compare\n",
		out);
	return 1;
}

void harness_comparison_add(struct harness_comparison *c, const char *backend,
			    unsigned round, const struct harness_run *run)
{
	if (!run->dir[0] || c->count == sizeof(c->runs) / sizeof(c->runs[0]))
		return;
	struct harness_summary_run *r = &c->runs[c->count++];
	snprintf(r->backend, sizeof(r->backend), "%s", backend);
	r->round = round + 1;
	snprintf(r->dir, sizeof(r->dir), "%s", run->dir);
}

static void print_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[1024];
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
}

/* --baseline: judge summary.json against the baseline, keep the
 * judgement in it and in summary.md. Returns the exit status: 0; 1 with
 * the regressions printed, one line each; 2 with the reason printed when
 * the baseline does not fit (or cannot be read). */
static int judge_baseline(const char *dir, json_t *summary,
			  const struct harness_options *o)
{
	char why[1024], path[PATH_MAX + 32];
	json_t *baseline =
	    harness_baseline_load(o->out, o->baseline, why, sizeof(why));
	json_t *judgement = NULL;
	if (!baseline ||
	    harness_baseline_judge(
		baseline, summary, o->baseline, o->noise_pct / 100,
		o->fail_on_regression ? o->fail_on_regression_pct : -1,
		&judgement, why, sizeof(why))) {
		json_decref(baseline);
		fprintf(stderr, "harness: --baseline: %s\n", why);
		return 2;
	}
	json_decref(baseline);
	json_object_set_new(summary, "baseline", judgement);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (harness_json_save(summary, path, why, sizeof(why)))
		fprintf(stderr, "harness: --baseline: %s\n", why);
	snprintf(path, sizeof(path), "%s/summary.md", dir);
	FILE *f = fopen(path, "a");
	if (f) {
		harness_baseline_markdown(f, judgement);
		fclose(f);
	}
	return json_integer_value(json_object_get(judgement, "regressions"))
		   ? 1
		   : 0;
}

/* The regressions, one line each, last on the console. */
static void print_regressions(const json_t *summary, double pct)
{
	size_t i;
	const json_t *row;
	char line[512];
	json_array_foreach(
	    json_object_get(json_object_get(summary, "baseline"), "rows"), i,
	    row)
	{
		if (!json_is_true(json_object_get(row, "regressed")))
			continue;
		harness_baseline_row_line(row, line, sizeof(line));
		fprintf(stderr, "harness: regression (more than %g%%): %s\n",
			pct, line);
	}
}

/* summary.json as written, with its schema checked; NULL after saying
 * why. */
static json_t *load_summary(const char *dir)
{
	char why[PATH_MAX + 256], path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	json_t *summary = harness_json_load(path, why, sizeof(why));
	if (!summary)
		fprintf(stderr, "harness: summary: %s\n", why);
	return summary;
}

int harness_comparison_finish(struct harness_comparison *c,
			      const struct harness_options *o)
{
	char why[512];
	if (!c->count) {
		fprintf(stderr, "harness: no run of the comparison got as far "
				"as its results: nothing to summarize\n");
		return 1;
	}
	struct harness_summary_config config = {o->reference,
						o->noise_pct / 100};
	if (harness_summary_write(c->dir, c->runs, c->count, &config, why,
				  sizeof(why))) {
		fprintf(stderr, "harness: summary: %s\n", why);
		return 1;
	}
	json_t *summary = load_summary(c->dir);
	if (!summary)
		return 1;
	int status = o->baseline[0] ? judge_baseline(c->dir, summary, o) : 0;
	if (harness_summary_export(c->dir, summary, why, sizeof(why)))
		fprintf(stderr, "harness: summary exports: %s\n", why);
	print_file(c->dir, "summary.md");
	if (!o->no_plot) {
		if (harness_compare_plot(c->dir, c->runs, c->count, why,
					 sizeof(why)))
			fprintf(stderr, "harness: comparison plots: %s\n", why);
	}
	printf("harness: summary of %zu runs in %s/summary.md (and .json, "
	       ".csv, .junit.xml)%s\n",
	       c->count, c->dir, o->no_plot ? "" : "; its plots there");
	if (o->save_baseline[0]) {
		char dir[PATH_MAX];
		harness_baseline_dir(o->out, o->save_baseline, dir,
				     sizeof(dir));
		if (harness_baseline_save(c->dir, o->out, o->save_baseline, why,
					  sizeof(why))) {
			fprintf(stderr, "harness: --save-baseline: %s\n", why);
			status = status ? status : 1;
		} else {
			printf("harness: saved baseline '%s' in %s\n",
			       o->save_baseline, dir);
		}
	}
	if (status == 1)
		print_regressions(summary, o->fail_on_regression_pct);
	json_decref(summary);
	return status;
}

int harness_comparison_resummarize(const char *dir,
				   const struct harness_options *o)
{
	static struct harness_comparison c;
	memset(&c, 0, sizeof(c));
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char why[PATH_MAX + 256];
	json_t *root = harness_json_load(path, why, sizeof(why));
	json_t *runs = json_object_get(root, "runs");
	if (!json_is_array(runs)) {
		fprintf(stderr,
			"harness: --summarize: cannot read the runs of %s: %s "
			"(give a folder written by a comparison, "
			"runs/compare/<run-id>)\n",
			path, root ? "no \"runs\" list" : why);
		json_decref(root);
		return 2; /* bad usage: not a comparison folder */
	}
	snprintf(c.dir, sizeof(c.dir), "%s", dir);
	size_t i;
	json_t *run;
	json_array_foreach(runs, i, run)
	{
		const char *backend =
		    json_string_value(json_object_get(run, "backend"));
		const char *run_dir =
		    json_string_value(json_object_get(run, "dir"));
		json_t *round = json_object_get(run, "round");
		if (!backend || !run_dir || !json_is_integer(round) ||
		    c.count == sizeof(c.runs) / sizeof(c.runs[0]))
			continue;
		struct harness_summary_run *r = &c.runs[c.count++];
		snprintf(r->backend, sizeof(r->backend), "%s", backend);
		r->round = (unsigned)json_integer_value(round);
		snprintf(r->dir, sizeof(r->dir), "%s", run_dir);
	}
	json_decref(root);
	return harness_comparison_finish(&c, o);
}
