/* readiness_core.h - the loop every readiness backend (select, poll, epoll,
 * thread-per-core) runs, apart from its wait. As in redis, where ae.c owns
 * dispatch and ae_select.c/ae_epoll.c only translate, the core owns:
 *
 *   - the listeners and the eventfd that stop() writes,
 *   - the accept drain (accept4 until EAGAIN), the connection cap and, for
 *     select, the descriptor ceiling: a connection beyond them is closed at
 *     once and counted in over_capacity,
 *   - the EMFILE/ENFILE pause: accepting stops for READINESS_PAUSE_MS, then
 *     every listener is drained again,
 *   - the connections (8-byte struct mcs_conn in an mcs_pool; a handle is
 *     the pool index), their echo through common/mcs_echo, and for an
 *     edge-triggered backend the list of connections that used their read
 *     budget and must be served again before the next wait,
 *   - the accounting in the worker's stats.
 *
 * A backend embeds `struct readiness_core` as the first member of its
 * state and defines the readiness_backend_*() hooks below, which the core
 * calls directly: the static library mcs_readiness_core is linked into each
 * plugin, so every hook is resolved when that plugin is linked (no function
 * pointer on the path of an event). The backend's own part is its wait and
 * the translation of what the wait reported into readiness_core_accept()
 * and readiness_core_serve() calls.
 *
 * Internal to the backends (backends/lib), not part of the plugin ABI.
 */
#ifndef READINESS_CORE_H
#define READINESS_CORE_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "mcs_backend.h"
#include "mcs_echo.h"
#include "mcs_pool.h"

/* How long accepting pauses after EMFILE/ENFILE (or ENOBUFS/ENOMEM). */
#define READINESS_PAUSE_MS 100

/* Descriptors the core keeps besides connections and listeners: the
 * eventfd and a spare, so a connection beyond the cap can be accepted and
 * closed. A backend adds its own (epoll: its epoll fd). */
#define READINESS_CORE_FDS 2u

struct readiness_params {
	const char *name; /* starts every `why` ("select: eventfd: ...") */
	const struct mcs_worker_config *config; /* ports, buffers, backlog */
	unsigned max_connections;		/* this loop's cap */
	unsigned listen_flags;			/* enum mcs_listen_flag */
	struct mcs_worker_stats *stats;		/* where this loop counts */
	/* An accepted descriptor at or above it is refused like one beyond
	 * the cap (select: FD_SETSIZE), and init fails with -EMFILE if the
	 * eventfd or a listener lands there; 0 for none. */
	int fd_ceiling;
	/* Bytes the backend keeps per connection slot beside the core's
	 * 8-byte struct mcs_conn (poll: its pollfd), counted in pool_bytes. */
	size_t slot_bytes;
	/* 1: the wait reports a socket once per change (epoll's EPOLLET), so
	 * the core keeps the connections that used their read budget on a
	 * ready list and serves them again after the next wait (which then
	 * does not block). 0: level-triggered, the next wait reports them. */
	int edge_triggered;
	/* Optional cap shared by several loops (thread-per-core: the fd
	 * table is per process): the connections all of them hold, each
	 * loop's max_connections being the cap of them all. NULL: this loop
	 * counts alone. */
	_Atomic unsigned *shared_live;
	/* Called after every batch of events (thread-per-core publishes its
	 * thread's counters); may be NULL. Once per wait, not per event. */
	void (*after_batch)(void *arg);
	void *after_batch_arg;
};

struct readiness_core {
	struct readiness_params params;
	struct mcs_worker_stats *stats;
	volatile sig_atomic_t stopping;
	int wake_fd; /* eventfd written by readiness_core_stop() */
	int *listeners;
	unsigned listener_count;
	int64_t accept_resume_ms; /* accepting paused until then, 0 if not */
	struct mcs_pool conns;	  /* struct mcs_conn; handle = pool index */
	struct mcs_echo echo;
	/* Edge-triggered only: connections to serve again before waiting,
	 * one bit per handle marking those on the list. */
	uint64_t *ready_bits;
	uint32_t *ready;
	uint32_t *ready_next;
	uint32_t ready_count;
};

/* Fill core (zeroed by the caller, e.g. with calloc), allocate the pool and
 * the echo buffers, open the eventfd and a listener per port. 0, or -errno
 * with a reason in why; then readiness_core_destroy() releases what was
 * made. The backend then puts core->wake_fd and core->listeners[] in its
 * wait set. */
int readiness_core_init(struct readiness_core *core,
			const struct readiness_params *params, char *why,
			size_t why_size);
/* The plugin's run() and stop() hooks, for a backend whose state starts
 * with its struct readiness_core (so `.run = readiness_core_run`):
 * run serves until stop: wait, translate, serve; 0, or -errno with a
 * reason in why if the wait itself failed. stop is async-signal-safe: it
 * sets a flag and writes the eventfd. */
int readiness_core_run(void *state, char *why, size_t why_size);
void readiness_core_stop(void *state);
/* The hooks of a plugin over this core, in its mcs_backend table: its own
 * PREFIX_capacity, PREFIX_init and PREFIX_destroy, and the core's run and
 * stop. One list, so each plugin's table says only its name, description
 * and flags. */
#define READINESS_CORE_HOOKS(prefix)                                           \
	.capacity = prefix##_capacity, .init = prefix##_init,                  \
	.run = readiness_core_run, .stop = readiness_core_stop,                \
	.destroy = prefix##_destroy
/* Close every connection, listener and the eventfd; free what init
 * allocated. Safe once readiness_core_init() was called, failed or not. */
void readiness_core_destroy(struct readiness_core *core);

/* For the backend's dispatch: */

/* A listener is readable: accept until EAGAIN unless accepting is paused;
 * pause it on EMFILE and the like. */
void readiness_core_accept(struct readiness_core *core, int listener);
/* What the wait said of a connection, for readiness_core_serve(). */
enum readiness_ready {
	READINESS_IN = 1u,    /* readable, or the peer hung up (a read says) */
	READINESS_OUT = 2u,   /* writable */
	READINESS_ERROR = 4u, /* an error is pending (EPOLLERR): it is taken
			       * with SO_ERROR and the connection closed,
			       * without a read (none after all: served as
			       * readable and writable) */
	/* An edge that reported no hang-up: a read shorter than asked
	 * emptied the socket, and what comes later brings an edge of its
	 * own, so reading stops there instead of at EAGAIN. */
	READINESS_SHORT_READ_ENDS = 8u,
};

/* A connection is ready: read or write as its state asks, if the wait
 * said it may (`ready`, from enum readiness_ready), then tell the backend
 * what the connection waits for next, or close it. A handle whose
 * connection was closed earlier in the batch is ignored. */
void readiness_core_serve(struct readiness_core *core, uint32_t handle,
			  unsigned ready);

/* The hooks every readiness backend defines (not static: the core's
 * library calls them; hidden, so they never leave the plugin). */

enum readiness_interest {
	READINESS_READ,	 /* idle: wait for data */
	READINESS_WRITE, /* a chunk is queued: wait for room to send it */
};

/* Wait at most timeout_ms (-1: until something happens) for the wake fd,
 * the listeners and the connections. Returns how many are ready (what
 * readiness_backend_dispatch() gets), -EINTR to be called again, or
 * another -errno with a reason in why. */
int readiness_backend_wait(struct readiness_core *core, int timeout_ms,
			   char *why, size_t why_size);
/* Hand each ready listener to readiness_core_accept() and each ready
 * connection to readiness_core_serve(); ignore the wake fd. */
void readiness_backend_dispatch(struct readiness_core *core, int ready);
/* A connection is accepted under handle: add fd to the wait set, waiting
 * for readable. 0, or -errno (the core counts an accept error and closes
 * it). */
int readiness_backend_watch(struct readiness_core *core, uint32_t handle,
			    int fd);
/* What the connection waits for next. */
void readiness_backend_interest(struct readiness_core *core, uint32_t handle,
				int fd, enum readiness_interest interest);
/* The connection is about to be closed: forget it. */
void readiness_backend_forget(struct readiness_core *core, uint32_t handle,
			      int fd);
/* Accepting pauses (0) or resumes (1): the listeners leave or rejoin the
 * wait set, if the backend would otherwise be woken by them. */
void readiness_backend_listening(struct readiness_core *core, int listening);

#endif /* READINESS_CORE_H */
