/* server_options.c - parse and validate the server's command line. */
#include "server_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_parse.h"

void server_print_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: server [--backend NAME] [--ports A-B] [--workers N|auto]\n"
	    "              [--address IPV4] [--threads N] [--max-connections "
	    "N]\n"
	    "              [--read-buffer BYTES] [--write-limit BYTES] "
	    "[--backlog N]\n"
	    "              [--interval SECONDS] [--duration SECONDS] "
	    "[--stats-shm NAME]\n"
	    "              [--json] [--list-backends] [--help]\n"
	    "\n"
	    "Echo server holding as many TCP connections as its workers can: "
	    "each\n"
	    "worker is a process under the RLIMIT_NOFILE cap with its own "
	    "ports, so\n"
	    "no worker is ever handed more connections than it may hold.\n"
	    "\n"
	    "  --backend NAME        I/O backend plugin (default epoll; see "
	    "--list-backends)\n"
	    "  --ports A-B           listening ports (default 2048-2067), "
	    "split over workers\n"
	    "  --workers N|auto      worker processes, at most one per port "
	    "(default auto:\n"
	    "                        one per port)\n"
	    "  --address IPV4        address to bind (default 127.0.0.1)\n"
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
	    "  --interval SECONDS    monitoring line period (default 1, 0 = "
	    "none)\n"
	    "  --duration SECONDS    stop by itself after this long (default: "
	    "run until\n"
	    "                        SIGINT/SIGTERM)\n"
	    "  --stats-shm NAME      shared-memory stats name (default "
	    "/mcs-server-PID)\n"
	    "  --json                print the final stats as one JSON object\n"
	    "  --list-backends       list installed backends and whether they "
	    "work here\n"
	    "\n"
	    "Exit status: 0 after --duration, 128+signal after SIGINT/SIGTERM, "
	    "1 when\n"
	    "a worker fails, 2 on bad usage.\n");
}

int server_parse_options(int argc, char **argv, struct server_options *o,
			 char *why, size_t why_size)
{
	static const struct option longs[] = {
	    {"backend", required_argument, NULL, 'b'},
	    {"ports", required_argument, NULL, 'p'},
	    {"workers", required_argument, NULL, 'w'},
	    {"address", required_argument, NULL, 'a'},
	    {"threads", required_argument, NULL, 't'},
	    {"max-connections", required_argument, NULL, 'm'},
	    {"read-buffer", required_argument, NULL, 'r'},
	    {"write-limit", required_argument, NULL, 'W'},
	    {"backlog", required_argument, NULL, 'B'},
	    {"interval", required_argument, NULL, 'i'},
	    {"duration", required_argument, NULL, 'd'},
	    {"stats-shm", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"list-backends", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	snprintf(o->backend, sizeof(o->backend), "epoll");
	mcs_parse_ipv4("127.0.0.1", &o->address);
	o->port_first = 2048;
	o->port_last = 2067;
	o->read_buffer_size = 16384;
	o->write_backlog_limit = 16384;
	o->listen_backlog = 65535;
	o->interval_seconds = 1.0;
	why[0] = '\0';

	/* The seed's plain form: `server [PORT]` is not supported; only
	 * options. getopt_long with a leading ':' reports missing values. */
	mcs_getopt_reset();
	int c;
	uint64_t v;
	while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		const char *arg = optarg;
		switch (c) {
		case 'b':
			if (strlen(arg) == 0 ||
			    strlen(arg) >= sizeof(o->backend))
				return mcs_option_error(
				    why, why_size, "--backend", arg,
				    "a backend name (see --list-backends)");
			snprintf(o->backend, sizeof(o->backend), "%s", arg);
			break;
		case 'p':
			if (mcs_parse_port_range(arg, &o->port_first,
						 &o->port_last))
				return mcs_option_error(
				    why, why_size, "--ports", arg,
				    "A-B with 1 <= A <= B <= 65535");
			break;
		case 'w':
			if (strcmp(arg, "auto") == 0) {
				o->workers = 0;
				break;
			}
			if (mcs_parse_count(arg, 1, 4096, &v))
				return mcs_option_error(
				    why, why_size, "--workers", arg,
				    "a number from 1 to 4096, or auto");
			o->workers = (unsigned)v;
			break;
		case 'a':
			if (mcs_parse_ipv4(arg, &o->address))
				return mcs_option_error(
				    why, why_size, "--address", arg,
				    "an IPv4 address like 127.0.0.1");
			break;
		case 't':
			if (mcs_parse_count(arg, 0, 1024, &v))
				return mcs_option_error(
				    why, why_size, "--threads", arg,
				    "a number from 0 to 1024");
			o->threads = (unsigned)v;
			break;
		case 'm':
			if (mcs_parse_count(arg, 1, 100000000, &v))
				return mcs_option_error(
				    why, why_size, "--max-connections", arg,
				    "a count from 1 to 100M");
			o->max_connections = v;
			break;
		case 'r':
			if (mcs_parse_count(arg, 64, 16 * 1024 * 1024, &v))
				return mcs_option_error(why, why_size,
							"--read-buffer", arg,
							"bytes from 64 to 16M");
			o->read_buffer_size = (unsigned)v;
			break;
		case 'W':
			if (mcs_parse_count(arg, 64, 16 * 1024 * 1024, &v))
				return mcs_option_error(why, why_size,
							"--write-limit", arg,
							"bytes from 64 to 16M");
			o->write_backlog_limit = (unsigned)v;
			break;
		case 'B':
			if (mcs_parse_count(arg, 1, 1000000, &v))
				return mcs_option_error(
				    why, why_size, "--backlog", arg,
				    "a number from 1 to 1000000");
			o->listen_backlog = (int)v;
			break;
		case 'i':
			if (mcs_parse_seconds(arg, 3600, &o->interval_seconds))
				return mcs_option_error(
				    why, why_size, "--interval", arg,
				    "seconds from 0 to 3600");
			break;
		case 'd':
			if (mcs_parse_seconds(arg, 7 * 86400,
					      &o->duration_seconds))
				return mcs_option_error(
				    why, why_size, "--duration", arg,
				    "seconds from 0 to 604800");
			break;
		case 's':
			if (arg[0] != '/' || strlen(arg) < 2 ||
			    strlen(arg) >= sizeof(o->stats_name) ||
			    strchr(arg + 1, '/'))
				return mcs_option_error(
				    why, why_size, "--stats-shm", arg,
				    "a name like /mcs-stats (one '/', "
				    "under 64 characters)");
			snprintf(o->stats_name, sizeof(o->stats_name), "%s",
				 arg);
			break;
		case 'j': o->json = 1; break;
		case 'l': o->list_backends = 1; break;
		case 'h': o->help = 1; break;
		default: return mcs_getopt_error(c, argv, why, why_size);
		}
	}
	if (optind < argc)
		return mcs_unexpected_argument(argv[optind], why, why_size);
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
