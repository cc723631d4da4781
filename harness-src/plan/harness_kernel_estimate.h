/* harness_kernel_estimate.h - the preflight's kernel memory per loopback
 * connection (both ends), estimated from the running kernel's
 * /proc/slabinfo rather than from a constant.
 *
 * Kernel object sizes change between builds of one kernel (9.5-9.8 KB per
 * connection on one 6.18 build, ~8.1 KB on the next), so the estimate is
 * the sum, over the slab caches one connection uses, of what a slab of
 * that cache really spends per object on this kernel (its pages over its
 * objects per slab, at least objsize) times the objects one connection
 * holds there, plus what the backend adds (the server's epoll item, or an
 * io_uring request), plus HARNESS_KERNEL_ESTIMATE_MARGIN_PERCENT.
 *
 * A cache this kernel merged into another (so it has no line of its own in
 * slabinfo) is counted at a default measured on kernel 6.18.44, and the
 * source text says so. Without slabinfo (it is readable by root only) the
 * estimate is HARNESS_KERNEL_BYTES_CONSTANT.
 */
#ifndef HARNESS_KERNEL_ESTIMATE_H
#define HARNESS_KERNEL_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "harness_slab.h"

#include "harness_kernel_estimate-t.h"

/* What one object of cache c costs in its slabs: pagesperslab x page_size
 * / objperslab rounded up, and never less than objsize. 0 when the line
 * gives no objects per slab or no pages. Pure. */
uint64_t harness_slab_object_cost(const struct mcs_slab_cache *c,
				  long page_size);

/* The estimate for backend (its --backend name) from snap, a slabinfo
 * taken on a machine of page_size bytes per page. An unknown backend is
 * counted with the epoll item, the larger of the readiness backends'
 * extras. Pure: no I/O. */
void harness_kernel_estimate_from_slabinfo(
    const struct mcs_slab_snapshot *snap, long page_size, const char *backend,
    struct harness_kernel_estimate *estimate);

/* The same for ends ends of each connection on this kernel: 2 (a
 * loopback pair, the kernel client) or 1 (the server's end alone, the TUN
 * client): the per-socket caches counted once, the backend's extras as
 * they are (they are the server's). Pure. */
void harness_kernel_estimate_ends(const struct mcs_slab_snapshot *snap,
				  long page_size, const char *backend,
				  unsigned ends,
				  struct harness_kernel_estimate *estimate);

/* The constant, with err (-errno) from reading slabinfo in the source. */
void harness_kernel_estimate_constant(int err,
				      struct harness_kernel_estimate *estimate);

/* Read /proc/slabinfo and estimate from it for ends ends (above), or fall
 * back to the constant (halved for one end). Always fills estimate. */
void harness_kernel_estimate_here(const char *backend, unsigned ends,
				  struct harness_kernel_estimate *estimate);

#endif /* HARNESS_KERNEL_ESTIMATE_H */
