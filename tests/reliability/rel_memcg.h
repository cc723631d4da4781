/* rel_memcg.h - a throwaway memory cgroup for a reliability test: made
 * under the test's own memory cgroup (v1, or v2 where the memory
 * controller is delegated), a limit set and read back, its counters, and
 * removal that first ends whatever is still in it. */
#ifndef REL_MEMCG_H
#define REL_MEMCG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct rel_memcg {
	char dir[PATH_MAX]; /* "" when none */
	int v2;
};

/* Make a new memory cgroup named name under ours. 0; or 77 (reason on
 * stderr) when this machine has no memory cgroup we may create. */
int rel_memcg_create(struct rel_memcg *cg, const char *name);

/* The path of its cgroup.procs: write "0" there from a child to move it. */
const char *rel_memcg_procs(const struct rel_memcg *cg, char *buf, size_t size);

/* Memory charged to it now (usage_in_bytes / memory.current). */
uint64_t rel_memcg_usage(const struct rel_memcg *cg);

/* Set its limit in bytes (0: no limit). 0 or -errno. */
int rel_memcg_set_limit(const struct rel_memcg *cg, uint64_t bytes);

/* OOM kills in it, and times it reached its limit (failcnt / events max). */
uint64_t rel_memcg_oom_kills(const struct rel_memcg *cg);
uint64_t rel_memcg_limit_hits(const struct rel_memcg *cg);

/* Lift the limit, SIGKILL every process left in it, wait for it to empty
 * and remove it. 0, or -1 (said on stderr) if it could not. Idempotent. */
int rel_memcg_destroy(struct rel_memcg *cg);

#endif /* REL_MEMCG_H */
