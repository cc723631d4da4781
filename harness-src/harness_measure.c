/* harness_measure.c - add up PSS and CPU over process sets, and read the
 * kernel-wide counters the sweep compares against its baseline. */
#include "harness_measure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mcs_proc.h"

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
			  double *cpu, unsigned *read)
{
	for (size_t i = 0; i < count; i++) {
		struct mcs_process_memory mem;
		if (mcs_read_process_memory(pids[i], &mem) != 0)
			continue;
		*pss += mem.pss;
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

int harness_parse_slabinfo(const char *text, uint64_t *bytes)
{
	if (strncmp(text, "slabinfo - version: 2.", 22) != 0)
		return -EPROTO;
	uint64_t total = 0;
	const char *line = strchr(text, '\n');
	while (line && *++line) {
		char name[128];
		unsigned long long active, count, size;
		if (*line != '#' && sscanf(line, "%127s %llu %llu %llu", name,
					   &active, &count, &size) == 4)
			total += (uint64_t)active * size;
		line = strchr(line, '\n');
	}
	*bytes = total;
	return 0;
}

static void read_slab_objects(struct harness_sample *sample)
{
	static char text[1 << 20];
	sample->slab_objects = 0;
	if (mcs_read_small_file("/proc/slabinfo", text, sizeof(text)) > 0)
		harness_parse_slabinfo(text, &sample->slab_objects);
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
		      &sample->server_cpu, &sample->server_processes);
	add_processes(client_pids, client_count, &sample->client_pss,
		      &sample->client_cpu, &sample->client_processes);
	return harness_sample_system(sample);
}
