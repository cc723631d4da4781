/* harness_fit.c - least squares for memory = base + slope x connections.
 * Sums are taken about the means so counts near 1M do not lose precision. */
#include "harness_fit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness_format.h"

int harness_fit_linear(const double *x, const double *y, size_t n,
		       struct harness_fit *fit)
{
	memset(fit, 0, sizeof(*fit));
	fit->points = n;
	if (n < 2)
		return -EINVAL;
	double mean_x = 0, mean_y = 0;
	for (size_t i = 0; i < n; i++) {
		mean_x += x[i];
		mean_y += y[i];
	}
	mean_x /= (double)n;
	mean_y /= (double)n;
	double sxx = 0, sxy = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - mean_x, dy = y[i] - mean_y;
		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	if (sxx == 0)
		return -EINVAL;
	fit->slope = sxy / sxx;
	fit->base = mean_y - fit->slope * mean_x;
	/* All y equal: the line explains them perfectly. */
	fit->r2 = syy == 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
	return 0;
}

int harness_fit_meaningful(size_t points, uint64_t last_connections, char *why,
			   size_t why_size)
{
	int few_points = points < HARNESS_FIT_MIN_POINTS;
	int few_connections = last_connections < HARNESS_FIT_MIN_CONNECTIONS;
	if (!few_points && !few_connections)
		return 1;
	if (!why)
		return 0;
	char held[32], at_least[32];
	harness_format_count(last_connections, held, sizeof(held));
	harness_format_count(HARNESS_FIT_MIN_CONNECTIONS, at_least,
			     sizeof(at_least));
	if (few_points && few_connections)
		snprintf(why, why_size,
			 "a fit over %zu points, with %s held at the last "
			 "step, means nothing: a slope needs %d points or more "
			 "and %s connections or more at the last step (two "
			 "points always fit a line, and below %s one page of "
			 "memory moves the slope by a byte or more per "
			 "connection)",
			 points, held, HARNESS_FIT_MIN_POINTS, at_least,
			 at_least);
	else if (few_points)
		snprintf(why, why_size,
			 "a fit over %zu points means nothing: a slope needs "
			 "%d points or more (two points always fit a line)",
			 points, HARNESS_FIT_MIN_POINTS);
	else
		snprintf(why, why_size,
			 "a fit with %s held at the last step means nothing: "
			 "a slope needs %s connections or more there (below "
			 "that one page of memory moves the slope by a byte or "
			 "more per connection)",
			 held, at_least);
	return 0;
}
