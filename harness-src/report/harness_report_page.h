/* harness_report_page.h - what the run page and the comparison page of
 * report.html share (internal to harness_report_*.c): the page's head and
 * style, escaping, the machine's provenance, the charts against
 * connection count and the kernel-by-cache bars. */
#ifndef HARNESS_REPORT_PAGE_H
#define HARNESS_REPORT_PAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* One run a page draws: its backend and its parsed sweep.json. */
struct report_run {
	const char *backend;
	const json_t *sweep;
};

/* Create dir/report.html and write up to the start of <body>, with
 * title. 0 or -errno with why. */
int report_page_open(const char *dir, const char *title, FILE **f, char *why,
		     size_t why_size);

/* Finish the page and close it. 0 or -errno with why. */
int report_page_close(FILE *f, const char *dir, char *why, size_t why_size);

/* text, HTML-escaped ("" for NULL). */
void report_text(FILE *f, const char *text);

/* The string at root.key, root.a.b, or NULL. */
const char *report_string(const json_t *root, const char *a, const char *b);
/* The run's client kind in words: "tun (...server side...)", "kernel
 * (...both ends...)", or NULL when sweep.json does not say. */
const char *report_client_kind(const json_t *sweep);

/* "<tr><th>name</th><td>value</td></tr>" with value escaped. */
void report_row(FILE *f, const char *name, const char *value);

/* The machine rows of the provenance table (kernel, CPU, cores, memory,
 * libraries, sysctls changed) from one sweep.json. */
void report_machine_rows(FILE *f, const json_t *sweep);

/* The commit of the build a sweep records, and whether it was dirty
 * (-1: not recorded). NULL when there is none. */
const char *report_commit(const json_t *sweep, int *dirty);

/* A relative path from folder from_dir to path (both existing), for a
 * link; path itself when it cannot be worked out. */
void report_relative(const char *from_dir, const char *path, char *out,
		     size_t size);

/* The charts against connection count, one line per run, coloured by
 * backend; the fitted slopes dashed (median over a backend's runs). */
void report_step_charts(FILE *f, const struct report_run *runs, size_t count);

/* Kernel memory per connection by slab cache: one stacked bar per
 * backend (median over its runs), caches made by processes outside the
 * benchmark drawn apart. Nothing when no run has fit.kernel_by_cache. */
void report_cache_bars(FILE *f, const struct report_run *runs, size_t count);

/* The comparison against a baseline (--baseline), from summary.json's
 * "baseline" judgement: per backend and figure the baseline's and this
 * comparison's median [interval] (n), the change and the call, the
 * regressions in red. Nothing when summary has no judgement. */
void report_baseline_section(FILE *f, const json_t *summary);

#endif /* HARNESS_REPORT_PAGE_H */
