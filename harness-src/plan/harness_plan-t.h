/* harness_plan-t.h - the types of harness_plan.h, without its functions, so a
 * header that only names them does not pull the functions in. */
#ifndef HARNESS_PLAN_T_H
#define HARNESS_PLAN_T_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_kernel_estimate-t.h"

/* Most server processes the harness starts. */
#define HARNESS_MAX_SERVER_WORKERS 256
/* Fill each worker to this share of its capacity, to keep headroom. */
#define HARNESS_WORKER_FILL 0.90
#define HARNESS_MAX_CHANGES 16

struct harness_sysctl_change {
	char name[48];
	char before[64];
	char after[64];
	char reason[160]; /* what needs it ("100000 connections") */
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
	/* The --min-free floor the memory check kept free (preflight), and
	 * the user memory per connection the plan counts (a guess). */
	uint64_t memory_floor, user_bytes_per_connection;
	/* Kernel memory per loopback connection (both ends) the plan counts,
	 * and how it was estimated (harness_kernel_estimate.h). */
	uint64_t kernel_bytes_per_connection;
	char kernel_estimate_source[HARNESS_KERNEL_SOURCE_SIZE];
	int kernel_estimate_from_slabinfo; /* 0: the constant */
	unsigned cores;
	/* The TUN client drives the connections (--client tun): only the
	 * server's end of each is on this kernel, the client holds no
	 * sockets and no source ports of the kernel's. */
	int tun_client;
	/* The most connections this machine holds, by what caps them:
	 * memory (at the estimate above), the server workers' descriptors
	 * (HARNESS_MAX_SERVER_WORKERS or --ports), and the client's source
	 * space (the TUN client's 4-tuples; 0 for the kernel client, whose
	 * sources the plan widens); most is the least of them and capped_by
	 * names it. Filled by the preflight. */
	uint64_t most_by_memory, most_by_workers, most_by_sources, most;
	const char *capped_by;
	/* The server workers' cap refuses the target: its message, kept
	 * until the preflight knows memory's cap, so that the refusal names
	 * the tightest cap first ("" when the workers hold the target). */
	char workers_refusal[400];
	/* Sysctls raised, or with --dry-run those it would raise. */
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

/* A run's memory against what it may take, for the memory check. */
struct harness_memory_shortfall {
	uint64_t target;		      /* connections planned */
	uint64_t needed;		      /* plan->memory_needed */
	uint64_t kernel_bytes_per_connection; /* in needed */
	int from_slabinfo;		      /* that figure's origin */
	uint64_t headroom;  /* MemAvailable, or less under a cgroup */
	uint64_t floor;	    /* the --min-free floor */
	const char *cgroup; /* the memory cgroup bounding headroom, or NULL */
	/* What one kernel_bytes_per_connection is for, in the refusal (NULL:
	 * "loopback connection", the kernel client's pair). */
	const char *per;
};

#endif /* HARNESS_PLAN_T_H */
