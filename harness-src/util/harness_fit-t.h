/* harness_fit-t.h - the types of harness_fit.h, without its functions, so a
 * header that only names them does not pull the functions in. */
#ifndef HARNESS_FIT_T_H
#define HARNESS_FIT_T_H

#include <stddef.h>
#include <stdint.h>

struct harness_fit {
	double base;  /* intercept: memory at zero connections */
	double slope; /* memory per additional connection */
	double r2;    /* coefficient of determination, 1 = a perfect line */
	size_t points;
};

/* A memory fit means something only over HARNESS_FIT_MIN_POINTS points
 * (the baseline and the steps) reaching HARNESS_FIT_MIN_CONNECTIONS at the
 * last step: below that a single 4 KiB page of PSS, or a slab page, moves
 * the slope by a byte or more per connection, and two points always fit a
 * line exactly. */
#define HARNESS_FIT_MIN_POINTS	    3
#define HARNESS_FIT_MIN_CONNECTIONS 5000

/* Below this r2 the points are not on a line: memory did not grow with the
 * count alone (a buffer pool touched by traffic, a page-granular jump),
 * and the slope is flagged in the console, sweep.json and the report. */
#define HARNESS_FIT_R2_MIN 0.99

#endif /* HARNESS_FIT_T_H */
