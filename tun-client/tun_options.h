/* tun_options.h - the TUN client's command line, parsed without side
 * effects (tested), with the address rule checked: the server's address
 * and every source must lie in 198.18.0.0/15, the sources off the server's
 * address. */
#ifndef TUN_OPTIONS_H
#define TUN_OPTIONS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* --procs: the most worker threads (a device queue each). */
#define TUN_MAX_WORKERS 8u
/* --procs auto: one worker per online CPU, at most this many. Measured
 * at 1M on 2 cores: 2 workers ramp, verify and reset faster than 1
 * (docs/CLIENT-TUN.md, "More than one core"); more than 2 is unmeasured. */
#define TUN_AUTO_WORKERS_MAX 2u

struct tun_options {
	uint32_t host;	 /* the server's address, host order */
	unsigned prefix; /* the device's prefix length */
	uint16_t port_first, port_last;
	uint32_t source_first; /* host order */
	uint32_t source_count;
	uint16_t source_port_first, source_port_last;
	uint64_t connections; /* MAX: the state array is this long */
	unsigned window;      /* SYNs in flight */
	uint64_t rate; /* --rate: connects per second in all (0: no cap) */
	unsigned echo_window;	/* messages in flight (echo, verify) */
	double timeout_seconds; /* bound on a grow, echo or verify */
	int teardown_fin;	/* close with FIN, not RST */
	unsigned txqueuelen;
	int keep_qdisc; /* --qdisc default: leave the kernel's root qdisc */
	unsigned mtu;
	unsigned workers;
	unsigned queues;  /* device queues (IFF_MULTI_QUEUE when > 1) */
	int steer_kernel; /* --steering kernel: no eBPF program */
	char device[IFNAMSIZ];
	int allow_initial_netns;
	int control;
	int help;
	int version; /* --version */
};

/* Fill options from argv (defaults first). 0, or -EINVAL with a one-line
 * reason in why; -EDOM when an address lies outside 198.18.0.0/15 (the
 * caller exits 2 either way). */
int tun_parse_options(int argc, char **argv, struct tun_options *options,
		      char *why, size_t why_size);

void tun_print_usage(FILE *out);

/* --procs auto: online CPUs (0 when unknown: 1), at most
 * TUN_AUTO_WORKERS_MAX. */
unsigned tun_auto_workers(long online_cpus);

#endif /* TUN_OPTIONS_H */
