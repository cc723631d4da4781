/* harness_plan.c - size a run (workers, ports, client processes, source
 * addresses, files, memory) and check and tune the machine for it. */
#include "harness_plan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness_memory_guard.h"
#include "harness_netns.h"
#include "mcs_proc.h"

/* Connections one client process may hold (its fd cap, less room). */
#define CLIENT_RESERVED_FDS 100
/* Use at most this share of the ephemeral ports of one source address. */
#define SOURCE_PORT_FILL 0.80
/* Open files per process beyond its connections (listeners, pipes...). */
#define FILES_PER_PROCESS 64
/* User memory we allow per connection, both ends, before measuring:
 * measured 8-275 B for the server (epoll to libuv) and ~20 B for the
 * client, so twice the worst. */
#define USER_BYTES_PER_CONNECTION_GUESS 512ull
#define USER_BYTES_PER_PROCESS_GUESS	(4ull << 20)

static uint64_t divide_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static void warn(struct harness_plan *plan, const char *text)
{
	if (plan->warning_count <
	    sizeof(plan->warnings) / sizeof(plan->warnings[0]))
		snprintf(plan->warnings[plan->warning_count++],
			 sizeof(plan->warnings[0]), "%s", text);
}

/* The workers' arithmetic, apart from its messages: the ports there are
 * room for, how many workers the harness may start, what one holds at
 * HARNESS_WORKER_FILL, how many the target needs and what the most
 * workers hold. Pure. */
struct worker_math {
	unsigned port_room, max_workers;
	int by_ports; /* --ports, not the harness's cap, sets max_workers */
	uint64_t share, needed, limit;
};

static void worker_math(const struct harness_options *o,
			const struct harness_plan *plan, struct worker_math *w)
{
	w->port_room = (unsigned)o->port_last - o->port_first + 1;
	w->max_workers = HARNESS_MAX_SERVER_WORKERS;
	if (o->ports_given && w->port_room < w->max_workers)
		w->max_workers = w->port_room;
	w->by_ports = w->max_workers < HARNESS_MAX_SERVER_WORKERS;
	w->share = (uint64_t)(plan->capacity_per_worker * HARNESS_WORKER_FILL);
	if (w->share == 0)
		w->share = 1;
	w->needed = divide_up(plan->target, w->share);
	w->limit = (uint64_t)w->max_workers * w->share;
}

/* What one worker holds with its RLIMIT_NOFILE less its port. */
static int worker_capacity(const struct mcs_backend_ops *ops,
			   struct harness_plan *plan, char *why,
			   size_t why_size)
{
	uint64_t fd_budget = plan->fd_limit > 1 ? plan->fd_limit - 1 : 0;
	if (fd_budget > UINT32_MAX)
		fd_budget = UINT32_MAX;
	plan->capacity_per_worker = ops->capacity((unsigned)fd_budget);
	if (plan->capacity_per_worker)
		return 0;
	snprintf(why, why_size,
		 "backend %s can hold no connections with RLIMIT_NOFILE "
		 "%" PRIu64 ": raise it (ulimit -n)",
		 plan->backend, plan->fd_limit);
	return -ERANGE;
}

/* --workers N: refused when N cannot hold the target or has no ports. */
static int fixed_workers(const struct harness_options *o,
			 struct harness_plan *plan, const struct worker_math *w,
			 char *why, size_t why_size)
{
	uint64_t held = (uint64_t)o->workers * plan->capacity_per_worker;
	if (held < plan->target) {
		snprintf(why, why_size,
			 "--workers %u holds at most %" PRIu64
			 " connections with %s (%u each): use "
			 "--workers %" PRIu64 " or --workers auto",
			 o->workers, held, plan->backend,
			 plan->capacity_per_worker, w->needed);
		return -ERANGE;
	}
	if (o->workers > w->port_room && o->ports_given) {
		snprintf(why, why_size,
			 "--workers %u needs %u ports but --ports "
			 "%u-%u has %u: widen --ports",
			 o->workers, o->workers, o->port_first, o->port_last,
			 w->port_room);
		return -ERANGE;
	}
	plan->workers = o->workers;
	return 0;
}

/* More workers needed than the harness may start: refused, with the fix. */
static int too_many_workers(const struct harness_options *o,
			    const struct harness_plan *plan,
			    const struct worker_math *w, char *why,
			    size_t why_size)
{
	if (w->by_ports)
		snprintf(why, why_size,
			 "%s needs %" PRIu64 " workers (one port each, "
			 "%" PRIu64 " connections each) for %" PRIu64
			 " connections but --ports %u-%u has %u ports: widen "
			 "--ports to %u-%" PRIu64,
			 plan->backend, w->needed, w->share, plan->target,
			 o->port_first, o->port_last, w->port_room,
			 o->port_first, o->port_first + w->needed - 1);
	else
		snprintf(why, why_size,
			 "%s needs %" PRIu64 " server processes for %" PRIu64
			 " connections, more than the %d the harness starts: "
			 "lower --target to %" PRIu64 " or raise RLIMIT_NOFILE",
			 plan->backend, w->needed, plan->target,
			 HARNESS_MAX_SERVER_WORKERS, w->limit);
	return -ERANGE;
}

/* A backend with its own per-process limit (select) sweeps to what the
 * most workers hold, and the plan says why. */
static void limit_to_workers(struct harness_plan *plan,
			     const struct worker_math *w)
{
	plan->limited = 1;
	snprintf(plan->limit_reason, sizeof(plan->limit_reason),
		 "%s holds at most %u connections per process "
		 "(its own limit, not the fd cap): %u "
		 "processes (%s) x %" PRIu64 " = %" PRIu64
		 " connections, short of %" PRIu64,
		 plan->backend, plan->capacity_per_worker, w->max_workers,
		 w->by_ports ? "one per port of --ports" : "the harness's cap",
		 w->share, w->limit, plan->target);
	plan->target = w->limit;
	plan->workers = w->max_workers;
}

static int plan_workers(const struct harness_options *o,
			const struct mcs_backend_ops *ops,
			struct harness_plan *plan, char *why, size_t why_size)
{
	int err = worker_capacity(ops, plan, why, why_size);
	if (err)
		return err;
	struct worker_math w;
	worker_math(o, plan, &w);
	if (o->workers)
		err = fixed_workers(o, plan, &w, why, why_size);
	else if (w.needed <= w.max_workers)
		plan->workers = (unsigned)w.needed;
	else if (ops->flags & MCS_BACKEND_SELF_LIMITED)
		limit_to_workers(plan, &w);
	else if (w.by_ports)
		err = too_many_workers(o, plan, &w, why, why_size);
	else {
		/* the harness's cap: refused by the preflight, after memory's
		 * cap is known (the tightest is named first) */
		too_many_workers(o, plan, &w, plan->workers_refusal,
				 sizeof(plan->workers_refusal));
		plan->workers = w.max_workers;
	}
	if (err)
		return err;
	plan->port_first = o->port_first;
	plan->port_last = (uint16_t)(o->port_first + plan->workers - 1);
	if ((unsigned)o->port_first + plan->workers - 1 > 65535) {
		snprintf(why, why_size,
			 "%u workers starting at port %u run past 65535: use a "
			 "lower --ports",
			 plan->workers, o->port_first);
		return -ERANGE;
	}
	return 0;
}

/* Is port in the ip_local_reserved_ports list ("60000-60010,61000")? */
static int port_reserved(const char *reserved, unsigned port)
{
	for (const char *p = reserved; p && *p;) {
		char *end;
		unsigned long first = strtoul(p, &end, 10), last = first;
		if (end == p)
			return 0;
		if (*end == '-')
			last = strtoul(end + 1, &end, 10);
		if (port >= first && port <= last)
			return 1;
		p = *end == ',' ? end + 1 : NULL;
	}
	return 0;
}

enum harness_port_risk harness_port_risk(const struct harness_port_check *c,
					 char *why, size_t why_size)
{
	unsigned inside = 0;
	for (unsigned port = c->first; port <= c->last; port++)
		inside += port >= c->low && port <= c->high &&
			  !port_reserved(c->reserved, port);
	if (!inside || c->high < c->low)
		return HARNESS_PORTS_CLEAR;
	/* The share of each source address's ephemeral ports the run's
	 * client sockets take; each listening port inside the range is held
	 * by one of them (or by its TIME_WAIT for 60 s after) with about that
	 * chance per source, when a later server binds. */
	unsigned sources = c->sources ? c->sources : 1;
	double range = (double)c->high - c->low + 1;
	double share = (double)((c->target + sources - 1) / sources) / range;
	double clear =
	    pow(1 - (share < 1 ? share : 1), (double)sources * inside);
	int likely = 1 - clear >= 0.5;
	snprintf(why, why_size,
		 "listening ports %u-%u lie inside the ephemeral range %u-%u "
		 "(net.ipv4.ip_local_port_range), where client sockets take "
		 "their ports (and keep them in TIME_WAIT for 60 s after): %s; "
		 "use --ports below %u, or reserve them first: sysctl -w "
		 "net.ipv4.ip_local_reserved_ports=%u-%u",
		 c->first, c->last, c->low, c->high,
		 likely ? "with this many connections a later run, or the next "
			  "round, would likely find one taken"
			: "a socket may take one before the server binds it",
		 c->low, c->first, c->last);
	return likely ? HARNESS_PORTS_REFUSE : HARNESS_PORTS_WARN;
}

static int plan_sources(struct harness_plan *plan, char *why, size_t why_size)
{
	char range[64], reserved[512] = "";
	unsigned low = 0, high = 0;
	int err = mcs_sysctl_read("net.ipv4.ip_local_port_range", range,
				  sizeof(range));
	if (err || sscanf(range, "%u %u", &low, &high) != 2 || high < low) {
		snprintf(
		    why, why_size,
		    "cannot read net.ipv4.ip_local_port_range (%s): the "
		    "plan needs the ephemeral port range; is /proc mounted?",
		    err ? strerror(-err) : "not two port numbers");
		return err ? err : -EPROTO;
	}
	uint64_t per_source = (uint64_t)((high - low + 1) * SOURCE_PORT_FILL);
	if (per_source == 0)
		per_source = 1;
	uint64_t count = divide_up(plan->target, per_source);
	if (count > 65000) {
		snprintf(why, why_size,
			 "%" PRIu64 " connections need %" PRIu64 " source "
			 "addresses with ip_local_port_range %u-%u: widen it "
			 "(sysctl -w net.ipv4.ip_local_port_range=\"10000 "
			 "65535\")",
			 plan->target, count, low, high);
		return -ERANGE;
	}
	plan->source_count = (unsigned)count;
	plan->ephemeral_low = low;
	plan->ephemeral_high = high;
	struct in_addr first = {htonl(0x7f000002u)};
	struct in_addr last = {htonl(0x7f000002u + (uint32_t)count - 1)};
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &first, a, sizeof(a));
	inet_ntop(AF_INET, &last, b, sizeof(b));
	snprintf(plan->sources, sizeof(plan->sources), "%s-%s", a, b);
	/* Missing (an old kernel) or empty: nothing is reserved. */
	mcs_sysctl_read("net.ipv4.ip_local_reserved_ports", reserved,
			sizeof(reserved));
	struct harness_port_check check = {
	    .first = plan->port_first,
	    .last = plan->port_last,
	    .low = low,
	    .high = high,
	    .reserved = reserved,
	    .target = plan->target,
	    .sources = plan->source_count,
	};
	char text[400];
	switch (harness_port_risk(&check, text, sizeof(text))) {
	case HARNESS_PORTS_REFUSE:
		snprintf(why, why_size, "%s", text);
		return -EADDRINUSE;
	case HARNESS_PORTS_WARN: warn(plan, text); break;
	case HARNESS_PORTS_CLEAR: break;
	}
	return 0;
}

/* The TUN client's source space (tun-client --help: sources
 * 198.19.0.0-198.19.255.255, source ports 1024-65535, whole groups of 64
 * per server port): what it holds on the plan's ports, and the sources it
 * is told. -ERANGE with the count that fits when the target is above. */
#define TUN_SOURCES	 "198.19.0.0-198.19.255.255"
#define TUN_SOURCE_COUNT 65536ull
#define TUN_SOURCE_PORTS (65535ull - 1024 + 1)
#define TUN_GROUP	 64ull

static int plan_tun_sources(struct harness_plan *plan, char *why,
			    size_t why_size)
{
	uint64_t ports = (uint64_t)plan->port_last - plan->port_first + 1;
	uint64_t per_port =
	    TUN_SOURCE_COUNT * TUN_SOURCE_PORTS / TUN_GROUP * TUN_GROUP;
	plan->most_by_sources = per_port * ports;
	snprintf(plan->sources, sizeof(plan->sources), "%s", TUN_SOURCES);
	plan->source_count = (unsigned)TUN_SOURCE_COUNT;
	if (plan->target <= plan->most_by_sources)
		return 0;
	snprintf(why, why_size,
		 "%" PRIu64 " connections are more than the TUN client's "
		 "source space holds on %" PRIu64 " ports (%s x source ports "
		 "1024-65535): at most %" PRIu64 "; lower --target",
		 plan->target, ports, TUN_SOURCES, plan->most_by_sources);
	return -ERANGE;
}

int harness_plan_make(const struct harness_options *o,
		      const struct mcs_backend_ops *ops, int tun_client,
		      struct harness_plan *plan, char *why, size_t why_size)
{
	memset(plan, 0, sizeof(*plan));
	plan->tun_client = tun_client;
	snprintf(plan->backend, sizeof(plan->backend), "%s", ops->name);
	plan->requested_target = plan->target = o->target;
	uint64_t soft, hard;
	int err = mcs_fd_limit_raise(&soft);
	if (err || (err = mcs_fd_limit(&soft, &hard))) {
		snprintf(why, why_size, "getrlimit(RLIMIT_NOFILE): %s",
			 strerror(-err));
		return err;
	}
	plan->fd_limit = soft;
	err = plan_workers(o, ops, plan, why, why_size);
	if (err)
		return err;
	struct worker_math w;
	worker_math(o, plan, &w);
	plan->most_by_workers = w.limit;
	uint64_t per_client = soft > CLIENT_RESERVED_FDS * 2
				  ? soft - CLIENT_RESERVED_FDS
				  : soft / 2;
	plan->client_procs =
	    tun_client ? 1 : (unsigned)divide_up(plan->target, per_client);
	err = tun_client ? plan_tun_sources(plan, why, why_size)
			 : plan_sources(plan, why, why_size);
	if (err)
		return err;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	plan->cores = cores > 0 ? (unsigned)cores : 1;
	uint64_t processes = plan->workers + plan->client_procs + 2;
	unsigned ends = tun_client ? 1 : 2; /* sockets per connection here */
	plan->files_needed =
	    ends * plan->target + processes * FILES_PER_PROCESS;
	struct harness_kernel_estimate kernel;
	harness_kernel_estimate_here(ops->name, ends, &kernel);
	plan->kernel_bytes_per_connection = kernel.bytes_per_connection;
	plan->kernel_estimate_from_slabinfo = kernel.from_slabinfo;
	snprintf(plan->kernel_estimate_source,
		 sizeof(plan->kernel_estimate_source), "%s", kernel.source);
	plan->user_bytes_per_connection = USER_BYTES_PER_CONNECTION_GUESS;
	plan->memory_needed =
	    plan->target * (plan->kernel_bytes_per_connection +
			    plan->user_bytes_per_connection) +
	    processes * USER_BYTES_PER_PROCESS_GUESS;
	return 0;
}

void harness_sysctl_short_text(const char *name, uint64_t have, uint64_t want,
			       const char *reason, int root, int no_tune,
			       char *text, size_t text_size)
{
	if (root && no_tune)
		snprintf(text, text_size,
			 "%s is %" PRIu64 ", %s needs %" PRIu64
			 ": --no-tune keeps the harness from raising it: "
			 "sysctl -w %s=%" PRIu64 ", or run without --no-tune",
			 name, have, reason, want, name, want);
	else
		snprintf(text, text_size,
			 "%s is %" PRIu64 ", %s needs %" PRIu64
			 ": run as root: sysctl -w %s=%" PRIu64
			 " (or ./harness as root, which raises it)",
			 name, have, reason, want, name, want);
}

/* Who may change sysctls: root, unless --no-tune; and whether to change
 * them (not with --dry-run, which only records what it would do). */
struct tune_rights {
	int root, no_tune, dry_run;
};

/* One change made (or, in a dry run, planned), in plan->changes. */
static void note_change(struct harness_plan *plan, const char *name,
			uint64_t before, const char *after, const char *reason)
{
	if (plan->change_count == HARNESS_MAX_CHANGES)
		return;
	struct harness_sysctl_change *c = &plan->changes[plan->change_count++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->before, sizeof(c->before), "%" PRIu64, before);
	snprintf(c->after, sizeof(c->after), "%s", after);
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
}

/* Raise one sysctl to at least want. Returns 0 if it already is or was
 * raised, or if this network namespace has no such sysctl (then a warning
 * says so: it can be neither read nor raised here); -EPERM if not allowed
 * (why says how), -errno on a failure to read or write it. */
static int raise_sysctl(struct harness_plan *plan, const char *name,
			uint64_t want, struct tune_rights rights, FILE *log,
			const char *reason, char *why, size_t why_size)
{
	uint64_t have;
	int err = mcs_sysctl_read_u64(name, &have);
	struct harness_netns *ns = harness_netns_current();
	if (err == -ENOENT && ns && ns->entered &&
	    harness_netns_leave(ns) == 0) {
		/* Global (fs.*, net.core.netdev_max_backlog): the sweep's
		 * namespace has none of its own, so it is the host's. */
		char host_reason[160];
		snprintf(host_reason, sizeof(host_reason),
			 "%s; global, so set on the host", reason);
		err = raise_sysctl(plan, name, want, rights, log, host_reason,
				   why, why_size);
		int back = harness_netns_enter(ns);
		if (back && !err) {
			snprintf(why, why_size,
				 "cannot enter network namespace %s again: %s",
				 ns->name, strerror(-back));
			err = back;
		}
		return err;
	}
	if (err == -ENOENT) {
		char text[320];
		snprintf(text, sizeof(text),
			 "sysctl %s does not exist here (a network namespace "
			 "of its own, as in most containers, has none): not "
			 "checked; %s would want it at %" PRIu64,
			 name, reason, want);
		warn(plan, text);
		return 0;
	}
	if (err) {
		snprintf(why, why_size, "cannot read sysctl %s: %s", name,
			 strerror(-err));
		return err;
	}
	if (have >= want)
		return 0;
	if (!rights.root || rights.no_tune) {
		harness_sysctl_short_text(name, have, want, reason, rights.root,
					  rights.no_tune, why, why_size);
		return -EPERM;
	}
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, want);
	if (!rights.dry_run) {
		err = mcs_sysctl_write(name, value);
		if (err) {
			snprintf(why, why_size, "sysctl -w %s=%s failed: %s",
				 name, value, strerror(-err));
			return err;
		}
		fprintf(log,
			"harness: tuned %s: %" PRIu64 " -> %" PRIu64 " (%s)\n",
			name, have, want, reason);
	}
	note_change(plan, name, have, value, reason);
	return 0;
}

/* Every planned port must be free: a listener left by another run would
 * take part of the connections (or make the server fail to bind). */
static int check_ports(const struct harness_plan *plan, char *why,
		       size_t why_size)
{
	for (unsigned port = plan->port_first; port <= plan->port_last;
	     port++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(why, why_size, "socket: %s", strerror(errno));
			return -errno;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in address = {
		    .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)port),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		};
		int err =
		    bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0
			? -errno
			: 0;
		close(fd);
		if (err && port >= plan->ephemeral_low &&
		    port <= plan->ephemeral_high) {
			snprintf(
			    why, why_size,
			    "port %u (of %u-%u) is taken: %s; it lies "
			    "inside the ephemeral range %u-%u, where any "
			    "socket that connects out (or its TIME_WAIT, "
			    "for 60 s) may hold it: see who does (ss -tanp "
			    "'sport = :%u') and use --ports below %u",
			    port, plan->port_first, plan->port_last,
			    strerror(-err), plan->ephemeral_low,
			    plan->ephemeral_high, port, plan->ephemeral_low);
			return err;
		}
		if (err) {
			snprintf(why, why_size,
				 "port %u (of %u-%u) is taken: %s; see who "
				 "holds it (ss -ltnp 'sport = :%u') or pick "
				 "other ports with --ports",
				 port, plan->port_first, plan->port_last,
				 strerror(-err), port);
			return err;
		}
	}
	return 0;
}

int harness_memory_short(const struct harness_memory_shortfall *s)
{
	/* The margin is the estimate's own (harness_kernel_estimate.h); the
	 * memory guard still stops a run that meets less than planned. */
	uint64_t usable = s->headroom > s->floor ? s->headroom - s->floor : 0;
	return s->needed > usable;
}

uint64_t harness_memory_fits(const struct harness_memory_shortfall *s)
{
	uint64_t usable = s->headroom > s->floor ? s->headroom - s->floor : 0;
	if (!s->needed || !usable)
		return 0;
	/* needed <= usable, with needed proportional to the target. */
	double exact = (double)s->target * (double)usable / (double)s->needed;
	uint64_t fits =
	    exact >= (double)s->target ? s->target : (uint64_t)exact;
	uint64_t unit = 1;
	while (fits / unit >= 100)
		unit *= 10;
	return fits / unit * unit;
}

void harness_memory_refusal(const struct harness_memory_shortfall *s, char *why,
			    size_t why_size)
{
	uint64_t usable = s->headroom > s->floor ? s->headroom - s->floor : 0;
	char where[400] = "";
	if (s->cgroup)
		snprintf(where, sizeof(where),
			 " under the limit of memory cgroup %.200s", s->cgroup);
	uint64_t fits = harness_memory_fits(s);
	char lower[64] = "";
	if (fits)
		snprintf(lower, sizeof(lower),
			 "lower --target to about %" PRIu64 ", ", fits);
	snprintf(why, why_size,
		 "%" PRIu64 " connections need about %.2f GiB (%.1f KB of "
		 "kernel memory per %s, %s) but only %.2f "
		 "GiB is available%s, %.2f GiB of it above the --min-free "
		 "floor of %.2f GiB: %sfree memory or lower --min-free",
		 s->target, s->needed / 1073741824.0,
		 s->kernel_bytes_per_connection / 1000.0,
		 s->per ? s->per : "loopback connection",
		 s->from_slabinfo ? "estimated from this kernel's slabinfo"
				  : "a constant: slabinfo unreadable",
		 s->headroom / 1073741824.0, where, usable / 1073741824.0,
		 s->floor / 1073741824.0, lower);
}

/* The most connections here by each cap, and which caps first. */
static void note_caps(struct harness_plan *plan,
		      const struct harness_memory_shortfall *s)
{
	uint64_t usable = s->headroom > s->floor ? s->headroom - s->floor : 0;
	double per = s->target ? (double)s->needed / (double)s->target : 0;
	plan->most_by_memory = per > 0 ? (uint64_t)((double)usable / per) : 0;
	plan->most = plan->most_by_memory;
	plan->capped_by = "memory";
	if (plan->most_by_workers && plan->most_by_workers < plan->most) {
		plan->most = plan->most_by_workers;
		plan->capped_by = "server workers' descriptors";
	}
	if (plan->most_by_sources && plan->most_by_sources < plan->most) {
		plan->most = plan->most_by_sources;
		plan->capped_by = "the TUN client's source space";
	}
}

int harness_plan_refusal(const struct harness_plan *plan,
			 const char *memory_why, char *why, size_t why_size)
{
	int workers_over = plan->workers_refusal[0] != '\0';
	int memory_first =
	    memory_why &&
	    (!workers_over || plan->most_by_memory <= plan->most_by_workers);
	char next[96] = "";
	if (memory_why && workers_over)
		snprintf(next, sizeof(next), "; then %s at %" PRIu64,
			 memory_first ? "the server workers' descriptors"
				      : "memory",
			 memory_first ? plan->most_by_workers
				      : plan->most_by_memory);
	char first[640];
	snprintf(first, sizeof(first), "%s",
		 memory_first ? memory_why : plan->workers_refusal);
	snprintf(why, why_size,
		 "at most %" PRIu64 " connections fit here, capped by %s%s: %s",
		 memory_first ? plan->most_by_memory : plan->most_by_workers,
		 memory_first ? "memory" : "the server workers' descriptors",
		 next, first);
	return memory_first ? -ENOMEM : -ERANGE;
}

/* Memory: what the run needs against what it may take. -ENOMEM with the
 * figures and what to do when it does not fit. */
static int check_memory(const struct harness_options *o,
			struct harness_plan *plan, char *why, size_t why_size)
{
	/* What the run may take: MemAvailable, or less under a memory
	 * cgroup limit; less the floor the memory guard keeps. */
	struct harness_memory memory;
	struct harness_memory_now now;
	int err = harness_memory_start(&memory);
	if (!err)
		err = harness_memory_read(&memory, &now);
	if (err) {
		snprintf(why, why_size, "cannot read /proc/meminfo: %s",
			 strerror(-err));
		return err;
	}
	plan->memory_available = now.headroom;
	plan->memory_floor = harness_memory_floor(&memory, o);
	plan->memory_total = memory.memory_total;
	struct harness_memory_shortfall shortfall = {
	    .target = plan->target,
	    .needed = plan->memory_needed,
	    .kernel_bytes_per_connection = plan->kernel_bytes_per_connection,
	    .from_slabinfo = plan->kernel_estimate_from_slabinfo,
	    .headroom = now.headroom,
	    .floor = plan->memory_floor,
	    .cgroup = now.cgroup_bound ? memory.cgroup_name : NULL,
	    .per = plan->tun_client ? "connection, the server's socket alone "
				      "(the TUN client holds none)"
				    : NULL,
	};
	note_caps(plan, &shortfall);
	if (!harness_memory_short(&shortfall))
		return 0;
	harness_memory_refusal(&shortfall, why, why_size);
	return -ENOMEM;
}

int harness_preflight(const struct harness_options *o,
		      struct harness_plan *plan, FILE *log, char *why,
		      size_t why_size)
{
	int root = geteuid() == 0;
	if (o->tune && !root) {
		snprintf(why, why_size,
			 "--tune changes sysctls and needs root: run it with "
			 "sudo, or drop --tune");
		return -EPERM;
	}
	struct tune_rights allowed = {
	    .root = root, .no_tune = o->no_tune, .dry_run = o->dry_run};
	/* What can refuse the run comes first: nothing is tuned for a run
	 * that will not start. */
	int err = check_ports(plan, why, why_size);
	if (err)
		return err;
	err = check_memory(o, plan, why, why_size);
	if (err && err != -ENOMEM)
		return err;
	if (err || plan->workers_refusal[0]) {
		char memory_why[640];
		snprintf(memory_why, sizeof(memory_why), "%s", why);
		return harness_plan_refusal(plan, err ? memory_why : NULL, why,
					    why_size);
	}
	char reason[96];
	snprintf(reason, sizeof(reason), "%" PRIu64 " connections",
		 plan->target);

	/* Open files: both ends of every connection, plus what is open now. */
	uint64_t in_use = 0;
	char file_nr[128];
	if (mcs_sysctl_read("fs.file-nr", file_nr, sizeof(file_nr)) == 0)
		sscanf(file_nr, "%" SCNu64, &in_use);
	uint64_t files = (plan->files_needed + in_use) * 11 / 10;
	if (o->tune && files < 4194304)
		files = 4194304;
	err = raise_sysctl(plan, "fs.file-max", files, allowed, log, reason,
			   why, why_size);
	if (err)
		return err;
	if (plan->fd_limit > 1048576) {
		err = raise_sysctl(plan, "fs.nr_open", plan->fd_limit, allowed,
				   log, "RLIMIT_NOFILE", why, why_size);
		if (err)
			return err;
	}

	/* Accept and SYN queues and the loopback backlog: a burst of
	 * connects overflowing them costs a 1 s SYN retransmit each. Needed
	 * beyond a few thousand connections; never fatal, so without root
	 * they are only a warning. */
	static const struct {
		const char *name;
		uint64_t want;
	} queues[] = {
	    {"net.core.somaxconn", 65535},
	    {"net.ipv4.tcp_max_syn_backlog", 65535},
	    {"net.core.netdev_max_backlog", 65536},
	};
	if (plan->target > 10000 || o->tune) {
		for (size_t i = 0; i < sizeof(queues) / sizeof(queues[0]);
		     i++) {
			char queue_why[320];
			err = raise_sysctl(plan, queues[i].name, queues[i].want,
					   allowed, log, "fast connect bursts",
					   queue_why, sizeof(queue_why));
			if (err == -EPERM)
				warn(plan, queue_why);
			else if (err) {
				snprintf(why, why_size, "%s", queue_why);
				return err;
			}
		}
	}

	return 0;
}
