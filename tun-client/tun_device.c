/* tun_device.c - make and configure the TUN device (see tun_device.h). */
#include "tun_device.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tun_qdisc.h"

/* 1 when /proc/self/net/dev lists an interface besides lo (a namespace
 * made with ip netns add or unshare has only lo), 0 when not. */
static int has_devices(char *why, size_t why_size)
{
	FILE *f = fopen("/proc/self/net/dev", "re");
	if (!f) {
		int err = errno;
		snprintf(why, why_size, "/proc/self/net/dev: %s",
			 strerror(err));
		return -err;
	}
	char line[512];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *p = line;
		while (*p == ' ')
			p++;
		if (colon && strncmp(p, "lo:", 3) != 0)
			found = 1;
	}
	fclose(f);
	return found;
}

int tun_netns_is_initial(char *why, size_t why_size)
{
	struct stat self, init;
	if (stat("/proc/self/ns/net", &self) < 0) {
		int err = errno;
		snprintf(why, why_size, "/proc/self/ns/net: %s", strerror(err));
		return -err;
	}
	if (stat("/proc/1/ns/net", &init) == 0)
		return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
	/* PID 1's namespace may be hidden (no ptrace right on it, as in
	 * some containers): then only a namespace with nothing but lo, as
	 * ip netns add and unshare make them, counts as private. */
	int found = has_devices(why, why_size);
	if (found > 0)
		snprintf(why, why_size,
			 "/proc/1/ns/net cannot be read and this namespace has "
			 "interfaces besides lo: it may be the initial one");
	return found;
}

static int fail(char *why, size_t why_size, const char *what, const char *name)
{
	int err = errno;
	snprintf(why, why_size, "%s %s: %s", what, name, strerror(err));
	return -err;
}

static int open_queue(struct tun_device_config *c, char *why, size_t why_size)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail(why, why_size, "open", "/dev/net/tun");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (c->queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	memcpy(ifr.ifr_name, c->name, sizeof(ifr.ifr_name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = fail(why, why_size, "TUNSETIFF", c->name);
		close(fd);
		return err;
	}
	memcpy(c->name, ifr.ifr_name, sizeof(c->name));
	return fd;
}

/* No IPv6 on the device (no router solicitations to read); best effort. */
static void disable_ipv6(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t ignored = write(fd, "1", 1);
		(void)ignored;
		close(fd);
	}
}

static int set_ioctl(int sock, unsigned long request, struct ifreq *ifr,
		     const char *what, char *why, size_t why_size)
{
	if (ioctl(sock, request, ifr) < 0)
		return fail(why, why_size, what, ifr->ifr_name);
	return 0;
}

static void put_address(struct sockaddr *sa, uint32_t address)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(address)};
	memcpy(sa, &sin, sizeof(sin));
}

static int configure(const struct tun_device_config *c, char *why,
		     size_t why_size)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return fail(why, why_size, "socket", "AF_INET");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, c->name, sizeof(ifr.ifr_name));
	int err;
	ifr.ifr_qlen = (int)c->txqueuelen;
	if ((err = set_ioctl(sock, SIOCSIFTXQLEN, &ifr, "txqueuelen of", why,
			     why_size)))
		goto out;
	ifr.ifr_mtu = (int)c->mtu;
	if ((err = set_ioctl(sock, SIOCSIFMTU, &ifr, "MTU of", why, why_size)))
		goto out;
	put_address(&ifr.ifr_addr, c->address);
	if ((err = set_ioctl(sock, SIOCSIFADDR, &ifr, "address of", why,
			     why_size)))
		goto out;
	put_address(&ifr.ifr_netmask,
		    c->prefix ? 0xFFFFFFFFu << (32 - c->prefix) : 0);
	if ((err = set_ioctl(sock, SIOCSIFNETMASK, &ifr, "netmask of", why,
			     why_size)))
		goto out;
	if ((err = set_ioctl(sock, SIOCGIFFLAGS, &ifr, "flags of", why,
			     why_size)))
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	err = set_ioctl(sock, SIOCSIFFLAGS, &ifr, "link up", why, why_size);
out:
	close(sock);
	return err;
}

int tun_device_open(struct tun_device_config *c, int *fds, char *why,
		    size_t why_size)
{
	unsigned opened = 0;
	int err = 0;
	for (; opened < (c->queues ? c->queues : 1); opened++) {
		int fd = open_queue(c, why, why_size);
		if (fd < 0) {
			err = fd;
			goto err;
		}
		fds[opened] = fd;
	}
	disable_ipv6(c->name);
	if ((err = configure(c, why, why_size)))
		goto err;
	if (!c->keep_qdisc && (err = tun_qdisc_noqueue(c->name, why, why_size)))
		goto err;
	return 0;
err:
	while (opened)
		close(fds[--opened]);
	return err;
}

int64_t tun_device_tx_dropped(const char *name)
{
	FILE *f = fopen("/proc/self/net/dev", "re");
	if (!f)
		return -errno;
	char line[512];
	int64_t result = -ENOENT;
	size_t length = strlen(name);
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, name, length) != 0 || p[length] != ':')
			continue;
		/* receive: bytes packets errs drop fifo frame compressed
		 * multicast; transmit: bytes packets errs drop ... */
		uint64_t v[12];
		if (sscanf(p + length + 1,
			   "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10], &v[11]) == 12)
			result = (int64_t)v[11];
		break;
	}
	fclose(f);
	return result;
}
