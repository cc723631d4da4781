/* harness_baseline.h - baselines (docs/HARNESS.md "Baselines and CI"): a
 * comparison's summary kept under a name, and a later comparison judged
 * against it, backend by backend and figure by figure, by the rules of
 * harness_verdict.h (the same function, not a copy): the old and new
 * median [interval] (n), the change in %, the call, and whether the
 * figure got worse (its direction is summary.json's "better") beyond the
 * noise and by more than --fail-on-regression's PCT.
 *
 * A baseline lives in <out>/baselines/NAME/: summary.json (the saved
 * comparison's, without a "baseline" section of its own), summary.md for
 * people, and baseline.json (name, when, from where, schema_version). */
#ifndef HARNESS_BASELINE_H
#define HARNESS_BASELINE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* <out>/baselines/NAME into dir. */
void harness_baseline_dir(const char *out, const char *name, char *dir,
			  size_t size);

/* Keep compare_dir's summary.json and summary.md as baseline NAME under
 * out (replacing one of that name). 0, or -errno with why. */
int harness_baseline_save(const char *compare_dir, const char *out,
			  const char *name, char *why, size_t why_size);

/* The summary.json of baseline NAME under out, its schema_version
 * checked. NULL with why (no such baseline: the names there are listed;
 * unreadable; newer schema). */
json_t *harness_baseline_load(const char *out, const char *name, char *why,
			      size_t why_size);

/* Whether a comparison of these backends can be judged against baseline
 * (named name): the same set of backends. 0, or -EINVAL with why naming
 * the backends on one side only. */
int harness_baseline_check_backends(const json_t *baseline, const char *name,
				    const char *const *backends, size_t count,
				    char *why, size_t why_size);

/* The same, and every backend's runs in the baseline aimed at target
 * connections (--target), checked before anything runs. 0, or -EINVAL
 * with why. */
int harness_baseline_check_plan(const json_t *baseline, const char *name,
				const char *const *backends, size_t count,
				double target, char *why, size_t why_size);

/* Judge summary (a summary.json) against baseline: refused (-EINVAL with
 * why) when the backends differ or a backend's runs aimed at another
 * connection count (their "target"). Otherwise *judgement is a new
 * object: {name, noise, fail_on_regression_pct (when fail_pct >= 0),
 * regressions, rows: [{backend, figure, name, unit, better, old, new,
 * change_pct, verdict, worse, regressed}]}, old and new each {median,
 * low, high, n}. noise a fraction; fail_pct < 0: nothing is called a
 * regression. */
int harness_baseline_judge(const json_t *baseline, const json_t *summary,
			   const char *name, double noise, double fail_pct,
			   json_t **judgement, char *why, size_t why_size);

/* One row of a judgement for people, the line --fail-on-regression
 * prints: "epoll: server CPU per accept 2.41 µs -> 22.6 µs (+838%), worse
 * beyond the noise and the 10% allowed". */
void harness_baseline_row_line(const json_t *row, char *text, size_t size);

/* The judgement as a markdown section, appended to summary.md. */
void harness_baseline_markdown(FILE *f, const json_t *judgement);

#endif /* HARNESS_BASELINE_H */
