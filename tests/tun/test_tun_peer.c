/* test_tun_peer.c - the TUN client's packets and per-connection state
 * machine without a device: 4-tuple arithmetic both ways, packets built
 * and parsed, and the peer fed hand-made server segments (lost SYN,
 * refused SYN, duplicate SYN-ACK, split and coalesced echoes,
 * out-of-window and unknown segments, the server's FIN). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client_pattern.h"
#include "tun_peer.h"

#define SERVER	0xC6120001u
#define MAX_OUT 64

struct capture {
	unsigned count;
	struct tun_segment seg[MAX_OUT];
	uint8_t data[MAX_OUT][2048];
};

static struct capture out;
static struct tun_conn conns[1024];
static struct tun_peer peer;
static const struct tun_space space = {
    .server = SERVER,
    .port_first = 2048,
    .port_count = 4,
    .source_first = 0xC6130000u,
    .source_count = 2,
    .source_port_first = 1024,
    .source_port_count = 1000,
};

static int capture_emit(void *context, const uint8_t *packet, size_t size)
{
	(void)context;
	assert_true(out.count < MAX_OUT);
	struct tun_segment *s = &out.seg[out.count];
	assert_int_equal(tun_packet_parse(packet, size, s), TUN_PARSE_TCP);
	assert_true(s->length <= sizeof(out.data[0]));
	memcpy(out.data[out.count], s->payload, s->length);
	s->payload = out.data[out.count];
	out.count++;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(conns, 0, sizeof(conns));
	memset(&out, 0, sizeof(out));
	tun_peer_init(&peer, conns, 1024, &space, 1460, capture_emit, NULL);
	return 0;
}

/* A segment from the server to index's connection, fed to the peer. */
static void server_sends(uint64_t index, uint8_t flags, uint32_t seq,
			 uint32_t ack, const uint8_t *data, uint32_t length,
			 uint32_t now)
{
	struct tun_segment s = {.source = SERVER,
				.seq = seq,
				.ack = ack,
				.flags = flags,
				.window = 65535,
				.payload = data,
				.length = length};
	tun_space_tuple(&space, index, &s.destination, &s.destination_port,
			&s.source_port);
	static uint8_t packet[TUN_PACKET_MAX];
	size_t size = tun_packet_build(packet, sizeof(packet), &s);
	assert_true(size > 0);
	tun_peer_input(&peer, packet, size, now);
}

#define IRS 5000u

/* index connected: SYN out, SYN-ACK in, ACK out. */
static void establish(uint64_t index)
{
	tun_peer_connect(&peer, index, 0);
	server_sends(index, TUN_TCP_SYN | TUN_TCP_ACK, IRS,
		     tun_peer_iss(index) + 1, NULL, 0, 100);
	assert_int_equal(conns[index].state, TUN_ESTABLISHED);
	out.count = 0;
}

static void test_space_round_trip(void **state)
{
	(void)state;
	uint64_t size = tun_space_size(&space);
	assert_int_equal(size, 4u * (2000u / 64u * 64u));
	for (uint64_t i = 0; i < size; i++) {
		uint32_t source;
		uint16_t port, server_port;
		tun_space_tuple(&space, i, &source, &port, &server_port);
		if (i < 64)
			assert_int_equal(server_port, 2048);
		else if (i < 128)
			assert_int_equal(server_port, 2049);
		uint64_t back;
		assert_int_equal(tun_space_index(&space, source, port, SERVER,
						 server_port, &back),
				 0);
		assert_int_equal(back, i);
	}
	uint64_t back;
	assert_int_equal(
	    tun_space_index(&space, 0xC6130005u, 1024, SERVER, 2048, &back),
	    -ENOENT);
	assert_int_equal(
	    tun_space_index(&space, 0xC6130000u, 1024, SERVER, 2052, &back),
	    -ENOENT);
}

static void test_packet_round_trip(void **state)
{
	(void)state;
	uint8_t data[3] = {1, 2, 3}, packet[128];
	struct tun_segment s = {.source = 1,
				.destination = 2,
				.source_port = 3,
				.destination_port = 4,
				.seq = 5,
				.ack = 6,
				.flags = TUN_TCP_SYN,
				.window = 7,
				.mss = 1460,
				.payload = data,
				.length = 3},
			   r;
	size_t size = tun_packet_build(packet, sizeof(packet), &s);
	assert_int_equal(size, 20 + 24 + 3);
	assert_int_equal(tun_packet_parse(packet, size, &r), TUN_PARSE_TCP);
	assert_int_equal(r.seq, 5);
	assert_int_equal(r.ack, 6);
	assert_int_equal(r.mss, 1460);
	assert_int_equal(r.length, 3);
	assert_memory_equal(r.payload, data, 3);
	packet[size - 1] ^= 1; /* a bad TCP checksum */
	assert_int_equal(tun_packet_parse(packet, size, &r),
			 TUN_PARSE_MALFORMED);
	packet[size - 1] ^= 1;
	assert_int_equal(tun_packet_parse(packet, size - 1, &r),
			 TUN_PARSE_MALFORMED); /* shorter than its IP length */
	assert_int_equal(tun_packet_build(packet, 40, &s), 0);
	uint8_t v6[40] = {0x60};
	assert_int_equal(tun_packet_parse(v6, sizeof(v6), &r), TUN_PARSE_OTHER);
}

static void test_syn_carries_mss(void **state)
{
	(void)state;
	tun_peer_connect(&peer, 7, 0);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.seg[0].flags, TUN_TCP_SYN);
	assert_int_equal(out.seg[0].mss, 1460);
	assert_int_equal(out.seg[0].seq, tun_peer_iss(7));
	assert_int_equal(out.seg[0].destination, SERVER);
	assert_int_equal(peer.counts.syn_in_flight, 1);
}

static void test_lost_syn_backoff(void **state)
{
	(void)state;
	tun_peer_connect(&peer, 3, 0);
	assert_int_equal(tun_peer_tick(&peer, 3, 999999), 1);
	assert_int_equal(out.count, 1); /* not yet */
	tun_peer_tick(&peer, 3, 1000000);
	assert_int_equal(out.count, 2); /* 1 s */
	tun_peer_tick(&peer, 3, 2999999);
	assert_int_equal(out.count, 2);
	tun_peer_tick(&peer, 3, 3000000);
	assert_int_equal(out.count, 3); /* then 2 s more */
	assert_int_equal(out.seg[2].flags, TUN_TCP_SYN);
	assert_int_equal(peer.counts.syn_retransmits, 2);
	for (uint32_t t = 3000000; t < 100000000; t += 1000000)
		tun_peer_tick(&peer, 3, t);
	assert_int_equal(conns[3].state, TUN_FAILED);
	assert_int_equal(peer.counts.timed_out, 1);
	assert_int_equal(peer.counts.syn_retransmits, 5);
	assert_int_equal(peer.counts.syn_in_flight, 0);
}

static void test_syn_ack_then_duplicate(void **state)
{
	(void)state;
	tun_peer_connect(&peer, 9, 10);
	server_sends(9, TUN_TCP_SYN | TUN_TCP_ACK, IRS, tun_peer_iss(9) + 1,
		     NULL, 0, 110);
	assert_int_equal(conns[9].state, TUN_ESTABLISHED);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.seg[1].flags, TUN_TCP_ACK);
	assert_int_equal(out.seg[1].ack, IRS + 1);
	assert_int_equal(peer.counts.live, 1);
	assert_int_equal(peer.connect_us.max, 100);
	/* our ACK was lost: the server sends its SYN-ACK again */
	server_sends(9, TUN_TCP_SYN | TUN_TCP_ACK, IRS, tun_peer_iss(9) + 1,
		     NULL, 0, 1110);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.seg[2].flags, TUN_TCP_ACK);
	assert_int_equal(out.seg[2].ack, IRS + 1);
	assert_int_equal(peer.counts.duplicates, 1);
	assert_int_equal(peer.counts.live, 1);
}

static void test_refused(void **state)
{
	(void)state;
	tun_peer_connect(&peer, 4, 0);
	server_sends(4, TUN_TCP_RST | TUN_TCP_ACK, 0, tun_peer_iss(4) + 1, NULL,
		     0, 50);
	assert_int_equal(conns[4].state, TUN_FAILED);
	assert_int_equal(peer.counts.refused, 1);
	assert_int_equal(peer.counts.syn_in_flight, 0);
}

static void test_rst_marks_lost(void **state)
{
	(void)state;
	establish(5);
	assert_int_equal(tun_peer_send(&peer, 5, 10, 200), 0);
	server_sends(5, TUN_TCP_RST, IRS + 1, 0, NULL, 0, 300);
	assert_int_equal(conns[5].state, TUN_LOST);
	assert_int_equal(peer.counts.dropped, 1);
	assert_int_equal(peer.counts.errors, 1);
	assert_int_equal(peer.counts.live, 0);
	assert_int_equal(peer.counts.in_flight, 0);
}

/* The echo of bytes [from, from+length) of index's stream. */
static void echo_back(uint64_t index, uint32_t from, uint32_t length,
		      uint32_t now)
{
	static uint8_t data[8192];
	client_pattern_fill(client_pattern_seed(index, 0), data, from, length);
	server_sends(index, TUN_TCP_ACK | TUN_TCP_PSH, IRS + 1 + from,
		     tun_peer_iss(index) + 1 + from + length, data, length,
		     now);
}

static void test_message_segmented_reply_split(void **state)
{
	(void)state;
	establish(6);
	assert_int_equal(tun_peer_send(&peer, 6, 3000, 1000), 0);
	assert_int_equal(out.count, 3); /* 1460 + 1460 + 80 */
	assert_int_equal(out.seg[0].length, 1460);
	assert_int_equal(out.seg[2].length, 80);
	assert_int_equal(out.seg[2].flags, TUN_TCP_ACK | TUN_TCP_PSH);
	assert_int_equal(out.seg[1].seq, tun_peer_iss(6) + 1 + 1460);
	assert_int_equal(tun_peer_send(&peer, 6, 10, 1000), -EBUSY);
	echo_back(6, 0, 1000, 1500); /* the server splits it 1000/2000 */
	assert_int_equal(conns[6].pending, 2000);
	assert_int_equal(out.seg[3].ack, IRS + 1 + 1000);
	echo_back(6, 1000, 2000, 1700);
	assert_int_equal(conns[6].pending, 0);
	assert_int_equal(peer.counts.messages, 1);
	assert_int_equal(peer.counts.bytes, 3000);
	assert_int_equal(peer.rtt_us.max, 700);
	assert_int_equal(peer.counts.in_flight, 0);
}

static void test_coalesced_and_retransmitted_reply(void **state)
{
	(void)state;
	establish(8);
	/* two 8-byte messages whose echoes arrive in one segment cannot
	 * happen with one in flight: the coalesced case is one message's
	 * segments echoed as one */
	assert_int_equal(tun_peer_send(&peer, 8, 2000, 0), 0);
	echo_back(8, 0, 2000, 10);
	assert_int_equal(peer.counts.messages, 1);
	/* the same echo again (our ACK was lost): a duplicate, ACKed */
	unsigned before = out.count;
	echo_back(8, 0, 2000, 20);
	assert_int_equal(peer.counts.duplicates, 1);
	assert_int_equal(out.count, before + 1);
	assert_int_equal(out.seg[before].ack, IRS + 1 + 2000);
	assert_int_equal(peer.counts.mismatches, 0);
	/* a retransmission overlapping new bytes: only the new part counts */
	assert_int_equal(tun_peer_send(&peer, 8, 100, 30), 0);
	echo_back(8, 1950, 150, 40);
	assert_int_equal(peer.counts.messages, 2);
	assert_int_equal(peer.counts.mismatches, 0);
}

static void test_out_of_window_and_gap(void **state)
{
	(void)state;
	establish(10);
	assert_int_equal(tun_peer_send(&peer, 10, 100, 0), 0);
	out.count = 0;
	echo_back(10, 50, 50, 10); /* a gap before it */
	assert_int_equal(peer.counts.out_of_order, 1);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.seg[0].ack, IRS + 1); /* a duplicate ACK */
	uint8_t junk[4] = {0};
	server_sends(10, TUN_TCP_ACK, IRS + 1 + 1000000, tun_peer_iss(10) + 1,
		     junk, 4, 20);
	assert_int_equal(peer.counts.out_of_window, 1);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.seg[1].ack, IRS + 1);
	assert_int_equal(conns[10].pending, 100);
}

static void test_mismatch_closes(void **state)
{
	(void)state;
	establish(11);
	assert_int_equal(tun_peer_send(&peer, 11, 4, 0), 0);
	uint8_t wrong[4] = {0xde, 0xad, 0xbe, 0xef};
	server_sends(11, TUN_TCP_ACK, IRS + 1, tun_peer_iss(11) + 5, wrong, 4,
		     10);
	assert_int_equal(peer.counts.mismatches, 1);
	assert_int_equal(conns[11].state, TUN_CLOSED);
	assert_int_equal(out.seg[out.count - 1].flags, TUN_TCP_RST);
}

static void test_unknown_gets_rst(void **state)
{
	(void)state;
	server_sends(12, TUN_TCP_ACK, 77, 1234, NULL, 0, 0); /* FREE */
	assert_int_equal(peer.counts.unknown, 1);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.seg[0].flags, TUN_TCP_RST);
	assert_int_equal(out.seg[0].seq, 1234);
	uint8_t packet[128];
	struct tun_segment s = {.source = SERVER,
				.destination = 0xC6130009u,
				.source_port = 2048,
				.destination_port = 80,
				.seq = 9,
				.flags = TUN_TCP_SYN};
	size_t size = tun_packet_build(packet, sizeof(packet), &s);
	tun_peer_input(&peer, packet, size, 0);
	assert_int_equal(peer.counts.unknown, 2);
	assert_int_equal(out.seg[1].flags, TUN_TCP_RST | TUN_TCP_ACK);
	assert_int_equal(out.seg[1].ack, 10);
	tun_peer_input(&peer, packet, 10, 0);
	assert_int_equal(peer.counts.malformed, 1);
}

static void test_server_fin_and_our_fin(void **state)
{
	(void)state;
	establish(13);
	server_sends(13, TUN_TCP_FIN | TUN_TCP_ACK, IRS + 1,
		     tun_peer_iss(13) + 1, NULL, 0, 10);
	assert_int_equal(conns[13].state, TUN_LOST);
	assert_int_equal(peer.counts.dropped, 1);
	assert_int_equal(out.seg[0].flags, TUN_TCP_FIN | TUN_TCP_ACK);
	assert_int_equal(out.seg[0].ack, IRS + 2);
	establish(14);
	tun_peer_close(&peer, 14, 1);
	assert_int_equal(conns[14].state, TUN_FIN_SENT);
	server_sends(14, TUN_TCP_FIN | TUN_TCP_ACK, IRS + 1,
		     tun_peer_iss(14) + 2, NULL, 0, 20);
	assert_int_equal(conns[14].state, TUN_CLOSED);
	assert_int_equal(peer.counts.fin_done, 1);
	assert_int_equal(out.seg[1].flags, TUN_TCP_ACK);
	assert_int_equal(out.seg[1].ack, IRS + 2);
}

static void test_load_queue(void **state)
{
	(void)state;
	establish(15);
	peer.period_us = 1000;
	peer.message_size = 8;
	assert_int_equal(tun_peer_send(&peer, 15, 8, 0), 0);
	conns[15].aux = 2; /* two late messages queued */
	echo_back(15, 0, 8, 500);
	assert_int_equal(peer.counts.messages, 1);
	assert_int_equal(conns[15].pending, 8);	   /* the next went out */
	assert_int_equal(conns[15].stamp_us, 500); /* intended 1000: later */
	tun_peer_close(&peer, 15, 0);
	assert_int_equal(peer.counts.errors, 2); /* in flight + queued */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_space_round_trip, setup),
	    cmocka_unit_test_setup(test_packet_round_trip, setup),
	    cmocka_unit_test_setup(test_syn_carries_mss, setup),
	    cmocka_unit_test_setup(test_lost_syn_backoff, setup),
	    cmocka_unit_test_setup(test_syn_ack_then_duplicate, setup),
	    cmocka_unit_test_setup(test_refused, setup),
	    cmocka_unit_test_setup(test_rst_marks_lost, setup),
	    cmocka_unit_test_setup(test_message_segmented_reply_split, setup),
	    cmocka_unit_test_setup(test_coalesced_and_retransmitted_reply,
				   setup),
	    cmocka_unit_test_setup(test_out_of_window_and_gap, setup),
	    cmocka_unit_test_setup(test_mismatch_closes, setup),
	    cmocka_unit_test_setup(test_unknown_gets_rst, setup),
	    cmocka_unit_test_setup(test_server_fin_and_our_fin, setup),
	    cmocka_unit_test_setup(test_load_queue, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
