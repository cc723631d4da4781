/* harness_slab.h - kernel memory by slab cache: fit each cache's growth per
 * connection over a sweep, and name what each cache is (issue 10, part 3).
 *
 * The whole-Slab slope says a loopback connection costs ~8 KB of kernel
 * memory; this says where: TCP, sock_inode_cache, dentry, filp, the
 * server's epoll items or io_uring requests, kmalloc. A cache's bytes are
 * its whole slabs (num_slabs x pagesperslab x page size), the pages it
 * holds, so that the per-cache slopes add up to the whole-Slab slope.
 *
 * The snapshots themselves are read by common/mcs_slabinfo.h (the agent
 * reads them too). Categories and the fit are pure (no I/O) and
 * unit-tested; harness_slab_note_merges() reads /sys.
 */
#ifndef HARNESS_SLAB_H
#define HARNESS_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "harness_slab-t.h"

/* Fit slab_bytes, active_bytes and active_objs of every cache against x
 * over n points (x[i] connections held, points[i] the snapshot taken
 * there), by least squares (harness_fit_linear). A cache is matched by
 * name; one missing from some snapshot counts as 0 there; two lines of
 * one name in a snapshot are added. Returns 0; -EINVAL when n < 2 or
 * every x is the same (fit then holds only min_slope_bytes and points);
 * -ENOMEM. Pure: no I/O. */
int harness_slab_fit(const struct mcs_slab_snapshot *points, const double *x,
		     size_t n, double min_slope_bytes,
		     struct harness_slab_fit *fit);

/* The bar a cache belongs to: "TCP" (TCP and TCPv6 sockets),
 * "sock_inode_cache", "dentry", "filp", "eventpoll_epi", "io_kiocb",
 * "kmalloc-*" (every kmalloc-*, kmalloc-cg-*, kmalloc-rcl-* and
 * dma-kmalloc-* cache) or "other". Never NULL; a static string. */
const char *harness_slab_category(const char *cache_name);

/* The categories in bar order, "other" last. */
extern const char *const harness_slab_category_names[HARNESS_SLAB_CATEGORIES];

/* Which end of a loopback connection a cache's objects serve, from one
 * table: "both" (one object per socket, so the client's end and the
 * server's: TCP, sock_inode_cache, dentry, filp, lsm_inode_cache,
 * lsm_file_cache), "server" (eventpoll_epi, eventpoll_pwq, io_kiocb,
 * request_sock_TCP), "client" (tcp_bind_bucket, tcp_bind2_bucket: one per
 * local port connected from) or "mixed" (kmalloc-* and every cache not in
 * the table). Never NULL; a static string. */
const char *harness_slab_ends(const char *cache_name);

/* Fill merged_with for each of fit->caches from slab_dir (NULL:
 * /sys/kernel/slab, where a merged cache is a symlink to a shared
 * ":A-0000128"-style directory), and make ends "mixed" where a cache
 * merged into it serves other ends by the table (one not in the table
 * counts as mixed). On kernel 6.18 eventpoll_epi shares its slabs with
 * tcp_bind_bucket and tcp_bind2_bucket, so the client's port buckets count
 * under that name, and eventpoll_pwq counts under anon_vma_chain. Calling
 * it again starts over. Returns 0, or -errno if slab_dir cannot be read
 * (fit is then unchanged). */
int harness_slab_note_merges(struct harness_slab_fit *fit,
			     const char *slab_dir);

/* fit as a new JSON object: {"caches":[{"cache","category","ends",
 * "slope_bytes","active_slope_bytes","objects_per_conn","objsize"
 * [,"merged_with":[names]]}...], "sum_slope_bytes", "rest_slope_bytes",
 * "min_slope_bytes", "left_off", "by_category":{name: slope}}. A figure
 * that is not finite is null. Returns NULL when out of memory. */
json_t *harness_slab_fit_json(const struct harness_slab_fit *fit);

#endif /* HARNESS_SLAB_H */
