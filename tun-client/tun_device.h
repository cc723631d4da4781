/* tun_device.h - the TUN device the client writes its packets into: made
 * in the network namespace the process runs in (never the initial one
 * unless asked), configured with ioctls (link up, txqueuelen, MTU, the
 * server's address in 198.18.0.0/15) and a root qdisc of noqueue, gone when the
 * fd closes (not persistent). Errors are -errno with a one-line why. */
#ifndef TUN_DEVICE_H
#define TUN_DEVICE_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* 198.18.0.0/15 (RFC 2544 benchmarking), host order. */
#define TUN_BENCH_NET  0xC6120000u
#define TUN_BENCH_MASK 0xFFFE0000u

static inline int tun_in_bench_net(uint32_t address)
{
	return (address & TUN_BENCH_MASK) == TUN_BENCH_NET;
}

/* 1 when this process is in the initial network namespace (that of
 * PID 1), 0 when not; -errno with why when it cannot tell. */
int tun_netns_is_initial(char *why, size_t why_size);

struct tun_device_config {
	char name[IFNAMSIZ]; /* "" = let the kernel name it (tunN) */
	uint32_t address;    /* the server's address on it, host order */
	unsigned prefix;     /* its prefix length (15: all of 198.18/15) */
	unsigned txqueuelen; /* the ring of replies (default 500 drops) */
	int keep_qdisc;	     /* 0: root qdisc noqueue (tun_qdisc.h) */
	unsigned mtu;
	unsigned queues; /* > 1: IFF_MULTI_QUEUE, that many fds */
};

/* Make and configure the device; fds[0..queues) get one queue each
 * (O_NONBLOCK). config->name is filled with the kernel's name. Returns 0
 * or -errno (everything opened is closed again). */
int tun_device_open(struct tun_device_config *config, int *fds, char *why,
		    size_t why_size);

/* The device's tx_dropped (replies the ring had no room for), from
 * /proc/self/net/dev of this namespace; -errno when not found. */
int64_t tun_device_tx_dropped(const char *name);

#endif /* TUN_DEVICE_H */
