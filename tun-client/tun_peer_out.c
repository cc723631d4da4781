/* tun_peer_out.c - the segments the TUN peer sends: SYN, ACK, data in
 * MSS segments, FIN, RST (see tun_peer.h). */
#include <errno.h>

#include "client_pattern.h"
#include "tun_peer_internal.h"

uint32_t tun_peer__seed(uint64_t index)
{
	return client_pattern_seed(index, 0);
}

static void emit(struct tun_peer *peer, const struct tun_segment *s)
{
	size_t size = tun_packet_build(peer->packet, sizeof(peer->packet), s);
	if (!size)
		return;
	peer->counts.packets_out++;
	if (peer->emit(peer->emit_context, peer->packet, size) < 0)
		peer->counts.emit_failures++;
}

void tun_peer__segment(struct tun_peer *peer, uint64_t index, uint8_t flags,
		       uint32_t seq, uint32_t ack, const uint8_t *payload,
		       uint32_t length, uint16_t mss)
{
	struct tun_segment s = {
	    .destination = peer->space.server,
	    .seq = seq,
	    .ack = ack,
	    .flags = flags,
	    .window = TUN_PEER_WINDOW,
	    .mss = mss,
	    .payload = payload,
	    .length = length,
	};
	tun_space_tuple(&peer->space, index, &s.source, &s.source_port,
			&s.destination_port);
	emit(peer, &s);
}

void tun_peer__ack(struct tun_peer *peer, uint64_t index)
{
	tun_peer__segment(peer, index, TUN_TCP_ACK,
			  tun_peer_snd_nxt(peer, index),
			  tun_peer_rcv_nxt(peer, index), NULL, 0, 0);
}

void tun_peer__data(struct tun_peer *peer, uint64_t index, uint32_t from,
		    uint32_t to)
{
	uint32_t seed = tun_peer__seed(index);
	uint32_t ack = tun_peer_rcv_nxt(peer, index);
	uint32_t iss = tun_peer_iss(index);
	while (from != to) {
		uint32_t n = to - from < peer->mss ? to - from : peer->mss;
		client_pattern_fill(seed, peer->payload, from, n);
		uint8_t flags =
		    TUN_TCP_ACK | (from + n == to ? TUN_TCP_PSH : 0);
		tun_peer__segment(peer, index, flags, iss + 1 + from, ack,
				  peer->payload, n, 0);
		from += n;
	}
}

void tun_peer__reset_reply(struct tun_peer *peer, const struct tun_segment *in)
{
	if (in->flags & TUN_TCP_RST)
		return;
	struct tun_segment s = {
	    .source = in->destination,
	    .destination = in->source,
	    .source_port = in->destination_port,
	    .destination_port = in->source_port,
	};
	if (in->flags & TUN_TCP_ACK) {
		s.seq = in->ack;
		s.flags = TUN_TCP_RST;
	} else {
		s.ack = in->seq + in->length +
			((in->flags & TUN_TCP_SYN) ? 1 : 0) +
			((in->flags & TUN_TCP_FIN) ? 1 : 0);
		s.flags = TUN_TCP_RST | TUN_TCP_ACK;
	}
	emit(peer, &s);
}

int tun_peer_send(struct tun_peer *peer, uint64_t index, uint32_t size,
		  uint32_t stamp_us)
{
	struct tun_conn *c = &peer->conns[index];
	if (c->state != TUN_ESTABLISHED)
		return -ENOTCONN;
	if (c->pending)
		return -EBUSY;
	if (size == 0 || size > UINT16_MAX)
		return -EINVAL;
	uint32_t from = c->end;
	c->end += size;
	c->pending = (uint16_t)size;
	c->stamp_us = stamp_us;
	peer->counts.in_flight++;
	tun_peer__data(peer, index, from, c->end);
	return 0;
}

int tun_peer_tick(struct tun_peer *peer, uint64_t index, uint32_t now_us)
{
	struct tun_conn *c = &peer->conns[index];
	if (c->state == TUN_ESTABLISHED || c->state == TUN_FIN_SENT)
		return c->pending != 0 || c->state == TUN_FIN_SENT;
	if (c->state != TUN_SYN_SENT)
		return 0;
	/* Backoff: the k-th retransmission is due rto * (2^k - 1) after the
	 * first SYN. */
	uint64_t due = (uint64_t)peer->rto_us * ((2ull << c->aux) - 1);
	if ((uint64_t)(uint32_t)(now_us - c->stamp_us) < due)
		return 1;
	if (c->aux >= peer->syn_retries) {
		peer->counts.syn_in_flight--;
		peer->counts.timed_out++;
		c->state = TUN_FAILED;
		return 0;
	}
	c->aux++;
	peer->counts.syn_retransmits++;
	tun_peer__segment(peer, index, TUN_TCP_SYN, tun_peer_iss(index), 0,
			  NULL, 0, peer->mss);
	return 1;
}

void tun_peer_retransmit(struct tun_peer *peer, uint64_t index)
{
	struct tun_conn *c = &peer->conns[index];
	if (c->state == TUN_FIN_SENT) {
		tun_peer__segment(peer, index, TUN_TCP_FIN | TUN_TCP_ACK,
				  tun_peer_snd_nxt(peer, index) - 1,
				  tun_peer_rcv_nxt(peer, index), NULL, 0, 0);
		return;
	}
	if (c->state != TUN_ESTABLISHED || !c->pending)
		return;
	peer->counts.data_retransmits++;
	tun_peer__data(peer, index, c->end - c->pending, c->end);
}

void tun_peer_close(struct tun_peer *peer, uint64_t index, int fin)
{
	struct tun_conn *c = &peer->conns[index];
	if (c->state == TUN_SYN_SENT) {
		peer->counts.syn_in_flight--;
		tun_peer__segment(peer, index, TUN_TCP_RST,
				  tun_peer_iss(index) + 1, 0, NULL, 0, 0);
		c->state = TUN_FAILED;
		return;
	}
	if (c->state == TUN_FIN_SENT && !fin) { /* the server never answered */
		tun_peer__segment(peer, index, TUN_TCP_RST,
				  tun_peer_snd_nxt(peer, index), 0, NULL, 0, 0);
		c->state = TUN_CLOSED;
		return;
	}
	if (c->state != TUN_ESTABLISHED)
		return;
	uint32_t seq = tun_peer_snd_nxt(peer, index);
	uint32_t ack = tun_peer_rcv_nxt(peer, index);
	if (!fin || c->pending) { /* a FIN would ack the unechoed bytes */
		tun_peer__segment(peer, index, TUN_TCP_RST, seq, 0, NULL, 0, 0);
		tun_peer__end_held(peer, c, TUN_CLOSED);
		return;
	}
	c->state = TUN_FIN_SENT;
	peer->counts.live--;
	peer->counts.closed++;
	tun_peer__segment(peer, index, TUN_TCP_FIN | TUN_TCP_ACK, seq, ack,
			  NULL, 0, 0);
}
