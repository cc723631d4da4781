/* mcs_net.h - small socket helpers shared by backends, client and tests. */
#ifndef MCS_NET_H
#define MCS_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum mcs_listen_flag {
	MCS_LISTEN_REUSEPORT = 1u
			       << 0, /* SO_REUSEPORT: one listener per thread */
	MCS_LISTEN_BLOCKING = 1u << 1, /* leave the socket blocking */
};

/* A listening TCP socket on address:port, non-blocking unless asked, with
 * SO_REUSEADDR (and SO_REUSEPORT if asked). Returns the fd, or -errno with
 * a one-line reason in why ("bind 127.0.0.1:2048: Address already in use:
 * another server holds it; stop it or pick other --ports"). */
int mcs_listen_tcp(struct in_addr address, uint16_t port, int backlog,
		   unsigned flags, char *why, size_t why_size);

/* Wake a loop waiting on an eventfd: write 1 to it. Async-signal-safe,
 * so a backend's stop() can call it from a signal handler; a full counter
 * (EAGAIN) already means "woken". */
void mcs_eventfd_wake(int fd);

/* Close every fd in fds[0..count) that is >= 0 and set it to -1. */
void mcs_close_all(int *fds, unsigned count);

#endif /* MCS_NET_H */
