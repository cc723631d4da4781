/* conformance_server.h - run one backend worker in a child process for a
 * test, with its stats block in shared memory the test can read. */
#ifndef CONFORMANCE_SERVER_H
#define CONFORMANCE_SERVER_H

#include <stdint.h>
#include <sys/types.h>

#include "mcs_loader.h"
#include "mcs_stats.h"

struct test_server {
	struct mcs_backend_handle backend;
	struct mcs_backend_option_values options; /* defaults unless set */
	struct mcs_stats_block stats;
	struct mcs_worker_config config;
	uint16_t ports[2];
	pid_t pid;
};

/* Load backend `name` with its options at their defaults; 77 (skip) if
 * its probe says it cannot run here, 0 if loaded, -1 on error (message
 * printed). */
int test_server_load(struct test_server *s, const char *name);

/* Set the loaded backend's options from NAME=VALUE settings (over the
 * defaults), as `server --backend-opt` does. 0, or -1 (message printed). */
int test_server_set_options(struct test_server *s, const char *const *settings,
			    size_t count);

/* Fork the worker on ports first_port and first_port+1 with a cap of
 * max_connections; waits until it listens. Returns 0 or -1. */
int test_server_start(struct test_server *s, uint16_t first_port,
		      unsigned max_connections, unsigned read_buffer_size,
		      unsigned write_backlog_limit);

/* SIGTERM the worker, wait for it; returns its exit status (0 = clean) or
 * -1 if it had to be killed. */
int test_server_stop(struct test_server *s);

/* Snapshot of the worker's counters. */
void test_server_totals(struct test_server *s, struct mcs_stats_total *t);

/* Wait up to timeout_ms for the worker's live count to equal `live`. */
int test_server_wait_live(struct test_server *s, uint64_t live, int timeout_ms);

#endif /* CONFORMANCE_SERVER_H */
