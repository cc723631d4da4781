/* client_shard.c - how many worker processes, and which connections each
 * one opens (see client_shard.h). */
#include "client_shard.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static uint64_t divide_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b ? 1 : 0);
}

int client_shard_plan(uint64_t connections, uint64_t fd_limit,
		      unsigned requested, unsigned cpus,
		      struct client_shard_plan *plan, char *why,
		      size_t why_size)
{
	if (connections == 0) {
		snprintf(why, why_size, "no connections to open");
		return -ERANGE;
	}
	if (fd_limit <= CLIENT_SHARD_RESERVED_FDS) {
		snprintf(why, why_size,
			 "RLIMIT_NOFILE is %" PRIu64 ": a worker needs more "
			 "than %u descriptors for itself; raise the limit "
			 "(ulimit -n)",
			 fd_limit, CLIENT_SHARD_RESERVED_FDS);
		return -ERANGE;
	}
	uint64_t per_proc_max = fd_limit - CLIENT_SHARD_RESERVED_FDS;
	uint64_t needed = divide_up(connections, per_proc_max);
	uint64_t procs = requested;
	if (requested == 0) {
		procs = needed;
		uint64_t by_cpu =
		    divide_up(connections, CLIENT_SHARD_MIN_PER_PROC);
		if (cpus > 1 && procs < cpus)
			procs = by_cpu < cpus ? by_cpu : cpus;
		if (procs < needed)
			procs = needed;
	} else if (requested < needed) {
		snprintf(why, why_size,
			 "%u processes cannot hold %" PRIu64
			 " connections: at most %" PRIu64
			 " each (RLIMIT_NOFILE %" PRIu64
			 " less %u reserved); use --procs %" PRIu64
			 " or more, or auto",
			 requested, connections, per_proc_max, fd_limit,
			 CLIENT_SHARD_RESERVED_FDS, needed);
		return -ERANGE;
	}
	if (procs > connections)
		procs = connections;
	if (procs > CLIENT_SHARD_MAX_PROCS) {
		snprintf(why, why_size,
			 "%" PRIu64 " connections need %" PRIu64
			 " processes of at most %" PRIu64
			 " each (RLIMIT_NOFILE %" PRIu64
			 "), more than the %u the client forks",
			 connections, procs, per_proc_max, fd_limit,
			 CLIENT_SHARD_MAX_PROCS);
		return -ERANGE;
	}
	plan->procs = (unsigned)procs;
	plan->per_proc_max = per_proc_max;
	plan->per_proc_slots = divide_up(connections, procs);
	return 0;
}

uint64_t client_shard_count(uint64_t total, unsigned procs, unsigned k)
{
	if (procs == 0 || total <= k)
		return 0;
	return (total - k - 1) / procs + 1;
}

uint64_t client_shard_port_stride(unsigned procs, uint32_t nports)
{
	if (nports == 0)
		return 1;
	uint64_t a = procs % nports, b = nports;
	while (a) {
		uint64_t r = b % a;
		b = a;
		a = r;
	}
	return nports / b;
}

void client_shard_order_start(struct client_shard_order *order, uint64_t first,
			      uint64_t end, uint64_t stride)
{
	order->first = first;
	order->end = end;
	order->stride = stride ? stride : 1;
	order->residue = 0;
	order->index = 0;
}

int client_shard_order_next(struct client_shard_order *order, uint64_t *slot)
{
	while (order->residue < order->stride) {
		uint64_t s = order->first + order->residue +
			     order->index * order->stride;
		if (s < order->end) {
			order->index++;
			*slot = s;
			return 1;
		}
		order->residue++;
		order->index = 0;
	}
	return 0;
}
