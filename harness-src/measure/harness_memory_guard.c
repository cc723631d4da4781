/* harness_memory_guard.c - how much memory a sweep may still take, and whether
 * the OOM killer ran: /proc/meminfo, /proc/vmstat, and the files of the
 * memory cgroup the harness runs in (v1 or v2). */
#include "harness_memory_guard.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcs_format.h"
#include "mcs_proc.h"

#define V1_ROOT "/sys/fs/cgroup/memory"

int harness_parse_memory_cgroup(const char *text, char *path, size_t path_size,
				int *v2)
{
	const char *v2_path = NULL;
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		/* "hierarchy-id:controllers:path" */
		const char *c1 = memchr(line, ':', len);
		const char *c2 =
		    c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line))
		       : NULL;
		if (c2) {
			const char *controllers = c1 + 1;
			size_t clen = (size_t)(c2 - controllers);
			const char *p = c2 + 1;
			size_t plen = len - (size_t)(p - line);
			int v1_memory = 0;
			for (const char *c = controllers; c < c2;) {
				const char *comma =
				    memchr(c, ',', (size_t)(c2 - c));
				size_t n = comma ? (size_t)(comma - c)
						 : (size_t)(c2 - c);
				if (n == 6 && memcmp(c, "memory", 6) == 0)
					v1_memory = 1;
				c += n + 1;
			}
			if ((v1_memory || (clen == 0 && !v2_path)) && plen &&
			    p[0] == '/') {
				if (plen >= path_size)
					return -ENAMETOOLONG;
				memcpy(path, p, plen);
				path[plen] = '\0';
				if (v1_memory) {
					*v2 = 0;
					return 0;
				}
				v2_path = path;
			}
		}
		line = end ? end + 1 : NULL;
	}
	if (!v2_path)
		return -ENOENT;
	*v2 = 1;
	return 0;
}

/* A cgroup file holding one number ("max" reads as UINT64_MAX). */
static int read_number(const char *dir, const char *file, uint64_t *value)
{
	char path[PATH_MAX + 64], text[64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ssize_t n = mcs_read_small_file(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	if (strncmp(text, "max", 3) == 0) {
		*value = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (end == text || errno)
		return -EINVAL;
	*value = v;
	return 0;
}

static int read_keyed(const char *dir, const char *file, const char *key,
		      uint64_t *value)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return mcs_read_keyed(path, key, value);
}

static void read_counters(const struct harness_memory *m, uint64_t *machine,
			  uint64_t *cgroup_ooms, uint64_t *cgroup_hits)
{
	*machine = *cgroup_ooms = *cgroup_hits = 0;
	read_keyed("/proc", "vmstat", "oom_kill", machine);
	if (!m->own_dir[0])
		return;
	if (m->cgroup_v2) {
		read_keyed(m->own_dir, "memory.events", "oom_kill",
			   cgroup_ooms);
		read_keyed(m->own_dir, "memory.events", "max", cgroup_hits);
	} else {
		read_keyed(m->own_dir, "memory.oom_control", "oom_kill",
			   cgroup_ooms);
		read_number(m->own_dir, "memory.failcnt", cgroup_hits);
	}
}

/* The directory of the root plus rel into dir; 0, or -1 if it does not
 * fit. */
static int join(char *dir, size_t dir_size, const char *root, const char *rel)
{
	size_t root_len = strlen(root);
	const char *tail = strcmp(rel, "/") == 0 ? "" : rel;
	size_t tail_len = strlen(tail);
	if (root_len + tail_len >= dir_size)
		return -1;
	memcpy(dir, root, root_len);
	memcpy(dir + root_len, tail, tail_len + 1);
	return 0;
}

/* own_dir and each ancestor up to the root: the smallest limit below
 * MemTotal goes to m->cgroup_*. */
static void find_limit(struct harness_memory *m)
{
	m->cgroup_dir[0] = m->cgroup_name[0] = '\0';
	m->cgroup_limit = 0;
	if (!m->own_dir[0])
		return;
	char rel[sizeof(m->own_name)];
	memcpy(rel, m->own_name, strlen(m->own_name) + 1);
	for (;;) {
		char dir[sizeof(m->cgroup_dir)];
		uint64_t limit;
		if (join(dir, sizeof(dir), m->root, rel) == 0 &&
		    read_number(dir,
				m->cgroup_v2 ? "memory.max"
					     : "memory.limit_in_bytes",
				&limit) == 0 &&
		    limit < m->memory_total &&
		    (!m->cgroup_limit || limit < m->cgroup_limit)) {
			m->cgroup_limit = limit;
			memcpy(m->cgroup_dir, dir, strlen(dir) + 1);
			memcpy(m->cgroup_name, rel, strlen(rel) + 1);
		}
		char *slash = strrchr(rel, '/');
		if (!slash || slash == rel) {
			if (strcmp(rel, "/") == 0)
				break;
			rel[1] = '\0'; /* then the root itself */
			continue;
		}
		*slash = '\0';
	}
}

/* Where the harness's memory cgroup is: own_dir, own_name, root. */
static void find_own(struct harness_memory *m)
{
	char text[4096], path[sizeof(m->own_name)];
	int v2;
	if (mcs_read_small_file("/proc/self/cgroup", text, sizeof(text)) <= 0 ||
	    harness_parse_memory_cgroup(text, path, sizeof(path), &v2) != 0)
		return;
	/* v1's memory hierarchy; or unified alone, or beside v1. */
	static const char *const v1_roots[] = {V1_ROOT};
	static const char *const v2_roots[] = {"/sys/fs/cgroup",
					       "/sys/fs/cgroup/unified"};
	const char *const *roots = v2 ? v2_roots : v1_roots;
	size_t count = v2 ? 2 : 1;
	for (size_t i = 0; i < count; i++) {
		char dir[sizeof(m->own_dir)], probe[sizeof(dir) + 32];
		if (join(dir, sizeof(dir), roots[i], path))
			continue;
		snprintf(probe, sizeof(probe), "%s/%s", dir,
			 v2 ? "memory.max" : "memory.limit_in_bytes");
		if (access(probe, R_OK) != 0 && !(v2 && strcmp(path, "/") == 0))
			continue;
		memcpy(m->own_dir, dir, strlen(dir) + 1);
		memcpy(m->own_name, path, strlen(path) + 1);
		snprintf(m->root, sizeof(m->root), "%s", roots[i]);
		m->cgroup_v2 = v2;
		return;
	}
}

int harness_memory_start(struct harness_memory *m)
{
	memset(m, 0, sizeof(*m));
	struct mcs_meminfo info;
	int err = mcs_read_meminfo(&info);
	if (err)
		return err;
	m->memory_total = info.total;
	find_own(m);
	find_limit(m);
	read_counters(m, &m->machine_ooms_start, &m->cgroup_ooms_start,
		      &m->cgroup_hits_start);
	return 0;
}

static uint64_t since(uint64_t now, uint64_t start)
{
	return now > start ? now - start : 0;
}

int harness_memory_read(struct harness_memory *m,
			struct harness_memory_now *now)
{
	memset(now, 0, sizeof(*now));
	struct mcs_meminfo info;
	int err = mcs_read_meminfo(&info);
	if (err)
		return err;
	/* MemAvailable counts about half of the reclaimable slab as free,
	 * and sock_inode_cache and dentries are "reclaimable" slab that no
	 * reclaim frees while their socket is open (SReclaimable was 3.9 GB
	 * at 1M connections here). Not counted here. */
	uint64_t unfreeable = info.slab_reclaimable / 2;
	now->available =
	    info.available > unfreeable ? info.available - unfreeable : 0;
	now->headroom = now->available;
	find_limit(m);
	if (m->cgroup_dir[0]) {
		uint64_t usage = 0, inactive = 0;
		read_number(m->cgroup_dir,
			    m->cgroup_v2 ? "memory.current"
					 : "memory.usage_in_bytes",
			    &usage);
		/* Inactive page cache is reclaimed before anything fails. */
		read_keyed(m->cgroup_dir, "memory.stat",
			   m->cgroup_v2 ? "inactive_file"
					: "total_inactive_file",
			   &inactive);
		uint64_t used = usage > inactive ? usage - inactive : 0;
		now->cgroup_headroom =
		    m->cgroup_limit > used ? m->cgroup_limit - used : 0;
		if (now->cgroup_headroom < now->headroom) {
			now->headroom = now->cgroup_headroom;
			now->cgroup_bound = 1;
		}
	}
	uint64_t machine, ooms, hits;
	read_counters(m, &machine, &ooms, &hits);
	now->machine_ooms = since(machine, m->machine_ooms_start);
	now->cgroup_ooms = since(ooms, m->cgroup_ooms_start);
	now->cgroup_hits = since(hits, m->cgroup_hits_start);
	return 0;
}

uint64_t harness_memory_default_floor(const struct harness_memory *m)
{
	uint64_t bound = m->cgroup_limit ? m->cgroup_limit : m->memory_total;
	uint64_t floor = bound / 20;
	return floor < (4u << 20) ? (4u << 20) : floor;
}

uint64_t harness_memory_floor(const struct harness_memory *m,
			      const struct harness_options *o)
{
	return o->min_free_given ? o->min_free
				 : harness_memory_default_floor(m);
}

double harness_memory_next_check(uint64_t headroom, uint64_t floor,
				 double bytes_per_s)
{
	if (headroom <= floor)
		return HARNESS_MEMORY_CHECK_MIN_S;
	if (!(bytes_per_s > 0))
		return HARNESS_MEMORY_CHECK_MAX_S;
	double delay = (double)(headroom - floor) / (4.0 * bytes_per_s);
	if (delay < HARNESS_MEMORY_CHECK_MIN_S)
		return HARNESS_MEMORY_CHECK_MIN_S;
	return delay > HARNESS_MEMORY_CHECK_MAX_S ? HARNESS_MEMORY_CHECK_MAX_S
						  : delay;
}

int harness_memory_explain(const struct harness_memory *m,
			   const struct harness_memory_now *now, char *why,
			   size_t why_size)
{
	if (!now->machine_ooms && !now->cgroup_ooms && !now->cgroup_hits)
		return 0;
	char limit[32], note[512];
	if (now->cgroup_ooms || now->cgroup_hits) {
		if (m->cgroup_limit)
			mcs_format_bytes(m->cgroup_limit, limit, sizeof(limit));
		else
			snprintf(limit, sizeof(limit), "none now");
		snprintf(note, sizeof(note),
			 "; out of memory: this run's memory cgroup %.200s "
			 "(limit %s) reached its limit %" PRIu64
			 " times and the kernel's OOM killer ran %" PRIu64
			 " times in it",
			 m->own_name, limit, now->cgroup_hits,
			 now->cgroup_ooms);
	} else {
		char available[32];
		mcs_format_bytes(now->available, available, sizeof(available));
		snprintf(note, sizeof(note),
			 "; out of memory: the kernel's OOM killer ran %" PRIu64
			 " times on this machine during the run (MemAvailable "
			 "now %s)",
			 now->machine_ooms, available);
	}
	size_t used = strlen(why);
	if (used + 1 >= why_size)
		return 0;
	snprintf(why + used, why_size - used, "%s", note);
	return 1;
}
