/* tun_packet.h - IPv4/TCP packets as a TUN device (IFF_TUN|IFF_NO_PI)
 * carries them: built with correct IPv4 and TCP checksums (the kernel
 * drops bad ones silently) and parsed with every length checked. Pure:
 * no device, no clock, no allocation; fuzzed (tests/fuzz). */
#ifndef TUN_PACKET_H
#define TUN_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define TUN_TCP_FIN 0x01u
#define TUN_TCP_SYN 0x02u
#define TUN_TCP_RST 0x04u
#define TUN_TCP_PSH 0x08u
#define TUN_TCP_ACK 0x10u
#define TUN_TCP_URG 0x20u

#define TUN_IP_HEADER	   20u /* what we build: no IP options */
#define TUN_TCP_HEADER	   20u /* without options */
#define TUN_TCP_MSS_OPTION 4u
/* The largest packet a TUN read or write carries here. */
#define TUN_PACKET_MAX 65535u

/* One TCP segment, addresses and numbers in host byte order. */
struct tun_segment {
	uint32_t source, destination;
	uint16_t source_port, destination_port;
	uint32_t seq, ack;
	uint8_t flags;	 /* TUN_TCP_* */
	uint16_t window; /* unscaled */
	uint16_t mss;	 /* MSS option: built when non-zero, 0 if absent */
	const uint8_t *payload;
	uint32_t length; /* payload bytes */
};

/* What tun_packet_parse() found. */
enum tun_parse {
	TUN_PARSE_TCP = 0,	 /* a well-formed IPv4 TCP segment */
	TUN_PARSE_OTHER = 1,	 /* well-formed, not IPv4/TCP (IPv6, ICMP,
				    a fragment): ignored */
	TUN_PARSE_MALFORMED = 2, /* a length, version or checksum is wrong */
};

/* Parse packet[0..size) into segment (payload points into packet). */
enum tun_parse tun_packet_parse(const uint8_t *packet, size_t size,
				struct tun_segment *segment);

/* Build segment into packet (capacity bytes): IPv4 header (DF, TTL 64),
 * TCP header, the MSS option when segment->mss, the payload, both
 * checksums. Returns the packet's length, or 0 when it does not fit. */
size_t tun_packet_build(uint8_t *packet, size_t capacity,
			const struct tun_segment *segment);

/* The Internet checksum (RFC 1071) of data, continuing from sum (a
 * partial 32-bit sum; 0 to start), not yet folded or inverted. */
uint32_t tun_checksum_add(uint32_t sum, const uint8_t *data, size_t size);
/* Fold and invert a partial sum into the 16-bit checksum field value. */
uint16_t tun_checksum_finish(uint32_t sum);
/* The TCP checksum of tcp[0..size) (header with its checksum field as it
 * is, plus payload) under the IPv4 pseudo-header: 0 when a received
 * segment's checksum is right. */
uint16_t tun_tcp_checksum(uint32_t source, uint32_t destination,
			  const uint8_t *tcp, size_t size);

#endif /* TUN_PACKET_H */
