/* harness_report_svg.h - charts as inline SVG for report.html: lines
 * against connection count (log x), and stacked horizontal bars. No
 * script, no external file, no font beyond the page's: the SVG text is
 * written straight into the page. Labels are escaped here. */
#ifndef HARNESS_REPORT_SVG_H
#define HARNESS_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

/* One line: count points (x, y), NaN y leaves a gap. */
struct harness_svg_series {
	const char *name;   /* legend entry; NULL: none (a repeat) */
	const char *colour; /* "#rrggbb" */
	const double *x;    /* must be > 0 on a log axis, else skipped */
	const double *y;
	const unsigned char *marked; /* per point, or NULL: ringed if set */
	size_t count;
};

/* A horizontal dashed line across the plot (a fitted slope). */
struct harness_svg_level {
	const char *label; /* legend entry; NULL: none */
	const char *colour;
	double y;
};

struct harness_svg_chart {
	const char *id;	   /* data-chart attribute and id prefix */
	const char *title; /* above the plot */
	const char *x_label, *y_label;
	int log_x;
	const struct harness_svg_series *series;
	size_t series_count;
	const struct harness_svg_level *levels;
	size_t level_count;
	const char *mark_label; /* legend text for ringed points, or NULL */
};

/* Write <svg ...>...</svg>. With no finite point at all it still draws
 * the frame and says "no data". */
void harness_svg_line_chart(FILE *out, const struct harness_svg_chart *chart);

/* One stacked bar: segments left to right; those with apart set are
 * drawn hatched, after a gap, so they do not read as part of the rest. */
struct harness_svg_segment {
	const char *label; /* legend entry (one per distinct label) */
	const char *colour;
	double value; /* >= 0; others are skipped */
	int apart;
};

struct harness_svg_bar {
	const char *label; /* at the left of the bar */
	const struct harness_svg_segment *segments;
	size_t count;
};

struct harness_svg_bars {
	const char *id, *title, *x_label;
	const struct harness_svg_bar *bars;
	size_t count;
	const char *apart_label; /* legend text for the hatched segments */
};

void harness_svg_stacked_bars(FILE *out, const struct harness_svg_bars *b);

/* text with &, <, >, " escaped. */
void harness_svg_escape(FILE *out, const char *text);

#endif /* HARNESS_REPORT_SVG_H */
