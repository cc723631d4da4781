/* harness_summary_export.c - summary.csv and summary.junit.xml from a
 * comparison's summary.json (harness_summary_export.h). Numbers are
 * written at full precision (%.10g): the rounding is for pages, not for
 * tools. */
#include "harness_summary_export.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness_baseline.h"
#include "harness_file.h"

static const char *string_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* A CSV field, quoted when it holds a comma or a quote. */
static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_number(FILE *f, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	fputc(',', f);
	if (json_is_number(v))
		fprintf(f, "%.10g", json_number_value(v));
}

/* A figure's median, low, high and n columns. */
static void csv_spread(FILE *f, const json_t *entry)
{
	csv_number(f, entry, "median");
	csv_number(f, entry, "low");
	csv_number(f, entry, "high");
	csv_number(f, entry, "n");
}

/* The baseline's row of backend and figure, NULL when none. */
static const json_t *baseline_row(const json_t *summary, const char *backend,
				  const char *figure)
{
	size_t i;
	const json_t *row;
	json_array_foreach(
	    json_object_get(json_object_get(summary, "baseline"), "rows"), i,
	    row)
	{
		if (strcmp(string_of(row, "backend"), backend) == 0 &&
		    strcmp(string_of(row, "figure"), figure) == 0)
			return row;
	}
	return NULL;
}

static void csv_row(FILE *f, const json_t *summary, const json_t *figure,
		    const char *backend, const json_t *entry)
{
	csv_text(f, backend);
	fputc(',', f);
	csv_text(f, string_of(figure, "key"));
	fputc(',', f);
	csv_text(f, string_of(figure, "name"));
	fputc(',', f);
	csv_text(f, string_of(figure, "unit"));
	csv_spread(f, entry);
	csv_number(f, entry, "ratio_to_reference");
	fputc(',', f);
	csv_text(f, string_of(entry, "verdict_vs_reference"));
	const json_t *row =
	    baseline_row(summary, backend, string_of(figure, "key"));
	const json_t *old = json_object_get(row, "old");
	csv_spread(f, old);
	csv_number(f, row, "change_pct");
	fputc(',', f);
	csv_text(f, string_of(row, "verdict"));
	fprintf(f, ",%s\n",
		!row						  ? ""
		: json_is_true(json_object_get(row, "regressed")) ? "yes"
								  : "no");
}

static void summary_csv(FILE *f, const json_t *summary)
{
	fprintf(f,
		"backend,figure,name,unit,median,low,high,n,ratio_to_%s,"
		"verdict_vs_%s,baseline_median,baseline_low,"
		"baseline_high,baseline_n,change_pct,verdict_vs_baseline,"
		"regressed\n",
		string_of(summary, "reference"),
		string_of(summary, "reference"));
	size_t i;
	const json_t *figure, *entry;
	const char *backend;
	json_array_foreach(json_object_get(summary, "figures"), i, figure)
	{
		json_object_foreach(
		    (json_t *)json_object_get(figure, "backends"), backend,
		    entry)
		{
			csv_row(f, summary, figure, backend, entry);
		}
	}
}

/* Text for an XML attribute or body. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* One testcase: a figure of a backend; failing when regressed. */
static void junit_case(FILE *f, const char *backend, const json_t *figure,
		       const json_t *row)
{
	fputs("  <testcase classname=\"mcs-harness.", f);
	xml_text(f, backend);
	fputs("\" name=\"", f);
	xml_text(f, string_of(figure, "key"));
	fputs("\">\n", f);
	char line[512];
	if (row) {
		harness_baseline_row_line(row, line, sizeof(line));
		if (json_is_true(json_object_get(row, "regressed"))) {
			fputs("   <failure type=\"regression\" message=\"", f);
			xml_text(f, line);
			fputs("\"/>\n", f);
		}
		fputs("   <system-out>", f);
		xml_text(f, line);
		fputs("</system-out>\n", f);
	}
	fputs("  </testcase>\n", f);
}

static void summary_junit(FILE *f, const json_t *summary)
{
	const json_t *judgement = json_object_get(summary, "baseline");
	size_t cases = 0, i;
	const json_t *figure, *entry;
	const char *backend;
	json_array_foreach(json_object_get(summary, "figures"), i, figure)
	{
		cases += json_object_size(json_object_get(figure, "backends"));
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<testsuites>\n <testsuite name=\"",
	      f);
	xml_text(f, judgement ? "mcs-harness against baseline "
			      : "mcs-harness comparison");
	if (judgement)
		xml_text(f, string_of(judgement, "name"));
	fprintf(f, "\" tests=\"%zu\" failures=\"%lld\">\n", cases,
		(long long)json_integer_value(
		    json_object_get(judgement, "regressions")));
	json_array_foreach(json_object_get(summary, "figures"), i, figure)
	{
		json_object_foreach(
		    (json_t *)json_object_get(figure, "backends"), backend,
		    entry)
		{
			junit_case(f, backend, figure,
				   judgement
				       ? baseline_row(summary, backend,
						      string_of(figure, "key"))
				       : NULL);
		}
	}
	fputs(" </testsuite>\n</testsuites>\n", f);
}

static int write_one(const char *dir, const char *name, const json_t *summary,
		     void (*write)(FILE *, const json_t *), char *why,
		     size_t why_size)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int err = harness_file_create(dir, name, path, sizeof(path), &f, why,
				      why_size);
	if (err)
		return err;
	write(f, summary);
	err = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0)
		err = -EIO;
	if (err)
		snprintf(why, why_size, "cannot write %s: check the space left",
			 path);
	return err;
}

int harness_summary_export(const char *compare_dir, const json_t *summary,
			   char *why, size_t why_size)
{
	int err = write_one(compare_dir, "summary.csv", summary, summary_csv,
			    why, why_size);
	return err ? err
		   : write_one(compare_dir, "summary.junit.xml", summary,
			       summary_junit, why, why_size);
}
