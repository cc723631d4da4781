/* tun_peer.h - the TUN client's TCP peer: one 16-byte state per
 * connection, found from a reply's 4-tuple by arithmetic (tun_space.h),
 * and the state machine that answers the server's segments. Pure over
 * packet buffers: packets go out through an emit callback, the time is
 * given (microseconds on the caller's clock, wrapping at 2^32), so the
 * tests drive it without a device.
 *
 * What it does, as a real peer would: SYN with an MSS option, retransmitted
 * with backoff (1 s, 2 s, 4 s, ... by default) until it gives up; the
 * SYN-ACK answered with an ACK (again for a duplicate SYN-ACK); the
 * server's data checked byte for byte against the pattern the client sent
 * and acknowledged; a FIN acknowledged (with our FIN); a RST or FIN from
 * the server marks the connection lost. Segments for no connection of
 * ours get a RST, out-of-order or out-of-window ones a duplicate ACK; each
 * kind is counted.
 *
 * The echoed stream: byte k of connection i's stream is
 * client_pattern_byte(client_pattern_seed(i, 0), k), so a reply the server
 * splits or coalesces is checked at its stream offset, with no buffer.
 */
#ifndef TUN_PEER_H
#define TUN_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "mcs_histogram.h"
#include "tun_packet.h"
#include "tun_space.h"

enum tun_state {
	TUN_FREE = 0,	 /* never opened */
	TUN_SYN_SENT,	 /* SYN out, no SYN-ACK yet */
	TUN_ESTABLISHED, /* held */
	TUN_FIN_SENT,	 /* our FIN out (teardown), waiting for the server's */
	TUN_CLOSED,	 /* closed by us (RST, a mismatch, or FIN done) */
	TUN_LOST,	 /* closed or reset by the server */
	TUN_FAILED,	 /* the connect failed (RST or no answer) */
};

/* All the state of one connection: 16 bytes. */
struct tun_conn {
	uint32_t irs;	   /* the server's initial sequence number */
	uint32_t end;	   /* our stream offset after the last byte sent */
	uint32_t stamp_us; /* SYN_SENT: when the first SYN went out; with a
			      message pending: its intended send time */
	uint16_t pending;  /* bytes of the message in flight not yet echoed */
	uint8_t state;	   /* enum tun_state */
	uint8_t aux;	   /* SYN_SENT: retransmissions; ESTABLISHED: load
			      messages queued behind the one in flight */
};

/* Counters, all since tun_peer_init (the caller takes differences). */
struct tun_counts {
	uint64_t live;		/* established and held now */
	uint64_t syn_in_flight; /* SYNs not answered yet */
	uint64_t established;	/* handshakes completed */
	uint64_t refused;	/* connects answered with RST */
	uint64_t timed_out;	/* connects never answered */
	uint64_t dropped;	/* held connections the server closed/reset */
	uint64_t closed;	/* connections this client closed */
	uint64_t fin_done;	/* FIN teardowns the server completed */
	uint64_t in_flight;	/* messages sent, not yet echoed */
	uint64_t messages;	/* echoes verified */
	uint64_t bytes;		/* bytes of those */
	uint64_t completed;	/* of those, before window_end_us */
	uint64_t errors;	/* messages lost with their connection */
	uint64_t mismatches;	/* echoes with a wrong or unasked byte */
	uint64_t packets_in, packets_out;
	uint64_t malformed;	   /* bad length, version or checksum */
	uint64_t other;		   /* not IPv4/TCP (IPv6, ICMP) */
	uint64_t unknown;	   /* for no connection of ours: RST sent */
	uint64_t out_of_window;	   /* outside the receive window: dup ACK */
	uint64_t out_of_order;	   /* past a gap in the window: dup ACK */
	uint64_t duplicates;	   /* retransmitted data or SYN-ACK: ACK */
	uint64_t unexpected;	   /* flags or numbers that fit no state */
	uint64_t syn_retransmits;  /* SYNs sent again */
	uint64_t data_retransmits; /* messages sent again (no echo in time) */
	uint64_t emit_failures;	   /* packets the device did not take */
};

/* Sends one packet; returns 0, or -errno when the device did not take it
 * (counted in emit_failures; TCP's retransmission recovers). */
typedef int (*tun_emit_fn)(void *context, const uint8_t *packet, size_t size);

struct tun_peer {
	struct tun_conn *conns; /* [capacity], zeroed: every one TUN_FREE */
	uint64_t capacity;
	struct tun_space space;
	uint16_t mss;		/* advertised in the SYN; data segment size */
	uint32_t rto_us;	/* first SYN retransmission timeout */
	uint8_t syn_retries;	/* retransmissions before ETIMEDOUT */
	uint32_t period_us;	/* load: a connection's period */
	uint32_t window_end_us; /* load: echoes before it are "completed" */
	int in_window;		/* load: window_end_us applies */
	uint32_t message_size;	/* load: size of a queued message */
	tun_emit_fn emit;
	void *emit_context;
	struct tun_counts counts;
	struct mcs_histogram connect_us; /* SYN to SYN-ACK */
	struct mcs_histogram rtt_us;	 /* intended send to verified echo */
	uint8_t packet[TUN_PACKET_MAX];	 /* scratch for building */
	uint8_t payload[TUN_PACKET_MAX];
};

/* The ISN of index: a function of the index (no state). */
uint32_t tun_peer_iss(uint64_t index);

/* Set up peer over conns[capacity] (zeroed by the caller). capacity must
 * not exceed tun_space_size(space). */
void tun_peer_init(struct tun_peer *peer, struct tun_conn *conns,
		   uint64_t capacity, const struct tun_space *space,
		   uint16_t mss, tun_emit_fn emit, void *emit_context);

/* Send index's SYN (a FREE connection). */
void tun_peer_connect(struct tun_peer *peer, uint64_t index, uint32_t now_us);

/* One packet from the device. */
void tun_peer_input(struct tun_peer *peer, const uint8_t *packet, size_t size,
		    uint32_t now_us);

/* Send a size-byte message (1-65535) on index, in MSS segments, timed from
 * stamp_us. 0, or -ENOTCONN (not held) or -EBUSY (one is in flight). */
int tun_peer_send(struct tun_peer *peer, uint64_t index, uint32_t size,
		  uint32_t stamp_us);

/* Timers of index: a SYN due for retransmission is sent again, or the
 * connect fails with ETIMEDOUT after syn_retries. Returns 1 while index
 * still waits for something (a SYN-ACK, an echo), else 0. */
int tun_peer_tick(struct tun_peer *peer, uint64_t index, uint32_t now_us);

/* Send again the part of index's message not yet echoed (a segment the
 * server never got, or a reply the device dropped). */
void tun_peer_retransmit(struct tun_peer *peer, uint64_t index);

/* Close index: RST (fin 0) or FIN (fin 1; the connection stays FIN_SENT
 * until the server's FIN). A message in flight and queued ones count as
 * errors. No-op unless ESTABLISHED (or SYN_SENT, which a RST abandons). */
void tun_peer_close(struct tun_peer *peer, uint64_t index, int fin);

/* The connection's receive point and send point (for tests). */
uint32_t tun_peer_rcv_nxt(const struct tun_peer *peer, uint64_t index);
uint32_t tun_peer_snd_nxt(const struct tun_peer *peer, uint64_t index);

#endif /* TUN_PEER_H */
