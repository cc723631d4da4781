/* peer.c - test-side socket helpers with a poll loop, so large payloads
 * never deadlock against the server's backpressure. */
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_clock.h"

int peer_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void peer_pattern(unsigned char *buf, size_t len, uint32_t seed, size_t offset)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t x = (uint32_t)(offset + i) * 2654435761u ^ seed;
		buf[i] = (unsigned char)(x >> 13);
	}
}

int peer_exchange(int fd, size_t len, size_t chunk, uint32_t seed,
		  int timeout_ms)
{
	unsigned char *out = malloc(len ? len : 1);
	unsigned char *in = malloc(65536);
	unsigned char *want = malloc(65536);
	int result = -1;
	if (!out || !in || !want)
		goto done;
	peer_pattern(out, len, seed, 0);
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	size_t sent = 0, received = 0;
	int64_t deadline = mcs_now_ms() + timeout_ms;
	while (received < len) {
		int64_t left = deadline - mcs_now_ms();
		if (left <= 0)
			goto restore;
		struct pollfd p = {
		    .fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0)};
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			goto restore;
		if ((p.revents & POLLOUT) && sent < len) {
			size_t n = len - sent < chunk ? len - sent : chunk;
			ssize_t w = send(fd, out + sent, n, MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				goto restore;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, in, 65536, 0);
			if (r == 0)
				goto restore;
			if (r < 0) {
				if (errno == EAGAIN)
					continue;
				goto restore;
			}
			if (received + (size_t)r > len)
				goto restore;
			peer_pattern(want, (size_t)r, seed, received);
			if (memcmp(in, want, (size_t)r) != 0)
				goto restore;
			received += (size_t)r;
		}
	}
	result = 0;
restore:
	fcntl(fd, F_SETFL, flags);
done:
	free(out);
	free(in);
	free(want);
	return result;
}

long peer_read_to_eof(int fd, unsigned char *buf, size_t cap, int timeout_ms)
{
	size_t got = 0;
	int64_t deadline = mcs_now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - mcs_now_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		ssize_t r = recv(fd, buf + got, cap - got, 0);
		if (r == 0)
			return (long)got;
		if (r < 0)
			return errno == EINTR ? (long)got : -1;
		got += (size_t)r;
		if (got == cap)
			return -1;
	}
}

void peer_reset(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}
