/* tun_packet.c - build and parse IPv4/TCP packets (see tun_packet.h). */
#include "tun_packet.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t tun_checksum_add(uint32_t sum, const uint8_t *data, size_t size)
{
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 4 <= size; i += 4)
		s += get32(data + i);
	for (; i + 2 <= size; i += 2)
		s += get16(data + i);
	if (i < size)
		s += (uint32_t)data[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t tun_checksum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t tun_tcp_checksum(uint32_t source, uint32_t destination,
			  const uint8_t *tcp, size_t size)
{
	uint8_t pseudo[12];
	put32(pseudo, source);
	put32(pseudo + 4, destination);
	pseudo[8] = 0;
	pseudo[9] = 6; /* IPPROTO_TCP */
	put16(pseudo + 10, (uint16_t)size);
	uint32_t sum = tun_checksum_add(0, pseudo, sizeof(pseudo));
	return tun_checksum_finish(tun_checksum_add(sum, tcp, size));
}

/* The MSS option of a TCP header's options, 0 when absent; -1 when the
 * option list is malformed (a length running past the header). */
static int parse_mss(const uint8_t *options, size_t size)
{
	int mss = 0;
	size_t i = 0;
	while (i < size) {
		uint8_t kind = options[i];
		if (kind == 0) /* end of list */
			break;
		if (kind == 1) { /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= size || options[i + 1] < 2 ||
		    i + options[i + 1] > size)
			return -1;
		if (kind == 2) {
			if (options[i + 1] != 4)
				return -1;
			mss = get16(options + i + 2);
		}
		i += options[i + 1];
	}
	return mss;
}

enum tun_parse tun_packet_parse(const uint8_t *packet, size_t size,
				struct tun_segment *segment)
{
	memset(segment, 0, sizeof(*segment));
	if (size < 1)
		return TUN_PARSE_MALFORMED;
	if (packet[0] >> 4 == 6)
		return TUN_PARSE_OTHER;
	if (packet[0] >> 4 != 4 || size < TUN_IP_HEADER)
		return TUN_PARSE_MALFORMED;
	size_t ip_header = (size_t)(packet[0] & 0xfu) * 4u;
	size_t total = get16(packet + 2);
	if (ip_header < TUN_IP_HEADER || total < ip_header || total > size)
		return TUN_PARSE_MALFORMED;
	if (tun_checksum_finish(tun_checksum_add(0, packet, ip_header)) != 0)
		return TUN_PARSE_MALFORMED;
	if (packet[9] != 6 || (get16(packet + 6) & 0x3fffu) != 0)
		return TUN_PARSE_OTHER; /* not TCP, or a fragment */
	const uint8_t *tcp = packet + ip_header;
	size_t tcp_size = total - ip_header;
	if (tcp_size < TUN_TCP_HEADER)
		return TUN_PARSE_MALFORMED;
	size_t tcp_header = (size_t)(tcp[12] >> 4) * 4u;
	if (tcp_header < TUN_TCP_HEADER || tcp_header > tcp_size)
		return TUN_PARSE_MALFORMED;
	segment->source = get32(packet + 12);
	segment->destination = get32(packet + 16);
	if (tun_tcp_checksum(segment->source, segment->destination, tcp,
			     tcp_size) != 0)
		return TUN_PARSE_MALFORMED;
	int mss = parse_mss(tcp + TUN_TCP_HEADER, tcp_header - TUN_TCP_HEADER);
	if (mss < 0)
		return TUN_PARSE_MALFORMED;
	segment->source_port = get16(tcp);
	segment->destination_port = get16(tcp + 2);
	segment->seq = get32(tcp + 4);
	segment->ack = get32(tcp + 8);
	segment->flags = tcp[13] & 0x3fu;
	segment->window = get16(tcp + 14);
	segment->mss = (uint16_t)mss;
	segment->payload = tcp + tcp_header;
	segment->length = (uint32_t)(tcp_size - tcp_header);
	return TUN_PARSE_TCP;
}

size_t tun_packet_build(uint8_t *packet, size_t capacity,
			const struct tun_segment *s)
{
	size_t tcp_header = TUN_TCP_HEADER + (s->mss ? TUN_TCP_MSS_OPTION : 0);
	size_t total = TUN_IP_HEADER + tcp_header + s->length;
	if (total > capacity || total > TUN_PACKET_MAX)
		return 0;
	uint8_t *ip = packet, *tcp = packet + TUN_IP_HEADER;
	memset(packet, 0, TUN_IP_HEADER + tcp_header);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)total);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, s->source);
	put32(ip + 16, s->destination);
	put16(ip + 10, tun_checksum_finish(tun_checksum_add(0, ip, 20)));
	put16(tcp, s->source_port);
	put16(tcp + 2, s->destination_port);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)(tcp_header / 4u) << 4;
	tcp[13] = s->flags;
	put16(tcp + 14, s->window);
	if (s->mss) {
		tcp[20] = 2;
		tcp[21] = 4;
		put16(tcp + 22, s->mss);
	}
	if (s->length)
		memcpy(tcp + tcp_header, s->payload, s->length);
	put16(tcp + 16, tun_tcp_checksum(s->source, s->destination, tcp,
					 tcp_header + s->length));
	return total;
}
