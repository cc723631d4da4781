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
#include <stdint.h>

#include "harness_fit-t.h"

/* Fit y = base + slope * x over n points. Returns 0, or -EINVAL when there
 * are fewer than two points or every x is the same (no slope to find);
 * then fit is zeroed except points. */
int harness_fit_linear(const double *x, const double *y, size_t n,
		       struct harness_fit *fit);

/* 1 when the fit over points reaching last_connections means something;
 * else 0, and why says why not (why may be NULL). Pure. */
int harness_fit_meaningful(size_t points, uint64_t last_connections, char *why,
			   size_t why_size);

#endif /* HARNESS_FIT_H */
