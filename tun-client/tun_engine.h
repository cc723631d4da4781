/* tun_engine.h - the TUN client's commands over one device queue: grow,
 * echo, verify, load and teardown, each run to completion (bounded by
 * --timeout or its window) while reading the server's replies. Results
 * come back as the kernel client's struct client_totals, so the same
 * report code (client_report.h) prints the same JSON. One engine is one
 * worker (a thread): it owns one device queue and the connections of the
 * groups g (index / 64) with g mod workers == worker, in the state array
 * all workers share (disjoint indices: no locks); the caller runs a
 * command on every worker and adds up the totals (tun_totals_add). */
#ifndef TUN_ENGINE_H
#define TUN_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "client_report.h"
#include "tun_batch.h"
#include "tun_options.h"
#include "tun_peer.h"

/* --queues: at most this many device queues (IFF_MULTI_QUEUE). */
#define TUN_MAX_QUEUES 8u

struct tun_engine {
	struct tun_options options;
	int fd;			 /* the device's first queue */
	int fds[TUN_MAX_QUEUES]; /* every queue, O_NONBLOCK */
	unsigned queues;
	/* per queue: packets read, and of those, ones whose connection
	 * another queue owns (the kernel steered them elsewhere) */
	uint64_t queue_read[TUN_MAX_QUEUES];
	uint64_t queue_misdelivered[TUN_MAX_QUEUES];
	char device[IFNAMSIZ];	     /* its name, for tx_dropped */
	int64_t tx_dropped_start;    /* the device's count at start */
	struct tun_peer *peer;	     /* heap: 2 packet buffers inside */
	uint64_t capacity;	     /* the state array's length */
	uint64_t opened;	     /* this worker's indices connected so far
					(its own count: tun_engine_index) */
	unsigned worker, workers;    /* this worker, of how many */
	int owns_conns;		     /* the state array is freed here */
	uint64_t epoch_ns;	     /* the peer's clock starts here */
	volatile sig_atomic_t *stop; /* set by a signal: end now */
	struct tun_batch batch;	     /* packets out, written in batches */
	uint8_t rx[TUN_PACKET_MAX];
};

/* Allocate the state array (options->connections, or -ERANGE with the
 * number that fits when the source space holds fewer). fds are the
 * device's options->queues queues. 0 or -errno with why.
 *
 * With several queues (a measurement of the kernel's steering, still one
 * worker): connection i's packets are written on queue (i / 64) mod
 * queues, its owner, every queue is read, and a reply read on another
 * queue than its owner's is counted as misdelivered. */
int tun_engine_init(struct tun_engine *e, const struct tun_options *options,
		    const int *fds, const char *device,
		    volatile sig_atomic_t *stop, char *why, size_t why_size);

/* Another worker over the same device and state array: first is worker
 * 0 (made by tun_engine_init), fd its queue. 0 or -ENOMEM with why. */
int tun_engine_init_worker(struct tun_engine *e, const struct tun_engine *first,
			   unsigned worker, unsigned workers, int fd, char *why,
			   size_t why_size);

/* The queue (with --queues) or worker that owns index. */
unsigned tun_engine_owner(const struct tun_engine *e, uint64_t index);
/* The worker's j-th connection's index. */
uint64_t tun_engine_index(const struct tun_engine *e, uint64_t j);
/* How many of the indices below n the worker owns. */
uint64_t tun_engine_owned_below(const struct tun_engine *e, uint64_t n);
void tun_engine_free(struct tun_engine *e);

/* The peer's clock: microseconds since init, wrapping at 2^32. */
uint32_t tun_engine_now_us(const struct tun_engine *e);

/* Write the packets queued for the device (tun_batch.h). */
void tun_engine_flush(struct tun_engine *e);

/* Read what the device has (waiting up to wait_ns for the first packet)
 * and answer it. Returns the packets read. */
unsigned tun_engine_pump(struct tun_engine *e, uint64_t wait_ns);

/* The commands, on this worker's share; totals are filled as the kernel
 * client fills them. grow: indices below target (all workers' count);
 * echo: count messages on this worker's connections. */
void tun_engine_grow(struct tun_engine *e, uint64_t target,
		     struct client_totals *t, double *elapsed);
void tun_engine_echo(struct tun_engine *e, uint64_t count, uint32_t size,
		     struct client_totals *t, double *elapsed);
/* load over held connections in all (the period is held / rate for every
 * worker). Returns -ENOTCONN when held is 0. */
int tun_engine_load(struct tun_engine *e, uint64_t held, uint64_t rate,
		    uint32_t size, double seconds, struct client_totals *t,
		    double *elapsed);
/* into += from: counts, failures and histograms (several workers). */
void tun_totals_add(struct client_totals *into,
		    const struct client_totals *from);
/* Close every connection (RST, or FIN when fin); returns how many. With
 * bound_s above 0, or when a signal comes meanwhile, it stops early and
 * leaves the rest open (tun_engine_status counts them). */
uint64_t tun_engine_teardown(struct tun_engine *e, int fin, double bound_s,
			     double *elapsed);

/* The status event's counts. */
void tun_engine_status(const struct tun_engine *e, struct client_totals *t);

/* {"malformed":..,"unknown":..,...,"tx_dropped":..}: the packet counts
 * of engines[0..count) and the device's drops since start (JSON "tun"
 * member of each reply). */
json_t *tun_engine_counts_json(const struct tun_engine *engines,
			       unsigned count);

#endif /* TUN_ENGINE_H */
