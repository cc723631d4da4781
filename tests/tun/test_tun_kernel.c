/* test_tun_kernel.c - the TUN client's packets against the kernel's own:
 * in a private network namespace (this process unshares one; it goes when
 * the process does), a TUN device with 198.18.0.1/15. A real socket's SYN
 * read from the device must parse, with both checksums as the client's
 * code computes them and the MSS the device's MTU gives; a SYN the client
 * builds must be answered by a kernel listener with a SYN-ACK (so its
 * checksums are right), and one with a broken checksum never. Skips (77)
 * without root or /dev/net/tun. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tun_device.h"
#include "tun_packet.h"
#include "tun_space.h"
#include "tun_steer.h"

#define SERVER 0xC6120001u /* 198.18.0.1, on the device */
#define REMOTE 0xC6120505u /* 198.18.5.5, routed to the device */
#define CLIENT 0xC6130007u /* 198.19.0.7, a hand-made peer */

static int tun_fd;

/* The next IPv4 TCP packet from the device within wait_ms (other packets
 * skipped), or 0. */
static size_t read_tcp(uint8_t *packet, size_t capacity, int wait_ms,
		       struct tun_segment *s)
{
	for (;;) {
		struct pollfd p = {.fd = tun_fd, .events = POLLIN};
		if (poll(&p, 1, wait_ms) <= 0)
			return 0;
		ssize_t n = read(tun_fd, packet, capacity);
		if (n <= 0)
			continue;
		if (tun_packet_parse(packet, (size_t)n, s) == TUN_PARSE_TCP)
			return (size_t)n;
	}
}

static struct sockaddr_in address(uint32_t host, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(host)};
	return a;
}

static void test_kernel_syn_parses(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	struct sockaddr_in to = address(REMOTE, 2048);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	uint8_t packet[2048];
	struct tun_segment s;
	size_t size = read_tcp(packet, sizeof(packet), 5000, &s);
	assert_true(size > 0);
	assert_int_equal(s.flags, TUN_TCP_SYN);
	assert_int_equal(s.source, SERVER);
	assert_int_equal(s.destination, REMOTE);
	assert_int_equal(s.destination_port, 2048);
	assert_int_equal(s.mss, 1460);
	assert_int_equal(s.length, 0);
	/* Both checksums, recomputed the client's way over the kernel's
	 * bytes with the field zeroed, are the kernel's. */
	size_t ip_header = (size_t)(packet[0] & 0xf) * 4;
	uint16_t ip_sum = (uint16_t)(packet[10] << 8 | packet[11]);
	packet[10] = packet[11] = 0;
	assert_int_equal(
	    tun_checksum_finish(tun_checksum_add(0, packet, ip_header)),
	    ip_sum);
	uint8_t *tcp = packet + ip_header;
	uint16_t tcp_sum = (uint16_t)(tcp[16] << 8 | tcp[17]);
	tcp[16] = tcp[17] = 0;
	assert_int_equal(
	    tun_tcp_checksum(s.source, s.destination, tcp, size - ip_header),
	    tcp_sum);
	/* The layout the client builds: a SYN with the same numbers parses
	 * back to the same fields. */
	struct tun_segment again = s, back;
	again.payload = NULL;
	uint8_t built[128];
	size_t built_size = tun_packet_build(built, sizeof(built), &again);
	assert_int_equal(tun_packet_parse(built, built_size, &back),
			 TUN_PARSE_TCP);
	assert_int_equal(back.seq, s.seq);
	assert_int_equal(back.mss, s.mss);
	assert_int_equal(back.source_port, s.source_port);
	/* version, header length, TOS; DF, TTL, protocol (the total length
	 * and ID differ: the kernel's SYN has more options) */
	assert_memory_equal(built, packet, 2);
	assert_memory_equal(built + 6, packet + 6, 4);
	assert_memory_equal(built + 12, packet + 12, 8); /* addresses */
	close(fd);
}

static void write_segment(const struct tun_segment *s)
{
	uint8_t packet[256];
	size_t size = tun_packet_build(packet, sizeof(packet), s);
	assert_true(size > 0);
	assert_int_equal(write(tun_fd, packet, size), (ssize_t)size);
}

static void test_our_syn_answered(void **state)
{
	(void)state;
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(listener >= 0);
	struct sockaddr_in at = address(SERVER, 2049);
	assert_int_equal(bind(listener, (struct sockaddr *)&at, sizeof(at)), 0);
	assert_int_equal(listen(listener, 16), 0);
	struct tun_segment syn = {.source = CLIENT,
				  .destination = SERVER,
				  .source_port = 40001,
				  .destination_port = 2049,
				  .seq = 1000,
				  .flags = TUN_TCP_SYN,
				  .window = 65535,
				  .mss = 1460};
	/* A broken checksum first: the kernel must drop it silently. */
	uint8_t packet[256];
	size_t size = tun_packet_build(packet, sizeof(packet), &syn);
	packet[size - 1] ^= 0x55;
	packet[36] ^= 0x01; /* the TCP checksum's low byte */
	assert_int_equal(write(tun_fd, packet, size), (ssize_t)size);
	syn.source_port = 40002;
	write_segment(&syn);
	struct tun_segment s;
	uint8_t reply[2048];
	assert_true(read_tcp(reply, sizeof(reply), 5000, &s) > 0);
	assert_int_equal(s.flags, TUN_TCP_SYN | TUN_TCP_ACK);
	assert_int_equal(s.destination_port, 40002); /* not 40001 */
	assert_int_equal(s.ack, 1001);
	assert_int_equal(s.destination, CLIENT);
	/* Complete the handshake: the listener accepts it. */
	struct tun_segment ack = syn;
	ack.flags = TUN_TCP_ACK;
	ack.seq = 1001;
	ack.ack = s.seq + 1;
	ack.mss = 0;
	write_segment(&ack);
	struct pollfd p = {.fd = listener, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	int conn = accept(listener, NULL, NULL);
	assert_true(conn >= 0);
	/* And the broken SYN was never answered. */
	while (read_tcp(reply, sizeof(reply), 200, &s) > 0)
		assert_int_not_equal(s.destination_port, 40001);
	close(conn);
	close(listener);
}

/* The root qdisc of a device, as tc shows it ("" when tc fails). */
static void qdisc_of(const char *name, char *out, size_t size)
{
	char command[96];
	snprintf(command, sizeof(command), "tc qdisc show dev %s root", name);
	out[0] = 0;
	FILE *p = popen(command, "r");
	if (!p)
		return;
	if (!fgets(out, (int)size, p))
		out[0] = 0;
	pclose(p);
}

/* A two-queue device with the steering program: the SYN-ACK to each of
 * 256 hand-made SYNs (4 groups of 64) comes back on the queue owning its
 * connection, (index / 64) mod 2. */
static void test_steering_program(void **state)
{
	(void)state;
	struct tun_device_config config = {.name = "mcsq0",
					   .address = 0xC6140001u,
					   .prefix = 30,
					   .txqueuelen = 1000,
					   .mtu = 1500,
					   .queues = 2};
	int fds[2];
	char why[256];
	assert_int_equal(tun_device_open(&config, fds, why, sizeof(why)), 0);
	/* noqueue replaced mq, as lo and veth have it (tun_qdisc.h) */
	char qdisc[256];
	qdisc_of(config.name, qdisc, sizeof(qdisc));
	assert_non_null(strstr(qdisc, "qdisc noqueue"));
	/* the space: the sources lie in the device's /30 */
	const struct tun_space space = {.server = 0xC6140001u,
					.port_first = 3000,
					.port_count = 2,
					.source_first = 0xC6140002u,
					.source_count = 2,
					.source_port_first = 1024,
					.source_port_count = 4096};
	int prog = tun_steer_attach(fds[0], &space, 2, why, sizeof(why));
	assert_true(prog >= 0);
	int listeners[2];
	for (int p = 0; p < 2; p++) {
		listeners[p] = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in at = address(space.server, 3000 + p);
		assert_int_equal(
		    bind(listeners[p], (struct sockaddr *)&at, sizeof(at)), 0);
		assert_int_equal(listen(listeners[p], 512), 0);
	}
	int saved = tun_fd;
	tun_fd = fds[0];
	for (uint64_t i = 0; i < 256; i++) {
		struct tun_segment syn = {.destination = space.server,
					  .seq = (uint32_t)i,
					  .flags = TUN_TCP_SYN,
					  .window = 65535,
					  .mss = 1460};
		tun_space_tuple(&space, i, &syn.source, &syn.source_port,
				&syn.destination_port);
		write_segment(&syn);
	}
	/* SYN-ACKs the kernel sends again (1 s on) land on the same queue */
	uint8_t seen[256] = {0};
	unsigned got = 0;
	uint8_t reply[2048];
	for (int q = 0; q < 2; q++) {
		tun_fd = fds[q];
		struct tun_segment s;
		while (read_tcp(reply, sizeof(reply), 1000, &s) > 0) {
			uint64_t index;
			assert_int_equal(s.flags, TUN_TCP_SYN | TUN_TCP_ACK);
			assert_int_equal(tun_space_index(&space, s.destination,
							 s.destination_port,
							 s.source,
							 s.source_port, &index),
					 0);
			assert_int_equal(index / 64 % 2, (uint64_t)q);
			assert_true(index < 256);
			got += !seen[index];
			seen[index] = 1;
		}
	}
	assert_int_equal(got, 256);
	tun_fd = saved;
	close(listeners[0]);
	close(listeners[1]);
	close(prog);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		fprintf(stderr, "skip: needs root and /dev/net/tun\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "skip: unshare(CLONE_NEWNET): %s\n",
			strerror(errno));
		return 77;
	}
	struct tun_device_config config = {.address = SERVER,
					   .prefix = 15,
					   .txqueuelen = 1000,
					   .mtu = 1500,
					   .queues = 1};
	char why[256];
	if (tun_device_open(&config, &tun_fd, why, sizeof(why)) < 0) {
		fprintf(stderr, "skip: %s\n", why);
		return 77;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kernel_syn_parses),
	    cmocka_unit_test(test_our_syn_answered),
	    cmocka_unit_test(test_steering_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
