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

#define HARNESS_MAX_CLIENT_HOSTS 16
#define HARNESS_MAX_HOSTS	 (1 + HARNESS_MAX_CLIENT_HOSTS)
#define HARNESS_HOST_NAME_SIZE	 128
/* The most steps a host keeps (as harness_options.h HARNESS_MAX_STEPS). */
#define HARNESS_HOST_MAX_STEPS 64
/* Kernel memory one end of a TCP connection costs (a socket, measured
 * here: half of the ~9.6 KB a loopback connection takes). */
#define HARNESS_KERNEL_BYTES_PER_SOCKET 4800ull
/* Use at most this share of a source address's ephemeral ports. */
#define HARNESS_HOST_PORT_FILL 0.80

/* One host as given on the command line. */
struct harness_host_spec {
	char target[HARNESS_HOST_NAME_SIZE]; /* [USER@]HOST: the transport's */
	/* The server's: what clients connect to (HOST itself when it is an
	 * address; "" for a name, resolved at run time). A client's: the
	 * source address it connects from (--sources), "" for the
	 * kernel's choice. */
	char address[INET_ADDRSTRLEN];
	int local; /* HOST is "local": this machine, no transport */
};

struct harness_hosts_spec {
	struct harness_host_spec server;
	struct harness_host_spec clients[HARNESS_MAX_CLIENT_HOSTS];
	size_t client_count;
};

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

/* What a client host allows (from its agent's hello). */
struct harness_host_limits {
	uint64_t mem_available;	      /* bytes */
	unsigned port_low, port_high; /* ip_local_port_range */
	unsigned sources; /* source addresses it connects from (>= 1) */
};

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

/* Add the histogram a client sent ({"count","sum","min","max","buckets":
 * [[index,count],...]}) into h. Returns 0, or -EPROTO when it is not that
 * shape (h is then unchanged). */
int harness_histogram_add_json(const json_t *j, struct mcs_histogram *h);

/* One host's figures at one step (or the baseline). */
struct harness_host_step {
	uint64_t connections;	      /* its part of the step's target */
	uint64_t established;	      /* client: what it holds; server: live */
	uint64_t failed;	      /* client: failed connects in the step */
	double elapsed_s;	      /* client: its time for the step */
	unsigned processes;	      /* its server's or client's processes */
	uint64_t user_bytes;	      /* their PSS */
	uint64_t kernel_bytes;	      /* its kernel's Slab growth */
	uint64_t kernel_object_bytes; /* slabinfo objects growth (root) */
	uint64_t tcp_inuse;	      /* sockstat TCP inuse (its namespace) */
	double cpu_s;		      /* CPU its processes have run */
};

/* Everything sweep.json's `hosts` says about one host. */
struct harness_host_record {
	char name[HARNESS_HOST_NAME_SIZE]; /* as given */
	const char *role;		   /* "server" or "client" */
	char address[INET_ADDRSTRLEN];	   /* server: ADDR; client: source */
	char hostname[64];		   /* what the host calls itself */
	char kernel[64];		   /* its kernel release */
	char boot_id[48];		   /* its kernel's boot id */
	char netns[48];			   /* its network namespace */
	char commit[48];
	int dirty;
	json_t *limits;	      /* the hello's limits (owned) */
	uint64_t connections; /* planned: client share, server target */
	uint64_t capacity;    /* client: planned capacity */
	char capacity_by[16]; /* "ports", "memory" */
	char sources[48];     /* client: --sources, "" for the kernel's */
	unsigned workers;     /* server: worker processes */
	char tuned[320];      /* sysctls raised on it */
	/* Shares its kernel with other hosts of the run (a namespace run):
	 * its kernel figures are that kernel's, not its own. */
	char kernel_shared_with[256];
	uint64_t slab_before, objects_before; /* before anything started */
	struct harness_host_step baseline;
	struct harness_host_step steps[HARNESS_HOST_MAX_STEPS];
	size_t step_count;
};

/* The hosts of a run, as sweep.json records them. */
struct harness_hosts_record {
	struct harness_host_record hosts[HARNESS_MAX_HOSTS]; /* server first */
	size_t count;
	char transport[512];
	char remote_dir[4096];
	int kernels_shared; /* the server shares its kernel with a client */
};

/* sweep.json's "hosts" array and "multihost" object. */
json_t *harness_hosts_json(const struct harness_hosts_record *r);
json_t *harness_multihost_json(const struct harness_hosts_record *r);

#endif /* HARNESS_HOSTS_H */
