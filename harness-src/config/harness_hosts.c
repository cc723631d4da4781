/* harness_hosts.c - host specs, per-host shares, step splits, histogram
 * merging and the per-host JSON of a multi-host run (harness_hosts.h). */
#include "harness_hosts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "harness_transport.h"
#include "mcs_parse.h"

/* "[USER@]HOST[=ADDR]" into spec; option names the flag for messages. */
static int parse_spec(const char *option, const char *text, size_t len,
		      struct harness_host_spec *spec, char *why,
		      size_t why_size)
{
	char copy[HARNESS_HOST_NAME_SIZE + INET_ADDRSTRLEN + 2], shown[96];
	memset(spec, 0, sizeof(*spec));
	if (len == 0 || len >= sizeof(copy)) {
		snprintf(why, why_size,
			 "%s: '%s' is not [USER@]HOST[=ADDR] (empty or over "
			 "%zu characters)",
			 option, mcs_printable(text, shown, sizeof(shown)),
			 sizeof(copy) - 1);
		return -EINVAL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	char *eq = strchr(copy, '=');
	if (eq)
		*eq = '\0';
	int err = harness_host_check(option, copy, why, why_size);
	if (err)
		return err;
	if (strlen(copy) >= sizeof(spec->target)) {
		snprintf(why, why_size, "%s: host '%s' is too long", option,
			 mcs_printable(copy, shown, sizeof(shown)));
		return -EINVAL;
	}
	memcpy(spec->target, copy, strlen(copy) + 1); /* fits: checked */
	spec->local = strcmp(copy, HARNESS_LOCAL_HOST) == 0;
	struct in_addr address;
	if (eq) {
		if (mcs_parse_ipv4(eq + 1, &address) ||
		    address.s_addr == htonl(INADDR_ANY) ||
		    address.s_addr == htonl(INADDR_BROADCAST)) {
			snprintf(why, why_size,
				 "%s: ADDR '%s' of host %s is not a unicast "
				 "IPv4 address (dotted quad)",
				 option,
				 mcs_printable(eq + 1, shown, sizeof(shown)),
				 copy);
			return -EINVAL;
		}
		inet_ntop(AF_INET, &address, spec->address,
			  sizeof(spec->address));
		return 0;
	}
	/* The server's: a bare address is its own ADDR. A client binds
	 * only the source it is given (its address as this side names it
	 * may not be its own, behind NAT). */
	if (strcmp(option, "--server-host") != 0)
		return 0;
	const char *at = strchr(copy, '@');
	const char *name = at ? at + 1 : copy;
	if (mcs_parse_ipv4(name, &address) == 0)
		inet_ntop(AF_INET, &address, spec->address,
			  sizeof(spec->address));
	return 0;
}

int harness_hosts_parse_server(const char *text, struct harness_host_spec *spec,
			       char *why, size_t why_size)
{
	int err = parse_spec("--server-host", text, strlen(text), spec, why,
			     why_size);
	if (!err && spec->local && !spec->address[0])
		snprintf(spec->address, sizeof(spec->address), "127.0.0.1");
	return err;
}

int harness_hosts_parse_clients(const char *text,
				struct harness_hosts_spec *hosts, char *why,
				size_t why_size)
{
	hosts->client_count = 0;
	const char *p = text;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (hosts->client_count == HARNESS_MAX_CLIENT_HOSTS) {
			snprintf(why, why_size,
				 "--client-hosts: more than %d hosts",
				 HARNESS_MAX_CLIENT_HOSTS);
			return -EINVAL;
		}
		struct harness_host_spec *spec =
		    &hosts->clients[hosts->client_count];
		int err =
		    parse_spec("--client-hosts", p, len, spec, why, why_size);
		if (err)
			return err;
		for (size_t i = 0; i < hosts->client_count; i++)
			if (strcmp(hosts->clients[i].target, spec->target) ==
			    0) {
				snprintf(why, why_size,
					 "--client-hosts: %s is named twice: "
					 "one client shard per host",
					 spec->target);
				return -EINVAL;
			}
		hosts->client_count++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int harness_hosts_check_dir(const char *dir, char *why, size_t why_size)
{
	char shown[96];
	int ok = dir[0] == '/' && strlen(dir) < 1024 && !strstr(dir, "..");
	for (const char *c = dir; *c && ok; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		     (*c >= '0' && *c <= '9') || strchr("/._+-", *c);
	if (ok)
		return 0;
	snprintf(why, why_size,
		 "--remote-dir: '%s' is not an absolute folder of letters, "
		 "digits and /._+- (without ..): the folder holding mcs-agent, "
		 "server and client on every host",
		 mcs_printable(dir, shown, sizeof(shown)));
	return -EINVAL;
}

uint64_t harness_host_capacity(const struct harness_host_limits *l,
			       unsigned server_ports, const char **by)
{
	uint64_t ephemeral =
	    l->port_high >= l->port_low ? l->port_high - l->port_low + 1 : 0;
	uint64_t sources = l->sources ? l->sources : 1;
	uint64_t ports = (uint64_t)((double)(sources * server_ports) *
				    (double)ephemeral * HARNESS_HOST_PORT_FILL);
	uint64_t memory = (uint64_t)((double)l->mem_available * 0.85 /
				     (double)HARNESS_KERNEL_BYTES_PER_SOCKET);
	*by = memory < ports ? "memory" : "ports";
	return memory < ports ? memory : ports;
}

int harness_hosts_share(uint64_t target, const uint64_t *capacity,
			const char *const *bounds, const char *const *names,
			size_t n, uint64_t *shares, char *why, size_t why_size)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		shares[i] = 0;
		total += capacity[i];
	}
	if (total < target) {
		int used =
		    snprintf(why, why_size,
			     "the client hosts can open %" PRIu64
			     " connections in all, short of %" PRIu64 ":",
			     total, target);
		for (size_t i = 0; i < n && used > 0 && (size_t)used < why_size;
		     i++)
			used += snprintf(why + used, why_size - (size_t)used,
					 "%s %s %" PRIu64 " (by its %s)",
					 i ? "," : "", names[i], capacity[i],
					 bounds[i]);
		if (used > 0 && (size_t)used < why_size)
			snprintf(why + used, why_size - (size_t)used,
				 "; add client hosts, widen --ports or "
				 "net.ipv4.ip_local_port_range on them, or "
				 "lower --target");
		return -ERANGE;
	}
	/* Water-filling: hosts that cannot take an even share of what is
	 * left get their capacity; the others share the rest evenly. */
	int fixed[HARNESS_MAX_CLIENT_HOSTS] = {0};
	uint64_t left = target;
	size_t open = n;
	for (int changed = 1; changed && open;) {
		changed = 0;
		uint64_t even = left / open;
		for (size_t i = 0; i < n; i++)
			if (!fixed[i] && capacity[i] <= even) {
				fixed[i] = 1;
				shares[i] = capacity[i];
				left -= capacity[i];
				open--;
				changed = 1;
			}
	}
	uint64_t even = open ? left / open : 0, extra = open ? left % open : 0;
	for (size_t i = 0; i < n; i++) {
		if (fixed[i])
			continue;
		shares[i] = even + (extra ? 1 : 0);
		if (extra)
			extra--;
	}
	return 0;
}

/* Host i's proportional part of step (a real number). */
static double wanted(uint64_t step, uint64_t target, uint64_t share)
{
	return target ? (double)step * (double)share / (double)target : 0;
}

void harness_hosts_split(uint64_t step_target, uint64_t target,
			 const uint64_t *shares, size_t n, uint64_t *parts)
{
	uint64_t previous[HARNESS_MAX_CLIENT_HOSTS], sum = 0, room = 0;
	if (n > HARNESS_MAX_CLIENT_HOSTS)
		n = HARNESS_MAX_CLIENT_HOSTS;
	for (size_t i = 0; i < n; i++) {
		room += shares[i];
		previous[i] = parts[i] < shares[i] ? parts[i] : shares[i];
	}
	if (step_target > room)
		step_target = room;
	for (size_t i = 0; i < n; i++) {
		uint64_t floor_part =
		    (uint64_t)wanted(step_target, target, shares[i]);
		if (floor_part > shares[i])
			floor_part = shares[i];
		parts[i] = floor_part > previous[i] ? floor_part : previous[i];
		sum += parts[i];
	}
	/* Too many (a previous part above its proportion now): take back
	 * from the hosts furthest above theirs, never below the previous. */
	while (sum > step_target) {
		size_t pick = n;
		double least = 0;
		for (size_t i = 0; i < n; i++) {
			double d = wanted(step_target, target, shares[i]) -
				   (double)parts[i];
			if (parts[i] > previous[i] &&
			    (pick == n || d < least)) {
				pick = i;
				least = d;
			}
		}
		if (pick == n)
			break; /* cannot happen: the previous parts fit */
		parts[pick]--;
		sum--;
	}
	/* Too few (the rounding): one each to the hosts furthest below. */
	while (sum < step_target) {
		size_t pick = n;
		double most = 0;
		for (size_t i = 0; i < n; i++) {
			double d = wanted(step_target, target, shares[i]) -
				   (double)parts[i];
			if (parts[i] < shares[i] && (pick == n || d > most)) {
				pick = i;
				most = d;
			}
		}
		if (pick == n)
			break;
		parts[pick]++;
		sum++;
	}
}

static json_t *step_json(const struct harness_host_step *s, int client)
{
	json_t *o = json_object();
	json_object_set_new(o, "connections",
			    json_integer((json_int_t)s->connections));
	json_object_set_new(o, "established",
			    json_integer((json_int_t)s->established));
	if (client) {
		json_object_set_new(o, "failed",
				    json_integer((json_int_t)s->failed));
		json_object_set_new(o, "elapsed_s", json_real(s->elapsed_s));
	}
	json_object_set_new(o, "processes", json_integer(s->processes));
	json_object_set_new(o, "user_bytes",
			    json_integer((json_int_t)s->user_bytes));
	json_object_set_new(o, "kernel_bytes",
			    json_integer((json_int_t)s->kernel_bytes));
	json_object_set_new(o, "kernel_object_bytes",
			    json_integer((json_int_t)s->kernel_object_bytes));
	json_object_set_new(o, "tcp_inuse",
			    json_integer((json_int_t)s->tcp_inuse));
	json_object_set_new(o, "cpu_s", json_real(s->cpu_s));
	return o;
}

static json_t *host_json(const struct harness_host_record *h)
{
	int client = strcmp(h->role, "client") == 0;
	const struct harness_host_step *last =
	    h->step_count ? &h->steps[h->step_count - 1] : &h->baseline;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(h->name));
	json_object_set_new(o, "role", json_string(h->role));
	json_object_set_new(o, "address", json_string(h->address));
	json_object_set_new(o, "hostname", json_string(h->hostname));
	/* The figures at the last step measured. */
	json_object_set_new(o, "processes", json_integer(last->processes));
	json_object_set_new(o, "user_bytes",
			    json_integer((json_int_t)last->user_bytes));
	json_object_set_new(o, "kernel_bytes",
			    json_integer((json_int_t)last->kernel_bytes));
	json_object_set_new(o, "established",
			    json_integer((json_int_t)last->established));
	json_object_set_new(o, "kernel_shared_with",
			    h->kernel_shared_with[0]
				? json_string(h->kernel_shared_with)
				: json_null());
	json_t *plan = json_object();
	json_object_set_new(plan, "connections",
			    json_integer((json_int_t)h->connections));
	if (client) {
		json_object_set_new(plan, "capacity",
				    json_integer((json_int_t)h->capacity));
		json_object_set_new(plan, "capacity_by",
				    json_string(h->capacity_by));
		json_object_set_new(plan, "sources",
				    h->sources[0] ? json_string(h->sources)
						  : json_null());
	} else {
		json_object_set_new(plan, "workers", json_integer(h->workers));
	}
	json_object_set_new(plan, "tuned", json_string(h->tuned));
	json_object_set_new(o, "plan", plan);
	json_object_set_new(o, "limits",
			    h->limits ? json_incref(h->limits) : json_null());
	json_object_set_new(
	    o, "build",
	    json_pack("{s:s,s:b}", "commit", h->commit, "dirty", h->dirty));
	json_object_set_new(o, "kernel",
			    json_pack("{s:s,s:s,s:s}", "release", h->kernel,
				      "boot_id", h->boot_id, "netns",
				      h->netns));
	json_object_set_new(o, "baseline", step_json(&h->baseline, client));
	json_t *steps = json_array();
	for (size_t i = 0; i < h->step_count; i++)
		json_array_append_new(steps, step_json(&h->steps[i], client));
	json_object_set_new(o, "steps", steps);
	return o;
}

json_t *harness_hosts_json(const struct harness_hosts_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->count; i++)
		json_array_append_new(a, host_json(&r->hosts[i]));
	return a;
}

json_t *harness_multihost_json(const struct harness_hosts_record *r)
{
	const struct harness_host_record *server = &r->hosts[0];
	const struct harness_host_step *last =
	    server->step_count ? &server->steps[server->step_count - 1]
			       : &server->baseline;
	uint64_t client_kernel = 0, client_user = 0;
	for (size_t i = 1; i < r->count; i++) {
		const struct harness_host_record *h = &r->hosts[i];
		const struct harness_host_step *s =
		    h->step_count ? &h->steps[h->step_count - 1] : &h->baseline;
		client_user += s->user_bytes;
		/* A kernel shared with an earlier host is counted there. */
		int counted = 0;
		for (size_t k = 0; k < i; k++)
			counted |= strcmp(r->hosts[k].boot_id, h->boot_id) == 0;
		if (!counted)
			client_kernel += s->kernel_bytes;
	}
	json_t *o = json_object();
	json_object_set_new(o, "transport", json_string(r->transport));
	json_object_set_new(o, "remote_dir", json_string(r->remote_dir));
	json_object_set_new(o, "server_host", json_string(server->name));
	json_object_set_new(o, "server_user_bytes",
			    json_integer((json_int_t)last->user_bytes));
	json_object_set_new(o, "server_kernel_bytes",
			    json_integer((json_int_t)last->kernel_bytes));
	json_object_set_new(o, "client_user_bytes",
			    json_integer((json_int_t)client_user));
	json_object_set_new(o, "client_kernel_bytes",
			    r->kernels_shared
				? json_null()
				: json_integer((json_int_t)client_kernel));
	json_object_set_new(
	    o, "kernels",
	    json_string(r->kernels_shared ? "shared" : "separate"));
	json_object_set_new(
	    o, "note",
	    json_string(
		r->kernels_shared
		    ? "the server host shares its kernel with client hosts "
		      "(network namespaces or containers on one machine): "
		      "every host's kernel_bytes is that one kernel's growth, "
		      "both ends of every connection; it cannot be split "
		      "per host. Steps' kernel_bytes are that whole growth."
		    : "each host has a kernel of its own: server_kernel_bytes "
		      "is the server host's alone (its sockets only), and the "
		      "steps' kernel_bytes are the server host's; the client "
		      "hosts' are in client_kernel_bytes and hosts[]."));
	return o;
}
