/* harness_baseline.c - keeping a comparison's summary as a named baseline,
 * and judging a later one against it (harness_baseline.h). The calls are
 * harness_verdict_of()'s; this file only says which way is worse. */
#include "harness_baseline.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "harness_file.h"
#include "harness_json.h"
#include "harness_verdict.h"

void harness_baseline_dir(const char *out, const char *name, char *dir,
			  size_t size)
{
	snprintf(dir, size, "%s/baselines/%s", out, name);
}

/* src to dir/name, byte for byte. 0 or -errno with why. */
static int copy_file(const char *src, const char *dir, const char *name,
		     char *why, size_t why_size)
{
	FILE *in = fopen(src, "r"), *f;
	if (!in) {
		int err = -errno;
		snprintf(why, why_size, "cannot read %s: %s", src,
			 strerror(-err));
		return err;
	}
	char path[PATH_MAX + 64], buffer[8192];
	int err = harness_file_create(dir, name, path, sizeof(path), &f, why,
				      why_size);
	size_t n;
	while (!err && (n = fread(buffer, 1, sizeof(buffer), in)) > 0)
		if (fwrite(buffer, 1, n, f) != n)
			err = -EIO;
	fclose(in);
	if (f && fclose(f) != 0 && !err)
		err = -EIO;
	if (err == -EIO)
		snprintf(why, why_size, "cannot write %s: check the space left",
			 path);
	return err;
}

int harness_baseline_save(const char *compare_dir, const char *out,
			  const char *name, char *why, size_t why_size)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	harness_baseline_dir(out, name, dir, sizeof(dir));
	int err = harness_make_dirs(dir);
	if (err) {
		snprintf(why, why_size, "cannot create %s: %s", dir,
			 strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/summary.json", compare_dir);
	json_t *summary = harness_json_load(path, why, why_size);
	if (!summary)
		return -EINVAL;
	json_object_del(summary, "baseline"); /* its own judgement, if any */
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	err = harness_json_save(summary, path, why, why_size);
	json_decref(summary);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/summary.md", compare_dir);
	err = copy_file(path, dir, "summary.md", why, why_size);
	if (err)
		return err;
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *meta = json_pack("{s:s, s:s, s:s}", "name", name, "saved_at",
				 stamp, "from", compare_dir);
	snprintf(path, sizeof(path), "%s/baseline.json", dir);
	err = harness_json_save(meta, path, why, why_size);
	json_decref(meta);
	return err;
}

/* The baselines under out, comma-separated, into text ("none"). */
static void list_baselines(const char *out, char *text, size_t size)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/baselines", out);
	DIR *d = opendir(dir);
	size_t used = 0;
	text[0] = '\0';
	for (struct dirent *e; d && (e = readdir(d)) && used < size;)
		if (e->d_name[0] != '.')
			used +=
			    (size_t)snprintf(text + used, size - used, "%s%s",
					     used ? ", " : "", e->d_name);
	if (d)
		closedir(d);
	if (!text[0])
		snprintf(text, size, "none");
}

json_t *harness_baseline_load(const char *out, const char *name, char *why,
			      size_t why_size)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	harness_baseline_dir(out, name, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	struct stat st;
	if (stat(path, &st) != 0) {
		char saved[512];
		list_baselines(out, saved, sizeof(saved));
		snprintf(why, why_size,
			 "no baseline '%s' in %s/baselines (saved there: %s); "
			 "make one with --save-baseline %s, or give --out",
			 name, out, saved, name);
		return NULL;
	}
	json_t *baseline = harness_json_load(path, why, why_size);
	if (baseline && !json_is_array(json_object_get(baseline, "figures"))) {
		snprintf(why, why_size,
			 "%s has no \"figures\" list: not a comparison's "
			 "summary; save the baseline again",
			 path);
		json_decref(baseline);
		return NULL;
	}
	return baseline;
}

/* The backends of a summary: its first figure's keys. */
static const json_t *backends_of(const json_t *summary)
{
	return json_object_get(
	    json_array_get(json_object_get(summary, "figures"), 0), "backends");
}

/* Names in a not in b, comma-separated, into text; how many. */
static size_t only_in(const char *const *a, size_t na, const char *const *b,
		      size_t nb, char *text, size_t size)
{
	size_t found = 0, used = 0;
	text[0] = '\0';
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;
		while (j < nb && strcmp(a[i], b[j]) != 0)
			j++;
		if (j < nb)
			continue;
		found++;
		if (used < size)
			used +=
			    (size_t)snprintf(text + used, size - used, "%s%s",
					     used ? ", " : "", a[i]);
	}
	return found;
}

#define MAX_NAMES 64

/* The backends a summary (or a baseline) has figures for, at most
 * MAX_NAMES of them, into names; how many. */
static size_t backend_names(const json_t *summary, const char **names)
{
	size_t n = 0;
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)backends_of(summary), key, value)
	{
		if (n < MAX_NAMES)
			names[n++] = key;
	}
	return n;
}

int harness_baseline_check_backends(const json_t *baseline, const char *name,
				    const char *const *backends, size_t count,
				    char *why, size_t why_size)
{
	const char *saved[MAX_NAMES];
	size_t n = backend_names(baseline, saved);
	char extra[256], missing[256];
	size_t e = only_in(backends, count, saved, n, extra, sizeof(extra));
	size_t m = only_in(saved, n, backends, count, missing, sizeof(missing));
	if (!e && !m)
		return 0;
	snprintf(why, why_size,
		 "baseline '%s' does not match: its backends differ (%s%s%s%s%s"
		 "); compare the same backends, or save a new baseline",
		 name, e ? "not in the baseline: " : "", e ? extra : "",
		 e && m ? "; " : "", m ? "missing here: " : "",
		 m ? missing : "");
	return -EINVAL;
}

/* The target a backend's used runs aimed at: one value, 0 when the
 * summary does not say (written before "target" was), -1 when its runs
 * disagree. */
static double target_of(const json_t *summary, const char *backend)
{
	double target = 0;
	size_t i;
	const json_t *run;
	json_array_foreach(json_object_get(summary, "runs"), i, run)
	{
		const char *b =
		    json_string_value(json_object_get(run, "backend"));
		const json_t *t = json_object_get(run, "target");
		if (!b || strcmp(b, backend) != 0 ||
		    !json_is_true(json_object_get(run, "used")) ||
		    !json_is_number(t))
			continue;
		if (target && target != json_number_value(t))
			return -1;
		target = json_number_value(t);
	}
	return target;
}

/* Every backend aimed at the same connection count in both. */
static int check_targets(const json_t *baseline, const json_t *summary,
			 const char *name, char *why, size_t why_size)
{
	const char *backend;
	const json_t *value;
	json_object_foreach((json_t *)backends_of(summary), backend, value)
	{
		double old = target_of(baseline, backend);
		double now = target_of(summary, backend);
		if (!old || !now || old == now)
			continue; /* an old summary without targets */
		snprintf(
		    why, why_size,
		    "baseline '%s' does not match: its %s runs aimed at "
		    "%.0f connections, these at %.0f (or the runs of one "
		    "side disagree); give the same --target, or save a new "
		    "baseline",
		    name, backend, old, now);
		return -EINVAL;
	}
	return 0;
}

int harness_baseline_check_plan(const json_t *baseline, const char *name,
				const char *const *backends, size_t count,
				double target, char *why, size_t why_size)
{
	if (harness_baseline_check_backends(baseline, name, backends, count,
					    why, why_size))
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		double old = target_of(baseline, backends[i]);
		if (!old || old == target)
			continue;
		snprintf(why, why_size,
			 "baseline '%s' does not match: its %s runs aimed at "
			 "%.0f connections, not --target %.0f; give the same "
			 "--target, or save a new baseline",
			 name, backends[i], old, target);
		return -EINVAL;
	}
	return 0;
}

/* A summary.json entry's median and interval (low/high, or for a summary
 * from before intervals, min/max). */
static void entry_interval(const json_t *entry, struct harness_interval *iv)
{
	memset(iv, 0, sizeof(*iv));
	iv->median = iv->low = iv->high = NAN;
	const json_t *n = json_object_get(entry, "n");
	const json_t *median = json_object_get(entry, "median");
	if (!json_is_integer(n) || !json_is_number(median))
		return;
	iv->n = (size_t)json_integer_value(n);
	iv->median = json_number_value(median);
	const json_t *low = json_object_get(entry, "low");
	const json_t *high = json_object_get(entry, "high");
	if (!json_is_number(low) || !json_is_number(high)) {
		low = json_object_get(entry, "min");
		high = json_object_get(entry, "max");
	}
	iv->low = json_is_number(low) ? json_number_value(low) : iv->median;
	iv->high = json_is_number(high) ? json_number_value(high) : iv->median;
	iv->bootstrap = iv->n >= HARNESS_VERDICT_MIN_N;
}

static json_t *interval_json(const struct harness_interval *iv)
{
	json_t *o = json_object();
	if (isfinite(iv->median)) {
		json_object_set_new(o, "median", json_real(iv->median));
		json_object_set_new(o, "low", json_real(iv->low));
		json_object_set_new(o, "high", json_real(iv->high));
	}
	json_object_set_new(o, "n", json_integer((json_int_t)iv->n));
	return o;
}

/* Which way is worse: summary.json's "better", or for a summary from
 * before it, its reading. 1: higher is better. */
static int higher_is_better(const json_t *figure)
{
	const char *better =
	    json_string_value(json_object_get(figure, "better"));
	if (better)
		return strcmp(better, "higher") == 0;
	const char *reading =
	    json_string_value(json_object_get(figure, "reading"));
	return reading && strstr(reading, "higher is better");
}

/* The figure of key in a summary, NULL when it has none. */
static const json_t *figure_of(const json_t *summary, const char *key)
{
	size_t i;
	const json_t *figure;
	json_array_foreach(json_object_get(summary, "figures"), i, figure)
	{
		const char *k =
		    json_string_value(json_object_get(figure, "key"));
		if (k && strcmp(k, key) == 0)
			return figure;
	}
	return NULL;
}

/* One backend's figure, old against new, by harness_verdict_of(). */
static json_t *judge_row(const json_t *figure, const char *backend,
			 const json_t *old_entry, const json_t *new_entry,
			 double noise, double fail_pct)
{
	struct harness_interval old, now;
	entry_interval(old_entry, &old);
	entry_interval(new_entry, &now);
	enum harness_verdict v = old.n && now.n
				     ? harness_verdict_of(&now, &old, noise)
				     : HARNESS_VERDICT_UNDECIDED;
	int up = higher_is_better(figure);
	int worse = (v == HARNESS_VERDICT_HIGHER && !up) ||
		    (v == HARNESS_VERDICT_LOWER && up);
	double change = old.n && now.n && old.median != 0
			    ? (now.median - old.median) / fabs(old.median) * 100
			    : NAN;
	/* A worse figure from 0 has no % change: beyond any allowance. */
	int regressed = worse && fail_pct >= 0 &&
			(isnan(change) || fabs(change) > fail_pct);
	/* No call on a figure a side did not measure (no --load, say). */
	const char *call = !old.n && !now.n ? "not measured"
			   : !old.n	    ? "not in the baseline"
			   : !now.n	    ? "not measured now"
					    : harness_verdict_name(v);
	json_t *row = json_pack(
	    "{s:s, s:O, s:O, s:O, s:s, s:o, s:o, s:s, s:b, s:b}", "backend",
	    backend, "figure", json_object_get(figure, "key"), "name",
	    json_object_get(figure, "name"), "unit",
	    json_object_get(figure, "unit"), "better", up ? "higher" : "lower",
	    "old", interval_json(&old), "new", interval_json(&now), "verdict",
	    call, "worse", worse, "regressed", regressed);
	if (row && isfinite(change))
		json_object_set_new(row, "change_pct", json_real(change));
	return row;
}

int harness_baseline_judge(const json_t *baseline, const json_t *summary,
			   const char *name, double noise, double fail_pct,
			   json_t **judgement, char *why, size_t why_size)
{
	const char *names[MAX_NAMES];
	size_t count = backend_names(summary, names);
	*judgement = NULL;
	if (harness_baseline_check_backends(baseline, name, names, count, why,
					    why_size) ||
	    check_targets(baseline, summary, name, why, why_size))
		return -EINVAL;
	json_t *rows = json_array();
	size_t regressions = 0, i;
	const json_t *figure, *value;
	const char *backend;
	json_array_foreach(json_object_get(summary, "figures"), i, figure)
	{
		const json_t *old = figure_of(
		    baseline,
		    json_string_value(json_object_get(figure, "key")));
		json_object_foreach(
		    (json_t *)json_object_get(figure, "backends"), backend,
		    value)
		{
			json_t *row = judge_row(
			    figure, backend,
			    json_object_get(json_object_get(old, "backends"),
					    backend),
			    value, noise, fail_pct);
			regressions +=
			    json_is_true(json_object_get(row, "regressed"));
			json_array_append_new(rows, row);
		}
	}
	*judgement =
	    json_pack("{s:s, s:f, s:I, s:o}", "name", name, "noise", noise,
		      "regressions", (json_int_t)regressions, "rows", rows);
	if (fail_pct >= 0)
		json_object_set_new(*judgement, "fail_on_regression_pct",
				    json_real(fail_pct));
	return 0;
}

/* "2.41 µs" / "20,000" / "n/a": a figure's number in its unit. */
static void with_unit(double value, const char *unit, char *text, size_t size)
{
	char number[32];
	if (strcmp(unit, "µs") == 0) {
		harness_format_us(value, text, size);
		return;
	}
	harness_round3(value, number, sizeof(number));
	snprintf(text, size, "%s%s%s", number,
		 *unit && !isnan(value) ? " " : "", isnan(value) ? "" : unit);
}

static double side_number(const json_t *row, const char *side, const char *key)
{
	const json_t *v = json_object_get(json_object_get(row, side), key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *row_string(const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s ? s : "";
}

void harness_baseline_row_line(const json_t *row, char *text, size_t size)
{
	char old[64], now[64], change[48] = "";
	const char *unit = row_string(row, "unit");
	with_unit(side_number(row, "old", "median"), unit, old, sizeof(old));
	with_unit(side_number(row, "new", "median"), unit, now, sizeof(now));
	const json_t *pct = json_object_get(row, "change_pct");
	if (json_is_number(pct)) {
		char number[40];
		harness_round3(json_number_value(pct), number, sizeof(number));
		snprintf(change, sizeof(change), " (%s%s%%)",
			 json_number_value(pct) > 0 ? "+" : "", number);
	}
	snprintf(text, size, "%s: %s (%s) %s -> %s%s, %s",
		 row_string(row, "backend"), row_string(row, "name"),
		 row_string(row, "figure"), old, now, change,
		 json_is_true(json_object_get(row, "regressed"))
		     ? "worse beyond the noise and the allowance"
		 : json_is_true(json_object_get(row, "worse"))
		     ? "worse beyond the noise"
		     : row_string(row, "verdict"));
}

/* median [low–high] (n) of one side, for the markdown table. */
static void md_side(FILE *f, const json_t *row, const char *side)
{
	char m[48], lo[48], hi[48];
	double median = side_number(row, side, "median");
	const json_t *n = json_object_get(json_object_get(row, side), "n");
	if (isnan(median)) {
		fputs(" - |", f);
		return;
	}
	fprintf(f, " %s [%s–%s] (%lld) |", harness_round3(median, m, sizeof(m)),
		harness_round3(side_number(row, side, "low"), lo, sizeof(lo)),
		harness_round3(side_number(row, side, "high"), hi, sizeof(hi)),
		(long long)json_integer_value(n));
}

void harness_baseline_markdown(FILE *f, const json_t *judgement)
{
	const json_t *pct =
	    json_object_get(judgement, "fail_on_regression_pct");
	fprintf(f,
		"\n## Against baseline %s\n\nEach figure of each backend, the "
		"baseline's median [interval] (n) and this comparison's, the "
		"change, and the call of the same rules: lower or higher only "
		"with 3 runs a side, intervals apart and a gap above %g%%",
		row_string(judgement, "name"),
		json_number_value(json_object_get(judgement, "noise")) * 100);
	if (json_is_number(pct))
		fprintf(f, "; **regressed**: worse so, and by more than %g%%",
			json_number_value(pct));
	fputs(".\n\n| backend | figure | baseline | now | change | call |\n"
	      "|---|---|---:|---:|---:|---|\n",
	      f);
	size_t i;
	const json_t *row;
	json_array_foreach(json_object_get(judgement, "rows"), i, row)
	{
		const char *unit = row_string(row, "unit");
		fprintf(f, "| %s | %s%s%s%s |", row_string(row, "backend"),
			row_string(row, "name"), *unit ? " (" : "", unit,
			*unit ? ")" : "");
		md_side(f, row, "old");
		md_side(f, row, "new");
		const json_t *c = json_object_get(row, "change_pct");
		char number[40];
		fprintf(
		    f, " %s%s%s |",
		    json_is_number(c) && json_number_value(c) > 0 ? "+" : "",
		    json_is_number(c) ? harness_round3(json_number_value(c),
						       number, sizeof(number))
				      : "-",
		    json_is_number(c) ? "%" : "");
		fprintf(f, " %s |\n",
			json_is_true(json_object_get(row, "regressed"))
			    ? "**regressed**"
			: json_is_true(json_object_get(row, "worse"))
			    ? "worse"
			    : row_string(row, "verdict"));
	}
	fprintf(f, "\n%lld regression%s.\n",
		(long long)json_integer_value(
		    json_object_get(judgement, "regressions")),
		json_integer_value(json_object_get(judgement, "regressions")) ==
			1
		    ? ""
		    : "s");
}
