/* peer.h - the test's side of a connection: connect, exchange a payload
 * with the echo server while reading concurrently, check every byte. */
#ifndef PEER_H
#define PEER_H

#include <stddef.h>
#include <stdint.h>

/* A blocking TCP connection to 127.0.0.1:port, or -1. */
int peer_connect(uint16_t port);

/* Fill buf with a pattern unique to (seed, offset). */
void peer_pattern(unsigned char *buf, size_t len, uint32_t seed, size_t offset);

/* Send len bytes of pattern `seed` in chunks of chunk bytes (pipelined:
 * no waiting between chunks) while reading the echo; returns 0 if exactly
 * the same bytes came back in order within timeout_ms, -1 otherwise. */
int peer_exchange(int fd, size_t len, size_t chunk, uint32_t seed,
		  int timeout_ms);

/* Read until EOF (or timeout_ms); returns bytes read, -1 on error. */
long peer_read_to_eof(int fd, unsigned char *buf, size_t cap, int timeout_ms);

/* Close with an RST (SO_LINGER 0). */
void peer_reset(int fd);

#endif /* PEER_H */
