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
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_clock.h"
#include "mcs_parse.h"
#include "mcs_proc.h"
#include "mcs_stats.h"
#include "peer.h"
#include "run_binary.h"

/* Kept for the reliability tests that call it; the clock is mcs_clock.h's. */
int64_t rel_now_ms(void)
{
	return mcs_now_ms();
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
	int fd = peer_connect(port);
	if (fd >= 0)
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

int rel_backend_available(const char *backend)
{
	struct run_result list;
	char *argv[] = {"server", "--list-backends", NULL};
	if (run_binary("server", argv, REL_TIMEOUT_MS, &list) != 0 ||
	    list.exit_code != 0) {
		fprintf(stderr, "server --list-backends failed: %s\n",
			list.err);
		return 1;
	}
	/* Lines are "NAME<spaces>available ..." or "NAME<spaces>unavailable
	 * (why)". */
	const char *line = NULL;
	size_t name_len = strlen(backend);
	for (const char *p = list.out; p && *p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, backend, name_len) == 0 && p[name_len] == ' ') {
			line = p;
			break;
		}
	}
	if (!line) {
		fprintf(stderr, "backend %s is not installed\n", backend);
		return 1;
	}
	const char *verdict = line + name_len + strspn(line + name_len, " ");
	if (strncmp(verdict, "available", 9) != 0) {
		fprintf(stderr, "%.*s (skip)\n", (int)strcspn(line, "\n"),
			line);
		return 77;
	}
	return 0;
}

int rel_wait_listening(const char *shm, pid_t server, unsigned workers,
		       int timeout_ms)
{
	int64_t deadline = rel_now_ms() + timeout_ms;
	while (rel_now_ms() < deadline) {
		struct mcs_stats_block block;
		memset(&block, 0, sizeof(block));
		if (mcs_stats_open(&block, shm) == 0) {
			struct mcs_stats_total t;
			mcs_stats_sum(&block, &t);
			mcs_stats_close(&block);
			if (t.listening == workers)
				return 0;
		}
		if (waitpid(server, NULL, WNOHANG) != 0)
			return -1;
		usleep(5000);
	}
	return -1;
}
