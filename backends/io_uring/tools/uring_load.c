/* uring_load.c - the load generator used for the numbers in
 * docs/IO_URING.md: hold idle connections, or run a ping-pong echo load.
 *
 * Technique: fork-sharded (each shard stays under the 20,000-fd cap),
 * connections spread round-robin over a port range; shards report "ready"
 * over a pipe and start together when the parent closes a "go" pipe. Echo
 * mode keeps exactly one message in flight per connection (send N bytes,
 * wait for N back, repeat) with a level-triggered epoll per shard.
 *
 * Not part of the build (a measurement aid, plain POSIX + Linux epoll):
 *   cc -O2 -o /tmp/uring_load backends/io_uring/tools/uring_load.c
 *   uring_load idle FIRST_PORT LAST_PORT CONNECTIONS SHARDS SECONDS
 *     prints "ready N" once all are connected, holds SECONDS, exits
 *   uring_load echo FIRST_PORT LAST_PORT CONNECTIONS SHARDS SECONDS [BYTES]
 *     prints messages/s over SECONDS (BYTES per message, default 64)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int tries = 0; tries < 50; tries++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			return fd;
		}
		if (errno != EAGAIN && errno != ECONNREFUSED)
			break;
		usleep(20000);
	}
	close(fd);
	return -1;
}

static uint64_t echo_loop(int *fds, unsigned n, double seconds, size_t bytes)
{
	int ep = epoll_create1(0);
	uint32_t *got = calloc(n, sizeof(uint32_t));
	unsigned char *msg = malloc(bytes), buf[65536];
	memset(msg, 'e', bytes);
	for (unsigned i = 0; i < n; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
		if (send(fds[i], msg, bytes, MSG_NOSIGNAL) != (ssize_t)bytes)
			return 0;
	}
	uint64_t messages = 0;
	struct epoll_event events[512];
	double end = now_s() + seconds;
	while (now_s() < end) {
		int k = epoll_wait(ep, events, 512, 100);
		for (int e = 0; e < k; e++) {
			unsigned i = events[e].data.u32;
			ssize_t r = recv(fds[i], buf, sizeof(buf), 0);
			if (r <= 0) {
				fprintf(stderr,
					"uring_load: connection lost\n");
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
				continue;
			}
			got[i] += (uint32_t)r;
			if (got[i] >= bytes) {
				got[i] -= (uint32_t)bytes;
				messages++;
				send(fds[i], msg, bytes, MSG_NOSIGNAL);
			}
		}
	}
	return messages;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr,
			"usage: %s idle|echo FIRST_PORT LAST_PORT "
			"CONNECTIONS SHARDS SECONDS [BYTES]\n",
			argv[0]);
		return 2;
	}
	int echo = strcmp(argv[1], "echo") == 0;
	unsigned first = (unsigned)atoi(argv[2]),
		 last = (unsigned)atoi(argv[3]);
	unsigned total = (unsigned)atoi(argv[4]),
		 shards = (unsigned)atoi(argv[5]);
	double seconds = atof(argv[6]);
	size_t bytes = argc > 7 ? (size_t)atoi(argv[7]) : 64;
	unsigned nports = last - first + 1;
	int ready[2], go[2], result[2];
	if (pipe(ready) || pipe(go) || pipe(result))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	for (unsigned s = 0; s < shards; s++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0)
			continue;
		close(go[1]);
		unsigned n = 0;
		int *fds = malloc(sizeof(int) * (total / shards + 1));
		for (unsigned i = s; i < total; i += shards) {
			int fd = connect_to((uint16_t)(first + i % nports));
			if (fd < 0) {
				fprintf(stderr, "uring_load: connect %u: %s\n",
					i, strerror(errno));
				break;
			}
			fds[n++] = fd;
		}
		ssize_t w = write(ready[1], &n, sizeof(n));
		char c;
		w = read(go[0], &c, 1); /* EOF: start (echo) or stop (idle) */
		uint64_t messages = 0;
		if (echo)
			messages = echo_loop(fds, n, seconds, bytes);
		w = write(result[1], &messages, sizeof(messages));
		(void)w;
		_exit(0);
	}
	close(ready[1]);
	close(result[1]);
	unsigned connected = 0;
	for (unsigned s = 0; s < shards; s++) {
		unsigned n = 0;
		if (read(ready[0], &n, sizeof(n)) == sizeof(n))
			connected += n;
	}
	printf("ready %u\n", connected);
	fflush(stdout);
	double start = now_s();
	if (!echo)
		usleep((useconds_t)(seconds * 1e6));
	close(go[1]);
	uint64_t messages = 0;
	for (unsigned s = 0; s < shards; s++) {
		uint64_t m = 0;
		if (read(result[0], &m, sizeof(m)) == sizeof(m))
			messages += m;
	}
	while (wait(NULL) > 0)
		;
	if (echo)
		printf("echo %u connections, %zu-byte messages: %llu in "
		       "%.1f s = %.0f messages/s\n",
		       connected, bytes, (unsigned long long)messages,
		       now_s() - start, messages / seconds);
	return connected == total ? 0 : 1;
}
