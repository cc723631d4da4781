/* harness_machine.c - gather the machine description for sweep.json.
 * Library versions come from pkg-config at build time (CMake passes them
 * in); the git commit is the one built into the binary. */
#include "harness_machine.h"

#include "mcs_version.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mcs_proc.h"
#include "mcs_version.h"

#ifndef MCS_LIBURING_VERSION
#define MCS_LIBURING_VERSION "unknown"
#endif
#ifndef MCS_LIBUV_VERSION
#define MCS_LIBUV_VERSION "unknown"
#endif
#ifndef MCS_JANSSON_VERSION
#define MCS_JANSSON_VERSION "unknown"
#endif

static const char *const sysctls[] = {
    "fs.file-max",
    "fs.nr_open",
    "net.ipv4.ip_local_port_range",
    "net.core.somaxconn",
    "net.ipv4.tcp_max_syn_backlog",
    "net.ipv4.tcp_max_tw_buckets",
    "net.core.netdev_max_backlog",
    "net.ipv4.tcp_mem",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_tw_reuse",
};

/* The build, not the source tree as it is now: the commit built into the
 * binary, and whether tracked files other than results differed then
 * (common/version.cmake). */
static void git_commit(json_t *machine)
{
	json_object_set_new(machine, "git_commit",
			    json_string(mcs_version_commit()));
	json_object_set_new(machine, "git_dirty",
			    json_boolean(mcs_version_dirty()));
}

/* /proc/cpuinfo's first "model name", into machine as cpu_model. */
static void cpu_model(json_t *machine)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) || !colon)
			continue;
		char *value = colon + 1 + (colon[1] == ' ');
		value[strcspn(value, "\n")] = '\0';
		json_object_set_new(machine, "cpu_model", json_string(value));
		break;
	}
	fclose(f);
}

json_t *harness_machine_json(const struct harness_plan *plan)
{
	json_t *m = json_object();
	if (!m)
		return NULL;
	struct utsname u;
	if (uname(&u) == 0) {
		json_object_set_new(m, "kernel", json_string(u.release));
		json_object_set_new(m, "kernel_version",
				    json_string(u.version));
		json_object_set_new(m, "arch", json_string(u.machine));
		json_object_set_new(m, "hostname", json_string(u.nodename));
	}
	cpu_model(m);
	json_object_set_new(m, "cores",
			    json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	struct mcs_meminfo meminfo;
	if (mcs_read_meminfo(&meminfo) == 0) {
		json_object_set_new(m, "memory_bytes",
				    json_integer((json_int_t)meminfo.total));
		json_object_set_new(
		    m, "memory_available_bytes",
		    json_integer((json_int_t)plan->memory_available));
	}
	json_object_set_new(m, "rlimit_nofile",
			    json_integer((json_int_t)plan->fd_limit));
	json_t *values = json_object();
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		char value[256];
		if (mcs_sysctl_read(sysctls[i], value, sizeof(value)) == 0) {
			for (char *c = value; *c; c++)
				if (*c == '\t')
					*c = ' ';
			json_object_set_new(values, sysctls[i],
					    json_string(value));
		}
	}
	json_object_set_new(m, "sysctls", values);
	json_t *libraries = json_object();
	json_object_set_new(libraries, "liburing",
			    json_string(MCS_LIBURING_VERSION));
	json_object_set_new(libraries, "libuv", json_string(MCS_LIBUV_VERSION));
	json_object_set_new(libraries, "jansson",
			    json_string(MCS_JANSSON_VERSION));
	json_object_set_new(m, "libraries", libraries);
	git_commit(m);
	return m;
}
