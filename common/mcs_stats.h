/* mcs_stats.h - per-worker server counters in a shared-memory block.
 *
 * The server creates one POSIX shared-memory object (shm_open) holding a
 * header and one cache-line-aligned struct mcs_worker_stats per worker. The
 * workers update their own block with relaxed atomics; the server's monitor
 * and any other process (the harness) map the same object read-only and read
 * it while the server runs. No locks anywhere.
 */
#ifndef MCS_STATS_H
#define MCS_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MCS_STATS_MAGIC	  0x4d43535354415431ull /* "MCSSTAT1" */
#define MCS_STATS_VERSION 1u

/* Where a worker is in its life (mcs_worker_stats.state). */
enum mcs_worker_state {
	MCS_WORKER_STARTING = 0,
	MCS_WORKER_LISTENING = 1, /* init() succeeded: every port is bound */
	MCS_WORKER_STOPPED = 2,	  /* run() returned 0 */
	MCS_WORKER_FAILED = 3,	  /* init() or run() failed: see error */
};

/* One worker's counters. Every field is written only with mcs_stat_add() or
 * mcs_stat_set() and read with mcs_stat_get(). */
struct mcs_worker_stats {
	_Alignas(64) _Atomic uint64_t live; /* connections held now */
	_Atomic uint64_t peak;		    /* most connections held at once */
	_Atomic uint64_t accepts;	    /* connections accepted */
	_Atomic uint64_t closes;	    /* connections closed, any reason */
	_Atomic uint64_t reads;	    /* read calls/completions with data */
	_Atomic uint64_t writes;    /* write calls/completions with data */
	_Atomic uint64_t bytes_in;  /* bytes received */
	_Atomic uint64_t bytes_out; /* bytes sent */

	/* Errors, by kind. */
	_Atomic uint64_t accept_fd_limit; /* accept hit EMFILE/ENFILE */
	_Atomic uint64_t accept_errors;	  /* accept failed otherwise */
	_Atomic uint64_t over_capacity;	  /* accepted beyond max, closed */
	_Atomic uint64_t resets;	  /* ECONNRESET / EPIPE from a peer */
	_Atomic uint64_t read_errors;	  /* other read errors */
	_Atomic uint64_t write_errors;	  /* other write errors */
	_Atomic uint64_t backpressure;	  /* times a connection paused reads */

	/* Memory the backend holds in user space, as it counts it. */
	_Atomic uint64_t pool_bytes;   /* connection pool bytes in use */
	_Atomic uint64_t buffer_bytes; /* pending-write buffer bytes in use */

	_Atomic uint64_t state; /* enum mcs_worker_state */
	_Atomic int64_t pid;	/* worker process id */
	char error[192];	/* why the worker failed, NUL-terminated */
};

struct mcs_stats_header {
	uint64_t magic;	     /* MCS_STATS_MAGIC */
	uint32_t version;    /* MCS_STATS_VERSION */
	uint32_t stats_size; /* sizeof(struct mcs_worker_stats) */
	uint32_t worker_count;
	uint32_t reserved;
	int64_t server_pid;
	uint64_t started_ns; /* CLOCK_MONOTONIC when the server started */
	char backend[32];
};

/* A mapping of the block, as created or opened. */
struct mcs_stats_block {
	struct mcs_stats_header *header;
	struct mcs_worker_stats *workers; /* header->worker_count entries */
	size_t map_size;
	char name[64]; /* shm name, "/mcs-..." */
	int owner;     /* created (and so unlinked) by this process */
};

/* Sum of all workers' counters (plain numbers, a snapshot). */
struct mcs_stats_total {
	uint64_t live, peak, accepts, closes, reads, writes, bytes_in,
	    bytes_out;
	uint64_t accept_fd_limit, accept_errors, over_capacity, resets;
	uint64_t read_errors, write_errors, backpressure;
	uint64_t pool_bytes, buffer_bytes;
	unsigned listening, stopped, failed, workers;
};

static inline void mcs_stat_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static inline void mcs_stat_sub(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_sub_explicit(counter, n, memory_order_relaxed);
}

static inline void mcs_stat_set(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, n, memory_order_relaxed);
}

static inline uint64_t mcs_stat_get(_Atomic uint64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

/* One connection more: bumps live, accepts and peak. */
void mcs_stats_connection_opened(struct mcs_worker_stats *stats);
/* One connection less: drops live, bumps closes. */
void mcs_stats_connection_closed(struct mcs_worker_stats *stats);

/* An accept that failed with errno err, by one policy for every backend:
 * 0 when it is no failure (a signal, a peer gone before it was taken,
 * EAGAIN, a cancelled request: accept again); else 1, counted in
 * accept_fd_limit when descriptors or memory ran out (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM) or in accept_errors, and the backend pauses accepting. */
int mcs_stats_accept_failed(struct mcs_worker_stats *stats, int err);

/* Create the block under name (e.g. "/mcs-server-1234") for worker_count
 * workers, zeroed. Returns 0 or -errno. An existing object of that name is
 * replaced. */
int mcs_stats_create(struct mcs_stats_block *block, const char *name,
		     unsigned worker_count, const char *backend);

/* Map an existing block read-write (counters stay atomic). Returns 0,
 * -ENOENT if there is none yet, -EPROTO if it is not a block of this
 * version. */
int mcs_stats_open(struct mcs_stats_block *block, const char *name);

/* Unmap; the owner also unlinks the name. Safe on a zeroed block. */
void mcs_stats_close(struct mcs_stats_block *block);

/* Add up every worker. */
void mcs_stats_sum(const struct mcs_stats_block *block,
		   struct mcs_stats_total *total);

/* Record a failure reason in the worker's block and mark it failed. */
void mcs_stats_fail(struct mcs_worker_stats *stats, const char *why);

#endif /* MCS_STATS_H */
