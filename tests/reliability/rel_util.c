/* rel_util.c - clock, counter polling and /proc helpers for the
 * reliability tests. */
#include "rel_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcs_parse.h"
#include "mcs_proc.h"
#include "mcs_stats.h"

int64_t rel_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint16_t rel_port_arg(const char *text)
{
	uint16_t first, last;
	if (mcs_parse_port_range(text, &first, &last) || first != last) {
		fprintf(stderr, "bad port '%s'\n", text ? text : "");
		exit(2);
	}
	return first;
}

uint64_t rel_wait_at_least(_Atomic uint64_t *counter, uint64_t value,
			   int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	uint64_t v = mcs_stat_get(counter);
	while (v < value && rel_now_ms() < deadline) {
		usleep(5000);
		v = mcs_stat_get(counter);
	}
	return v;
}

int rel_wait_equal(_Atomic uint64_t *counter, uint64_t value, int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	for (;;) {
		if (mcs_stat_get(counter) == value)
			return 0;
		if (rel_now_ms() >= deadline)
			return -1;
		usleep(5000);
	}
}

uint64_t rel_pss(pid_t pid)
{
	struct mcs_process_memory mem;
	if (mcs_read_process_memory(pid, &mem))
		return 0;
	return mem.pss;
}

int rel_fd_count(pid_t pid)
{
	unsigned count;
	if (mcs_count_process_fds(pid, &count))
		return -1;
	return (int)count;
}

double rel_cpu_seconds(pid_t pid)
{
	double user, sys;
	if (mcs_read_process_cpu(pid, &user, &sys))
		return -1.0;
	return user + sys;
}

int rel_connect_nonblocking(uint16_t port)
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
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

int rel_port_free(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	int ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		 listen(fd, 1) == 0;
	close(fd);
	return ok;
}

int rel_peer_closed(int fd, int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - rel_now_ms();
		if (left < 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
		int n = poll(&p, 1, (int)left);
		if (n <= 0)
			continue;
		char buf[4096];
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0)
			return 1;
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return 1;
	}
}
