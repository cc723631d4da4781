/* harness_multihost.c - a multi-host sweep's preflight and record: start
 * every host's agent through the transport, refuse before anything starts
 * (an unreachable host, a missing binary, another build or plugin ABI, a
 * backend that does not work there, too little room), plan each host's
 * share from its own limits, raise what each host needs, print and record
 * the plan; then run it (harness_multihost_run.c), stop everything, and
 * write the results with every host's figures. */
#include "harness_multihost.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_format.h"
#include "harness_json.h"
#include "harness_multihost_internal.h"
#include "harness_options.h"
#include "harness_plot.h"
#include "harness_report.h"
#include "harness_results.h"
#include "harness_signal.h"
#include "harness_transport.h"
#include "mcs_clock.h"
#include "mcs_version.h"

#define HELLO_TIMEOUT_S	  30.0
#define REQUEST_TIMEOUT_S 30.0
/* Open files per process beyond its connections. */
#define FILES_PER_PROCESS	  64
#define USER_BYTES_PER_CONNECTION 1024ull

static const char *role_of(size_t k)
{
	return k == 0 ? "server" : "client";
}

/* "ssh -o BatchMode=yes HOST true": what to try by hand. */
static void transport_hint(const struct mh *m, const char *host, char *text,
			   size_t size)
{
	struct harness_command c;
	char why[128];
	char *argv[] = {"true", NULL};
	text[0] = '\0';
	if (harness_transport_command(m->o->transport, host, argv, &c, why,
				      sizeof(why)))
		return;
	size_t used = 0;
	for (size_t i = 0; i < c.argc && used < size; i++)
		used += (size_t)snprintf(text + used, size - used, "%s%s",
					 i ? " " : "", c.argv[i]);
}

/* Why an agent that never said hello is not there, and the fix. */
static void unreachable(const struct mh *m, const struct harness_agent *a,
			char *why, size_t why_size)
{
	char last[320] = "", hint[400];
	harness_agent_last_log_line(a, last, sizeof(last));
	transport_hint(m, a->name, hint, sizeof(hint));
	/* The shell (ssh), or exec here, names the missing agent. */
	int no_agent =
	    strstr(last, m->agent_path) &&
	    (strstr(last, "No such file") || strstr(last, "not found"));
	if (no_agent)
		snprintf(
		    why, why_size,
		    "host %s (%s): %.300s cannot run there (%s): build the "
		    "project on that host (cmake --build build) or point "
		    "--remote-dir at its build/bin",
		    a->name, a->role, m->agent_path, last);
	else
		snprintf(why, why_size,
			 "host %s (%s) is unreachable: %s; check that `%s` "
			 "works from here (keys, known_hosts, the host's sshd "
			 "or namespace)",
			 a->name, a->role, last[0] ? last : a->reason, hint);
}

/* Start every agent through the transport and take its hello. */
static int connect_all(struct mh *m, char *why, size_t why_size)
{
	int ids[HARNESS_MAX_HOSTS];
	for (size_t k = 0; k < m->count; k++) {
		struct mh_host *h = &m->hosts[k];
		char log[128];
		snprintf(log, sizeof(log), "%s/agent-%zu-%s.log", m->log_dir, k,
			 role_of(k));
		int err = harness_agent_start(
		    &h->agent, h->spec->target, role_of(k), m->o->transport,
		    m->agent_path, log, why, why_size);
		if (err)
			return err;
		ids[k] =
		    harness_agent_sendf(&h->agent, "{s:s,s:i}", "cmd", "hello",
					"watchdog_s", HARNESS_AGENT_WATCHDOG_S);
	}
	double deadline = mcs_now_seconds() + HELLO_TIMEOUT_S;
	for (size_t k = 0; k < m->count; k++) {
		struct mh_host *h = &m->hosts[k];
		while (!h->hello && !h->agent.gone &&
		       mcs_now_seconds() < deadline && !harness_stop_signal()) {
			harness_agents_pump(m->agents, m->count, 100);
			h->hello = harness_agent_take_reply(&h->agent, ids[k]);
		}
		if (harness_stop_signal())
			return mh_check(m, why, why_size);
		if (h->hello)
			continue;
		if (!h->agent.gone)
			snprintf(h->agent.reason, sizeof(h->agent.reason),
				 "no hello within %.0f s", HELLO_TIMEOUT_S);
		unreachable(m, &h->agent, why, why_size);
		return -EHOSTUNREACH;
	}
	for (size_t k = 0; k < m->count; k++)
		m->hosts[k].agent.heartbeat = 1;
	return 0;
}

/* The build, the protocol and the binaries each host has. */
static int check_build(struct mh *m, size_t k, char *why, size_t why_size)
{
	struct mh_host *h = &m->hosts[k];
	json_t *version = json_object_get(h->hello, "version");
	const char *commit =
	    json_string_value(json_object_get(version, "commit"));
	uint64_t abi = harness_json_u64(version, "abi");
	uint64_t protocol = harness_json_u64(h->hello, "protocol");
	if (protocol != MCS_AGENT_PROTOCOL_VERSION || !commit ||
	    strcmp(commit, mcs_version_commit()) != 0 ||
	    abi != mcs_version_abi()) {
		snprintf(why, why_size,
			 "host %s (%s) runs another build: commit %.12s, "
			 "plugin ABI %" PRIu64 ", protocol %" PRIu64
			 "; this harness is %.12s, ABI %u, protocol %d: build "
			 "the same commit there (git checkout %.12s && cmake "
			 "--build build)",
			 h->agent.name, role_of(k), commit ? commit : "?", abi,
			 protocol, mcs_version_commit(), mcs_version_abi(),
			 MCS_AGENT_PROTOCOL_VERSION, mcs_version_commit());
		return -EPROTO;
	}
	const char *binary = k == 0 ? "server" : "client";
	json_t *bins = json_object_get(h->hello, "binaries");
	if (!json_is_true(json_object_get(bins, binary))) {
		const char *dir =
		    json_string_value(json_object_get(h->hello, "bin_dir"));
		snprintf(why, why_size,
			 "host %s (%s): %s/%s is missing: build it there "
			 "(cmake --build build --target %s)",
			 h->agent.name, role_of(k), dir ? dir : "?", binary,
			 binary);
		return -ENOENT;
	}
	return 0;
}

/* The hello's facts the plan uses, and the host's record. */
static void take_facts(struct mh *m, size_t k)
{
	struct mh_host *h = &m->hosts[k];
	struct harness_host_record *r = h->record;
	json_t *l = json_object_get(h->hello, "limits");
	h->mem_total = harness_json_u64(l, "mem_total");
	h->mem_available = harness_json_u64(l, "mem_available");
	h->files_in_use = harness_json_u64(l, "files_in_use");
	h->file_max = harness_json_u64(l, "file_max");
	h->nofile_hard = harness_json_u64(l, "nofile_hard");
	h->cores = (unsigned)harness_json_u64(l, "cores");
	json_t *range = json_object_get(l, "port_range");
	h->port_low = (unsigned)json_integer_value(json_array_get(range, 0));
	h->port_high = (unsigned)json_integer_value(json_array_get(range, 1));
	h->root = json_is_true(json_object_get(h->hello, "root"));
	h->floor = m->o->min_free_given		    ? m->o->min_free
		   : h->mem_total / 20 > (4u << 20) ? h->mem_total / 20
						    : (4u << 20);
	snprintf(r->name, sizeof(r->name), "%s", h->spec->target);
	r->role = role_of(k);
	r->limits = json_incref(l);
#define TEXT(field, key)                                                       \
	snprintf(r->field, sizeof(r->field), "%s",                             \
		 json_string_value(json_object_get(h->hello, key))             \
		     ? json_string_value(json_object_get(h->hello, key))       \
		     : "")
	TEXT(hostname, "hostname");
	TEXT(kernel, "kernel");
	TEXT(boot_id, "boot_id");
	TEXT(netns, "netns");
#undef TEXT
	json_t *version = json_object_get(h->hello, "version");
	snprintf(r->commit, sizeof(r->commit), "%s",
		 json_string_value(json_object_get(version, "commit")));
	r->dirty = json_is_true(json_object_get(version, "dirty"));
}

/* Which hosts share a kernel (namespaces, containers on one machine). */
static void note_shared_kernels(struct mh *m)
{
	struct harness_hosts_record *rec = m->record;
	for (size_t i = 0; i < rec->count; i++) {
		char names[sizeof(rec->hosts[i].kernel_shared_with)] = "";
		size_t used = 0;
		for (size_t j = 0; j < rec->count; j++) {
			if (i == j || strcmp(rec->hosts[i].boot_id,
					     rec->hosts[j].boot_id))
				continue;
			if (used < sizeof(names))
				used += (size_t)snprintf(
				    names + used, sizeof(names) - used, "%s%s",
				    used ? "," : "", rec->hosts[j].name);
			if (i == 0)
				rec->kernels_shared = 1;
		}
		memcpy(rec->hosts[i].kernel_shared_with, names, sizeof(names));
	}
}

/* The backend on the server host: installed, working, and how many
 * connections one worker holds there. */
static int check_backend(struct mh *m, const char *backend, char *why,
			 size_t why_size)
{
	json_t *r;
	int err = mh_request(
	    m, 0, json_pack("{s:s,s:s}", "cmd", "backend", "name", backend),
	    REQUEST_TIMEOUT_S, &r, why, why_size);
	if (err)
		return err;
	const char *reason = json_string_value(json_object_get(r, "why"));
	if (!json_is_true(json_object_get(r, "available"))) {
		snprintf(why, why_size, "host %s (server): backend %s %s: %s",
			 m->hosts[0].agent.name, backend,
			 json_is_true(json_object_get(r, "installed"))
			     ? "does not work there"
			     : "is not installed there",
			 reason ? reason : "no reason given");
		json_decref(r);
		return -ENOENT;
	}
	m->capacity_per_worker =
	    (unsigned)harness_json_u64(r, "capacity_per_worker");
	json_decref(r);
	return 0;
}

/* The server's address: ADDR, or HOST resolved here. */
static int server_address(struct mh *m, char *why, size_t why_size)
{
	struct harness_host_record *r = m->hosts[0].record;
	const struct harness_host_spec *spec = m->hosts[0].spec;
	if (spec->address[0]) {
		snprintf(r->address, sizeof(r->address), "%s", spec->address);
		return 0;
	}
	const char *at = strchr(spec->target, '@');
	const char *name = at ? at + 1 : spec->target;
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *found;
	int err = getaddrinfo(name, NULL, &hints, &found);
	if (err) {
		snprintf(why, why_size,
			 "--server-host: cannot resolve %s to an IPv4 address "
			 "here (%s): give the address clients should use, as "
			 "%s=ADDR",
			 name, gai_strerror(err), spec->target);
		return -EINVAL;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)found->ai_addr)->sin_addr,
		  r->address, sizeof(r->address));
	freeaddrinfo(found);
	return 0;
}

static int server_is_loopback(const struct mh *m)
{
	return strncmp(m->hosts[0].record->address, "127.", 4) == 0;
}

/* Server workers and ports. */
static int plan_server(struct mh *m, char *why, size_t why_size)
{
	const struct harness_options *o = m->o;
	struct harness_plan *p = &m->run->plan;
	uint64_t share =
	    (uint64_t)(m->capacity_per_worker * HARNESS_WORKER_FILL);
	if (!share) {
		snprintf(why, why_size,
			 "host %s (server): backend %s holds no connection "
			 "under its fd limit: raise RLIMIT_NOFILE there",
			 m->hosts[0].agent.name, p->backend);
		return -ERANGE;
	}
	uint64_t workers =
	    o->workers ? o->workers : (o->target + share - 1) / share;
	unsigned room = o->ports_given ? o->port_last - o->port_first + 1
				       : HARNESS_MAX_SERVER_WORKERS;
	if (workers > room || workers > HARNESS_MAX_SERVER_WORKERS ||
	    o->port_first + workers - 1 > 65535) {
		snprintf(why, why_size,
			 "host %s (server): %" PRIu64 " workers (one port "
			 "each, %" PRIu64 " connections each) are needed for "
			 "%" PRIu64 " connections: widen --ports or lower "
			 "--target",
			 m->hosts[0].agent.name, workers, share, o->target);
		return -ERANGE;
	}
	p->workers = (unsigned)workers;
	p->capacity_per_worker = m->capacity_per_worker;
	p->port_first = o->port_first;
	p->port_last = (uint16_t)(o->port_first + workers - 1);
	m->hosts[0].record->workers = p->workers;
	m->hosts[0].record->connections = o->target;
	return 0;
}

/* "127.N.0.1-..." for client k when the server is on loopback: its own
 * range of source addresses, enough for its share. */
static void loopback_sources(struct mh *m, size_t k)
{
	struct mh_host *h = &m->hosts[k];
	uint64_t ephemeral =
	    h->port_high >= h->port_low ? h->port_high - h->port_low + 1 : 1;
	uint64_t per = (uint64_t)(ephemeral * HARNESS_HOST_PORT_FILL);
	uint64_t count = per ? (h->share + per - 1) / per : 1;
	if (count < 1)
		count = 1;
	if (count > 65000)
		count = 65000;
	struct in_addr first = {htonl(0x7f000001u | ((uint32_t)k << 16))};
	struct in_addr last = {
	    htonl(ntohl(first.s_addr) + (uint32_t)count - 1)};
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &first, a, sizeof(a));
	inet_ntop(AF_INET, &last, b, sizeof(b));
	snprintf(h->record->sources, sizeof(h->record->sources), "%s-%s", a, b);
}

/* Each client host's share from its own limits. */
static int plan_clients(struct mh *m, char *why, size_t why_size)
{
	size_t n = m->count - 1;
	uint64_t capacity[HARNESS_MAX_CLIENT_HOSTS],
	    shares[HARNESS_MAX_CLIENT_HOSTS];
	const char *bounds[HARNESS_MAX_CLIENT_HOSTS],
	    *names[HARNESS_MAX_CLIENT_HOSTS];
	unsigned ports = m->run->plan.workers;
	for (size_t i = 0; i < n; i++) {
		struct mh_host *h = &m->hosts[1 + i];
		struct harness_host_limits l = {
		    .mem_available = h->mem_available,
		    .port_low = h->port_low,
		    .port_high = h->port_high,
		    .sources = server_is_loopback(m) ? 1024 : 1,
		};
		capacity[i] = harness_host_capacity(&l, ports, &bounds[i]);
		names[i] = h->agent.name;
	}
	int err = harness_hosts_share(m->o->target, capacity, bounds, names, n,
				      shares, why, why_size);
	if (err)
		return err;
	uint64_t procs = 0;
	for (size_t i = 0; i < n; i++) {
		struct mh_host *h = &m->hosts[1 + i];
		h->share = shares[i];
		h->record->connections = shares[i];
		h->record->capacity = capacity[i];
		snprintf(h->record->capacity_by, sizeof(h->record->capacity_by),
			 "%s", bounds[i]);
		if (h->spec->address[0])
			snprintf(h->record->sources, sizeof(h->record->sources),
				 "%s", h->spec->address);
		else if (server_is_loopback(m))
			loopback_sources(m, 1 + i);
		snprintf(h->record->address, sizeof(h->record->address), "%s",
			 h->spec->address);
		uint64_t per = h->nofile_hard > 200 ? h->nofile_hard - 100 : 1;
		procs += (h->share + per - 1) / per;
	}
	m->run->plan.client_procs = (unsigned)procs;
	return 0;
}

/* Memory on each kernel: what every host on it needs, against what it
 * has. */
static int check_memory(struct mh *m, char *why, size_t why_size)
{
	for (size_t k = 0; k < m->count; k++) {
		const struct mh_host *h = &m->hosts[k];
		uint64_t need = 0;
		for (size_t j = 0; j < m->count; j++)
			if (strcmp(m->hosts[j].record->boot_id,
				   h->record->boot_id) == 0)
				need += m->hosts[j].record->connections *
					(HARNESS_KERNEL_BYTES_PER_SOCKET +
					 USER_BYTES_PER_CONNECTION);
		uint64_t usable = h->mem_available > h->floor
				      ? h->mem_available - h->floor
				      : 0;
		if (need + need / 10 <= usable)
			continue;
		snprintf(why, why_size,
			 "host %s (%s)%s: the connections on its kernel need "
			 "about %.2f GiB but %.2f GiB is available above the "
			 "floor of %.2f GiB: lower --target, add hosts, or "
			 "lower --min-free",
			 h->agent.name, role_of(k),
			 h->record->kernel_shared_with[0] ? " (kernel shared)"
							  : "",
			 need / 1073741824.0, usable / 1073741824.0,
			 h->floor / 1073741824.0);
		return -ENOMEM;
	}
	return 0;
}

/* Raise one sysctl on host k through its agent; note what changed. */
static int raise_on(struct mh *m, size_t k, const char *name, uint64_t want,
		    int required, char *why, size_t why_size)
{
	json_t *r;
	int err = mh_request(m, k,
			     json_pack("{s:s,s:s,s:I}", "cmd", "sysctl", "name",
				       name, "at_least", (json_int_t)want),
			     REQUEST_TIMEOUT_S, &r, why, why_size);
	if (err)
		return err;
	struct harness_host_record *rec = m->hosts[k].record;
	const char *refused = json_string_value(json_object_get(r, "refused"));
	uint64_t value = harness_json_u64(r, "value");
	if (json_object_get(r, "raised_to")) {
		size_t used = strlen(rec->tuned);
		snprintf(rec->tuned + used, sizeof(rec->tuned) - used,
			 "%s%s %" PRIu64 " -> %" PRIu64, used ? ", " : "", name,
			 value, want);
		printf("harness: host %s: tuned %s: %" PRIu64 " -> %" PRIu64
		       "\n",
		       m->hosts[k].agent.name, name, value, want);
	}
	json_decref(r);
	if (!refused)
		return 0;
	char text[400];
	snprintf(text, sizeof(text),
		 "host %s (%s): %s is %" PRIu64 ", the run wants %" PRIu64
		 " and it could not be raised (%s): run there as root: "
		 "sysctl -w %s=%" PRIu64,
		 m->hosts[k].agent.name, role_of(k), name, value, want, refused,
		 name, want);
	if (required) {
		snprintf(why, why_size, "%s", text);
		return -EPERM;
	}
	harness_run_warn(m->run, text);
	fprintf(stderr, "harness: warning: %s\n", text);
	return 0;
}

/* fs.file-max on every kernel for the sockets on it; the server's accept
 * and SYN queues for fast connect bursts. */
static int tune_hosts(struct mh *m, char *why, size_t why_size)
{
	if (m->o->no_tune)
		return 0;
	for (size_t k = 0; k < m->count; k++) {
		uint64_t files = m->hosts[k].files_in_use;
		for (size_t j = 0; j < m->count; j++)
			if (strcmp(m->hosts[j].record->boot_id,
				   m->hosts[k].record->boot_id) == 0)
				files += m->hosts[j].record->connections +
					 64 * FILES_PER_PROCESS;
		int err = raise_on(m, k, "fs.file-max", files * 11 / 10, 1, why,
				   why_size);
		if (err)
			return err;
	}
	if (m->o->target <= 10000 && !m->o->tune)
		return 0;
	int err = raise_on(m, 0, "net.core.somaxconn", 65535, 0, why, why_size);
	if (!err)
		err = raise_on(m, 0, "net.ipv4.tcp_max_syn_backlog", 65535, 0,
			       why, why_size);
	return err;
}

static void print_plan(const struct mh *m)
{
	const struct harness_plan *p = &m->run->plan;
	char target[32], bytes[32];
	harness_format_count(p->target, target, sizeof(target));
	printf("harness: %s across %zu hosts to %s connections (transport "
	       "'%s'); results in %s\n",
	       p->backend, m->count, target, m->o->transport, m->run->dir);
	for (size_t k = 0; k < m->count; k++) {
		const struct mh_host *h = &m->hosts[k];
		const struct harness_host_record *r = h->record;
		harness_format_bytes(h->mem_available, bytes, sizeof(bytes));
		printf("harness:   %s %s (%s, %u cores, %s available): ",
		       r->role, r->name, r->hostname, h->cores, bytes);
		char share[32], cap[32];
		harness_format_count(r->connections, share, sizeof(share));
		harness_format_count(r->capacity, cap, sizeof(cap));
		if (k == 0)
			printf("%u workers on %s ports %u-%u (up to %u each)\n",
			       p->workers, r->address, p->port_first,
			       p->port_last, p->capacity_per_worker);
		else
			printf("%s connections (it can open %s, bound by "
			       "%s), sources %s\n",
			       share, cap, r->capacity_by,
			       r->sources[0] ? r->sources : "the kernel's");
	}
	if (m->record->kernels_shared)
		printf("harness:   the server host shares its kernel with %s: "
		       "kernel memory is that one kernel's, both ends of "
		       "every connection, and cannot be split per host\n",
		       m->hosts[0].record->kernel_shared_with);
	fflush(stdout);
}

/* The run-level plan from the server host's figures. */
static void fill_plan(struct mh *m, const char *backend)
{
	struct harness_plan *p = &m->run->plan;
	snprintf(p->backend, sizeof(p->backend), "%s", backend);
	p->requested_target = p->target = m->o->target;
	const struct mh_host *s = &m->hosts[0];
	p->fd_limit = s->nofile_hard;
	p->ephemeral_low = s->port_low;
	p->ephemeral_high = s->port_high;
	snprintf(p->sources, sizeof(p->sources), "per client host");
	p->files_needed = 2 * m->o->target;
	p->memory_needed = m->o->target * 2 * HARNESS_KERNEL_BYTES_PER_SOCKET;
	p->memory_available = s->mem_available;
	p->memory_total = s->mem_total;
	p->cores = s->cores ? s->cores : 1;
	m->run->memory_headroom_min = UINT64_MAX;
}

/* Everything before the first process starts. */
static int preflight(struct mh *m, const char *backend, char *why,
		     size_t why_size)
{
	int err = connect_all(m, why, why_size);
	for (size_t k = 0; k < m->count && !err; k++)
		err = check_build(m, k, why, why_size);
	if (err)
		return err;
	for (size_t k = 0; k < m->count; k++)
		take_facts(m, k);
	m->record->count = m->count;
	note_shared_kernels(m);
	fill_plan(m, backend);
	err = server_address(m, why, why_size);
	if (!err)
		err = check_backend(m, backend, why, why_size);
	if (!err)
		err = plan_server(m, why, why_size);
	if (!err)
		err = plan_clients(m, why, why_size);
	if (!err)
		err = check_memory(m, why, why_size);
	if (!err)
		err = tune_hosts(m, why, why_size);
	return err;
}

/* Copy the agents' logs (the transports' stderr) into the run's folder,
 * and remove the temporary one. */
static void keep_logs(struct mh *m)
{
	for (size_t k = 0; k < m->count; k++) {
		char from[128], to[PATH_MAX + 64];
		snprintf(from, sizeof(from), "%s/agent-%zu-%s.log", m->log_dir,
			 k, role_of(k));
		snprintf(to, sizeof(to), "%s/agent-%zu-%s.log", m->run->dir, k,
			 role_of(k));
		FILE *in = fopen(from, "r");
		FILE *out = m->run->dir[0] && in ? fopen(to, "w") : NULL;
		char buf[4096];
		size_t n;
		while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		unlink(from);
	}
	rmdir(m->log_dir);
}

/* How the run ended, for sweep.json and the exit status. */
static int finish(struct mh *m, int err, const char *why)
{
	struct harness_run *run = m->run;
	run->duration_s = mcs_now_seconds() - m->started;
	for (size_t i = 0; i < run->step_count; i++)
		run->ramp_s += run->steps[i].elapsed_s;
	/* A multi-host plan is never limited: no error is complete. */
	return harness_run_record_end(run, err, m->step_index, why);
}

static void write_results(struct mh *m)
{
	snprintf(m->run->kernel_cache_unavailable,
		 sizeof(m->run->kernel_cache_unavailable),
		 "not fitted per cache in a multi-host run");
	harness_run_fit(m->run);
	harness_results_save(m->run, m->o->out, !m->o->no_plot);
}

/* The hosts' own figures at the last step, after the summary. */
static void print_hosts(const struct mh *m)
{
	const struct harness_hosts_record *rec = m->record;
	for (size_t k = 0; k < rec->count; k++) {
		const struct harness_host_record *r = &rec->hosts[k];
		if (!r->step_count)
			continue;
		const struct harness_host_step *s =
		    &r->steps[r->step_count - 1];
		char conns[32], user[32], kernel[32];
		harness_format_count(s->established, conns, sizeof(conns));
		harness_format_bytes(s->user_bytes, user, sizeof(user));
		harness_format_bytes(s->kernel_bytes, kernel, sizeof(kernel));
		printf("%s: host %s (%s): %s connections, %u processes, user "
		       "%s, kernel %s%s\n",
		       m->run->backend, r->name, r->role, conns, s->processes,
		       user, kernel,
		       r->kernel_shared_with[0] ? " (a kernel shared with "
						  "other hosts)"
						: "");
	}
}

static void report(const struct mh *m, int err, const char *why)
{
	const struct harness_run *run = m->run;
	harness_print_warnings(run, stderr);
	if (!err) {
		harness_print_summary(run, stdout);
		print_hosts(m);
		return;
	}
	print_hosts(m);
	harness_print_failure(run, why, stderr);
}

/* The agent binary's path on every host: --remote-dir, or this
 * harness's own folder. */
static int agent_path(struct mh *m, char *why, size_t why_size)
{
	char dir[PATH_MAX - 16];
	if (m->o->remote_dir[0]) {
		snprintf(dir, sizeof(dir), "%s", m->o->remote_dir);
	} else {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		if (n <= 0) {
			snprintf(why, why_size, "readlink /proc/self/exe: %s",
				 strerror(errno));
			return -errno;
		}
		dir[n] = '\0';
		*strrchr(dir, '/') = '\0';
		int err = harness_hosts_check_dir(dir, why, why_size);
		if (err) {
			snprintf(
			    why, why_size,
			    "this harness's folder %.300s would need shell "
			    "quoting on the hosts: give --remote-dir",
			    dir);
			return err;
		}
	}
	snprintf(m->agent_path, sizeof(m->agent_path), "%s/mcs-agent", dir);
	snprintf(m->record->remote_dir, sizeof(m->record->remote_dir), "%s",
		 dir);
	return 0;
}

int harness_multihost_sweep(const struct harness_options *o,
			    const char *backend, struct harness_run *run)
{
	static struct mh m;
	static struct harness_hosts_record record;
	memset(&m, 0, sizeof(m));
	memset(&record, 0, sizeof(record));
	memset(run, 0, sizeof(*run));
	run->options = o;
	run->hosts = &record;
	run->netns.host_fd = -1;
	snprintf(run->backend, sizeof(run->backend), "%s", backend);
	snprintf(run->netns_off_reason, sizeof(run->netns_off_reason),
		 "multi-host: each host's own");
	snprintf(record.transport, sizeof(record.transport), "%s",
		 o->transport);
	m.o = o;
	m.run = run;
	m.record = &record;
	m.count = 1 + o->hosts.client_count;
	m.tty = isatty(STDOUT_FILENO);
	for (size_t k = 0; k < m.count; k++) {
		m.hosts[k].spec =
		    k ? &o->hosts.clients[k - 1] : &o->hosts.server;
		m.hosts[k].record = &record.hosts[k];
		m.hosts[k].agent.child.stdin_fd = -1;
		m.hosts[k].agent.child.stdout_fd = -1;
		m.agents[k] = &m.hosts[k].agent;
	}
	char why[640] = "";
	/* The agents' logs of harnesses killed outright (SIGKILL). */
	mcs_remove_dead_pid_dirs("/tmp", "mcs-harness-hosts-", 0);
	snprintf(m.log_dir, sizeof(m.log_dir), "/tmp/mcs-harness-hosts-%d",
		 (int)getpid());
	int err = mkdir(m.log_dir, 0700) == 0 || errno == EEXIST
		      ? agent_path(&m, why, sizeof(why))
		      : -errno;
	if (err && !why[0])
		snprintf(why, sizeof(why), "mkdir %s: %s", m.log_dir,
			 strerror(-err));
	m.started = mcs_now_seconds();
	if (!err)
		err = preflight(&m, backend, why, sizeof(why));
	if (!err)
		err = harness_make_run_dir(run, o->out) ? -EIO : 0;
	if (err) {
		fprintf(stderr, "harness: %s: preflight: %s\n", backend,
			why[0] ? why : strerror(-err));
		mh_stop_all(&m);
		keep_logs(&m);
		return err == -EINVAL	       ? 2
		       : harness_stop_signal() ? 128 + harness_stop_signal()
					       : 1;
	}
	run->planned_step_count = harness_step_list(
	    o, run->plan.target, run->planned_steps, HARNESS_MAX_STEPS);
	print_plan(&m);
	err = mh_read_baseline(&m, why, sizeof(why));
	if (!err)
		err = mh_start(&m, why, sizeof(why));
	if (!err)
		err = mh_sweep_steps(&m, why, sizeof(why));
	if (!err)
		run->sweep_s = mcs_now_seconds() - m.started;
	double stop_started = mcs_now_seconds();
	mh_stop_all(&m);
	run->teardown_s = mcs_now_seconds() - stop_started;
	int status = finish(&m, err, why);
	keep_logs(&m);
	write_results(&m);
	report(&m, err, why);
	for (size_t i = 0; i < run->step_count; i++) {
		json_decref(run->steps[i].failures);
		json_decref(run->steps[i].histograms);
	}
	json_decref(run->baseline.failures);
	for (size_t k = 0; k < m.count; k++) {
		json_decref(m.hosts[k].hello);
		json_decref(record.hosts[k].limits);
	}
	return status;
}
