/* fuzz_tun_packet_target.c - contract checks around the TUN client's
 * packet parser and its peer (tun-client/tun_packet.c, tun_peer.c) for
 * fuzzing: any bytes the device could hand over must parse without
 * reading past them, a parsed segment must build back into a packet that
 * parses to the same fields, and the peer must count the packet (as TCP,
 * malformed or other) without crashing, whatever state it finds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_targets.h"
#include "tun_peer.h"

static int drop_emit(void *context, const uint8_t *packet, size_t size)
{
	struct tun_segment s;
	(void)context;
	/* what the peer sends must itself be well-formed */
	CHECK(tun_packet_parse(packet, size, &s) == TUN_PARSE_TCP);
	return 0;
}

static void check_round_trip(const uint8_t *data, size_t size,
			     const struct tun_segment *s)
{
	CHECK(s->payload >= data && s->payload + s->length <= data + size);
	static uint8_t packet[TUN_PACKET_MAX];
	size_t built = tun_packet_build(packet, sizeof(packet), s);
	if (!built)
		return; /* options we do not rebuild made it too long */
	struct tun_segment back;
	CHECK(tun_packet_parse(packet, built, &back) == TUN_PARSE_TCP);
	CHECK(back.seq == s->seq && back.ack == s->ack);
	CHECK(back.flags == s->flags && back.length == s->length);
	CHECK(back.source == s->source && back.destination == s->destination);
	CHECK(back.mss == s->mss);
	CHECK(memcmp(back.payload, s->payload, s->length) == 0);
}

/* data with its IPv4 and TCP checksums made right (where the lengths
 * allow), in copy: so mutations reach past the checksum checks. 0 when
 * there is nothing to mend. */
static size_t mend_checksums(const uint8_t *data, size_t size, uint8_t *copy)
{
	if (size < 40 || size > TUN_PACKET_MAX || data[0] >> 4 != 4)
		return 0;
	memcpy(copy, data, size);
	size_t ip_header = (size_t)(copy[0] & 0xfu) * 4u;
	size_t total = (size_t)(copy[2] << 8 | copy[3]);
	if (ip_header < 20 || total < ip_header + 20 || total > size)
		return 0;
	copy[10] = copy[11] = 0;
	uint16_t sum =
	    tun_checksum_finish(tun_checksum_add(0, copy, ip_header));
	copy[10] = (uint8_t)(sum >> 8);
	copy[11] = (uint8_t)sum;
	uint8_t *tcp = copy + ip_header;
	tcp[16] = tcp[17] = 0;
	uint32_t source = (uint32_t)copy[12] << 24 | (uint32_t)copy[13] << 16 |
			  (uint32_t)copy[14] << 8 | copy[15];
	uint32_t destination = (uint32_t)copy[16] << 24 |
			       (uint32_t)copy[17] << 16 |
			       (uint32_t)copy[18] << 8 | copy[19];
	sum = tun_tcp_checksum(source, destination, tcp, total - ip_header);
	tcp[16] = (uint8_t)(sum >> 8);
	tcp[17] = (uint8_t)sum;
	return size;
}

static void fuzz_once(const uint8_t *data, size_t size);

int fuzz_tun_packet(const uint8_t *data, size_t size)
{
	fuzz_once(data, size);
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	if (mend_checksums(data, size, copy))
		fuzz_once(copy, size);
	free(copy);
	return 0;
}

static void fuzz_once(const uint8_t *data, size_t size)
{
	static struct tun_peer peer;
	static struct tun_conn conns[256];
	static const struct tun_space space = {
	    .server = 0xC6120001u,
	    .port_first = 2048,
	    .port_count = 2,
	    .source_first = 0xC6130000u,
	    .source_count = 1,
	    .source_port_first = 1024,
	    .source_port_count = 128,
	};
	struct tun_segment s;
	enum tun_parse r = tun_packet_parse(data, size, &s);
	CHECK(r == TUN_PARSE_TCP || r == TUN_PARSE_OTHER ||
	      r == TUN_PARSE_MALFORMED);
	if (r == TUN_PARSE_TCP)
		check_round_trip(data, size, &s);
	/* The peer, with connections in every state the input may hit:
	 * index i in state i % 7, some with a message in flight. */
	memset(conns, 0, sizeof(conns));
	tun_peer_init(&peer, conns, 256, &space, 1460, drop_emit, NULL);
	for (unsigned i = 0; i < 256; i++) {
		conns[i].state = (uint8_t)(i % 7);
		conns[i].irs = 1000;
		if (conns[i].state == TUN_ESTABLISHED && i % 2) {
			conns[i].end = 100;
			conns[i].pending = 50;
			peer.counts.in_flight++;
		}
		if (conns[i].state == TUN_ESTABLISHED)
			peer.counts.live++;
		if (conns[i].state == TUN_SYN_SENT)
			peer.counts.syn_in_flight++;
	}
	struct tun_counts before = peer.counts;
	tun_peer_input(&peer, data, size, 12345);
	CHECK(peer.counts.packets_in == before.packets_in + 1);
	/* One packet establishes at most one connection: a SYN-ACK for one
	 * in SYN_SENT, which then no longer waits for its SYN's answer. */
	CHECK(peer.counts.live <= before.live + 1);
	if (peer.counts.live > before.live)
		CHECK(peer.counts.syn_in_flight + 1 == before.syn_in_flight);
	CHECK(peer.counts.in_flight <= before.in_flight);
}
