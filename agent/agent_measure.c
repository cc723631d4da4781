/* agent_measure.c - what the agent's processes and its host's kernel hold,
 * as JSON: PSS, RSS and CPU of the server's and the client's processes
 * (/proc/PID/smaps_rollup, schedstat), /proc/meminfo, /proc/slabinfo
 * (totals, and every cache when asked), /proc/net/sockstat and netstat,
 * and the server's own counters from its shared stats. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "mcs_slabinfo.h"
#include "mcs_proc.h"

#define MAX_PIDS 1100

static void set_u64(json_t *o, const char *key, uint64_t value)
{
	json_object_set_new(o, key, json_integer((json_int_t)value));
}

/* Map the server's stats once it has made them (it does before it says
 * it listens). */
static struct mcs_stats_block *server_stats(struct agent *a)
{
	struct agent_proc *p = &a->procs[AGENT_SERVER];
	if (!p->running || !p->stats_name[0])
		return NULL;
	if (!p->stats.header && mcs_stats_open(&p->stats, p->stats_name))
		return NULL;
	return &p->stats;
}

/* The process and its workers: the server's from its stats, the client's
 * from its children. */
static size_t proc_pids(struct agent *a, int id, pid_t *pids, size_t max)
{
	struct agent_proc *p = &a->procs[id];
	if (!p->running || p->child.pid <= 0)
		return 0;
	size_t n = 0;
	pids[n++] = p->child.pid;
	if (id == AGENT_CLIENT) {
		int k =
		    mcs_list_children(p->child.pid, pids + 1, (int)(max - 1));
		return k > 0 ? n + (size_t)k : n;
	}
	struct mcs_stats_block *s = server_stats(a);
	for (uint32_t i = 0; s && i < s->header->worker_count && n < max; i++) {
		int64_t pid = atomic_load_explicit(&s->workers[i].pid,
						   memory_order_relaxed);
		if (pid > 0)
			pids[n++] = (pid_t)pid;
	}
	return n;
}

static json_t *processes_json(struct agent *a, int id)
{
	static pid_t pids[MAX_PIDS];
	size_t n = proc_pids(a, id, pids, MAX_PIDS);
	uint64_t pss = 0, rss = 0;
	double cpu = 0;
	unsigned counted = 0;
	for (size_t i = 0; i < n; i++) {
		struct mcs_process_memory m;
		if (mcs_read_process_memory(pids[i], &m) != 0)
			continue; /* gone meanwhile */
		counted++;
		pss += m.pss;
		rss += m.rss;
		double seconds;
		if (mcs_read_process_runtime(pids[i], &seconds) == 0)
			cpu += seconds;
	}
	json_t *o = json_object();
	json_object_set_new(o, "running", json_boolean(a->procs[id].running));
	json_object_set_new(o, "count", json_integer(counted));
	set_u64(o, "pss", pss);
	set_u64(o, "rss", rss);
	json_object_set_new(o, "cpu_s", json_real(cpu));
	return o;
}

static json_t *meminfo_json(void)
{
	struct mcs_meminfo m;
	if (mcs_read_meminfo(&m))
		return json_null();
	json_t *o = json_object();
	set_u64(o, "total", m.total);
	set_u64(o, "available", m.available);
	set_u64(o, "free", m.free);
	set_u64(o, "slab", m.slab);
	set_u64(o, "slab_reclaimable", m.slab_reclaimable);
	set_u64(o, "slab_unreclaimable", m.slab_unreclaimable);
	return o;
}

/* Totals of /proc/slabinfo; with caches, each cache as [slab_bytes,
 * active_bytes, active_objs, objsize]. Not root: {"error": "EACCES"}. */
static json_t *slabinfo_json(int with_caches)
{
	static struct mcs_slab_snapshot snap;
	int err = mcs_slab_read(&snap);
	json_t *o = json_object();
	if (err) {
		const char *name = strerrorname_np(-err);
		json_object_set_new(o, "error", json_string(name ? name : "?"));
		return o;
	}
	uint64_t slab = 0, active = 0;
	json_t *caches = with_caches ? json_object() : NULL;
	for (size_t i = 0; i < snap.count; i++) {
		const struct mcs_slab_cache *c = &snap.caches[i];
		slab += c->slab_bytes;
		active += c->active_bytes;
		if (caches)
			json_object_set_new(
			    caches, c->name,
			    json_pack("[I,I,I,i]", (json_int_t)c->slab_bytes,
				      (json_int_t)c->active_bytes,
				      (json_int_t)c->active_objs,
				      (int)c->objsize));
	}
	set_u64(o, "slab_bytes", slab);
	set_u64(o, "active_bytes", active);
	if (caches)
		json_object_set_new(o, "caches", caches);
	return o;
}

static json_t *sockstat_json(void)
{
	struct mcs_sockstat s;
	if (mcs_read_sockstat(&s))
		return json_null();
	json_t *o = json_object();
	set_u64(o, "sockets_used", s.sockets_used);
	set_u64(o, "tcp_inuse", s.tcp_inuse);
	set_u64(o, "tcp_orphan", s.tcp_orphan);
	set_u64(o, "tcp_tw", s.tcp_tw);
	set_u64(o, "tcp_alloc", s.tcp_alloc);
	set_u64(o, "tcp_mem_bytes", s.tcp_mem_bytes);
	return o;
}

static json_t *netstat_json(void)
{
	struct mcs_netstat s;
	if (mcs_read_netstat(&s))
		return json_null();
	return json_pack("{s:I,s:I}", "listen_overflows",
			 (json_int_t)s.listen_overflows, "listen_drops",
			 (json_int_t)s.listen_drops);
}

json_t *agent_measure_json(struct agent *a, int with_caches)
{
	json_t *o = agent_reply(NULL, "measure");
	json_t *procs = json_object();
	json_object_set_new(procs, "server", processes_json(a, AGENT_SERVER));
	json_object_set_new(procs, "client", processes_json(a, AGENT_CLIENT));
	json_object_set_new(o, "processes", procs);
	json_object_set_new(o, "meminfo", meminfo_json());
	json_object_set_new(o, "slabinfo", slabinfo_json(with_caches));
	json_object_set_new(o, "sockstat", sockstat_json());
	json_object_set_new(o, "netstat", netstat_json());
	return o;
}

json_t *agent_stats_json(struct agent *a)
{
	json_t *o = agent_reply(NULL, "stats");
	struct mcs_stats_block *s = server_stats(a);
	json_object_set_new(o, "available", json_boolean(s != NULL));
	if (!s)
		return o;
	struct mcs_stats_total t;
	mcs_stats_sum(s, &t);
	set_u64(o, "live", t.live);
	set_u64(o, "accepts", t.accepts);
	set_u64(o, "accept_errors", t.accept_errors);
	set_u64(o, "accept_fd_limit", t.accept_fd_limit);
	set_u64(o, "over_capacity", t.over_capacity);
	json_object_set_new(o, "workers", json_integer(t.workers));
	json_object_set_new(o, "listening", json_integer(t.listening));
	json_object_set_new(o, "failed", json_integer(t.failed));
	for (uint32_t i = 0; i < s->header->worker_count; i++) {
		struct mcs_worker_stats *w = &s->workers[i];
		if (mcs_stat_get(&w->state) != MCS_WORKER_FAILED)
			continue;
		char error[sizeof(w->error)];
		memcpy(error, w->error, sizeof(error));
		error[sizeof(error) - 1] = '\0';
		json_object_set_new(o, "worker_error", json_string(error));
		break;
	}
	return o;
}
