/* server_options.h - the server's command line, parsed into a struct
 * without side effects (so it can be tested and fuzzed). */
#ifndef SERVER_OPTIONS_H
#define SERVER_OPTIONS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "mcs_backend_options.h"

struct server_options {
	char backend[32];
	/* --backend-opt NAME=VALUE as typed, in order; checked for form
	 * only: the backend's table decides the rest once it is loaded. */
	char backend_settings[MCS_BACKEND_SETTINGS_MAX]
			     [MCS_BACKEND_SETTING_MAX_LEN + 1];
	size_t backend_setting_count;
	struct in_addr address;
	int any_address; /* --any-address: 0.0.0.0 asked for in so many words */
	uint16_t port_first, port_last;
	unsigned workers; /* 0 = auto: one per port */
	unsigned threads; /* per worker, threaded backends; 0 = one per core */
	uint64_t max_connections; /* total cap, 0 = what the fd limit allows */
	unsigned read_buffer_size;
	unsigned write_backlog_limit;
	int listen_backlog;
	double interval_seconds; /* monitor line period, 0 = none */
	double duration_seconds; /* stop after, 0 = until a signal */
	char stats_name[64];	 /* shm name, "" = /mcs-server-<pid> */
	int list_backends;
	int help;
	int version; /* --version */
	int json;    /* final stats as one JSON object */
};

/* Fill options from argv. Returns 0, or -EINVAL with a one-line reason
 * naming the option in why. */
int server_parse_options(int argc, char **argv, struct server_options *options,
			 char *why, size_t why_size);

void server_print_usage(FILE *out);

#endif /* SERVER_OPTIONS_H */
