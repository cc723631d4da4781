/* mcs_backend.h - the versioned plugin ABI every I/O backend implements.
 *
 * A backend is a shared object, backends/<name>.so, that exports exactly one
 * symbol: `const struct mcs_backend_ops mcs_backend`. The core (server,
 * harness, tests) loads it by name with mcs_backend_load() and checks the ABI
 * version, the build signature (the size of the shared stats block) and the
 * required hooks before calling anything.
 *
 * The interface is readiness-neutral: the core hands a worker its ports, its
 * connection cap and its shared-memory counters; the backend owns its event
 * loop and implements echo semantics (every byte received is sent back, in
 * order) however its I/O model does best. A select() loop, an epoll loop, an
 * io_uring completion loop and libuv all fit behind the same five hooks.
 *
 * A backend may declare options (struct mcs_backend_option): name, type,
 * default, one line of help. Users set them with `--backend-opt NAME=VALUE`
 * (server and harness); the core checks the table when it loads the plugin,
 * parses and validates every value into a struct the backend declares
 * (options_size bytes, defaults filled in) before anything starts, and
 * hands it to init() as config->options. A backend reads no environment.
 *
 * Lifecycle, in one worker process:
 *   probe()    optional, any time, cheap and side-effect free
 *   capacity() any time, pure arithmetic on the fd limit (no options)
 *   init()     once; creates the listeners and all state
 *   run()      once; serves until stop() is called, then returns 0
 *   stop()     any time after init(), from a signal handler or another thread
 *   destroy()  once after run() returned (or instead of it); frees everything
 *
 * Every hook that can fail returns 0 or a negative errno. A backend never
 * calls exit() and never prints: it puts a one-line reason in `why` and
 * the caller decides how to report it.
 */
#ifndef MCS_BACKEND_H
#define MCS_BACKEND_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "mcs_stats.h"

/* Bump when struct mcs_backend_ops, struct mcs_worker_config or struct
 * mcs_backend_option changes. 2: declared options. */
#define MCS_BACKEND_ABI_VERSION 2u

/* The one symbol a backend shared object exports. */
#define MCS_BACKEND_SYMBOL "mcs_backend"

/* Capability flags (mcs_backend_ops.flags). */
enum mcs_backend_flag {
	/* Waits for readiness, then does the syscalls itself (select, epoll).
	 */
	MCS_BACKEND_READINESS = 1u << 0,
	/* Submits operations and reaps their completions (io_uring). */
	MCS_BACKEND_COMPLETION = 1u << 1,
	/* Runs several threads inside one worker process. */
	MCS_BACKEND_THREADED = 1u << 2,
	/* Connections live outside the process fd table (io_uring direct fds).
	 */
	MCS_BACKEND_DIRECT_FDS = 1u << 3,
	/* Capacity bounded by the backend itself (FD_SETSIZE), not
	   RLIMIT_NOFILE. */
	MCS_BACKEND_SELF_LIMITED = 1u << 4,
};

/* How the core parses an option's value, and what it stores at `offset` in
 * the backend's option struct. */
enum mcs_backend_option_type {
	/* int, 0 or 1. Typed as true/false, 1/0, yes/no or on/off. */
	MCS_OPTION_BOOL = 1,
	/* uint64_t in [min, max]. Decimal, k = 1,000 and M = 1,000,000. */
	MCS_OPTION_INTEGER,
	/* uint64_t bytes in [min, max]. Decimal, K/M/G = KiB/MiB/GiB. */
	MCS_OPTION_SIZE,
	/* unsigned: the index of the value in choices ("regular|direct"). */
	MCS_OPTION_ENUM,
	/* char[max]: any text shorter than max bytes (max >= 2). */
	MCS_OPTION_STRING,
};

/* Option flags (mcs_backend_option.flags). */
enum mcs_backend_option_flag {
	/* INTEGER or SIZE: the value must also be a power of two. */
	MCS_OPTION_POWER_OF_TWO = 1u << 0,
};

/* One option a backend declares. The loader refuses a table where any of
 * this does not hold, saying which entry and what it wanted. */
struct mcs_backend_option {
	/* What users type before '=': a lower-case letter, then lower-case
	 * letters, digits or '-'; under 32 characters; unique in the table. */
	const char *name;
	uint32_t type;	/* enum mcs_backend_option_type */
	uint32_t flags; /* enum mcs_backend_option_flag bits */
	/* offsetof() the field in the option struct; the field lies wholly
	 * inside options_size, aligned for its type, overlapping no other. */
	uint32_t offset;
	/* The default as a user would type it; it must itself be valid. */
	const char *default_value;
	/* INTEGER, SIZE: the inclusive range, min <= max. STRING: max is the
	 * size of the char array. Others: 0. */
	uint64_t min, max;
	/* ENUM: the values, '|'-separated, none empty ("a|b"); else NULL. */
	const char *choices;
	/* One line for --list-backends: what the option changes. */
	const char *help;
};

/* The most options one backend may declare, and the largest option struct:
 * the core keeps one struct mcs_backend_option_values per loaded backend. */
#define MCS_BACKEND_OPTIONS_MAX	     32u
#define MCS_BACKEND_OPTIONS_SIZE_MAX 1024u

/* Room for any backend's parsed options (aligned for every field type). */
struct mcs_backend_option_values {
	_Alignas(8) unsigned char bytes[MCS_BACKEND_OPTIONS_SIZE_MAX];
};

/* What one worker process is asked to serve. Filled by the core; read-only
 * for the backend and valid until destroy() returns. */
struct mcs_worker_config {
	unsigned worker_index;	/* 0-based index of this worker */
	unsigned worker_count;	/* workers in this server */
	struct in_addr address; /* address to bind, network order */
	const uint16_t *ports;	/* ports this worker alone listens on */
	unsigned port_count;	/* entries in ports, >= 1 */
	/* Never hold more than this many connections at once. A connection
	 * accepted beyond it is closed at once and counted in over_capacity.
	 * Always <= capacity(fd limit). */
	unsigned max_connections;
	/* Threads inside this worker for MCS_BACKEND_THREADED backends,
	 * 0 means one per online core. Others ignore it. */
	unsigned threads;
	/* Bytes of the read buffer shared by all connections of a thread. */
	unsigned read_buffer_size;
	/* Most unsent bytes one connection may have queued; while it has that
	 * many the backend stops reading from it (backpressure). */
	unsigned write_backlog_limit;
	int listen_backlog; /* backlog passed to listen() */
	struct mcs_worker_stats
	    *stats; /* this worker's counters, shared memory */
	/* The backend's option struct (options_size bytes): every value
	 * validated, defaults filled in. Never NULL for a backend that
	 * declares options; NULL for one that declares none. */
	const void *options;
};

struct mcs_backend_ops {
	/* MCS_BACKEND_ABI_VERSION as the backend was built. */
	uint32_t abi_version;
	/* sizeof(struct mcs_worker_stats) as the backend was built: a build
	 * signature that catches a plugin built from other headers. */
	uint32_t stats_size;
	/* The name users type after --backend; equal to the file's stem. */
	const char *name;
	/* One line: the technique and what it needs (kernel, library). */
	const char *description;
	/* enum mcs_backend_flag bits. */
	uint32_t flags;

	/* Optional. Whether this backend can run on this machine. Cheap and
	 * side-effect free. Returns 0 if usable, else a negative errno and a
	 * one-line reason in why (e.g. "io_uring_setup: Function not
	 * implemented"). A missing probe means always available. */
	int (*probe)(char *why, size_t why_size);

	/* Required. The most connections one worker process can hold when the
	 * process may have fd_limit open files (RLIMIT_NOFILE), keeping room
	 * for its listeners and the descriptors the loop itself needs. It does
	 * not see the options: where an option changes what the loop needs,
	 * return what holds for every value of it. */
	unsigned (*capacity)(unsigned fd_limit);

	/* Required. Bind and listen on every port in config, build all state.
	 * Returns 0 and sets *state, or a negative errno with a one-line reason
	 * in why ("bind 127.0.0.1:2048: Address already in use"); on failure
	 * nothing is left open. */
	int (*init)(const struct mcs_worker_config *config, void **state,
		    char *why, size_t why_size);

	/* Required. Serve connections until stop() is called; returns 0 then,
	 * or a negative errno (and a reason in why) if the loop itself failed.
	 * Errors on single connections are counted in the stats, not returned.
	 */
	int (*run)(void *state, char *why, size_t why_size);

	/* Required. Ask run() to return soon. Async-signal-safe: may be called
	 * from a signal handler or from another thread. */
	void (*stop)(void *state);

	/* Required. Close every connection and listener and free everything.
	 * Called once, after run() returned or if run() was never called. */
	void (*destroy)(void *state);

	/* Optional. The options users may set (option_count entries), and
	 * sizeof the struct their values go into (at most
	 * MCS_BACKEND_OPTIONS_SIZE_MAX); NULL, 0 and 0 for a backend without
	 * options. Set all three with MCS_BACKEND_OPTIONS(). */
	const struct mcs_backend_option *options;
	uint32_t option_count;
	uint32_t options_size;
};

/* A backend defines its ops struct with this in front, so the symbol is the
 * only one the plugin exports (plugins build with hidden visibility):
 *   MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {...}; */
#define MCS_BACKEND_EXPORT __attribute__((visibility("default")))

/* Convenience for backends: fills the fixed header fields. */
#define MCS_BACKEND_HEADER                                                     \
	.abi_version = MCS_BACKEND_ABI_VERSION,                                \
	.stats_size = (uint32_t)sizeof(struct mcs_worker_stats)

/* Convenience for backends with options: a table (an array, not a
 * pointer) and the type of the struct its values go into. */
#define MCS_BACKEND_OPTIONS(table, values_type)                                \
	.options = (table),                                                    \
	.option_count = (uint32_t)(sizeof(table) / sizeof((table)[0])),        \
	.options_size = (uint32_t)sizeof(values_type)

#endif /* MCS_BACKEND_H */
