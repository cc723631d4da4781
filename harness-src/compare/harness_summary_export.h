/* harness_summary_export.h - a comparison's summary.json for other tools:
 * summary.csv (one row per backend and figure: median, interval, n, the
 * ratio and call against the reference, and against a baseline when
 * there is one) and summary.junit.xml (one testcase per backend and
 * figure, failing where --baseline found it regressed), both beside it. */
#ifndef HARNESS_SUMMARY_EXPORT_H
#define HARNESS_SUMMARY_EXPORT_H

#include <jansson.h>
#include <stddef.h>

/* Write <compare_dir>/summary.csv and summary.junit.xml from summary (the
 * comparison's summary.json, with its "baseline" judgement if any).
 * 0 or -errno with why. */
int harness_summary_export(const char *compare_dir, const json_t *summary,
			   char *why, size_t why_size);

#endif /* HARNESS_SUMMARY_EXPORT_H */
