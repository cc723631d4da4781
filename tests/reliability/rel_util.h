/* rel_util.h - small helpers shared by the reliability tests: a monotonic
 * clock, polling for a worker's counter, and what the kernel says about a
 * worker process (PSS, open fds, CPU time). */
#ifndef REL_UTIL_H
#define REL_UTIL_H

#include <stdint.h>
#include <sys/types.h>

#include "conformance_server.h"

/* Generous: tests assert bounds and correctness, never speed. */
#define REL_TIMEOUT_MS 30000

int64_t rel_now_ms(void);

/* Parse "BACKEND FIRST_PORT" style port arguments; exits 2 when bad. */
uint16_t rel_port_arg(const char *text);

/* Wait up to timeout_ms until *counter reaches at least value. Returns the
 * last value read. */
uint64_t rel_wait_at_least(_Atomic uint64_t *counter, uint64_t value,
			   int timeout_ms);

/* Wait up to timeout_ms until *counter equals value; 0 if it did. */
int rel_wait_equal(_Atomic uint64_t *counter, uint64_t value, int timeout_ms);

/* PSS of a process in bytes, 0 if it cannot be read. */
uint64_t rel_pss(pid_t pid);

/* Open descriptors of a process, or -1. */
int rel_fd_count(pid_t pid);

/* User + system CPU seconds of a process (all its threads), or -1. */
double rel_cpu_seconds(pid_t pid);

/* A non-blocking connection to 127.0.0.1:port (connect completed), or -1. */
int rel_connect_nonblocking(uint16_t port);

/* 1 if 127.0.0.1:port can be bound right now (nobody listens there). */
int rel_port_free(uint16_t port);

/* Whether the peer closed fd (EOF or RST seen within timeout_ms). */
int rel_peer_closed(int fd, int timeout_ms);

/* Wait until `workers` workers of the server pid (stats block shm) listen.
 * 0, or -1 on timeout or if the server exited. */
int rel_wait_listening(const char *shm, pid_t server, unsigned workers,
		       int timeout_ms);

/* Ask `server --list-backends` whether backend can run here: 0 if so, 77
 * (skip, reason printed) if it is unavailable, 1 if not installed or the
 * server cannot tell. */
int rel_backend_available(const char *backend);

#endif /* REL_UTIL_H */
