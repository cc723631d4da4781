/* harness_measure.c - add up PSS and CPU over process sets, and read the
 * kernel-wide counters the sweep compares against its baseline. */
#include "harness_measure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_slab.h"
#include "mcs_proc.h"
#include "mcs_slabinfo.h"

size_t harness_server_pids(pid_t server, const struct mcs_stats_block *stats,
			   pid_t *pids, size_t max)
{
	size_t n = 0;
	if (server > 0 && n < max)
		pids[n++] = server;
	if (!stats->header)
		return n;
	for (uint32_t i = 0; i < stats->header->worker_count && n < max; i++) {
		int64_t pid = atomic_load_explicit(&stats->workers[i].pid,
						   memory_order_relaxed);
		if (pid > 0)
			pids[n++] = (pid_t)pid;
	}
	return n;
}

static void add_processes(const pid_t *pids, size_t count, uint64_t *pss,
			  uint64_t *pss_anon, double *cpu, unsigned *read)
{
	for (size_t i = 0; i < count; i++) {
		struct mcs_process_memory mem;
		if (mcs_read_process_memory(pids[i], &mem) != 0)
			continue;
		*pss += mem.pss;
		*pss_anon += mem.pss_anon;
		(*read)++;
		double seconds;
		if (mcs_read_process_runtime(pids[i], &seconds) == 0)
			*cpu += seconds;
	}
}

static double cpu_of(const pid_t *pids, size_t count)
{
	double total = 0;
	for (size_t i = 0; i < count; i++) {
		double seconds;
		if (mcs_read_process_runtime(pids[i], &seconds) == 0)
			total += seconds;
	}
	return total;
}

void harness_sample_cpu(const pid_t *server_pids, size_t server_count,
			const pid_t *client_pids, size_t client_count,
			double *server_cpu, double *client_cpu)
{
	*server_cpu = cpu_of(server_pids, server_count);
	*client_cpu = cpu_of(client_pids, client_count);
}

double harness_machine_busy_s(void)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	unsigned long long v[8] = {0};
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	long hz = sysconf(_SC_CLK_TCK);
	if (n < 8 || hz <= 0)
		return 0;
	/* user nice system idle iowait irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

/* The snapshot the last harness_sample_system() read, and how it went. */
static struct mcs_slab_snapshot last_slab;
static int last_slab_error = -ENODATA;

static uint64_t active_bytes(const struct mcs_slab_snapshot *snap)
{
	uint64_t total = 0;
	for (size_t i = 0; i < snap->count; i++)
		total += snap->caches[i].active_bytes;
	return total;
}

int harness_parse_slabinfo(const char *text, uint64_t *bytes)
{
	static struct mcs_slab_snapshot snap;
	int err = mcs_slab_parse(text, sysconf(_SC_PAGESIZE), &snap);
	if (err)
		return err;
	*bytes = active_bytes(&snap);
	return 0;
}

/* One read of /proc/slabinfo serves both the total of objects in use and
 * the per-cache snapshot (harness_sample_slab()): it is a walk of every
 * cache in the kernel, not worth doing twice per measurement. */
static void read_slab_objects(struct harness_sample *sample)
{
	last_slab_error = mcs_slab_read(&last_slab);
	sample->slab_objects = last_slab_error ? 0 : active_bytes(&last_slab);
}

const struct mcs_slab_snapshot *harness_sample_slab(int *err)
{
	*err = last_slab_error;
	return &last_slab;
}

int harness_sample_system(struct harness_sample *sample)
{
	struct mcs_meminfo meminfo;
	struct mcs_sockstat sockstat;
	struct mcs_netstat netstat;
	int err = mcs_read_meminfo(&meminfo);
	if (!err)
		err = mcs_read_sockstat(&sockstat);
	if (!err)
		err = mcs_read_netstat(&netstat);
	if (err)
		return err;
	sample->slab = meminfo.slab;
	read_slab_objects(sample);
	sample->tcp_mem = sockstat.tcp_mem_bytes;
	sample->tcp_inuse = sockstat.tcp_inuse;
	sample->tcp_alloc = sockstat.tcp_alloc;
	sample->listen_overflows = netstat.listen_overflows;
	sample->listen_drops = netstat.listen_drops;
	return 0;
}

int harness_sample_take(const pid_t *server_pids, size_t server_count,
			const pid_t *client_pids, size_t client_count,
			struct harness_sample *sample)
{
	memset(sample, 0, sizeof(*sample));
	add_processes(server_pids, server_count, &sample->server_pss,
		      &sample->server_pss_anon, &sample->server_cpu,
		      &sample->server_processes);
	add_processes(client_pids, client_count, &sample->client_pss,
		      &sample->client_pss_anon, &sample->client_cpu,
		      &sample->client_processes);
	return harness_sample_system(sample);
}
