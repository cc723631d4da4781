/* client_options.h - the client's command line, parsed into a struct
 * without side effects, and the check that the machine can possibly hold
 * what was asked for (over limits read beforehand), so both can be tested
 * and fuzzed. */
#ifndef CLIENT_OPTIONS_H
#define CLIENT_OPTIONS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLIENT_DEFAULT_CONNECTIONS     1000u
#define CLIENT_DEFAULT_WINDOW	       64u
#define CLIENT_DEFAULT_TIMEOUT_SECONDS 300.0
#define CLIENT_MAX_PAYLOAD	       65535u
#define CLIENT_MAX_CONNECTIONS	       100000000ull

struct client_options {
	struct in_addr host; /* server address (any IPv4 unicast) */
	uint16_t port_first, port_last;
	uint64_t connections;	     /* --connections (MAX with --control) */
	double rate;		     /* connects per second, 0 = unlimited */
	unsigned procs;		     /* 0 = auto */
	struct in_addr source_first; /* --sources: this host's addresses */
	uint32_t source_count;	     /* 0 = let the kernel pick the source */
	uint32_t payload;	     /* echo mode message bytes, 0 = off */
	uint32_t interval_ms;	     /* echo mode period */
	double hold_seconds;	     /* 0 = until a signal */
	unsigned window;	     /* connects in flight per process */
	double timeout_seconds;	     /* bound on a ramp (and an echo round) */
	int json;
	int control;
	int reset_on_exit; /* SO_LINGER {1,0}: close sends RST, no TIME_WAIT */
	int connect_by_port; /* --connect-order port: one port's in a row */
	int help;
	int version; /* --version */
};

/* Fill options from argv (defaults first). Returns 0, or -EINVAL with a
 * one-line reason naming the option in why. */
int client_parse_options(int argc, char **argv, struct client_options *options,
			 char *why, size_t why_size);

void client_print_usage(FILE *out);

/* What the machine allows, read at start (client_read_limits). */
struct client_limits {
	uint64_t fd_limit;	  /* soft RLIMIT_NOFILE */
	uint64_t file_max;	  /* fs.file-max, 0 if unknown */
	uint32_t ephemeral_first; /* net.ipv4.ip_local_port_range */
	uint32_t ephemeral_last;
	uint64_t memory_total; /* MemTotal bytes, 0 if unknown */
	unsigned cpus;
};

/* Kernel memory one loopback connection costs, both ends (measured:
 * docs/PLATFORM.md, ~4.8 KB per socket). */
#define CLIENT_KERNEL_BYTES_PER_CONNECTION UINT64_C(9600)

int client_read_limits(struct client_limits *limits, char *why,
		       size_t why_size);

/* Can this machine possibly hold options->connections? 0, or -ERANGE with
 * the reason (more files than fs.file-max allows for both ends, more
 * 4-tuples than sources x ports x ephemeral ports, more kernel memory than
 * the machine has). */
int client_check_capacity(const struct client_options *options,
			  const struct client_limits *limits, char *why,
			  size_t why_size);

#endif /* CLIENT_OPTIONS_H */
