/* client_report.h - add up the workers' shared blocks and turn the totals
 * into the report lines: JSON objects (docs/CONTROL.md shapes) or human
 * text. Histograms merge by adding buckets. */
#ifndef CLIENT_REPORT_H
#define CLIENT_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "client_options.h"
#include "client_shared.h"

struct client_totals {
	uint64_t live, in_flight, dropped, slots_used;
	uint64_t attempts, established, failed, abandoned, connections;
	uint64_t messages, bytes, errors, mismatches, late, due, sent;
	uint64_t completed;   /* LOAD: verified before the window ended */
	uint64_t ring_checks; /* VERIFY: checks done over io_uring */
	uint64_t failures[CLIENT_ERRNO_SLOTS];
	struct mcs_histogram connect_us, rtt_us;
};

/* Sum workers[0..count). Safe while they run (counters a little behind);
 * exact after every worker has replied. */
void client_totals_sum(const struct client_worker_shared *workers,
		       unsigned count, struct client_totals *totals);

/* Name of an errno slot ("ECONNREFUSED"; "other" for slot 0). */
const char *client_errno_name(unsigned slot);

/* The value at percentile p of h. mcs_histogram_percentile() computes the
 * rank ceil(p / 100 * count) in floating point, which overshoots by one
 * when the product is an integer that doubles cannot hold exactly
 * (99.9 / 100 * 1000 = 999.0000000000001); asking for p - 1e-12 gives the
 * exact rank for every count below 10^9. */
uint64_t client_percentile(const struct mcs_histogram *h, double p);

/* {"p50":..,"p90":..,"p99":..,"p999":..,"max":..} in the histogram's
 * unit. */
json_t *client_percentiles_json(const struct mcs_histogram *h);
/* {"ECONNREFUSED":3,...} */
json_t *client_failures_json(const struct client_totals *t);
json_t *client_pids_json(const pid_t *pids, unsigned count);

/* The "step", "echo" and "verify" events. */
json_t *client_step_json(uint64_t target, const struct client_totals *t,
			 double elapsed, const pid_t *pids, unsigned procs);
json_t *client_echo_json(const struct client_totals *t, double elapsed);
json_t *client_verify_json(const struct client_totals *t, double elapsed);
/* The "status" event: connections held now, closed by the peer ever, and
 * connects still in flight (no traffic sent to find out). */
json_t *client_status_json(const struct client_totals *t);

/* Did the client fail to offer a load? Yes when fewer than 98% of the due
 * messages (those intended in the window: what was offered, which random
 * phases make differ a little from RATE x D) went out within it. Late
 * messages wait for their connection's previous echo, so a server slower
 * than one period per round trip lowers this too: `late` tells which. */
int client_load_not_offered(const struct client_totals *t);

/* The "load" event of `load RATE SIZE DURATION` (docs/CONTROL.md), with
 * "client_could_not_offer":true when client_load_not_offered(). */
json_t *client_load_json(const struct client_totals *t, uint64_t rate,
			 double duration, double elapsed);

/* Print one object as one line and flush. Returns 0 or -EIO. */
int client_emit(FILE *out, json_t *object);

/* The same reports for people. */
void client_print_step(FILE *out, uint64_t target,
		       const struct client_totals *t, double elapsed);
void client_print_echo(FILE *out, const struct client_totals *t,
		       double elapsed);

/* Sockets in TIME_WAIT to one server (host, ports first-last): each holds
 * its local port for a new connection to that server, for 60 s or until
 * net.ipv4.tcp_tw_reuse lets it go. */
#define CLIENT_TIME_WAIT_SOURCES 64
struct client_time_wait {
	uint64_t to_server;	    /* all of them */
	struct in_addr top_source;  /* the source address holding most */
	uint64_t top_count;	    /* how many it holds */
	struct in_addr last_source; /* the highest source address among them */
	/* per source address, while there are few (scratch) */
	struct in_addr sources[CLIENT_TIME_WAIT_SOURCES];
	uint64_t counts[CLIENT_TIME_WAIT_SOURCES];
	unsigned source_count;
};

/* Count them in /proc/net/tcp text read from tcp (state 06, remote
 * address host, remote port in first-last). Returns 0, or -EPROTO when
 * the text is not /proc/net/tcp. */
int client_time_wait_scan(FILE *tcp, struct in_addr host, uint16_t first,
			  uint16_t last, struct client_time_wait *tw);

/* Why connects failed with EADDRNOTAVAIL and what avoids it. */
struct client_port_trouble {
	uint64_t failed;      /* connects that failed with it */
	uint64_t connections; /* asked for */
	struct in_addr host;  /* the server */
	uint16_t port_first, port_last;
	uint32_t ephemeral_first, ephemeral_last; /* ip_local_port_range */
	struct in_addr source_first; /* --sources, or the kernel's choice */
	uint32_t source_count;	     /* 0: no --sources */
	int tw_reuse;		     /* net.ipv4.tcp_tw_reuse, -1 unknown */
	int64_t tw_machine;	     /* TIME_WAIT sockets (sockstat), -1 */
	int tw_known;		     /* tw below was read */
	struct client_time_wait tw;
};

/* The report's lines (no trailing newline). Pure. */
void client_addrnotavail_text(const struct client_port_trouble *t, char *text,
			      size_t text_size);

/* Read what the text needs (/proc/net/tcp, /proc/net/sockstat, the
 * sysctls) and print it to out, when some connects failed with
 * EADDRNOTAVAIL. */
void client_report_addrnotavail(FILE *out, const struct client_options *o,
				const struct client_limits *limits,
				uint64_t failed);

#endif /* CLIENT_REPORT_H */
