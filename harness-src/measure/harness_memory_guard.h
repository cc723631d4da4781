/* harness_memory_guard.h - memory pressure during a sweep: how much memory the
 * run may still take (the machine's MemAvailable, or the headroom under
 * the limit of the memory cgroup the harness runs in, whichever is less),
 * and whether the kernel's OOM killer ran while it did.
 *
 * The server and client inherit the harness's cgroup, and their sockets'
 * kernel memory is charged to it, so a container's or a systemd unit's
 * limit is what a sweep really runs into; MemAvailable alone would not
 * see it. Reading never prints; a missing file means "no such limit".
 */
#ifndef HARNESS_MEMORY_H
#define HARNESS_MEMORY_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "harness_options.h"

struct harness_memory {
	/* The memory cgroup the harness runs in ("" if none is mounted):
	 * its directory, its path inside the hierarchy, its mount root. */
	char own_dir[PATH_MAX];
	char own_name[256];
	char root[64];
	int cgroup_v2;
	/* The tightest limit below MemTotal on own_dir or an ancestor, as
	 * last read (limits may change during a run): "" / 0 if none. */
	char cgroup_dir[PATH_MAX];
	char cgroup_name[256];
	uint64_t cgroup_limit;
	uint64_t memory_total; /* MemTotal */
	/* Counters when the watch started: the machine's, and own_dir's. */
	uint64_t machine_ooms_start; /* /proc/vmstat oom_kill */
	uint64_t cgroup_ooms_start;  /* the cgroup's oom_kill */
	uint64_t cgroup_hits_start;  /* times it reached its limit */
};

/* What is left, now. */
struct harness_memory_now {
	uint64_t headroom;	  /* the smaller of the two below */
	uint64_t available;	  /* MemAvailable */
	uint64_t cgroup_headroom; /* limit - (usage - inactive file); 0 if no
				     limit */
	int cgroup_bound;	  /* the cgroup is the tighter of the two */
	uint64_t machine_ooms;	  /* OOM kills since the start */
	uint64_t cgroup_ooms;
	uint64_t cgroup_hits;
};

/* Find the harness's memory cgroup and its limit, and take the counters.
 * Returns 0, or -errno if /proc/meminfo cannot be read. */
int harness_memory_start(struct harness_memory *m);

/* Read what is left and the OOM kills since harness_memory_start(); the
 * cgroup limit is read afresh (into m). */
int harness_memory_read(struct harness_memory *m,
			struct harness_memory_now *now);

/* The floor the sweep keeps by default: 5% of what bounds it (the cgroup
 * limit as last read, or MemTotal), at least 4 MiB. */
uint64_t harness_memory_default_floor(const struct harness_memory *m);
/* The floor a run keeps: --min-free if given, else the default. */
uint64_t harness_memory_floor(const struct harness_memory *m,
			      const struct harness_options *o);

/* How long the guard may wait before its next read: long enough to cost
 * nothing while far from the floor, short enough that memory arriving at
 * the rate seen between the last two reads (bytes_per_s, 0 if not
 * growing) takes at most a quarter of what is left above the floor before
 * it looks again. Seconds, between HARNESS_MEMORY_CHECK_MIN_S and
 * HARNESS_MEMORY_CHECK_MAX_S. */
#define HARNESS_MEMORY_CHECK_MIN_S 0.01
#define HARNESS_MEMORY_CHECK_MAX_S 0.25
double harness_memory_next_check(uint64_t headroom, uint64_t floor,
				 double bytes_per_s);

/* When, as of the read now, the OOM killer ran or the cgroup hit its
 * limit since the start, append "; out of memory: ..." saying so to why
 * (one line). Returns 1 if it appended. */
int harness_memory_explain(const struct harness_memory *m,
			   const struct harness_memory_now *now, char *why,
			   size_t why_size);

/* Pure parsers, for the tests. */
/* From /proc/self/cgroup text: the memory controller's path (v1
 * "N:memory:/path", else the v2 "0::/path"), and whether it is v2. */
int harness_parse_memory_cgroup(const char *text, char *path, size_t path_size,
				int *v2);

#endif /* HARNESS_MEMORY_H */
