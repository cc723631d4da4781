/* server_options.c - parse and validate the server's command line. */
#include "server_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_backend_options.h"
#include "mcs_parse.h"

void server_print_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: server [--backend NAME] [--backend-opt NAME=VALUE]...\n"
	    "              [--ports A-B] [--workers N|auto]\n"
	    "              [--address IPV4] [--threads N] [--max-connections "
	    "N]\n"
	    "              [--read-buffer BYTES] [--write-limit BYTES] "
	    "[--backlog N]\n"
	    "              [--monitor-interval PERIOD] [--duration SECONDS]\n"
	    "              [--stats-shm NAME]"
	    "\n"
	    "              [--json] [--list-backends] [--version] [--help]\n"
	    "\n"
	    "Echo server holding as many TCP connections as its workers can: "
	    "each\n"
	    "worker is a process under the RLIMIT_NOFILE cap with its own "
	    "ports, so\n"
	    "no worker is ever handed more connections than it may hold.\n"
	    "\n"
	    "  --backend NAME        I/O backend plugin (default epoll; see "
	    "--list-backends)\n"
	    "  --backend-opt NAME=VALUE  set one of the backend's options "
	    "(repeatable;\n"
	    "                        --list-backends lists them with their "
	    "defaults)\n"
	    "  --ports A-B           listening ports (default 2048-2067), "
	    "split over workers\n"
	    "  --workers N|auto      worker processes, at most one per port "
	    "(default auto:\n"
	    "                        one per port)\n"
	    "  --address IPV4        address to bind (default 127.0.0.1); "
	    "0.0.0.0 (every\n"
	    "                        interface) only with --any-address\n"
	    "  --any-address         allow --address 0.0.0.0\n"
	    "  --threads N           threads per worker for threaded backends "
	    "(0 = cores)\n"
	    "  --max-connections N   total connection cap (default: what the "
	    "fd limit\n"
	    "                        allows each worker); 250k and 1M forms "
	    "accepted\n"
	    "  --read-buffer BYTES   shared read buffer per thread (default "
	    "16384)\n"
	    "  --write-limit BYTES   most unsent bytes per connection (default "
	    "16384)\n"
	    "  --backlog N           listen() backlog (default 65535, kernel "
	    "caps it at\n"
	    "                        net.core.somaxconn)\n"
	    "  --monitor-interval PERIOD\n"
	    "                        monitoring line period (default 1 s, 0 = "
	    "none; a bare\n"
	    "                        number is seconds; 500ms, 10s, 1m "
	    "accepted)\n"
	    "  --interval SECONDS    alias of --monitor-interval\n"
	    "  --duration SECONDS    stop by itself after this long (90s, 10m, "
	    "1h accepted;\n"
	    "                        default: run until SIGINT/SIGTERM)\n"
	    "  --stats-shm NAME      shared-memory stats name (default "
	    "/mcs-server-PID)\n"
	    "  --json                print the final stats as one JSON object\n"
	    "  --list-backends       list installed backends and whether they "
	    "work here\n"
	    "  --version             the commit this binary was built from\n"
	    "\n"
	    "Exit status: 0 after --duration, 128+signal after SIGINT/SIGTERM, "
	    "1 when\n"
	    "a worker fails, 2 on bad usage.\n");
}

static const struct option long_options[] = {
    {"backend", required_argument, NULL, 'b'},
    {"backend-opt", required_argument, NULL, 'O'},
    {"ports", required_argument, NULL, 'p'},
    {"workers", required_argument, NULL, 'w'},
    {"address", required_argument, NULL, 'a'},
    {"any-address", no_argument, NULL, 'A'},
    {"threads", required_argument, NULL, 't'},
    {"max-connections", required_argument, NULL, 'm'},
    {"read-buffer", required_argument, NULL, 'r'},
    {"write-limit", required_argument, NULL, 'W'},
    {"backlog", required_argument, NULL, 'B'},
    {"monitor-interval", required_argument, NULL, 'i'},
    {"interval", required_argument, NULL, 'i'}, /* the old name */
    {"duration", required_argument, NULL, 'd'},
    {"stats-shm", required_argument, NULL, 's'},
    {"json", no_argument, NULL, 'j'},
    {"list-backends", no_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void set_defaults(struct server_options *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->backend, sizeof(o->backend), "epoll");
	mcs_parse_ipv4("127.0.0.1", &o->address);
	o->port_first = 2048;
	o->port_last = 2067;
	o->read_buffer_size = 16384;
	o->write_backlog_limit = 16384;
	o->listen_backlog = 65535;
	o->interval_seconds = 1.0;
}

/* A count option's value in [min, max]; else the one-line error. */
static int parse_count_option(const char *option, const char *arg, uint64_t min,
			      uint64_t max, const char *expected,
			      uint64_t *value, char *why, size_t why_size)
{
	if (mcs_parse_count(arg, min, max, value))
		return mcs_option_error(why, why_size, option, arg, expected);
	return 0;
}

static int parse_backend(const char *arg, struct server_options *o, char *why,
			 size_t why_size)
{
	if (strlen(arg) == 0 || strlen(arg) >= sizeof(o->backend))
		return mcs_option_error(why, why_size, "--backend", arg,
					"a backend name (see --list-backends)");
	snprintf(o->backend, sizeof(o->backend), "%s", arg);
	return 0;
}

/* NAME=VALUE, kept as typed: whether the backend has that option and the
 * value fits it is known once the backend is loaded. */
static int add_backend_setting(const char *arg, struct server_options *o,
			       char *why, size_t why_size)
{
	int err = mcs_backend_setting_check(arg, why, why_size);
	if (err)
		return err;
	if (o->backend_setting_count == MCS_BACKEND_SETTINGS_MAX)
		return mcs_option_error(why, why_size, "--backend-opt", arg,
					"at most 32 of them");
	snprintf(o->backend_settings[o->backend_setting_count++],
		 sizeof(o->backend_settings[0]), "%s", arg);
	return 0;
}

static int parse_workers(const char *arg, struct server_options *o, char *why,
			 size_t why_size)
{
	uint64_t v;
	if (strcmp(arg, "auto") == 0) {
		o->workers = 0;
		return 0;
	}
	int err = parse_count_option("--workers", arg, 1, 4096,
				     "a number from 1 to 4096, or auto", &v,
				     why, why_size);
	if (!err)
		o->workers = (unsigned)v;
	return err;
}

static int parse_stats_name(const char *arg, struct server_options *o,
			    char *why, size_t why_size)
{
	if (arg[0] != '/' || strlen(arg) < 2 ||
	    strlen(arg) >= sizeof(o->stats_name) || strchr(arg + 1, '/'))
		return mcs_option_error(why, why_size, "--stats-shm", arg,
					"a name like /mcs-stats (one '/', "
					"under 64 characters)");
	snprintf(o->stats_name, sizeof(o->stats_name), "%s", arg);
	return 0;
}

/* --threads, --max-connections, --read-buffer, --write-limit, --backlog:
 * one count each, stored only when it is good. */
static int parse_count_field(int c, const char *arg, struct server_options *o,
			     char *why, size_t why_size)
{
	uint64_t v;
	switch (c) {
	case 't':
		if (parse_count_option("--threads", arg, 0, 1024,
				       "a number from 0 to 1024", &v, why,
				       why_size))
			return -EINVAL;
		o->threads = (unsigned)v;
		return 0;
	case 'm':
		if (parse_count_option("--max-connections", arg, 1, 100000000,
				       "a count from 1 to 100M", &v, why,
				       why_size))
			return -EINVAL;
		o->max_connections = v;
		return 0;
	case 'r':
		if (parse_count_option("--read-buffer", arg, 64,
				       16 * 1024 * 1024, "bytes from 64 to 16M",
				       &v, why, why_size))
			return -EINVAL;
		o->read_buffer_size = (unsigned)v;
		return 0;
	case 'W':
		if (parse_count_option("--write-limit", arg, 64,
				       16 * 1024 * 1024, "bytes from 64 to 16M",
				       &v, why, why_size))
			return -EINVAL;
		o->write_backlog_limit = (unsigned)v;
		return 0;
	default:
		if (parse_count_option("--backlog", arg, 1, 1000000,
				       "a number from 1 to 1000000", &v, why,
				       why_size))
			return -EINVAL;
		o->listen_backlog = (int)v;
		return 0;
	}
}

/* One option getopt_long() returned, with its value. */
static int parse_option(int c, const char *arg, char *const argv[],
			struct server_options *o, char *why, size_t why_size)
{
	switch (c) {
	case 'b': return parse_backend(arg, o, why, why_size);
	case 'O': return add_backend_setting(arg, o, why, why_size);
	case 'p':
		if (mcs_parse_port_range(arg, &o->port_first, &o->port_last))
			return mcs_option_error(
			    why, why_size, "--ports", arg,
			    "A-B with 1 <= A <= B <= 65535");
		return 0;
	case 'w': return parse_workers(arg, o, why, why_size);
	case 'a':
		if (mcs_parse_ipv4(arg, &o->address))
			return mcs_option_error(
			    why, why_size, "--address", arg,
			    "an IPv4 address like 127.0.0.1");
		return 0;
	case 't':
	case 'm':
	case 'r':
	case 'W':
	case 'B': return parse_count_field(c, arg, o, why, why_size);
	case 'i':
		if (mcs_parse_duration(arg, 0, 3600, &o->interval_seconds))
			return mcs_option_error(
			    why, why_size, "--monitor-interval", arg,
			    "seconds from 0 to 3600 (or 500ms, 90s, 10m, "
			    "1h)");
		return 0;
	case 'd':
		if (mcs_parse_duration(arg, 0, 7 * 86400, &o->duration_seconds))
			return mcs_option_error(
			    why, why_size, "--duration", arg,
			    "seconds from 0 to 604800 (or 90s, 10m, 1h)");
		return 0;
	case 's': return parse_stats_name(arg, o, why, why_size);
	case 'j': o->json = 1; return 0;
	case 'A': o->any_address = 1; return 0;
	case 'l': o->list_backends = 1; return 0;
	case 'h': o->help = 1; return 0;
	case 'V': o->version = 1; return 0;
	default: return mcs_getopt_error(c, argv, why, why_size);
	}
}

/* What no single option can say wrong: workers against ports and cap. */
static int check_workers(const struct server_options *o, char *why,
			 size_t why_size)
{
	unsigned ports = (unsigned)o->port_last - o->port_first + 1;
	unsigned workers = o->workers ? o->workers : ports;
	if (o->max_connections && o->max_connections < workers) {
		snprintf(why, why_size,
			 "--max-connections %llu is fewer than the %u workers: "
			 "each worker holds at least one; lower --workers or "
			 "narrow --ports",
			 (unsigned long long)o->max_connections, workers);
		return -EINVAL;
	}
	if (o->workers > ports) {
		snprintf(why, why_size,
			 "--workers %u is more than the %u ports in --ports "
			 "%u-%u: each worker needs a port of its own; widen "
			 "--ports",
			 o->workers, ports, o->port_first, o->port_last);
		return -EINVAL;
	}
	return 0;
}

int server_parse_options(int argc, char **argv, struct server_options *o,
			 char *why, size_t why_size)
{
	set_defaults(o);
	why[0] = '\0';
	/* The seed's plain form: `server [PORT]` is not supported; only
	 * options. getopt_long with a leading ':' reports missing values. */
	mcs_getopt_reset();
	int c;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		int err = parse_option(c, optarg, argv, o, why, why_size);
		if (err)
			return err;
	}
	if (optind < argc)
		return mcs_unexpected_argument(argv[optind], why, why_size);
	/* A benchmark server listening on every interface is reachable from
	 * wherever the machine is: only when asked for in so many words. */
	if (o->address.s_addr == htonl(INADDR_ANY) && !o->any_address) {
		snprintf(why, why_size,
			 "--address 0.0.0.0 listens on every interface: add "
			 "--any-address to mean it, or bind one address");
		return -EINVAL;
	}
	return check_workers(o, why, why_size);
}
