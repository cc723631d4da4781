/* client_shard.h - the client's sharding arithmetic, pure functions with no
 * side effects so they can be tested on their own.
 *
 * Connections are numbered 0, 1, 2, ... globally. Connection i goes to port
 * first + i % nports and, with --sources, to source address
 * first_source + (i / nports) % nsources, so every (source, port) pair is
 * used evenly and every server worker (which owns its own ports) gets an
 * equal share. Worker process k of P owns the connections i with
 * i % P == k, in order: its slot s is connection k + s * P. So the first N
 * connections, whichever processes open them, are exactly connections
 * 0..N-1, and the spread over ports stays exact across processes.
 */
#ifndef CLIENT_SHARD_H
#define CLIENT_SHARD_H

#include <stddef.h>
#include <stdint.h>

/* Descriptors each worker keeps for itself (stdio, epoll, command socket,
 * spare) below RLIMIT_NOFILE. */
#define CLIENT_SHARD_RESERVED_FDS 100u
/* Most worker processes the client will fork. */
#define CLIENT_SHARD_MAX_PROCS 1024u
/* With --procs auto, at least this many connections per process before a
 * second process (up to one per CPU) is worth its cost. */
#define CLIENT_SHARD_MIN_PER_PROC 1000u

struct client_shard_plan {
	unsigned procs;		 /* worker processes */
	uint64_t per_proc_max;	 /* most connections one process may hold */
	uint64_t per_proc_slots; /* slots a process needs: ceil(total/procs) */
};

/* Choose the number of worker processes for `connections` connections.
 * fd_limit is the soft RLIMIT_NOFILE every worker inherits; requested is
 * --procs (0 = auto: the fewest processes that fit, at least one per CPU
 * when there are CLIENT_SHARD_MIN_PER_PROC connections for each); cpus is
 * the number of online CPUs. Returns 0, or -ERANGE with a one-line reason
 * in why (the limit is too small for any connection, the requested count
 * cannot hold them, or more than CLIENT_SHARD_MAX_PROCS are needed). */
int client_shard_plan(uint64_t connections, uint64_t fd_limit,
		      unsigned requested, unsigned cpus,
		      struct client_shard_plan *plan, char *why,
		      size_t why_size);

/* How many of the connections 0..total-1 belong to worker k of procs. */
uint64_t client_shard_count(uint64_t total, unsigned procs, unsigned k);

/* Global number of worker k's slot s. */
static inline uint64_t client_shard_global(unsigned k, uint64_t slot,
					   unsigned procs)
{
	return (uint64_t)k + slot * procs;
}

/* Port index (0..nports-1) and source index (0..nsources-1) of
 * connection i. */
static inline uint32_t client_shard_port_index(uint64_t i, uint32_t nports)
{
	return (uint32_t)(i % nports);
}

static inline uint32_t client_shard_source_index(uint64_t i, uint32_t nports,
						 uint32_t nsources)
{
	return nsources ? (uint32_t)((i / nports) % nsources) : 0;
}

/* The order in which a worker opens its slots [first, end) in one grow
 * step. In slot order (stride 1) consecutive connects go to consecutive
 * server ports. By port: worker k's slot s goes to port
 * (k + s * procs) % nports, the same port again every
 * client_shard_port_stride() slots, so taking the slots first + r,
 * first + r + stride, ... for r = 0, 1, ... opens one port's slots in a
 * row. Either way every slot of the range is taken exactly once. */
struct client_shard_order {
	uint64_t first, end, stride;
	uint64_t residue, index; /* the next slot: first + residue +
				    index * stride */
};

/* Slots between two that go to the same port: nports / gcd(procs, nports)
 * (1 when every slot of a worker goes to one port). */
uint64_t client_shard_port_stride(unsigned procs, uint32_t nports);

/* Start an order over [first, end) with stride (1 = slot order). */
void client_shard_order_start(struct client_shard_order *order, uint64_t first,
			      uint64_t end, uint64_t stride);

/* The next slot in *slot: 1, or 0 when all have been taken. */
int client_shard_order_next(struct client_shard_order *order, uint64_t *slot);

/* Split m things as evenly as possible over procs workers: worker k's
 * share (the first m % procs workers get one more). */
static inline uint64_t client_shard_split(uint64_t m, unsigned procs,
					  unsigned k)
{
	return m / procs + (k < m % procs ? 1 : 0);
}

#endif /* CLIENT_SHARD_H */
