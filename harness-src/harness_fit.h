/* harness_fit.h - ordinary least-squares line through the sweep's points.
 *
 * Memory at each step is fixed overhead plus a per-connection cost:
 * memory = base + slope x connections. The slope is the honest "bytes per
 * connection"; the base is what the processes cost with no connections at
 * all. Pure arithmetic, no I/O, so it is unit-tested against known data.
 */
#ifndef HARNESS_FIT_H
#define HARNESS_FIT_H

#include <stddef.h>

struct harness_fit {
	double base;  /* intercept: memory at zero connections */
	double slope; /* memory per additional connection */
	double r2;    /* coefficient of determination, 1 = a perfect line */
	size_t points;
};

/* Fit y = base + slope * x over n points. Returns 0, or -EINVAL when there
 * are fewer than two points or every x is the same (no slope to find);
 * then fit is zeroed except points. */
int harness_fit_linear(const double *x, const double *y, size_t n,
		       struct harness_fit *fit);

#endif /* HARNESS_FIT_H */
