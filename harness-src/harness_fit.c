/* harness_fit.c - least squares for memory = base + slope x connections.
 * Sums are taken about the means so counts near 1M do not lose precision. */
#include "harness_fit.h"

#include <errno.h>
#include <string.h>

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
