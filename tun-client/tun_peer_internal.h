/* tun_peer_internal.h - what tun_peer.c (input, timers) and
 * tun_peer_out.c (segments out) share. Not for other files. */
#ifndef TUN_PEER_INTERNAL_H
#define TUN_PEER_INTERNAL_H

#include "tun_peer.h"

/* Our receive window, unscaled (we send no window-scale option). */
#define TUN_PEER_WINDOW 65535u

/* Send one segment of index's connection. */
void tun_peer__segment(struct tun_peer *peer, uint64_t index, uint8_t flags,
		       uint32_t seq, uint32_t ack, const uint8_t *payload,
		       uint32_t length, uint16_t mss);
/* An ACK of everything received so far on index. */
void tun_peer__ack(struct tun_peer *peer, uint64_t index);
/* Bytes [from, to) of index's stream, in MSS segments, PSH on the last. */
void tun_peer__data(struct tun_peer *peer, uint64_t index, uint32_t from,
		    uint32_t to);
/* The RST a segment for no connection of ours gets (RFC 793). */
void tun_peer__reset_reply(struct tun_peer *peer, const struct tun_segment *in);
/* The message in flight on c and those queued behind it are lost. */
void tun_peer__lose_messages(struct tun_peer *peer, struct tun_conn *c);
/* A held connection ends: TUN_LOST (the server's doing) or TUN_CLOSED. */
void tun_peer__end_held(struct tun_peer *peer, struct tun_conn *c, int state);
/* The pattern seed of index's stream. */
uint32_t tun_peer__seed(uint64_t index);

#endif /* TUN_PEER_INTERNAL_H */
