/* thread_per_core.c - the thread-per-core backend: one pinned thread per
 * core inside each worker process, each running its own edge-triggered
 * epoll loop (backends/lib/epoll_loop.c) over its own SO_REUSEPORT
 * listener on every port of the worker. The kernel spreads incoming
 * connections over the threads' listeners; after that a connection belongs
 * to one thread for life.
 *
 * Nothing is shared between threads on the hot path: each thread has its
 * own epoll, listeners, connection pool, read buffer and counters. The
 * counters are thread-local and published into the worker's shared stats
 * block once per batch of events (a handful of atomic adds per batch, not
 * per operation).
 *
 * Threads share one process's fd table, so RLIMIT_NOFILE still caps the
 * worker, and the server/harness multiply processes as for every other
 * backend. The worker's connection cap is one atomic counter that accept
 * and close touch (never reads or writes): a static split per thread would
 * refuse connections whenever the kernel's SO_REUSEPORT hash is uneven,
 * and accept4/close serialise on the shared fd table in the kernel anyway.
 *
 * Needs: Linux 3.9+ (SO_REUSEPORT), pthreads.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "epoll_loop.h"
#include "mcs_backend.h"
#include "mcs_net.h"

#define TPC_MAX_THREADS 256u
/* Descriptors kept free beside connections: stdio, spare, and per thread
 * the loop's own (counted in capacity for the worst case of 16 threads,
 * then checked against the real thread count in init). */
#define TPC_RESERVED_FDS (3u + 10u)

struct tpc_thread {
	struct tpc_backend *backend;
	struct epoll_loop *loop;
	pthread_t thread;
	int started;
	int cpu;
	int result;
	char why[160];
	struct mcs_worker_stats local;	   /* counted here, by this thread */
	struct mcs_worker_stats published; /* what was already added */
};

struct tpc_backend {
	_Atomic unsigned held; /* connections held by all threads */
	struct mcs_worker_stats *shared;
	unsigned thread_count;
	struct tpc_thread *threads;
};

static unsigned tpc_online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1u;
}

static unsigned tpc_capacity(unsigned fd_limit)
{
	unsigned reserve =
	    TPC_RESERVED_FDS + tpc_online_cores() * EPOLL_LOOP_FIXED_FDS;
	return fd_limit > reserve ? fd_limit - reserve : 0;
}

/* Add what this thread counted since the last call into the shared block.
 * Runs after every batch; only non-zero deltas cost an atomic add. */
static void tpc_publish(void *arg)
{
	struct tpc_thread *t = arg;
	struct mcs_worker_stats *shared = t->backend->shared;
#define PUBLISH(field)                                                         \
	do {                                                                   \
		uint64_t now = mcs_stat_get(&t->local.field);                  \
		uint64_t before = mcs_stat_get(&t->published.field);           \
		if (now != before) {                                           \
			mcs_stat_add(&shared->field, now - before);            \
			mcs_stat_set(&t->published.field, now);                \
		}                                                              \
	} while (0)
	PUBLISH(live); /* wraps correctly: deltas are modulo 2^64 */
	PUBLISH(accepts);
	PUBLISH(closes);
	PUBLISH(reads);
	PUBLISH(writes);
	PUBLISH(bytes_in);
	PUBLISH(bytes_out);
	PUBLISH(accept_fd_limit);
	PUBLISH(accept_errors);
	PUBLISH(over_capacity);
	PUBLISH(resets);
	PUBLISH(read_errors);
	PUBLISH(write_errors);
	PUBLISH(backpressure);
	PUBLISH(pool_bytes);
	PUBLISH(buffer_bytes);
#undef PUBLISH
	/* The worker's peak is the most it held at once across threads. */
	uint64_t live = mcs_stat_get(&shared->live);
	uint64_t peak = mcs_stat_get(&shared->peak);
	while (live > peak && !atomic_compare_exchange_weak_explicit(
				  &shared->peak, &peak, live,
				  memory_order_relaxed, memory_order_relaxed))
		;
}

static void tpc_destroy(void *state)
{
	struct tpc_backend *b = state;
	if (!b)
		return;
	for (unsigned i = 0; i < b->thread_count; i++) {
		struct tpc_thread *t = &b->threads[i];
		if (t->loop) {
			epoll_loop_destroy(t->loop);
			t->loop = NULL;
			tpc_publish(t);
		}
	}
	free(b->threads);
	free(b);
}

static int tpc_init(const struct mcs_worker_config *config, void **state,
		    char *why, size_t why_size)
{
	int err;
	unsigned cores = tpc_online_cores();
	unsigned threads = config->threads ? config->threads : cores;
	if (threads > TPC_MAX_THREADS) {
		snprintf(why, why_size,
			 "thread-per-core: %u threads asked, at most %u",
			 threads, TPC_MAX_THREADS);
		return -EINVAL;
	}
	if (config->max_connections < threads) {
		snprintf(why, why_size,
			 "thread-per-core: a cap of %u connections cannot be "
			 "split over %u threads",
			 config->max_connections, threads);
		return -EINVAL;
	}
	struct tpc_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, why_size, "thread-per-core: out of memory");
		return -ENOMEM;
	}
	b->shared = config->stats;
	b->threads = calloc(threads, sizeof(*b->threads));
	if (!b->threads) {
		free(b);
		snprintf(why, why_size, "thread-per-core: out of memory");
		return -ENOMEM;
	}
	b->thread_count = threads;
	for (unsigned i = 0; i < threads; i++) {
		struct tpc_thread *t = &b->threads[i];
		t->backend = b;
		t->cpu = (int)(i % cores);
		/* Any thread may end up holding the whole cap: its pool
		 * reserves room for it (address space only, touched as
		 * used); the shared counter enforces the cap. */
		struct readiness_params params = {
		    .name = "epoll",
		    .config = config,
		    .max_connections = config->max_connections,
		    .listen_flags = MCS_LISTEN_REUSEPORT,
		    .stats = &t->local,
		    .shared_live = &b->held,
		    .after_batch = tpc_publish,
		    .after_batch_arg = t,
		};
		err = epoll_loop_create(&params, &t->loop, why, why_size);
		if (err)
			goto err;
	}
	*state = b;
	return 0;
err:
	tpc_destroy(b);
	return err;
}

static void *tpc_thread_main(void *arg)
{
	struct tpc_thread *t = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	/* Pinning is best effort: a restricted cpuset still serves. */
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	t->result = epoll_loop_run(t->loop, t->why, sizeof(t->why));
	tpc_publish(t);
	return NULL;
}

static int tpc_run(void *state, char *why, size_t why_size)
{
	struct tpc_backend *b = state;
	int err = 0;
	/* Signals (SIGTERM from the server) go to this thread, which only
	 * waits: block them in the loop threads. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < b->thread_count; i++) {
		struct tpc_thread *t = &b->threads[i];
		int rc = pthread_create(&t->thread, NULL, tpc_thread_main, t);
		if (rc) {
			snprintf(why, why_size,
				 "thread-per-core: pthread_create: %s",
				 strerror(rc));
			err = -rc;
			for (unsigned k = 0; k < i; k++)
				epoll_loop_stop(b->threads[k].loop);
			break;
		}
		t->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (unsigned i = 0; i < b->thread_count; i++) {
		struct tpc_thread *t = &b->threads[i];
		if (!t->started)
			continue;
		/* pthread_join is not interrupted by signals: the handler
		 * runs here, calls stop(), and the threads come home. */
		pthread_join(t->thread, NULL);
		t->started = 0;
		if (t->result && !err) {
			snprintf(why, why_size, "thread %u: %s", i, t->why);
			err = t->result;
			for (unsigned k = 0; k < b->thread_count; k++)
				epoll_loop_stop(b->threads[k].loop);
		}
	}
	return err;
}

static void tpc_stop(void *state)
{
	struct tpc_backend *b = state;
	for (unsigned i = 0; i < b->thread_count; i++)
		if (b->threads[i].loop)
			epoll_loop_stop(b->threads[i].loop);
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "thread-per-core",
    .description = "one pinned thread per core, each with its own epoll "
		   "and SO_REUSEPORT listeners (Linux 3.9+)",
    .flags = MCS_BACKEND_READINESS | MCS_BACKEND_THREADED,
    .capacity = tpc_capacity,
    .init = tpc_init,
    .run = tpc_run,
    .stop = tpc_stop,
    .destroy = tpc_destroy,
};
