/* harness_report_baseline.c - the "Against baseline" section of a
 * comparison's report.html: summary.json's "baseline" judgement
 * (harness_baseline.h) as a table, rounded by harness_round3, with the
 * regressions in red (see harness_report_page.h). */
#include <math.h>
#include <string.h>

#include "harness_report_page.h"
#include "harness_verdict.h"

static double side_number(const json_t *row, const char *side, const char *key)
{
	const json_t *v = json_object_get(json_object_get(row, side), key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* median [low – high] n=N of one side, or "-". */
static void side_cell(FILE *f, const json_t *row, const char *side)
{
	char m[48], lo[48], hi[48];
	double median = side_number(row, side, "median");
	fputs("<td class=\"num\">", f);
	if (isnan(median)) {
		fputs("<span class=\"muted\">-</span></td>", f);
		return;
	}
	fprintf(f,
		"<span class=\"median\">%s</span><br><span "
		"class=\"interval\">[%s \u2013 %s]</span> <span "
		"class=\"n\">n=<span class=\"count\">%lld</span></span></td>",
		harness_round3(median, m, sizeof(m)),
		harness_round3(side_number(row, side, "low"), lo, sizeof(lo)),
		harness_round3(side_number(row, side, "high"), hi, sizeof(hi)),
		(long long)json_integer_value(
		    json_object_get(json_object_get(row, side), "n")));
}

static void change_and_call(FILE *f, const json_t *row)
{
	char number[48];
	const json_t *c = json_object_get(row, "change_pct");
	fputs("<td class=\"num\">", f);
	if (json_is_number(c))
		fprintf(f, "%s%s%%", json_number_value(c) > 0 ? "+" : "",
			harness_round3(json_number_value(c), number,
				       sizeof(number)));
	else
		fputs("<span class=\"muted\">-</span>", f);
	const char *verdict = report_string(row, "verdict", NULL);
	int decided = verdict && (strcmp(verdict, "lower") == 0 ||
				  strcmp(verdict, "higher") == 0);
	const char *cls = json_is_true(json_object_get(row, "worse")) ? "worse"
			  : decided				      ? "better"
				    : "verdict";
	fprintf(f, "</td><td><span class=\"%s\">", cls);
	report_text(f, verdict);
	if (json_is_true(json_object_get(row, "regressed")))
		fputs(": regressed", f);
	else if (json_is_true(json_object_get(row, "worse")))
		fputs(": worse", f);
	else if (decided)
		fputs(": better", f);
	fputs("</span></td></tr>\n", f);
}

static void baseline_row(FILE *f, const json_t *row)
{
	const char *unit = report_string(row, "unit", NULL);
	fputs("<tr><td>", f);
	report_text(f, report_string(row, "backend", NULL));
	fputs("</td><td>", f);
	report_text(f, report_string(row, "name", NULL));
	if (unit && unit[0]) {
		fputs(" (", f);
		report_text(f, unit);
		fputs(")", f);
	}
	fputs("</td>", f);
	side_cell(f, row, "old");
	side_cell(f, row, "new");
	change_and_call(f, row);
}

void report_baseline_section(FILE *f, const json_t *summary)
{
	const json_t *judgement = json_object_get(summary, "baseline");
	if (!judgement)
		return;
	const json_t *pct =
	    json_object_get(judgement, "fail_on_regression_pct");
	long long regressions = (long long)json_integer_value(
	    json_object_get(judgement, "regressions"));
	fputs("<h2 id=\"baseline\">Against baseline ", f);
	report_text(f, report_string(judgement, "name", NULL));
	fprintf(f,
		"</h2>\n<p class=\"hint\">The baseline's median, its interval "
		"and n beside this comparison's, the change, and the call of "
		"the same rules as the matrix (n \u2265 3 on both sides, "
		"intervals apart, more than %g%% noise)",
		json_number_value(json_object_get(judgement, "noise")) * 100);
	if (json_is_number(pct))
		fprintf(f, "; regressed: worse so and by more than %g%%",
			json_number_value(pct));
	fprintf(f, ".</p>\n<p class=\"%s\">%lld regression%s.</p>\n",
		regressions ? "alert" : "hint", regressions,
		regressions == 1 ? "" : "s");
	fputs("<table class=\"matrix\">\n<tr><th>backend</th><th>figure</th>"
	      "<th class=\"num\">baseline</th><th class=\"num\">now</th>"
	      "<th class=\"num\">change</th><th>call</th></tr>\n",
	      f);
	size_t i;
	const json_t *row;
	json_array_foreach(json_object_get(judgement, "rows"), i, row)
	{
		baseline_row(f, row);
	}
	fputs("</table>\n", f);
}
