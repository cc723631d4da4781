/* harness_kernel_estimate-t.h - the types of harness_kernel_estimate.h, without
 * its functions, so a header that only names them does not pull the functions
 * in. */
#ifndef HARNESS_KERNEL_ESTIMATE_T_H
#define HARNESS_KERNEL_ESTIMATE_T_H

#include <stddef.h>
#include <stdint.h>

/* Added to the sum of the caches: it covers what the table leaves out
 * (the client's tcp_bind2_bucket per port, a share of kmalloc-192, the
 * client's own epoll items once connections carry messages: at most 2.3%
 * of the fitted slope on 6.18.44, epoll's) and the spread between sweeps.
 */
#define HARNESS_KERNEL_ESTIMATE_MARGIN_PERCENT 10
/* When slabinfo cannot be read: the whole-Slab slope per loopback
 * connection measured on an earlier 6.18 build (the most seen so far). */
#define HARNESS_KERNEL_BYTES_CONSTANT 9600ull
#define HARNESS_KERNEL_SOURCE_SIZE    512

struct harness_kernel_estimate {
	uint64_t bytes_per_connection; /* the estimate, margin included */
	uint64_t caches_bytes;	       /* the sum before the margin */
	int from_slabinfo;	       /* 0: the constant */
	unsigned defaults_used; /* caches missing from slabinfo, defaulted */
	/* How it was made, for the plan and sweep.json: "slabinfo per-object
	 * cost: TCP 2x2521 + ... = 7,874 B + 10% margin ..." or "constant
	 * (slabinfo unreadable: ...)". */
	char source[HARNESS_KERNEL_SOURCE_SIZE];
};

#endif /* HARNESS_KERNEL_ESTIMATE_T_H */
