/* harness_hosts-t.h - the types of harness_hosts.h, without its functions, so a
 * header that only names them does not pull the functions in. */
#ifndef HARNESS_T_HOSTS_T_H
#define HARNESS_T_HOSTS_T_H

#include <jansson.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

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

/* What a client host allows (from its agent's hello). */
struct harness_host_limits {
	uint64_t mem_available;	      /* bytes */
	unsigned port_low, port_high; /* ip_local_port_range */
	unsigned sources; /* source addresses it connects from (>= 1) */
};

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

#endif /* HARNESS_T_HOSTS_T_H */
