/* harness_measure-t.h - the types of harness_measure.h, without its functions,
 * so a header that only names them does not pull the functions in. */
#ifndef HARNESS_MEASURE_T_H
#define HARNESS_MEASURE_T_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HARNESS_MAX_PIDS 1024

struct harness_sample {
	uint64_t server_pss, client_pss; /* bytes, summed over processes */
	/* Their anonymous part (Pss_Anon: heap, stacks, private maps): what
	 * a leak grows, without the share of library pages that moves as
	 * other processes on the machine map and unmap them. */
	uint64_t server_pss_anon, client_pss_anon;
	unsigned server_processes, client_processes; /* how many were read */
	double server_cpu, client_cpu; /* CPU seconds run, summed */
	uint64_t slab;		       /* /proc/meminfo Slab, bytes */
	/* Bytes of slab objects in use (/proc/slabinfo active_objs x
	 * objsize over every cache; root only, else 0). Slab counts whole
	 * pages, so objects freed by an earlier run are reused without Slab
	 * growing: at small counts this is the truer figure. */
	uint64_t slab_objects;
	uint64_t tcp_mem;   /* sockstat TCP mem, bytes */
	uint64_t tcp_inuse; /* sockstat TCP inuse */
	/* sockstat TCP alloc: every TCP socket of the machine, all
	 * namespaces (inuse is the reader's namespace only). */
	uint64_t tcp_alloc;
	uint64_t listen_overflows, listen_drops; /* netstat TcpExt */
};

#endif /* HARNESS_MEASURE_T_H */
