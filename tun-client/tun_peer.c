/* tun_peer.c - the TUN peer's state machine: replies from the server in,
 * timers, sends and closes (see tun_peer.h). */
#include <errno.h>
#include <string.h>

#include "client_pattern.h"
#include "tun_peer_internal.h"

_Static_assert(sizeof(struct tun_conn) == 16, "16 bytes per connection");

uint32_t tun_peer_iss(uint64_t index)
{
	uint64_t x = (index + 1) * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(x >> 32);
}

void tun_peer_init(struct tun_peer *peer, struct tun_conn *conns,
		   uint64_t capacity, const struct tun_space *space,
		   uint16_t mss, tun_emit_fn emit, void *emit_context)
{
	memset(&peer->counts, 0, sizeof(peer->counts));
	peer->conns = conns;
	peer->capacity = capacity;
	peer->space = *space;
	peer->mss = mss;
	peer->rto_us = 1000000;
	peer->syn_retries = 5;
	peer->period_us = 0;
	peer->window_end_us = 0;
	peer->in_window = 0;
	peer->message_size = 0;
	peer->emit = emit;
	peer->emit_context = emit_context;
	mcs_histogram_init(&peer->connect_us);
	mcs_histogram_init(&peer->rtt_us);
}

uint32_t tun_peer_snd_nxt(const struct tun_peer *peer, uint64_t index)
{
	const struct tun_conn *c = &peer->conns[index];
	return tun_peer_iss(index) + 1 + c->end +
	       (c->state == TUN_FIN_SENT ? 1 : 0);
}

uint32_t tun_peer_rcv_nxt(const struct tun_peer *peer, uint64_t index)
{
	const struct tun_conn *c = &peer->conns[index];
	return c->irs + 1 + (c->end - c->pending);
}

void tun_peer_connect(struct tun_peer *peer, uint64_t index, uint32_t now_us)
{
	struct tun_conn *c = &peer->conns[index];
	memset(c, 0, sizeof(*c));
	c->state = TUN_SYN_SENT;
	c->stamp_us = now_us;
	peer->counts.syn_in_flight++;
	tun_peer__segment(peer, index, TUN_TCP_SYN, tun_peer_iss(index), 0,
			  NULL, 0, peer->mss);
}

/* The message in flight on c and those queued behind it are lost. */
void tun_peer__lose_messages(struct tun_peer *peer, struct tun_conn *c)
{
	if (c->pending) {
		peer->counts.in_flight--;
		peer->counts.errors += 1u + c->aux;
	}
	c->pending = 0;
	c->aux = 0;
}

/* A held connection ends: the server's doing (lost) or ours. */
void tun_peer__end_held(struct tun_peer *peer, struct tun_conn *c, int state)
{
	tun_peer__lose_messages(peer, c);
	peer->counts.live--;
	if (state == TUN_LOST)
		peer->counts.dropped++;
	else
		peer->counts.closed++;
	c->state = (uint8_t)state;
}

static void syn_sent_input(struct tun_peer *peer, uint64_t index,
			   const struct tun_segment *s, uint32_t now_us)
{
	struct tun_conn *c = &peer->conns[index];
	uint32_t iss = tun_peer_iss(index);
	int ack_ok = (s->flags & TUN_TCP_ACK) && s->ack == iss + 1;
	if ((s->flags & TUN_TCP_ACK) && !ack_ok) {
		peer->counts.unexpected++;
		if (!(s->flags & TUN_TCP_RST))
			tun_peer__reset_reply(peer, s);
		return;
	}
	if (s->flags & TUN_TCP_RST) {
		if (!ack_ok) {
			peer->counts.unexpected++;
			return;
		}
		peer->counts.syn_in_flight--;
		peer->counts.refused++;
		c->state = TUN_FAILED;
		return;
	}
	if (!(s->flags & TUN_TCP_SYN) || !ack_ok) {
		peer->counts.unexpected++;
		return;
	}
	c->irs = s->seq;
	c->end = 0;
	c->pending = 0;
	c->aux = 0;
	c->state = TUN_ESTABLISHED;
	peer->counts.syn_in_flight--;
	peer->counts.established++;
	peer->counts.live++;
	mcs_histogram_record(&peer->connect_us,
			     (uint32_t)(now_us - c->stamp_us));
	tun_peer__ack(peer, index);
}

/* Bytes at the receive point: checked against the stream we sent. Returns
 * 0, or -EPROTO when a byte is wrong or was never asked for (the
 * connection is then closed with a RST). */
static int accept_data(struct tun_peer *peer, uint64_t index,
		       const uint8_t *data, uint32_t length, uint32_t now_us)
{
	struct tun_conn *c = &peer->conns[index];
	uint32_t offset = c->end - c->pending;
	if (length > c->pending ||
	    client_pattern_check(tun_peer__seed(index), data, offset, length) !=
		length) {
		peer->counts.mismatches++;
		if (c->pending) {
			peer->counts.in_flight--;
			peer->counts.errors += c->aux; /* queued behind it */
		}
		c->pending = 0;
		c->aux = 0;
		tun_peer__segment(peer, index, TUN_TCP_RST,
				  tun_peer_snd_nxt(peer, index), 0, NULL, 0, 0);
		tun_peer__end_held(peer, c, TUN_CLOSED);
		return -EPROTO;
	}
	c->pending = (uint16_t)(c->pending - length);
	peer->counts.bytes += length;
	if (length && c->pending == 0) {
		peer->counts.in_flight--;
		peer->counts.messages++;
		if (peer->in_window &&
		    (int32_t)(now_us - peer->window_end_us) < 0)
			peer->counts.completed++;
		uint32_t rtt = now_us - c->stamp_us;
		mcs_histogram_record(&peer->rtt_us, (int32_t)rtt < 0 ? 0 : rtt);
		if (c->aux) { /* the next queued load message, now */
			c->aux--;
			uint32_t intended = c->stamp_us + peer->period_us;
			tun_peer_send(peer, index, peer->message_size,
				      (int32_t)(intended - now_us) > 0
					  ? now_us
					  : intended);
		}
	}
	return 0;
}

/* The server's FIN, once everything before it is in: ACK it with our
 * own FIN (or just ACK it when ours is out already). */
static void fin_input(struct tun_peer *peer, uint64_t index)
{
	struct tun_conn *c = &peer->conns[index];
	uint32_t ack = tun_peer_rcv_nxt(peer, index) + 1;
	if (c->state == TUN_FIN_SENT) {
		tun_peer__segment(peer, index, TUN_TCP_ACK,
				  tun_peer_snd_nxt(peer, index), ack, NULL, 0,
				  0);
		peer->counts.fin_done++;
		c->state = TUN_CLOSED;
		return;
	}
	tun_peer__segment(peer, index, TUN_TCP_FIN | TUN_TCP_ACK,
			  tun_peer_snd_nxt(peer, index), ack, NULL, 0, 0);
	tun_peer__end_held(peer, c, TUN_LOST);
}

/* ESTABLISHED or FIN_SENT: a segment with ACK and no SYN/RST. */
static void data_input(struct tun_peer *peer, uint64_t index,
		       const struct tun_segment *s, uint32_t now_us)
{
	int fin = (s->flags & TUN_TCP_FIN) != 0;
	if (s->length == 0 && !fin)
		return; /* a pure ACK */
	uint32_t rcv_nxt = tun_peer_rcv_nxt(peer, index);
	int32_t ahead = (int32_t)(s->seq - rcv_nxt);
	const uint8_t *data = s->payload;
	uint32_t length = s->length;
	if (ahead > 0) { /* a gap before it: we keep no buffer */
		if ((uint32_t)ahead < TUN_PEER_WINDOW)
			peer->counts.out_of_order++;
		else
			peer->counts.out_of_window++;
		tun_peer__ack(peer, index);
		return;
	}
	uint32_t old = (uint32_t)-ahead;
	if (old > TUN_PEER_WINDOW + (uint32_t)UINT16_MAX) {
		peer->counts.out_of_window++;
		tun_peer__ack(peer, index);
		return;
	}
	if (old >= length + (uint32_t)fin) { /* all of it seen before */
		peer->counts.duplicates++;
		tun_peer__ack(peer, index);
		return;
	}
	if (old > length) /* only the FIN is new */
		old = length;
	data += old;
	length -= old;
	if (accept_data(peer, index, data, length, now_us) < 0)
		return;
	if (fin)
		fin_input(peer, index);
	else
		tun_peer__ack(peer, index);
}

static void held_input(struct tun_peer *peer, uint64_t index,
		       const struct tun_segment *s, uint32_t now_us)
{
	struct tun_conn *c = &peer->conns[index];
	if (s->flags & TUN_TCP_RST) {
		uint32_t off = s->seq - tun_peer_rcv_nxt(peer, index);
		if (off >= TUN_PEER_WINDOW) {
			peer->counts.out_of_window++;
			return;
		}
		if (c->state == TUN_FIN_SENT) {
			c->state = TUN_CLOSED;
			return;
		}
		tun_peer__end_held(peer, c, TUN_LOST);
		return;
	}
	if (s->flags & TUN_TCP_SYN) {
		if ((s->flags & TUN_TCP_ACK) && s->seq == c->irs)
			peer->counts.duplicates++; /* our ACK was lost */
		else
			peer->counts.unexpected++;
		tun_peer__ack(peer, index);
		return;
	}
	if (!(s->flags & TUN_TCP_ACK)) {
		peer->counts.unexpected++;
		return;
	}
	uint32_t acked = s->ack - (tun_peer_iss(index) + 1);
	if (acked > c->end + (c->state == TUN_FIN_SENT ? 1u : 0u)) {
		peer->counts.unexpected++; /* acks what we never sent */
		tun_peer__ack(peer, index);
		return;
	}
	data_input(peer, index, s, now_us);
}

void tun_peer_input(struct tun_peer *peer, const uint8_t *packet, size_t size,
		    uint32_t now_us)
{
	struct tun_segment s;
	peer->counts.packets_in++;
	enum tun_parse r = tun_packet_parse(packet, size, &s);
	if (r != TUN_PARSE_TCP) {
		if (r == TUN_PARSE_MALFORMED)
			peer->counts.malformed++;
		else
			peer->counts.other++;
		return;
	}
	uint64_t index;
	if (tun_space_index(&peer->space, s.destination, s.destination_port,
			    s.source, s.source_port, &index) < 0 ||
	    index >= peer->capacity) {
		peer->counts.unknown++;
		tun_peer__reset_reply(peer, &s);
		return;
	}
	struct tun_conn *c = &peer->conns[index];
	switch (c->state) {
	case TUN_SYN_SENT: syn_sent_input(peer, index, &s, now_us); return;
	case TUN_ESTABLISHED:
	case TUN_FIN_SENT: held_input(peer, index, &s, now_us); return;
	case TUN_LOST:
		/* the ACK of the FIN we answered the server's FIN with */
		if (!(s.flags & (TUN_TCP_SYN | TUN_TCP_RST)) && !s.length)
			return;
		break;
	default: break;
	}
	peer->counts.unknown++;
	tun_peer__reset_reply(peer, &s);
}
