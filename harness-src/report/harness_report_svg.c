/* harness_report_svg.c - inline SVG line and bar charts for report.html
 * (see harness_report_svg.h). Geometry is fixed (a 720 x 380 view box
 * scaled to the page's width); only the data changes. */
#include "harness_report_svg.h"

#include <math.h>
#include <string.h>

#include "harness_verdict.h"

#define WIDTH  820.0
#define HEIGHT 380.0
#define LEFT   90.0  /* room for the y tick labels and axis label */
#define RIGHT  580.0 /* the plot's right edge; the legend is beyond */
#define TOP    40.0
#define BOTTOM 318.0 /* the plot's bottom edge; x labels below */

void harness_svg_escape(FILE *out, const char *text)
{
	for (const char *c = text ? text : ""; *c; c++) {
		switch (*c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*c, out);
		}
	}
}

struct scale {
	double lo, hi;	 /* data range (log10 of it on a log axis) */
	double from, to; /* pixels */
	int log;
};

static double scale_at(const struct scale *s, double v)
{
	double t = s->log ? log10(v) : v;
	return s->from + (t - s->lo) / (s->hi - s->lo) * (s->to - s->from);
}

/* A tick's label: as many decimals as the step needs, thousands
 * separated from 1,000 up ("5", "0.5", "2,000"). */
static char *tick_text(double v, double step, char *text, size_t size)
{
	if (fabs(v) < step * 1e-6)
		v = 0;
	if (fabs(v) >= 1000)
		return harness_round3(v, text, size);
	int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	snprintf(text, size, "%.*f", decimals, v);
	return text;
}

/* A step of 1, 2 or 5 times a power of ten giving about 5 ticks. */
static double nice_step(double span)
{
	double raw = span / 5.0;
	double magnitude = pow(10.0, floor(log10(raw)));
	double f = raw / magnitude;
	return (f <= 1.0   ? 1.0
		: f <= 2.0 ? 2.0
		: f <= 5.0 ? 5.0
			   : 10.0) *
	       magnitude;
}

static int usable(const struct harness_svg_chart *c, double x, double y)
{
	return isfinite(x) && isfinite(y) && (!c->log_x || x > 0);
}

/* The data's range over every point and level. 0 when there is none. */
static int data_range(const struct harness_svg_chart *c, double *x_lo,
		      double *x_hi, double *y_lo, double *y_hi)
{
	int any = 0;
	*x_lo = *y_lo = INFINITY;
	*x_hi = *y_hi = -INFINITY;
	for (size_t s = 0; s < c->series_count; s++)
		for (size_t i = 0; i < c->series[s].count; i++) {
			double x = c->series[s].x[i], y = c->series[s].y[i];
			if (!usable(c, x, y))
				continue;
			any = 1;
			*x_lo = fmin(*x_lo, x);
			*x_hi = fmax(*x_hi, x);
			*y_lo = fmin(*y_lo, y);
			*y_hi = fmax(*y_hi, y);
		}
	for (size_t l = 0; any && l < c->level_count; l++)
		if (isfinite(c->levels[l].y)) {
			*y_lo = fmin(*y_lo, c->levels[l].y);
			*y_hi = fmax(*y_hi, c->levels[l].y);
		}
	return any;
}

static void x_axis(FILE *out, const struct harness_svg_chart *c,
		   struct scale *x, double lo, double hi)
{
	static const char *const decades[] = {
	    "1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M", "1G"};
	x->from = LEFT;
	x->to = RIGHT;
	x->log = c->log_x;
	if (c->log_x) {
		x->lo = floor(log10(lo));
		x->hi = ceil(log10(hi));
		if (x->hi <= x->lo)
			x->hi = x->lo + 1;
		for (double d = x->lo; d <= x->hi + 1e-9; d++) {
			double px = scale_at(x, pow(10.0, d));
			fprintf(out,
				"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
				"x2=\"%.1f\" y2=\"%.1f\"/>",
				px, TOP, px, BOTTOM);
			int k = (int)d;
			fprintf(out,
				"<text x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">%s</text>\n",
				px, BOTTOM + 20,
				k >= 0 && k < 10 ? decades[k] : "?");
		}
		return;
	}
	x->lo = lo;
	x->hi = hi > lo ? hi : lo + 1;
	double step = nice_step(x->hi - x->lo);
	for (double v = ceil(x->lo / step) * step; v <= x->hi; v += step) {
		char text[48];
		fprintf(out,
			"<text x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\">%s</text>\n",
			scale_at(x, v), BOTTOM + 20,
			tick_text(v, step, text, sizeof(text)));
	}
}

static void y_axis(FILE *out, struct scale *y, double lo, double hi)
{
	lo = fmin(lo, 0.0);
	if (hi <= lo)
		hi = lo + 1.0;
	double step = nice_step(hi - lo);
	y->lo = floor(lo / step) * step;
	y->hi = ceil(hi * 1.04 / step) * step;
	y->from = BOTTOM;
	y->to = TOP;
	y->log = 0;
	for (double v = y->lo; v <= y->hi + step * 1e-6; v += step) {
		char text[48];
		double py = scale_at(y, v);
		fprintf(out,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
			"x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"end\">%s</text>\n",
			LEFT, py, RIGHT, py, LEFT - 6, py + 4,
			tick_text(v, step, text, sizeof(text)));
	}
}

static void frame(FILE *out, const struct harness_svg_chart *c)
{
	fprintf(out, "<svg class=\"chart\" "
		     "data-chart=\"");
	harness_svg_escape(out, c->id);
	fprintf(out,
		"\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n"
		"<text class=\"title\" x=\"%.1f\" y=\"22\">",
		WIDTH, HEIGHT, LEFT);
	harness_svg_escape(out, c->title);
	fprintf(out,
		"</text>\n<rect class=\"plot\" x=\"%.1f\" y=\"%.1f\" "
		"width=\"%.1f\" height=\"%.1f\"/>\n",
		LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
	fprintf(out,
		"<text class=\"label\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"middle\">",
		(LEFT + RIGHT) / 2, BOTTOM + 46);
	harness_svg_escape(out, c->x_label);
	fprintf(out,
		"</text>\n<text class=\"label\" text-anchor=\"middle\" "
		"transform=\"translate(20 %.1f) rotate(-90)\">",
		(TOP + BOTTOM) / 2);
	harness_svg_escape(out, c->y_label);
	fputs("</text>\n", out);
}

static void legend_entry(FILE *out, int row, const char *colour,
			 const char *label, int kind)
{
	double y = TOP + 8 + row * 21;
	if (kind == 0)
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"2.5\"/>",
			RIGHT + 12, y, RIGHT + 34, y, colour);
	else if (kind == 1)
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"2\" "
			"stroke-dasharray=\"6 4\"/>",
			RIGHT + 12, y, RIGHT + 34, y, colour);
	else
		fprintf(out,
			"<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" "
			"r=\"6\"/>",
			RIGHT + 23, y);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", RIGHT + 40, y + 4);
	harness_svg_escape(out, label);
	fputs("</text>\n", out);
}

static int series_has_mark(const struct harness_svg_series *s)
{
	for (size_t i = 0; s->marked && i < s->count; i++)
		if (s->marked[i])
			return 1;
	return 0;
}

static void legend(FILE *out, const struct harness_svg_chart *c)
{
	int row = 0, marks = 0;
	for (size_t s = 0; s < c->series_count; s++) {
		if (c->series[s].name)
			legend_entry(out, row++, c->series[s].colour,
				     c->series[s].name, 0);
		marks |= series_has_mark(&c->series[s]);
	}
	for (size_t l = 0; l < c->level_count; l++)
		if (c->levels[l].label && isfinite(c->levels[l].y))
			legend_entry(out, row++, c->levels[l].colour,
				     c->levels[l].label, 1);
	if (marks && c->mark_label)
		legend_entry(out, row, "", c->mark_label, 2);
}

static void draw_series(FILE *out, const struct harness_svg_chart *c,
			const struct harness_svg_series *s,
			const struct scale *x, const struct scale *y)
{
	fprintf(out,
		"<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"",
		s->colour);
	int pen_down = 0;
	for (size_t i = 0; i < s->count; i++) {
		if (!usable(c, s->x[i], s->y[i])) {
			pen_down = 0;
			continue;
		}
		fprintf(out, "%c%.1f %.1f ", pen_down ? 'L' : 'M',
			scale_at(x, s->x[i]), scale_at(y, s->y[i]));
		pen_down = 1;
	}
	fputs("\"/>\n", out);
	for (size_t i = 0; i < s->count; i++) {
		if (!usable(c, s->x[i], s->y[i]))
			continue;
		double px = scale_at(x, s->x[i]), py = scale_at(y, s->y[i]);
		fprintf(out,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
			"fill=\"%s\"/>",
			px, py, s->colour);
		if (s->marked && s->marked[i])
			fprintf(out,
				"<circle class=\"mark\" cx=\"%.1f\" "
				"cy=\"%.1f\" r=\"7\"/>",
				px, py);
	}
	fputc('\n', out);
}

void harness_svg_line_chart(FILE *out, const struct harness_svg_chart *c)
{
	double x_lo, x_hi, y_lo, y_hi;
	frame(out, c);
	if (!data_range(c, &x_lo, &x_hi, &y_lo, &y_hi)) {
		fprintf(out,
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
			"no data</text>\n</svg>\n",
			(LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2);
		return;
	}
	struct scale x, y;
	x_axis(out, c, &x, x_lo, x_hi);
	y_axis(out, &y, y_lo, y_hi);
	for (size_t l = 0; l < c->level_count; l++)
		if (isfinite(c->levels[l].y))
			fprintf(out,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" "
				"stroke-dasharray=\"6 4\"/>\n",
				LEFT, scale_at(&y, c->levels[l].y), RIGHT,
				scale_at(&y, c->levels[l].y),
				c->levels[l].colour);
	for (size_t s = 0; s < c->series_count; s++)
		draw_series(out, c, &c->series[s], &x, &y);
	legend(out, c);
	fputs("</svg>\n", out);
}

/* ---- stacked bars ---- */

#define BAR_LEFT 150.0 /* bars start here; their labels end before */
#define BAR_ROW	 34.0

static double bar_total(const struct harness_svg_bar *bar)
{
	double total = 0;
	for (size_t i = 0; i < bar->count; i++)
		if (bar->segments[i].value > 0)
			total += bar->segments[i].value;
	return total;
}

/* Draws one bar's segments; apart ones after a gap, hatched. */
static void draw_bar(FILE *out, const char *id,
		     const struct harness_svg_bar *bar, double y,
		     const struct scale *x)
{
	double at = 0, gap = 0, own = 0;
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
		BAR_LEFT - 8, y + BAR_ROW / 2 + 2);
	harness_svg_escape(out, bar->label);
	fputs("</text>\n", out);
	for (int apart = 0; apart <= 1; apart++)
		for (size_t i = 0; i < bar->count; i++) {
			const struct harness_svg_segment *s = &bar->segments[i];
			if (!(s->value > 0) || !s->apart != !apart)
				continue;
			if (apart)
				gap = 8;
			double x0 = scale_at(x, at) + gap;
			double w = scale_at(x, at + s->value) + gap - x0;
			fprintf(out,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" "
				"height=\"%.1f\" stroke=\"#fff\" fill=\"",
				x0, y + 4, w, BAR_ROW - 12);
			if (apart) {
				fputs("url(#", out);
				harness_svg_escape(out, id);
				fputs("-apart)", out);
			} else {
				fputs(s->colour, out);
			}
			fputs("\"><title>", out);
			harness_svg_escape(out, s->label);
			char text[48];
			fprintf(out, ": %s</title></rect>\n",
				harness_round3(s->value, text, sizeof(text)));
			at += s->value;
			own += apart ? 0 : s->value;
		}
	char text[48];
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
		scale_at(x, at) + gap + 6, y + BAR_ROW / 2 + 2,
		harness_round3(own, text, sizeof(text)));
}

/* Whether segment i of bar r is the first not-apart one with its label. */
static int first_of_label(const struct harness_svg_bars *b, size_t r, size_t i)
{
	const struct harness_svg_segment *s = &b->bars[r].segments[i];
	if (s->apart || !(s->value > 0))
		return 0;
	for (size_t q = 0; q <= r; q++)
		for (size_t j = 0; j < (q == r ? i : b->bars[q].count); j++)
			if (!b->bars[q].segments[j].apart &&
			    b->bars[q].segments[j].value > 0 &&
			    strcmp(b->bars[q].segments[j].label, s->label) == 0)
				return 0;
	return 1;
}

static int legend_rows(const struct harness_svg_bars *b)
{
	int rows = b->apart_label ? 1 : 0;
	for (size_t r = 0; r < b->count; r++)
		for (size_t i = 0; i < b->bars[r].count; i++)
			rows += first_of_label(b, r, i);
	return rows;
}

static void bars_legend_entry(FILE *out, const struct harness_svg_bars *b,
			      int row, const char *colour, const char *label)
{
	double y = TOP + row * 20;
	fprintf(out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" "
		"fill=\"",
		RIGHT + 12, y);
	if (colour) {
		fputs(colour, out);
	} else {
		fputs("url(#", out);
		harness_svg_escape(out, b->id);
		fputs("-apart)", out);
	}
	fprintf(out, "\"/><text x=\"%.1f\" y=\"%.1f\">", RIGHT + 32, y + 10);
	harness_svg_escape(out, label);
	fputs("</text>\n", out);
}

/* One legend row per distinct label, in first appearance order. */
static void bars_legend(FILE *out, const struct harness_svg_bars *b)
{
	int row = 0;
	size_t most =
	    0; /* segment by segment, so the legend keeps their order */
	for (size_t r = 0; r < b->count; r++)
		most = b->bars[r].count > most ? b->bars[r].count : most;
	for (size_t i = 0; i < most; i++)
		for (size_t r = 0; r < b->count; r++)
			if (i < b->bars[r].count && first_of_label(b, r, i))
				bars_legend_entry(out, b, row++,
						  b->bars[r].segments[i].colour,
						  b->bars[r].segments[i].label);
	if (b->apart_label)
		bars_legend_entry(out, b, row, NULL, b->apart_label);
}

void harness_svg_stacked_bars(FILE *out, const struct harness_svg_bars *b)
{
	double most = 0;
	for (size_t r = 0; r < b->count; r++)
		most = fmax(most, bar_total(&b->bars[r]));
	double bottom = TOP + b->count * BAR_ROW;
	double height = fmax(bottom + 60, TOP + legend_rows(b) * 20 + 10);
	fprintf(out, "<svg class=\"chart\" "
		     "data-chart=\"");
	harness_svg_escape(out, b->id);
	fprintf(out, "\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n<defs>",
		WIDTH, height);
	fputs("<pattern id=\"", out);
	harness_svg_escape(out, b->id);
	fputs(
	    "-apart\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" "
	    "fill=\"#ddd\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
	    "stroke=\"#666\" stroke-width=\"2\"/></pattern></defs>\n",
	    out);
	fprintf(out, "<text class=\"title\" x=\"%.1f\" y=\"22\">", BAR_LEFT);
	harness_svg_escape(out, b->title);
	fputs("</text>\n", out);
	struct scale x = {0, most > 0 ? most * 1.04 : 1, BAR_LEFT, RIGHT - 70,
			  0};
	double step = nice_step(x.hi);
	for (double v = 0; v <= x.hi; v += step) {
		char text[48];
		double px = scale_at(&x, v);
		fprintf(
		    out,
		    "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%s</text>\n",
		    px, TOP, px, bottom, px, bottom + 18,
		    tick_text(v, step, text, sizeof(text)));
	}
	for (size_t r = 0; r < b->count; r++)
		draw_bar(out, b->id, &b->bars[r], TOP + r * BAR_ROW, &x);
	fprintf(out,
		"<text class=\"label\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"middle\">",
		(BAR_LEFT + RIGHT) / 2, bottom + 42);
	harness_svg_escape(out, b->x_label);
	fputs("</text>\n", out);
	bars_legend(out, b);
	fputs("</svg>\n", out);
}
