/* server_worker.h - what one forked worker process does: run a backend
 * over its share of the ports until told to stop. */
#ifndef SERVER_WORKER_H
#define SERVER_WORKER_H

#include "mcs_backend.h"

/* Runs in the child after fork(); never returns. Exit status 0 after a
 * clean stop, 1 if init or run failed (reason in stats->error). */
_Noreturn void server_worker_main(const struct mcs_backend_ops *ops,
				  const struct mcs_worker_config *config,
				  pid_t parent);

#endif /* SERVER_WORKER_H */
