/* harness_report_html.h - report.html, the one page a user opens: one per
 * run (<backend>/<run-id>/report.html, from its sweep.json) and one per
 * comparison (compare/<run-id>/report.html, from summary.json and the
 * sweep.json of every run it lists). Self-contained: inline CSS and SVG,
 * no script, no network, nothing outside the file but relative links to
 * the raw data beside it. docs/HARNESS.md "report.html" says what is on
 * it. */
#ifndef HARNESS_REPORT_HTML_H
#define HARNESS_REPORT_HTML_H

#include <stddef.h>

/* <run_dir>/report.html from <run_dir>/sweep.json. 0 or -errno with why. */
int harness_report_run(const char *run_dir, char *why, size_t why_size);

/* <compare_dir>/report.html from <compare_dir>/summary.json and its runs'
 * sweep.json (each found beside the comparison, at
 * <compare_dir>/../../<backend>/<run_id>, or else at the folder
 * summary.json names). Ratios and verdicts are
 * against reference (a backend name; NULL: the one summary.json was
 * written against, else epoll) with noise the fraction harness_verdict_of()
 * takes (0: summary.json's, else 5%). A --baseline judgement in
 * summary.json gets a section of its own. 0 or -errno with why. */
int harness_report_comparison(const char *compare_dir, const char *reference,
			      double noise, char *why, size_t why_size);

/* --report DIR: the comparison page when DIR holds summary.json, else the
 * run page when it holds sweep.json. 0 or -errno with why. */
int harness_report_write(const char *dir, char *why, size_t why_size);

#endif /* HARNESS_REPORT_HTML_H */
