/* mcs_slabinfo.h - /proc/slabinfo as flat snapshots: a bounded line
 * parser that never reads past a line's end, and the reader. Shared by the
 * harness (per-cache fit, harness-src/measure/harness_slab.h) and the
 * agent (a host's measurement). Parsing is pure and unit-tested. */
#ifndef MCS_SLABINFO_H
#define MCS_SLABINFO_H

#include <stddef.h>
#include <stdint.h>

#define MCS_SLAB_MAX_CACHES 512 /* caches kept in one snapshot */
#define MCS_SLAB_NAME_SIZE  48	/* longest name kept, with its NUL */

/* One line of /proc/slabinfo. */
struct mcs_slab_cache {
	/* Printable ASCII only (other bytes become '?'), cut to 47 bytes. */
	char name[MCS_SLAB_NAME_SIZE];
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
struct mcs_slab_snapshot {
	size_t count;	  /* caches kept in caches[], in text order */
	size_t seen;	  /* well-formed cache lines, kept or not */
	size_t malformed; /* lines that were neither a cache nor a comment */
	struct mcs_slab_cache caches[MCS_SLAB_MAX_CACHES];
};

/* Parse slabinfo text (NUL-terminated) taken on a machine whose page size
 * is page_size bytes. Comment lines ("# name ...") and empty lines are
 * skipped; a line without a name, its five numbers and the slabdata
 * section (a truncated line, say) is counted in malformed and skipped, as
 * is one whose byte counts would overflow 64 bits. Past
 * MCS_SLAB_MAX_CACHES the first caches are kept and seen says how
 * many there were. Returns 0; -EPROTO if the first line is not "slabinfo -
 * version: 2.x"; -EINVAL if text is NULL or page_size is not positive
 * (snap is then zeroed). */
int mcs_slab_parse(const char *text, long page_size,
		   struct mcs_slab_snapshot *snap);

/* Read and parse /proc/slabinfo with this machine's page size. Returns 0,
 * or -errno: -EACCES when not root (slabinfo is mode 0400), -ENOENT
 * without /proc or slabinfo, -ENOMEM, or -EPROTO from parsing. snap is
 * zeroed on failure. */
int mcs_slab_read(struct mcs_slab_snapshot *snap);

/* A blank-separated token in [*p, end): its length (0 at the end) with
 * *token at its start, and *p after it. */
size_t mcs_slab_next_token(const char **p, const char *end, const char **token);

/* A cache name as kept: printable ASCII only (other bytes become '?'),
 * cut to MCS_SLAB_NAME_SIZE - 1 bytes, NUL-terminated. */
void mcs_slab_copy_name(char *dst, const char *token, size_t len);

#endif /* MCS_SLABINFO_H */
