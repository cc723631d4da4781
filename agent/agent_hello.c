/* agent_hello.c - what a host is, for the harness's plan and its checks:
 * the build (git commit, plugin ABI), the host (name, kernel, boot id,
 * network namespace, addresses), its limits (RLIMIT_NOFILE, fs.file-max,
 * fs.nr_open, the ephemeral port range, memory, cores), the binaries
 * beside the agent and the backends installed; and, for one backend,
 * whether it works here and what one worker holds. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent.h"
#include "mcs_loader.h"
#include "mcs_proc.h"
#include "mcs_version.h"

static void set_u64(json_t *o, const char *key, uint64_t value)
{
	json_object_set_new(o, key, json_integer((json_int_t)value));
}

/* A sysctl as an integer, or null when it cannot be read here. */
static void set_sysctl(json_t *o, const char *key, const char *name)
{
	uint64_t value;
	if (mcs_sysctl_read_u64(name, &value) == 0)
		set_u64(o, key, value);
	else
		json_object_set_new(o, key, json_null());
}

static json_t *limits_json(void)
{
	json_t *l = json_object();
	uint64_t soft, hard;
	if (mcs_fd_limit(&soft, &hard) == 0) {
		set_u64(l, "nofile_soft", soft);
		set_u64(l, "nofile_hard", hard);
	}
	set_sysctl(l, "file_max", "fs.file-max");
	set_sysctl(l, "nr_open", "fs.nr_open");
	set_sysctl(l, "files_in_use", "fs.file-nr");
	set_sysctl(l, "somaxconn", "net.core.somaxconn");
	set_sysctl(l, "tcp_max_syn_backlog", "net.ipv4.tcp_max_syn_backlog");
	char range[64];
	unsigned low, high;
	if (mcs_sysctl_read("net.ipv4.ip_local_port_range", range,
			    sizeof(range)) == 0 &&
	    sscanf(range, "%u %u", &low, &high) == 2)
		json_object_set_new(l, "port_range",
				    json_pack("[i,i]", (int)low, (int)high));
	struct mcs_meminfo m;
	if (mcs_read_meminfo(&m) == 0) {
		set_u64(l, "mem_total", m.total);
		set_u64(l, "mem_available", m.available);
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	json_object_set_new(l, "cores", json_integer(cores > 0 ? cores : 1));
	return l;
}

/* The IPv4 addresses of this host's (or namespace's) interfaces. */
static json_t *addresses_json(void)
{
	json_t *list = json_array();
	struct ifaddrs *all;
	if (getifaddrs(&all) < 0)
		return list;
	for (struct ifaddrs *i = all; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    !(i->ifa_flags & IFF_UP))
			continue;
		char text[INET_ADDRSTRLEN];
		struct sockaddr_in *in = (struct sockaddr_in *)i->ifa_addr;
		if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)))
			json_array_append_new(
			    list, json_pack("{s:s,s:s}", "interface",
					    i->ifa_name, "address", text));
	}
	freeifaddrs(all);
	return list;
}

static json_t *binaries_json(const struct agent *a)
{
	static const char *const names[] = {"mcs-agent", "server", "client"};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s", a->bin_dir, names[i]);
		json_object_set_new(o, names[i],
				    json_boolean(access(path, X_OK) == 0));
	}
	return o;
}

static json_t *backends_json(void)
{
	char names[32][MCS_BACKEND_NAME_MAX];
	int n = mcs_backend_list(NULL, names, 32);
	json_t *list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_string(names[i]));
	return list;
}

/* A short file's first line ("" when unreadable). */
static void first_line(const char *path, char *text, size_t size)
{
	if (mcs_read_small_file(path, text, size) < 0)
		text[0] = '\0';
	text[strcspn(text, "\n")] = '\0';
}

json_t *agent_hello_json(const struct agent *a)
{
	json_t *o = agent_reply(NULL, "hello");
	json_object_set_new(o, "protocol",
			    json_integer(AGENT_PROTOCOL_VERSION));
	json_object_set_new(
	    o, "version",
	    json_pack("{s:s,s:b,s:i}", "commit", mcs_version_commit(), "dirty",
		      mcs_version_dirty(), "abi", (int)mcs_version_abi()));
	struct utsname u;
	if (uname(&u) == 0) {
		json_object_set_new(o, "hostname", json_string(u.nodename));
		json_object_set_new(o, "kernel", json_string(u.release));
	}
	char text[128], ns[128];
	first_line("/proc/sys/kernel/random/boot_id", text, sizeof(text));
	json_object_set_new(o, "boot_id", json_string(text));
	ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	ns[n > 0 ? n : 0] = '\0';
	json_object_set_new(o, "netns", json_string(ns));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "root", json_boolean(geteuid() == 0));
	json_object_set_new(o, "bin_dir", json_string(a->bin_dir));
	json_object_set_new(o, "limits", limits_json());
	json_object_set_new(o, "addresses", addresses_json());
	json_object_set_new(o, "binaries", binaries_json(a));
	json_object_set_new(o, "backends", backends_json());
	return o;
}

json_t *agent_backend_json(const struct agent_request *r)
{
	const char *name = json_string_value(json_object_get(r->root, "name"));
	json_t *o = agent_reply(r, "backend");
	char why[512] = "";
	struct mcs_backend_handle h;
	int err =
	    name ? mcs_backend_load(NULL, name, &h, why, sizeof(why)) : -EINVAL;
	if (!name)
		snprintf(why, sizeof(why), "\"name\" must be a backend name");
	json_object_set_new(o, "name", json_string(name ? name : ""));
	if (err) {
		json_object_set_new(o, "available", json_false());
		json_object_set_new(o, "installed", json_false());
		json_object_set_new(o, "why", json_string(why));
		return o;
	}
	json_object_set_new(o, "installed", json_true());
	int ok = !h.ops->probe || h.ops->probe(why, sizeof(why)) == 0;
	json_object_set_new(o, "available", json_boolean(ok));
	if (!ok)
		json_object_set_new(o, "why", json_string(why));
	/* The server raises its soft limit to the hard one. */
	uint64_t soft, hard;
	if (mcs_fd_limit(&soft, &hard) == 0) {
		uint64_t budget = hard > 1 ? hard - 1 : 0;
		if (budget > UINT32_MAX)
			budget = UINT32_MAX;
		set_u64(o, "fd_limit", hard);
		json_object_set_new(
		    o, "capacity_per_worker",
		    json_integer(h.ops->capacity((unsigned)budget)));
	}
	json_object_set_new(
	    o, "self_limited",
	    json_boolean(h.ops->flags & MCS_BACKEND_SELF_LIMITED));
	mcs_backend_unload(&h);
	return o;
}
