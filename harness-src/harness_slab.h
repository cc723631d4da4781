/* harness_slab.h - kernel memory by slab cache: parse /proc/slabinfo into
 * flat snapshots, fit each cache's growth per connection over a sweep, and
 * name what each cache is (issue 10, part 3).
 *
 * The whole-Slab slope says a loopback connection costs ~8 KB of kernel
 * memory; this says where: TCP, sock_inode_cache, dentry, filp, the
 * server's epoll items or io_uring requests, kmalloc. A cache's bytes are
 * its whole slabs (num_slabs x pagesperslab x page size), the pages it
 * holds, so that the per-cache slopes add up to the whole-Slab slope.
 *
 * Parsing, categories and the fit are pure (no I/O) and unit-tested;
 * harness_slab_read() and harness_slab_note_merges() read /proc and /sys.
 */
#ifndef HARNESS_SLAB_H
#define HARNESS_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HARNESS_SLAB_MAX_CACHES	 512 /* caches kept in one snapshot */
#define HARNESS_SLAB_NAME_SIZE	 48  /* longest name kept, with its NUL */
#define HARNESS_SLAB_FIT_CACHES	 64  /* caches listed in one fit */
#define HARNESS_SLAB_MERGED_SIZE 160
#define HARNESS_SLAB_CATEGORIES	 8

/* One line of /proc/slabinfo. */
struct harness_slab_cache {
	/* Printable ASCII only (other bytes become '?'), cut to 47 bytes. */
	char name[HARNESS_SLAB_NAME_SIZE];
	uint64_t active_objs, num_objs;
	uint32_t objsize, objperslab, pagesperslab;
	uint64_t num_slabs;
	/* num_slabs x pagesperslab x page size: the pages the cache holds,
	 * what meminfo Slab counts (a slab allocated at a lower fallback
	 * order is counted at the cache's usual order). */
	uint64_t slab_bytes;
	uint64_t active_bytes; /* active_objs x objsize: objects in use */
};

/* Every cache at one moment. Flat (no pointers, no heap): the harness
 * keeps one per measurement and may copy or store them. */
struct harness_slab_snapshot {
	size_t count;	  /* caches kept in caches[], in text order */
	size_t seen;	  /* well-formed cache lines, kept or not */
	size_t malformed; /* lines that were neither a cache nor a comment */
	struct harness_slab_cache caches[HARNESS_SLAB_MAX_CACHES];
};

/* Parse slabinfo text (NUL-terminated) taken on a machine whose page size
 * is page_size bytes. Comment lines ("# name ...") and empty lines are
 * skipped; a line without a name, its five numbers and the slabdata
 * section (a truncated line, say) is counted in malformed and skipped, as
 * is one whose byte counts would overflow 64 bits. Past
 * HARNESS_SLAB_MAX_CACHES the first caches are kept and seen says how
 * many there were. Returns 0; -EPROTO if the first line is not "slabinfo -
 * version: 2.x"; -EINVAL if text is NULL or page_size is not positive
 * (snap is then zeroed). */
int harness_slab_parse(const char *text, long page_size,
		       struct harness_slab_snapshot *snap);

/* Read and parse /proc/slabinfo with this machine's page size. Returns 0,
 * or -errno: -EACCES when not root (slabinfo is mode 0400), -ENOENT
 * without /proc or slabinfo, -ENOMEM, or -EPROTO from parsing. snap is
 * zeroed on failure. */
int harness_slab_read(struct harness_slab_snapshot *snap);

/* One cache's growth per connection over a sweep. slope_bytes can be
 * below active_slope_bytes when new objects fill slabs the cache already
 * held (freed by an earlier run): the pages did not grow. */
struct harness_slab_slope {
	char name[HARNESS_SLAB_NAME_SIZE];
	const char *category; /* harness_slab_category(name) */
	const char *ends;     /* harness_slab_ends(name), see note_merges */
	double slope_bytes;   /* fitted growth of slab_bytes per conn */
	double active_slope_bytes; /* fitted growth of active_bytes per conn */
	double objects_per_conn;   /* fitted growth of active_objs per conn */
	uint32_t objsize;	   /* from the last snapshot holding it */
	/* Other caches the kernel merged into this one ("a b c", space
	 * separated), filled by harness_slab_note_merges(); "" if none or
	 * not looked up. Their objects are counted under this name. */
	char merged_with[HARNESS_SLAB_MERGED_SIZE];
};

/* The per-cache fit of a sweep. */
struct harness_slab_fit {
	double min_slope_bytes; /* the threshold caches[] was chosen by */
	size_t points;		/* snapshots fitted */
	/* Caches growing at least min_slope_bytes per connection, largest
	 * slope first (ties by name); at most HARNESS_SLAB_FIT_CACHES of
	 * them, the others that qualified are counted in left_off. */
	size_t count;
	size_t left_off;
	struct harness_slab_slope caches[HARNESS_SLAB_FIT_CACHES];
	double sum_slope_bytes;	 /* sum of slope_bytes over caches[] */
	double rest_slope_bytes; /* sum over every other cache, so that
				  * sum + rest = the slope of all caches */
	/* slope_bytes of every cache (listed or not) summed by category, in
	 * the order of harness_slab_category_names: a stacked bar that adds
	 * up to sum + rest. */
	double category_slope_bytes[HARNESS_SLAB_CATEGORIES];
};

/* Fit slab_bytes, active_bytes and active_objs of every cache against x
 * over n points (x[i] connections held, points[i] the snapshot taken
 * there), by least squares (harness_fit_linear). A cache is matched by
 * name; one missing from some snapshot counts as 0 there; two lines of
 * one name in a snapshot are added. Returns 0; -EINVAL when n < 2 or
 * every x is the same (fit then holds only min_slope_bytes and points);
 * -ENOMEM. Pure: no I/O. */
int harness_slab_fit(const struct harness_slab_snapshot *points,
		     const double *x, size_t n, double min_slope_bytes,
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
