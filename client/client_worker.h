/* client_worker.h - one client worker process: holds up to its share of
 * the connections in an epoll loop and carries out the parent's commands
 * (client_shared.h). It owns slots k, k+P, k+2P, ... of the global
 * connection numbering (client_shard.h).
 *
 * Memory: one 16-byte struct per slot in an mmap'd array, one shared read
 * buffer and one send buffer per process; nothing allocated per
 * connection or per message. A `load` command adds its schedule, 16 bytes
 * per slot, allocated when it starts and freed when it ends; a `verify`
 * its io_uring and a table of the checks in flight (at most 2,048, 56
 * bytes each), likewise.
 */
#ifndef CLIENT_WORKER_H
#define CLIENT_WORKER_H

#include <netinet/in.h>
#include <stdint.h>

#include "client_shared.h"

struct client_worker_config {
	unsigned index; /* k */
	unsigned procs; /* P */
	struct in_addr host;
	uint16_t port_first;
	uint32_t port_count;
	struct in_addr source_first;
	uint32_t source_count; /* 0 = no bind */
	int reset_on_exit;     /* SO_LINGER {1,0} on every socket */
	int connect_by_port;   /* GROW opens one server port's slots in a
				  row (--connect-order port) */
	uint64_t slots;	       /* most slots this worker will ever use */
	int command_fd;	       /* SOCK_SEQPACKET to the parent */
	struct client_worker_shared *shared;
};

/* Run until STOP or the parent goes away. Returns the process exit
 * status: 0, or 1 if the worker could not start (reason in
 * shared->error). Never returns to a caller that expects to continue: call
 * _exit() with the result. */
int client_worker_run(const struct client_worker_config *config);

#endif /* CLIENT_WORKER_H */
