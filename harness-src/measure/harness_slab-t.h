/* harness_slab-t.h - the types of harness_slab.h, without its functions, so a
 * header that only names them does not pull the functions in. */
#ifndef HARNESS_SLAB_T_H
#define HARNESS_SLAB_T_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "mcs_slabinfo.h"

#define HARNESS_SLAB_FIT_CACHES	 64 /* caches listed in one fit */
#define HARNESS_SLAB_MERGED_SIZE 160
#define HARNESS_SLAB_CATEGORIES	 8

/* One cache's growth per connection over a sweep. slope_bytes can be
 * below active_slope_bytes when new objects fill slabs the cache already
 * held (freed by an earlier run): the pages did not grow. */
struct harness_slab_slope {
	char name[MCS_SLAB_NAME_SIZE];
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

#endif /* HARNESS_SLAB_T_H */
