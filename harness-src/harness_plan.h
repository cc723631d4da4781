/* harness_plan.h - preflight: what a target needs, and whether this machine
 * gives it.
 *
 * The plan says how many server workers (one port each) the backend needs
 * under RLIMIT_NOFILE, how many client processes and source addresses, how
 * many open files and how much memory: kernel memory per loopback
 * connection (both ends) is estimated from this kernel's /proc/slabinfo
 * object sizes (harness_kernel_estimate.h; a 9,600 B constant when
 * slabinfo cannot be read), plus a guess at user memory. The preflight
 * compares that with the sysctls and free memory, raises what it must when
 * allowed (root), and otherwise stops with one line and the command that
 * fixes it.
 */
#ifndef HARNESS_PLAN_H
#define HARNESS_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_kernel_estimate.h"
#include "harness_options.h"
#include "mcs_backend.h"

/* Most server processes the harness starts. */
#define HARNESS_MAX_SERVER_WORKERS 256
/* Fill each worker to this share of its capacity, to keep headroom. */
#define HARNESS_WORKER_FILL 0.90
#define HARNESS_MAX_CHANGES 16

struct harness_sysctl_change {
	char name[48];
	char before[64];
	char after[64];
};

struct harness_plan {
	char backend[32];
	uint64_t requested_target; /* --target */
	uint64_t target;	   /* what this run will reach */
	int limited;		   /* target lowered to the backend's limit */
	char limit_reason[320];
	uint64_t fd_limit;	      /* RLIMIT_NOFILE soft */
	unsigned capacity_per_worker; /* ops->capacity(fd_limit - ports) */
	unsigned workers;	      /* server worker processes */
	uint16_t port_first, port_last;
	unsigned client_procs; /* estimate: the client decides */
	char sources[48];      /* "127.0.0.2-127.0.0.46" */
	unsigned ephemeral_low, ephemeral_high; /* ip_local_port_range */
	unsigned source_count;
	uint64_t files_needed;
	uint64_t memory_needed, memory_available, memory_total;
	/* Kernel memory per loopback connection (both ends) the plan counts,
	 * and how it was estimated (harness_kernel_estimate.h). */
	uint64_t kernel_bytes_per_connection;
	char kernel_estimate_source[HARNESS_KERNEL_SOURCE_SIZE];
	int kernel_estimate_from_slabinfo; /* 0: the constant */
	unsigned cores;
	struct harness_sysctl_change changes[HARNESS_MAX_CHANGES];
	size_t change_count;
	char warnings[8][512];
	size_t warning_count;
};

/* Listening ports against the ephemeral port range the client's sockets
 * take their ports from (net.ipv4.ip_local_port_range, low-high, less
 * net.ipv4.ip_local_reserved_ports). */
struct harness_port_check {
	unsigned first, last; /* the planned listening ports */
	unsigned low, high;   /* ip_local_port_range */
	const char *reserved; /* ip_local_reserved_ports ("" or NULL: none) */
	uint64_t target;      /* client connections */
	unsigned sources;     /* source addresses they spread over */
};

enum harness_port_risk {
	HARNESS_PORTS_CLEAR,  /* no listening port inside the range */
	HARNESS_PORTS_WARN,   /* inside, a collision possible */
	HARNESS_PORTS_REFUSE, /* inside, and a collision more likely than not */
};

/* How likely a client socket (or its TIME_WAIT) holds a listening port
 * when a server binds it: for WARN and REFUSE, why says so and how to
 * avoid it. Pure: the caller reads the sysctls. */
enum harness_port_risk harness_port_risk(const struct harness_port_check *c,
					 char *why, size_t why_size);

/* The line for a sysctl below what the run needs (have < want) that the
 * harness may not raise: not root ("run as root: sysctl -w ..."), or root
 * with --no-tune ("--no-tune left it: ..."). Pure. */
void harness_sysctl_short_text(const char *name, uint64_t have, uint64_t want,
			       const char *reason, int root, int no_tune,
			       char *text, size_t text_size);

/* A run's memory against what it may take, for the memory check. */
struct harness_memory_shortfall {
	uint64_t target;		      /* connections planned */
	uint64_t needed;		      /* plan->memory_needed */
	uint64_t kernel_bytes_per_connection; /* in needed */
	int from_slabinfo;		      /* that figure's origin */
	uint64_t headroom;  /* MemAvailable, or less under a cgroup */
	uint64_t floor;	    /* the --min-free floor */
	const char *cgroup; /* the memory cgroup bounding headroom, or NULL */
};

/* 1 when needed, plus a tenth for what the plan cannot foresee, does not
 * fit in headroom above the floor. Pure. */
int harness_memory_short(const struct harness_memory_shortfall *s);

/* The connections that would fit by the same test (the run's needs scale
 * with its connections), rounded down to two significant digits; 0 if
 * none. Pure. */
uint64_t harness_memory_fits(const struct harness_memory_shortfall *s);

/* The refusal line: the figures, where the kernel estimate came from, and
 * "lower --target to about N" naming harness_memory_fits(). Pure. */
void harness_memory_refusal(const struct harness_memory_shortfall *s, char *why,
			    size_t why_size);

/* Work out the plan for one backend. Returns 0, or -EINVAL/-ERANGE with a
 * one-line reason (naming the fix) in why. */
int harness_plan_make(const struct harness_options *o,
		      const struct mcs_backend_ops *ops,
		      struct harness_plan *plan, char *why, size_t why_size);

/* Check the machine against the plan; tune sysctls as allowed (see
 * harness_options: --tune, --no-tune, root). Each change is printed to
 * log and recorded in plan->changes. Returns 0 to go ahead, or -EPERM /
 * -ENOMEM / -errno with one line and the fixing command in why. */
int harness_preflight(const struct harness_options *o,
		      struct harness_plan *plan, FILE *log, char *why,
		      size_t why_size);

#endif /* HARNESS_PLAN_H */
