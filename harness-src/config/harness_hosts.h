/* harness_hosts.h - a multi-host run's hosts (docs/MULTIHOST.md): the
 * --server-host and --client-hosts specs, each host's share of the
 * connections planned from its own limits, a step split over the client
 * hosts, the histograms the client shards send merged bucket by bucket,
 * and the per-host record sweep.json keeps. Pure: no I/O, unit-tested; the
 * run itself is harness_multihost.c, the agents harness_agent.c.
 */
#ifndef HARNESS_HOSTS_H
#define HARNESS_HOSTS_H

#include <jansson.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "mcs_histogram.h"

#include "harness_hosts-t.h"

/* Parse --server-host [USER@]HOST[=ADDR] into spec. Returns 0, or -EINVAL
 * with one line naming --server-host in why (a host that would need shell
 * quoting, an ADDR that is not a unicast IPv4 address). */
int harness_hosts_parse_server(const char *text, struct harness_host_spec *spec,
			       char *why, size_t why_size);

/* Parse --client-hosts H1,H2,... (each [USER@]HOST[=ADDR]). Returns 0, or
 * -EINVAL with one line naming --client-hosts in why (an empty list or
 * name, a repeated host, more than HARNESS_MAX_CLIENT_HOSTS, a name that
 * would need quoting). */
int harness_hosts_parse_clients(const char *text,
				struct harness_hosts_spec *hosts, char *why,
				size_t why_size);

/* --remote-dir: an absolute folder of [A-Za-z0-9/._+-] without "..".
 * Returns 0, or -EINVAL with one line in why. */
int harness_hosts_check_dir(const char *dir, char *why, size_t why_size);

/* The most connections a client host may open to a server with
 * server_ports ports: 80% of its 4-tuples (sources x ports x ephemeral
 * ports) and what 85% of its available memory holds (one socket each).
 * *by says which bound it is ("ports" or "memory"). */
uint64_t harness_host_capacity(const struct harness_host_limits *l,
			       unsigned server_ports, const char **by);

/* Share target over n client hosts: evenly, except that a host is never
 * given more than its capacity (the others take the rest). Returns 0, or
 * -ERANGE with one line (every host's capacity and what bounds it, and
 * the fix) when they hold less than target in all. names[i] is host i's
 * name for that line. */
int harness_hosts_share(uint64_t target, const uint64_t *capacity,
			const char *const *bounds, const char *const *names,
			size_t n, uint64_t *shares, char *why, size_t why_size);

/* A step of step_target connections in all, split as shares (which add up
 * to target). parts holds each host's part of the previous step (zeros
 * for the first) and gets this step's: as near each share's proportion as
 * whole numbers allow, adding up to step_target exactly (at most the
 * shares' sum), never below the previous part (a grow is cumulative and
 * never closes) and never above the share; the last step (step_target ==
 * target) gives every host its whole share. */
void harness_hosts_split(uint64_t step_target, uint64_t target,
			 const uint64_t *shares, size_t n, uint64_t *parts);

/* sweep.json's "hosts" array and "multihost" object. */
json_t *harness_hosts_json(const struct harness_hosts_record *r);
json_t *harness_multihost_json(const struct harness_hosts_record *r);

#endif /* HARNESS_HOSTS_H */
