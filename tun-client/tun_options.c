/* tun_options.c - parse the TUN client's command line (see
 * tun_options.h). */
#include "tun_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "mcs_parse.h"
#include "tun_device.h"

void tun_print_usage(FILE *out)
{
	fputs(
	    "usage: tun-client [--control] [--address IPV4] [--ports A-B]\n"
	    "                  [--sources A-B] [--connections MAX] ...\n"
	    "A userspace TCP client over a TUN device (docs/CLIENT-TUN.md).\n"
	    "Runs in a private network namespace (ip netns exec NS ...).\n"
	    "  --control            commands on stdin, JSON on stdout "
	    "(docs/CONTROL.md);\n"
	    "                       without it: grow to MAX, verify, quit\n"
	    "  --address IPV4       the server's address, put on the device "
	    "(default\n"
	    "                       198.18.0.1; must be in 198.18.0.0/15)\n"
	    "  --host IPV4          alias of --address\n"
	    "  --prefix N           the address's prefix length (default 15)\n"
	    "  --ports A-B          server ports (default 2048-2067)\n"
	    "  --sources A-B        source addresses (default "
	    "198.19.0.0-198.19.255.255)\n"
	    "  --source-ports A-B   source ports (default 1024-65535)\n"
	    "  --connections MAX    most connections (default 1000)\n"
	    "  --window N           SYNs in flight (default 1024)\n"
	    "  --rate R             connects per second in all (default: no "
	    "cap)\n"
	    "  --echo-window N      messages in flight (default 4096)\n"
	    "  --timeout SECONDS    bound on a grow, echo or verify "
	    "(default 300;\n"
	    "                       90s, 10m, 1h accepted)\n"
	    "  --teardown rst|fin   how quit closes (default rst)\n"
	    "  --txqueuelen N       the device's reply ring (default 20000)\n"
	    "  --qdisc noqueue|default  the device's root qdisc: noqueue, as "
	    "lo and\n"
	    "                       veth have (default), or the kernel's\n"
	    "  --mtu N              the device's MTU (default 1500)\n"
	    "  --device NAME        the device's name (default: the kernel's)\n"
	    "  --workers N          worker threads, 1-8, a device queue each "
	    "(default 1;\n"
	    "                       0 = auto: online CPUs, at most 2)\n"
	    "  --procs N            alias of --workers\n"
	    "  --queues N           device queues, 1-8 (default 1; more: a\n"
	    "                       multi-queue device, to measure the "
	    "kernel's\n"
	    "                       steering of replies over them)\n"
	    "  --steering bpf|kernel  with --queues: replies to the owner "
	    "queue by\n"
	    "                       an eBPF program (default), or the "
	    "kernel's flows\n"
	    "  --allow-initial-netns  run in the initial namespace too\n"
	    "  --json               accepted (the output is always JSON)\n"
	    "  --version            the commit this binary was built from\n"
	    "  --help               this text\n",
	    out);
}

unsigned tun_auto_workers(long online_cpus)
{
	if (online_cpus < 1)
		return 1;
	return online_cpus < (long)TUN_AUTO_WORKERS_MAX ? (unsigned)online_cpus
							: TUN_AUTO_WORKERS_MAX;
}

static void set_defaults(struct tun_options *o)
{
	memset(o, 0, sizeof(*o));
	o->host = 0xC6120001u; /* 198.18.0.1 */
	o->prefix = 15;
	o->port_first = 2048;
	o->port_last = 2067;
	o->source_first = 0xC6130000u; /* 198.19.0.0 */
	o->source_count = 65536;
	o->source_port_first = 1024;
	o->source_port_last = 65535;
	o->connections = 1000;
	o->window = 1024;
	o->echo_window = 4096;
	o->timeout_seconds = 300;
	o->txqueuelen = 20000;
	o->mtu = 1500;
	o->workers = 1;
	o->queues = 1;
}

static const struct option long_options[] = {
    {"control", no_argument, NULL, 'c'},
    {"address", required_argument, NULL, 'H'},
    {"host", required_argument, NULL, 'H'}, /* the old name */
    {"prefix", required_argument, NULL, 'P'},
    {"ports", required_argument, NULL, 'p'},
    {"sources", required_argument, NULL, 's'},
    {"source-ports", required_argument, NULL, 'S'},
    {"connections", required_argument, NULL, 'n'},
    {"window", required_argument, NULL, 'w'},
    {"echo-window", required_argument, NULL, 'e'},
    {"timeout", required_argument, NULL, 't'},
    {"teardown", required_argument, NULL, 'T'},
    {"txqueuelen", required_argument, NULL, 'q'},
    {"qdisc", required_argument, NULL, 'D'},
    {"mtu", required_argument, NULL, 'm'},
    {"device", required_argument, NULL, 'd'},
    {"workers", required_argument, NULL, 'k'},
    {"procs", required_argument, NULL, 'k'}, /* the old name */
    {"queues", required_argument, NULL, 'Q'},
    {"steering", required_argument, NULL, 'B'},
    {"allow-initial-netns", no_argument, NULL, 'I'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"rate", required_argument, NULL, 'R'},
    {NULL, 0, NULL, 0},
};

static int count_option(const char *name, const char *arg, uint64_t min,
			uint64_t max, uint64_t *v, char *why, size_t why_size)
{
	if (mcs_parse_count(arg, min, max, v) == 0)
		return 0;
	char expected[96];
	snprintf(expected, sizeof(expected), "a count from %llu to %llu",
		 (unsigned long long)min, (unsigned long long)max);
	return mcs_option_error(why, why_size, name, arg, expected);
}

/* --workers, --queues, --steering. */
static int worker_option(int c, const char *arg, struct tun_options *o,
			 char *why, size_t why_size)
{
	uint64_t v = 0;
	int err = 0;
	switch (c) {
	case 'B':
		if (strcmp(arg, "bpf") && strcmp(arg, "kernel"))
			return mcs_option_error(why, why_size, "--steering",
						arg, "bpf or kernel");
		o->steer_kernel = arg[0] == 'k';
		break;
	case 'Q':
		err = count_option("--queues", arg, 1, 8, &v, why, why_size);
		o->queues = (unsigned)v;
		break;
	case 'k':
		if (strcmp(arg, "auto") == 0)
			v = 0;
		else
			err = count_option("--workers", arg, 0, TUN_MAX_WORKERS,
					   &v, why, why_size);
		o->workers =
		    v ? (unsigned)v
		      : tun_auto_workers(sysconf(_SC_NPROCESSORS_ONLN));
		break;
	}
	return err;
}

static int one_option(int c, const char *arg, struct tun_options *o, char *why,
		      size_t why_size)
{
	uint64_t v = 0;
	struct in_addr a;
	int err = 0;
	switch (c) {
	case 'c': o->control = 1; break;
	case 'j': break;
	case 'I': o->allow_initial_netns = 1; break;
	case 'h': o->help = 1; break;
	case 'V': o->version = 1; break;
	case 'H':
		if (mcs_parse_ipv4(arg, &a))
			return mcs_option_error(why, why_size, "--address", arg,
						"an IPv4 address");
		o->host = ntohl(a.s_addr);
		break;
	case 'P':
		err = count_option("--prefix", arg, 15, 30, &v, why, why_size);
		o->prefix = (unsigned)v;
		break;
	case 'p':
		if (mcs_parse_port_range(arg, &o->port_first, &o->port_last))
			return mcs_option_error(why, why_size, "--ports", arg,
						"ports A-B");
		break;
	case 's':
		if (mcs_parse_ipv4_range(arg, &a, &o->source_count))
			return mcs_option_error(why, why_size, "--sources", arg,
						"addresses A-B (65,536 most)");
		o->source_first = ntohl(a.s_addr);
		break;
	case 'S':
		if (mcs_parse_port_range(arg, &o->source_port_first,
					 &o->source_port_last))
			return mcs_option_error(why, why_size, "--source-ports",
						arg, "ports A-B");
		break;
	case 'n':
		err = count_option("--connections", arg, 1, 100000000, &v, why,
				   why_size);
		o->connections = v;
		break;
	case 'w':
		err =
		    count_option("--window", arg, 1, 16384, &v, why, why_size);
		o->window = (unsigned)v;
		break;
	case 'e':
		err = count_option("--echo-window", arg, 1, 1000000, &v, why,
				   why_size);
		o->echo_window = (unsigned)v;
		break;
	case 't':
		if (mcs_parse_duration(arg, 0, 86400, &o->timeout_seconds) ||
		    !(o->timeout_seconds > 0))
			return mcs_option_error(why, why_size, "--timeout", arg,
						"seconds above 0, up to 86400 "
						"(90s, 10m, 1h accepted)");
		break;
	case 'T':
		if (strcmp(arg, "rst") && strcmp(arg, "fin"))
			return mcs_option_error(why, why_size, "--teardown",
						arg, "rst or fin");
		o->teardown_fin = arg[0] == 'f';
		break;
	case 'q':
		err = count_option("--txqueuelen", arg, 1, 1000000, &v, why,
				   why_size);
		o->txqueuelen = (unsigned)v;
		break;
	case 'D':
		if (strcmp(arg, "noqueue") && strcmp(arg, "default"))
			return mcs_option_error(why, why_size, "--qdisc", arg,
						"noqueue or default");
		o->keep_qdisc = arg[0] == 'd';
		break;
	case 'm':
		err = count_option("--mtu", arg, 576, 65535, &v, why, why_size);
		o->mtu = (unsigned)v;
		break;
	case 'd':
		if (strlen(arg) == 0 || strlen(arg) >= IFNAMSIZ ||
		    strchr(arg, '/'))
			return mcs_option_error(why, why_size, "--device", arg,
						"an interface name");
		strcpy(o->device, arg);
		break;
	case 'B':
	case 'Q':
	case 'k': return worker_option(c, arg, o, why, why_size);
	case 'R':
		return count_option("--rate", arg, 1, 100000000, &o->rate, why,
				    why_size);
	default: return -EINVAL;
	}
	return err;
}

/* The address rule (docs/CLIENT-TUN.md): everything in 198.18.0.0/15. */
static int check_addresses(const struct tun_options *o, char *why,
			   size_t why_size)
{
	uint32_t last = o->source_first + o->source_count - 1;
	if (!tun_in_bench_net(o->host)) {
		snprintf(
		    why, why_size,
		    "--address must lie in 198.18.0.0/15 (the benchmarking "
		    "range): the TUN client puts it on a device");
		return -EDOM;
	}
	if (!tun_in_bench_net(o->source_first) || !tun_in_bench_net(last)) {
		snprintf(why, why_size,
			 "--sources must lie in 198.18.0.0/15 (the "
			 "benchmarking range)");
		return -EDOM;
	}
	if (o->host >= o->source_first && o->host <= last) {
		snprintf(why, why_size,
			 "--sources must not include the server's address "
			 "(--address)");
		return -EDOM;
	}
	uint32_t mask = 0xFFFFFFFFu << (32 - o->prefix);
	if ((o->source_first & mask) != (o->host & mask) ||
	    (last & mask) != (o->host & mask)) {
		snprintf(why, why_size,
			 "--sources must lie in the device's prefix (--host/"
			 "--prefix), or the replies are not routed to it");
		return -EINVAL;
	}
	return 0;
}

int tun_parse_options(int argc, char **argv, struct tun_options *o, char *why,
		      size_t why_size)
{
	set_defaults(o);
	mcs_getopt_reset();
	for (;;) {
		int c = getopt_long(argc, argv, ":h", long_options, NULL);
		if (c == -1)
			break;
		if (c == ':' || c == '?')
			return mcs_getopt_error(c, argv, why, why_size);
		int err = one_option(c, optarg, o, why, why_size);
		if (err)
			return err;
	}
	if (optind < argc)
		return mcs_unexpected_argument(argv[optind], why, why_size);
	if (o->workers > 1) /* a queue each */
		o->queues = o->workers;
	if (o->help || o->version)
		return 0;
	return check_addresses(o, why, why_size);
}
