/* mcs_net.c - listening sockets with a reason on every failure. */
#include "mcs_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int mcs_listen_tcp(struct in_addr address, uint16_t port, int backlog,
		   unsigned flags, char *why, size_t why_size)
{
	char text[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &address, text, sizeof(text));
	int type = SOCK_STREAM | SOCK_CLOEXEC;
	if (!(flags & MCS_LISTEN_BLOCKING))
		type |= SOCK_NONBLOCK;
	int fd = socket(AF_INET, type, 0);
	if (fd < 0) {
		int err = errno;
		snprintf(why, why_size, "socket for %s:%u: %s", text, port,
			 strerror(err));
		return -err;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if ((flags & MCS_LISTEN_REUSEPORT) &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		int err = errno;
		snprintf(why, why_size, "SO_REUSEPORT on %s:%u: %s", text, port,
			 strerror(err));
		close(fd);
		return -err;
	}
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr = address};
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int err = errno;
		snprintf(why, why_size, "bind %s:%u: %s%s", text, port,
			 strerror(err),
			 err == EADDRINUSE
			     ? ": another process holds it; stop it or "
			       "pick other --ports"
			     : "");
		close(fd);
		return -err;
	}
	if (listen(fd, backlog) < 0) {
		int err = errno;
		snprintf(why, why_size, "listen %s:%u: %s", text, port,
			 strerror(err));
		close(fd);
		return -err;
	}
	return fd;
}

void mcs_close_all(int *fds, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

void mcs_eventfd_wake(int fd)
{
	uint64_t one = 1;
	ssize_t ignored = write(fd, &one, sizeof(one));
	(void)ignored;
}
