/* client_options.c - parse the client's command line; check that what was
 * asked for fits this machine. No side effects beyond reading limits in
 * client_read_limits(). */
#include "client_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcs_parse.h"
#include "mcs_proc.h"

enum {
	OPT_ADDRESS = 256,
	OPT_PORTS,
	OPT_CONNECTIONS,
	OPT_RATE,
	OPT_WORKERS,
	OPT_SOURCES,
	OPT_PAYLOAD,
	OPT_MESSAGE_INTERVAL,
	OPT_HOLD,
	OPT_WINDOW,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_CONTROL,
	OPT_RESET_ON_EXIT,
	OPT_CONNECT_ORDER,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_options[] = {
    {"address", required_argument, NULL, OPT_ADDRESS},
    {"host", required_argument, NULL, OPT_ADDRESS}, /* the old name */
    {"ports", required_argument, NULL, OPT_PORTS},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"procs", required_argument, NULL, OPT_WORKERS}, /* the old name */
    {"sources", required_argument, NULL, OPT_SOURCES},
    {"payload", required_argument, NULL, OPT_PAYLOAD},
    {"message-interval", required_argument, NULL, OPT_MESSAGE_INTERVAL},
    {"interval", required_argument, NULL, OPT_MESSAGE_INTERVAL}, /* old */
    {"hold", required_argument, NULL, OPT_HOLD},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"control", no_argument, NULL, OPT_CONTROL},
    {"reset-on-exit", no_argument, NULL, OPT_RESET_ON_EXIT},
    {"connect-order", required_argument, NULL, OPT_CONNECT_ORDER},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

void client_print_usage(FILE *out)
{
	fputs(
	    "usage: client [--address IPV4] [--ports A-B] [--connections N]\n"
	    "              [--rate R] [--workers N|auto] [--sources A-B]\n"
	    "              [--payload BYTES --message-interval PERIOD]\n"
	    "              [--hold SECONDS]\n"
	    "              [--window W] [--timeout SECONDS] [--json]\n"
	    "              [--control] [--reset-on-exit]\n"
	    "              [--connect-order spread|port] [--version] [--help]\n"
	    "       client HOST PORTS [CONNECTIONS]\n"
	    "\n"
	    "Load generator: opens N concurrent TCP connections to a server "
	    "(on\n"
	    "loopback or another host), spread round-robin over its ports\n"
	    "(connection i goes to port first + i % nports) and over source\n"
	    "addresses, sharded over\n"
	    "worker processes that each stay under RLIMIT_NOFILE; reports "
	    "the\n"
	    "connect rate and latency, optionally echoes verified messages, "
	    "and\n"
	    "holds the connections until --hold or a signal.\n"
	    "\n"
	    "  --address IPV4       server address (default 127.0.0.1)\n"
	    "  --host IPV4          alias of --address\n"
	    "  --ports A-B          server ports (default 2048-2067)\n"
	    "  --connections N      connections to open (default 1000; 250k, "
	    "1M\n"
	    "                       forms); with --control, the most a grow "
	    "may ask\n"
	    "  --rate R             connects per second in total (default: "
	    "unlimited)\n"
	    "  --workers N|auto     worker processes (default auto: the "
	    "fewest under\n"
	    "                       RLIMIT_NOFILE, at least one per CPU)\n"
	    "  --procs N|auto       alias of --workers\n"
	    "  --sources A-B        source addresses of this host (any "
	    "127.x), bound with\n"
	    "                       IP_BIND_ADDRESS_NO_PORT (default: the "
	    "kernel's)\n"
	    "  --payload BYTES      echo mode: each connection sends a "
	    "BYTES message\n"
	    "  --message-interval PERIOD\n"
	    "                       ... every PERIOD (10ms, 1s; a bare "
	    "number is\n"
	    "                       milliseconds), one in flight, and "
	    "verifies\n"
	    "                       every echoed byte\n"
	    "  --interval MS        alias of --message-interval\n"
	    "  --hold SECONDS       hold (or echo) this long, then close "
	    "(90s, 10m, 1h\n"
	    "                       accepted; default: until SIGINT/SIGTERM)\n"
	    "  --window W           connects in flight per process (default "
	    "64)\n"
	    "  --connect-order spread|port\n"
	    "                       spread (default): a process's next "
	    "connect goes to\n"
	    "                       the next server port; port: it opens "
	    "its connections\n"
	    "                       of one server port in a row, so a "
	    "server worker\n"
	    "                       accepts a batch per wakeup (the same "
	    "connections\n"
	    "                       at every step, in another order)\n"
	    "  --timeout SECONDS    bound on the whole ramp (default 300)\n"
	    "  --json               reports as one JSON object per line on "
	    "stdout\n"
	    "  --control            driven by commands on stdin "
	    "(docs/CONTROL.md)\n"
	    "  --reset-on-exit      abortive close: every socket gets "
	    "SO_LINGER {1, 0}\n"
	    "                       when it is created, so closing it "
	    "(at exit, or a\n"
	    "                       dropped connection) sends RST and "
	    "leaves no\n"
	    "                       TIME_WAIT on the client side "
	    "(default: FIN)\n"
	    "  --version            the commit this binary was built from\n"
	    "  --help               this text\n"
	    "\n"
	    "Exit status: 0 when every connection came up (and every echo "
	    "matched),\n"
	    "1 when some failed or a worker died, 2 on bad usage, "
	    "128+signal after\n"
	    "SIGINT/SIGTERM.\n",
	    out);
}

static int fail(char *why, size_t why_size, const char *option,
		const char *text, const char *expected)
{
	char shown[64];
	snprintf(why, why_size, "%s: '%s' is not %s", option,
		 mcs_printable(text, shown, sizeof(shown)), expected);
	return -EINVAL;
}

static int parse_host(const char *text, struct client_options *options,
		      char *why, size_t why_size)
{
	/* Any IPv4 server: loopback, or another host of a multi-host run
	 * (docs/MULTIHOST.md). */
	if (mcs_parse_ipv4(text, &options->host) ||
	    options->host.s_addr == htonl(INADDR_ANY) ||
	    options->host.s_addr == htonl(INADDR_BROADCAST))
		return fail(why, why_size, "--address", text,
			    "an IPv4 address (dotted quad, not 0.0.0.0 or "
			    "255.255.255.255)");
	return 0;
}

static int parse_ports(const char *text, struct client_options *options,
		       char *why, size_t why_size)
{
	if (mcs_parse_port_range(text, &options->port_first,
				 &options->port_last))
		return fail(why, why_size, "--ports", text,
			    "a port range A-B with 1 <= A <= B <= 65535");
	return 0;
}

static int parse_connections(const char *text, struct client_options *options,
			     char *why, size_t why_size)
{
	if (mcs_parse_count(text, 1, CLIENT_MAX_CONNECTIONS,
			    &options->connections))
		return fail(why, why_size, "--connections", text,
			    "a count from 1 to 100M (250k and 1M forms)");
	return 0;
}

static void set_defaults(struct client_options *options)
{
	memset(options, 0, sizeof(*options));
	options->host.s_addr = htonl(INADDR_LOOPBACK);
	options->port_first = 2048;
	options->port_last = 2067;
	options->connections = CLIENT_DEFAULT_CONNECTIONS;
	options->window = CLIENT_DEFAULT_WINDOW;
	options->timeout_seconds = CLIENT_DEFAULT_TIMEOUT_SECONDS;
}

/* A count in [min, max] for option; else the one-line error. */
static int parse_count_value(const char *option, const char *text, uint64_t min,
			     uint64_t max, const char *expected,
			     uint64_t *value, char *why, size_t why_size)
{
	if (mcs_parse_count(text, min, max, value))
		return fail(why, why_size, option, text, expected);
	return 0;
}

static int parse_procs(const char *text, struct client_options *options,
		       char *why, size_t why_size)
{
	uint64_t v;
	if (strcmp(text, "auto") == 0) {
		options->procs = 0;
		return 0;
	}
	if (parse_count_value("--workers", text, 1, 1024,
			      "'auto' or a count from 1 to 1024", &v, why,
			      why_size))
		return -EINVAL;
	options->procs = (unsigned)v;
	return 0;
}

static int parse_sources(const char *text, struct client_options *options,
			 char *why, size_t why_size)
{
	/* Addresses of this host: any 127.x, or those its interfaces
	 * have (bind() says so if one is not). */
	if (mcs_parse_ipv4_range(text, &options->source_first,
				 &options->source_count))
		return fail(why, why_size, "--sources", text,
			    "an address range A.B.C.D-E.F.G.H "
			    "(at most 65,536)");
	return 0;
}

static int parse_connect_order(const char *text, struct client_options *options,
			       char *why, size_t why_size)
{
	if (strcmp(text, "spread") == 0 || strcmp(text, "port") == 0) {
		options->connect_by_port = strcmp(text, "port") == 0;
		return 0;
	}
	return fail(why, why_size, "--connect-order", text,
		    "'spread' or 'port'");
}

/* --hold and --timeout: a positive number of seconds up to max. */
static int parse_positive_seconds(const char *option, const char *text,
				  double max, double *seconds, char *why,
				  size_t why_size)
{
	double d;
	if (mcs_parse_duration(text, 0, max, &d) || d <= 0)
		return fail(why, why_size, option, text,
			    "a positive number of seconds (or 90s, 10m, 1h)");
	*seconds = d;
	return 0;
}

/* --message-interval PERIOD: 10ms, 1s, 0.5s, or a bare number of
 * milliseconds (its old form); whole milliseconds from 1 ms to 1 h. */
static int parse_message_interval(const char *text,
				  struct client_options *options, char *why,
				  size_t why_size)
{
	double seconds;
	if (mcs_parse_duration_unit(text, 0.001, 0.001, 3600, &seconds))
		return fail(why, why_size, "--message-interval", text,
			    "a period from 1ms to 1h (10ms, 1s; a bare "
			    "number is milliseconds)");
	double ms = seconds * 1000.0;
	if (fabs(ms - round(ms)) > 1e-6)
		return fail(why, why_size, "--message-interval", text,
			    "a whole number of milliseconds");
	options->interval_ms = (uint32_t)llround(ms);
	return 0;
}

/* --rate, --payload, --window: one count each, stored only
 * when it is good. */
static int parse_count_option(int c, const char *text,
			      struct client_options *options, char *why,
			      size_t why_size)
{
	uint64_t v;
	switch (c) {
	case OPT_RATE:
		if (parse_count_value("--rate", text, 1, 100000000,
				      "a rate from 1 to 100M connects/s", &v,
				      why, why_size))
			return -EINVAL;
		options->rate = (double)v;
		return 0;
	case OPT_PAYLOAD:
		if (parse_count_value("--payload", text, 1, CLIENT_MAX_PAYLOAD,
				      "a size from 1 to 65535 bytes", &v, why,
				      why_size))
			return -EINVAL;
		options->payload = (uint32_t)v;
		return 0;
	default:
		if (parse_count_value("--window", text, 1, 1000000,
				      "a count from 1 to 1M", &v, why,
				      why_size))
			return -EINVAL;
		options->window = (unsigned)v;
		return 0;
	}
}

/* --NAME=VALUE where --NAME is an option without a value (--json=1). */
static int is_flag_with_value(const char *word)
{
	const char *equals = strchr(word, '=');
	if (strncmp(word, "--", 2) != 0 || !equals)
		return 0;
	size_t length = (size_t)(equals - word - 2);
	for (const struct option *o = long_options; o->name; o++)
		if (o->has_arg == no_argument && strlen(o->name) == length &&
		    strncmp(o->name, word + 2, length) == 0)
			return 1;
	return 0;
}

/* What getopt_long() could not match: a missing value or an unknown
 * option, named as typed. */
static int getopt_failure(int c, char **argv, char *why, size_t why_size)
{
	char shown[64];
	const char *typed =
	    mcs_printable(argv[optind - 1], shown, sizeof(shown));
	if (c == ':')
		snprintf(why, why_size, "%s: needs a value", typed);
	else if (is_flag_with_value(argv[optind - 1]))
		snprintf(why, why_size, "%s: takes no value", typed);
	else
		snprintf(why, why_size, "%s: unknown option (see --help)",
			 typed);
	return -EINVAL;
}

/* One option getopt_long() returned, with its value. */
static int parse_option(int c, const char *arg, char **argv,
			struct client_options *options, int *have_interval,
			char *why, size_t why_size)
{
	switch (c) {
	case OPT_ADDRESS: return parse_host(arg, options, why, why_size);
	case OPT_PORTS: return parse_ports(arg, options, why, why_size);
	case OPT_CONNECTIONS:
		return parse_connections(arg, options, why, why_size);
	case OPT_WORKERS: return parse_procs(arg, options, why, why_size);
	case OPT_SOURCES: return parse_sources(arg, options, why, why_size);
	case OPT_MESSAGE_INTERVAL:
		*have_interval = 1;
		return parse_message_interval(arg, options, why, why_size);
	case OPT_RATE:
	case OPT_PAYLOAD:
	case OPT_WINDOW:
		return parse_count_option(c, arg, options, why, why_size);
	case OPT_HOLD:
		return parse_positive_seconds(
		    "--hold", arg, 1e7, &options->hold_seconds, why, why_size);
	case OPT_TIMEOUT:
		return parse_positive_seconds("--timeout", arg, 1e6,
					      &options->timeout_seconds, why,
					      why_size);
	case OPT_JSON: options->json = 1; return 0;
	case OPT_CONTROL: options->control = 1; return 0;
	case OPT_RESET_ON_EXIT: options->reset_on_exit = 1; return 0;
	case OPT_CONNECT_ORDER:
		return parse_connect_order(arg, options, why, why_size);
	default: return getopt_failure(c, argv, why, why_size);
	}
}

/* The seed's plain form: client HOST PORTS [CONNECTIONS]. */
static int parse_positional(int count, char **args,
			    struct client_options *options, char *why,
			    size_t why_size)
{
	char shown[64];
	if (count > 3) {
		snprintf(why, why_size,
			 "%s: unexpected argument (usage: client HOST PORTS "
			 "[CONNECTIONS])",
			 mcs_printable(args[3], shown, sizeof(shown)));
		return -EINVAL;
	}
	if (count >= 1 && parse_host(args[0], options, why, why_size))
		return -EINVAL;
	if (count >= 2 && parse_ports(args[1], options, why, why_size))
		return -EINVAL;
	if (count >= 3 && parse_connections(args[2], options, why, why_size))
		return -EINVAL;
	return 0;
}

/* Echo mode needs both --payload and --message-interval, and not --control. */
static int check_echo_options(const struct client_options *options,
			      int have_interval, char *why, size_t why_size)
{
	if (options->payload && !have_interval) {
		snprintf(why, why_size,
			 "--payload: needs --message-interval PERIOD (how "
			 "often each "
			 "connection sends)");
		return -EINVAL;
	}
	if (have_interval && !options->payload) {
		snprintf(
		    why, why_size,
		    "--message-interval: needs --payload BYTES (the message "
		    "size)");
		return -EINVAL;
	}
	if (options->control && options->payload) {
		snprintf(
		    why, why_size,
		    "--payload: not with --control (use the echo command)");
		return -EINVAL;
	}
	return 0;
}

int client_parse_options(int argc, char **argv, struct client_options *options,
			 char *why, size_t why_size)
{
	set_defaults(options);
	int have_interval = 0;
	mcs_getopt_reset();
	int c;
	while ((c = getopt_long(argc, argv, "+:", long_options, NULL)) != -1) {
		if (c == OPT_HELP || c == OPT_VERSION) {
			options->help = c == OPT_HELP;
			options->version = c == OPT_VERSION;
			return 0;
		}
		int err = parse_option(c, optarg, argv, options, &have_interval,
				       why, why_size);
		if (err)
			return err;
	}
	int err = parse_positional(argc - optind, argv + optind, options, why,
				   why_size);
	if (err)
		return err;
	return check_echo_options(options, have_interval, why, why_size);
}

int client_read_limits(struct client_limits *limits, char *why, size_t why_size)
{
	memset(limits, 0, sizeof(*limits));
	uint64_t soft, hard;
	int err = mcs_fd_limit(&soft, &hard);
	if (err) {
		snprintf(why, why_size, "getrlimit(RLIMIT_NOFILE): %s",
			 strerror(-err));
		return err;
	}
	limits->fd_limit = soft;
	if (mcs_sysctl_read_u64("fs.file-max", &limits->file_max))
		limits->file_max = 0;
	char range[64];
	limits->ephemeral_first = 32768;
	limits->ephemeral_last = 60999;
	if (mcs_sysctl_read("net.ipv4.ip_local_port_range", range,
			    sizeof(range)) == 0) {
		unsigned a, b;
		if (sscanf(range, "%u %u", &a, &b) == 2 && a <= b &&
		    b <= 65535) {
			limits->ephemeral_first = a;
			limits->ephemeral_last = b;
		}
	}
	struct mcs_meminfo info;
	if (mcs_read_meminfo(&info) == 0)
		limits->memory_total = info.total;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	limits->cpus = cpus > 0 ? (unsigned)cpus : 1;
	return 0;
}

int client_check_capacity(const struct client_options *options,
			  const struct client_limits *limits, char *why,
			  size_t why_size)
{
	uint64_t n = options->connections;
	if (limits->file_max && 2 * n > limits->file_max) {
		snprintf(
		    why, why_size,
		    "--connections: %" PRIu64
		    " loopback connections need %" PRIu64
		    " open files (both ends), more than fs.file-max %" PRIu64
		    " allows; raise it (sysctl -w fs.file-max=...)",
		    n, 2 * n, limits->file_max);
		return -ERANGE;
	}
	uint64_t nports =
	    (uint64_t)options->port_last - options->port_first + 1;
	uint64_t nsources = options->source_count ? options->source_count : 1;
	uint64_t ephemeral =
	    (uint64_t)limits->ephemeral_last - limits->ephemeral_first + 1;
	uint64_t tuples = nsources * nports * ephemeral;
	if (n > tuples) {
		snprintf(why, why_size,
			 "--connections: %" PRIu64 " is more than %" PRIu64
			 " sources x %" PRIu64 " ports x %" PRIu64
			 " ephemeral ports (%u-%u) = %" PRIu64
			 " distinct connections; add --sources or --ports, or "
			 "widen net.ipv4.ip_local_port_range",
			 n, nsources, nports, ephemeral,
			 limits->ephemeral_first, limits->ephemeral_last,
			 tuples);
		return -ERANGE;
	}
	if (limits->memory_total &&
	    n * CLIENT_KERNEL_BYTES_PER_CONNECTION > limits->memory_total) {
		snprintf(why, why_size,
			 "--connections: %" PRIu64
			 " loopback connections need about %" PRIu64
			 " MB of kernel memory (%" PRIu64
			 " bytes each, both ends), "
			 "more than the machine's %" PRIu64 " MB",
			 n, n * CLIENT_KERNEL_BYTES_PER_CONNECTION >> 20,
			 CLIENT_KERNEL_BYTES_PER_CONNECTION,
			 limits->memory_total >> 20);
		return -ERANGE;
	}
	return 0;
}
