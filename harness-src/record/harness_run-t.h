/* harness_run-t.h - the run record's types: everything one sweep of one
 * backend measured, step by step, that the sweep fills in and the results
 * writer, the report and the plots read. Types only (the operations are in
 * harness_run.h), and only the types of the modules it holds, so naming a
 * run does not pull every module's functions in. */
#ifndef HARNESS_RUN_T_H
#define HARNESS_RUN_T_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>

#include "harness_fit-t.h"
#include "harness_measure-t.h"
#include "harness_netns-t.h"
#include "harness_options-t.h"
#include "harness_plan-t.h"
#include "harness_slab-t.h"
#include "harness_soak-t.h"

struct harness_options;
struct harness_hosts_record;

struct harness_latency {
	double p50, p90, p99, p999, max; /* microseconds */
};

/* The fixed-rate load at one step (--load): what the client offered and
 * got back, and what it cost the server per message. */
struct harness_load {
	double offered_per_s;  /* the schedule's rate */
	double sent_per_s;     /* what the client put on the wire */
	double achieved_per_s; /* echoes verified per second */
	double duration_s;     /* the load window */
	uint64_t due, messages, late, errors, mismatches, connections;
	int client_could_not_offer; /* sent below 98% of offered */
	struct harness_latency rtt; /* from each message's intended send time */
	double server_cpu_s, client_cpu_s;
	double server_cpu_us_per_msg, client_cpu_us_per_msg;
	double machine_cpu_us_per_msg; /* /proc/stat busy over the window */
	double device_write_cpu_us_per_msg; /* TUN: in the client's figure */
	uint64_t server_user_bytes_after, client_user_bytes_after;
	uint64_t kernel_bytes_after;
};

/* One step of the sweep (or the baseline: connections 0, both processes
 * up, nothing connected). */
struct harness_step {
	uint64_t connections; /* the step's target */
	uint64_t established; /* as the client counts them, in total */
	uint64_t server_live; /* as the server counts them (shared stats) */
	uint64_t failed;      /* this step's failed connect attempts */
	/* Held connections the server ended (RST or FIN) so far, as the
	 * client counts them: connections lost after they were made. */
	uint64_t dropped;
	json_t *failures; /* {"ECONNREFUSED": 3, ...}, owned */
	/* The full histograms the client sent (common/mcs_histogram.h
	 * buckets): {"connect_latency_us": {...}, "echo_rtt_us": {...},
	 * "load_rtt_us": {...}}, owned; NULL when none came. */
	json_t *histograms;
	double elapsed_s;    /* the client's time for this step */
	double connect_rate; /* connections per second during the step */
	struct harness_latency connect_latency;
	uint64_t server_user_bytes;   /* PSS, all server processes */
	uint64_t client_user_bytes;   /* PSS, all client processes */
	uint64_t kernel_bytes;	      /* Slab growth since before the server */
	uint64_t tcp_mem_bytes;	      /* sockstat TCP mem growth */
	uint64_t kernel_object_bytes; /* slabinfo objects-in-use growth */
	double user_bytes_per_conn;   /* server_user_bytes / connections */
	double client_user_bytes_per_conn; /* client_user_bytes / connections */
	double kernel_bytes_per_conn;	   /* kernel_bytes / connections */
	double kernel_object_bytes_per_conn; /* kernel_object_bytes / conns */
	uint64_t listen_overflows, listen_drops; /* growth since the start */
	double server_cpu_s, client_cpu_s; /* CPU seconds during this step */
	unsigned server_processes, client_processes;
	/* The client was the bottleneck: its own CPU above the server's
	 * side (harness_client_busier), or with the TUN client also its
	 * threads saturated while the machine idled (harness_step_tun_bound) */
	int client_bound;
	double wall_s; /* seconds since the sweep started */
	/* The ramp alone: from just before `grow` to the server settled. */
	uint64_t accepted; /* server accepts during the ramp */
	double server_ramp_cpu_s, client_ramp_cpu_s;
	double server_cpu_us_per_accept;  /* server_ramp_cpu_s / accepted */
	double client_cpu_us_per_connect; /* client_ramp_cpu_s / established */
	/* The TUN client's part of client_ramp_cpu_s spent writing packets
	 * into the device: the server kernel's receive path, run in the
	 * writer's thread (0 with the kernel client), and per connection. */
	double device_write_ramp_cpu_s, device_write_cpu_us_per_connect;
	/* The whole machine's busy CPU (/proc/stat) over the same window,
	 * and per established connection: whatever each process is charged
	 * with, the ramp cost this much in all. */
	double machine_ramp_cpu_s, machine_cpu_us_per_connect;
	/* Objects of the TCP slab cache (struct tcp_sock) the ramp added,
	 * per connection it added to the server: about 1.0 with the TUN
	 * client (the server's end only), 2.0 with the kernel client (both
	 * ends); 0 without slabinfo. */
	double tcp_objects_per_conn;
	/* The same check from the sweep's own namespace, free of whatever
	 * else runs on the machine: sockstat's TCP inuse since the baseline
	 * per server connection (1.0 tun, 2.0 kernel). */
	double tcp_sockets_per_conn;
	/* How far the rest of the machine moved tcp_objects_per_conn: TCP
	 * sockets made (+) or closed (-) outside the sweep's namespace over
	 * the same window (sockstat alloc, the machine's, less the
	 * namespace's inuse), per connection the ramp added. Near 0: the
	 * slab figure is the sweep's own. */
	double tcp_others_per_conn;

	int echoed; /* --echo: a round of echo traffic was measured */
	uint64_t echo_messages, echo_errors;
	double echo_msgs_per_s;
	struct harness_latency echo_rtt;
	uint64_t server_user_bytes_after_echo, client_user_bytes_after_echo;
	uint64_t kernel_bytes_after_echo;
	double echo_server_cpu_us_per_msg, echo_client_cpu_us_per_msg;
	double echo_machine_cpu_us_per_msg;
	double echo_device_write_cpu_us_per_msg; /* in the client's figure */
	int echo_client_bound; /* the same rule as client_bound, echo's CPU */

	int loaded; /* --load: the fixed-rate load ran at this step */
	struct harness_load load;
};

enum harness_run_status {
	HARNESS_RUN_COMPLETE,	 /* every step done, all N verified alive */
	HARNESS_RUN_LIMITED,	 /* complete up to the backend's own limit */
	HARNESS_RUN_FAILED,	 /* a step failed: see failure */
	HARNESS_RUN_INTERRUPTED, /* a signal stopped it */
};

struct harness_run {
	char backend[32];
	char run_id[40];
	char dir[PATH_MAX];
	char started_at[32]; /* UTC, ISO 8601 */
	const struct harness_options *options;
	/* The backend's options as the server ran with them, defaults
	 * included ({NAME: value}); owned, NULL before the preflight. */
	json_t *backend_options;
	struct harness_plan plan;
	/* The sweep's private network namespace (name "" on the host), and
	 * why it ran on the host when it did. */
	struct harness_netns netns;
	char netns_off_reason[64];
	/* The client kind that ran (never HARNESS_CLIENT_AUTO once the
	 * preflight has resolved it; a multi-host run is kernel). With tun
	 * the kernel figures are the server's side alone. */
	enum harness_client_kind client_kind;
	/* A multi-host run's hosts (harness_multihost.h), NULL for a local
	 * sweep: sweep.json then gets `hosts` and `multihost`. */
	const struct harness_hosts_record *hosts;
	enum harness_run_status status;
	int signal;	   /* the signal, when interrupted */
	char failure[640]; /* why it failed or stopped */
	int failed_step;   /* 1-based step that failed, 0 none */
	uint64_t failed_connections;

	uint64_t planned_steps[HARNESS_MAX_STEPS];
	size_t planned_step_count;
	struct harness_sample before; /* system, before the server started */
	struct harness_step baseline;
	int have_baseline;
	struct harness_step steps[HARNESS_MAX_STEPS];
	size_t step_count;

	int verified; /* the final liveness check ran */
	uint64_t verify_checked, verify_alive, verify_dead;
	double verify_elapsed_s;

	/* Idle memory per connection: user_fit and client_fit are over the
	 * memory the ramps alone added (harness_run_fit), so pages touched
	 * by an echo or load round are not taken for a per-connection cost;
	 * with no traffic that is each step's idle figure itself. */
	struct harness_fit user_fit, client_fit, kernel_fit, kernel_object_fit;
	int have_fit;
	/* With --echo or --load: the server's user memory once each step's
	 * traffic ended, fitted the same way: its own figure, "after
	 * traffic". */
	struct harness_fit user_after_traffic_fit;
	int had_traffic;
	/* Kernel memory by slab cache (root), or why it is missing. */
	struct harness_slab_fit kernel_cache_fit;
	int have_kernel_cache_fit;
	char kernel_cache_unavailable[200];
	double ramp_s; /* time to reach the target: the steps' ramps added */
	/* The server's and the client's CPU seconds during the ramps over
	 * the cores: the least time the ramp could have taken. ramp_s near
	 * it means the ramp was CPU-bound. */
	double ramp_cpu_bound_s;
	double duration_s; /* start to finish, teardown included */
	double teardown_s; /* stopping and reaping server and client */
	/* Within the teardown, seconds from its start until the client was
	 * reaped and the server was reaped; the namespace's removal ends the
	 * teardown, so its time is teardown_s. */
	double teardown_client_s, teardown_server_s;
	/* The client's own teardown seconds, from its "bye" (teardown_s):
	 * 0 when it said none. */
	double teardown_client_reported_s;
	double sweep_s; /* server start to the liveness check passing */
	double server_cpu_total_s, client_cpu_total_s;
	/* Memory pressure: the floor kept, the cgroup limit it ran under
	 * ("" / 0 if none), the least headroom seen, OOM kills meanwhile. */
	uint64_t memory_floor;
	char memory_cgroup[256];
	uint64_t memory_cgroup_limit;
	uint64_t memory_headroom_min;
	uint64_t oom_kills_machine, oom_kills_cgroup;
	char warnings[8][384];
	size_t warning_count;
	struct harness_soak soak; /* --soak: samples owned, started if run */
};

#endif /* HARNESS_RUN_T_H */
