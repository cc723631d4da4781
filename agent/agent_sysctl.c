/* agent_sysctl.c - the few sysctls a run may need raised on a host, read
 * or raised at the harness's request: only these names, only upwards, and
 * only as root. Per-namespace ones (net.ipv4.*, net.core.somaxconn) are
 * set in the namespace the agent runs in; fs.* are the kernel's. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "mcs_proc.h"

static const char *const allowed[] = {
    "fs.file-max",
    "fs.nr_open",
    "net.core.somaxconn",
    "net.ipv4.tcp_max_syn_backlog",
    "net.core.netdev_max_backlog",
};

static int is_allowed(const char *name)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(name, allowed[i]) == 0)
			return 1;
	return 0;
}

json_t *agent_sysctl_json(const struct agent_request *r, char *why,
			  size_t why_size)
{
	const char *name = json_string_value(json_object_get(r->root, "name"));
	json_t *want = json_object_get(r->root, "at_least");
	if (!name || !is_allowed(name)) {
		snprintf(why, why_size,
			 "\"name\" must be one of fs.file-max, fs.nr_open, "
			 "net.core.somaxconn, net.ipv4.tcp_max_syn_backlog, "
			 "net.core.netdev_max_backlog");
		return NULL;
	}
	if (want && (!json_is_integer(want) || json_integer_value(want) < 0)) {
		snprintf(why, why_size,
			 "\"at_least\" must be a non-negative integer");
		return NULL;
	}
	uint64_t have;
	int err = mcs_sysctl_read_u64(name, &have);
	if (err) {
		snprintf(why, why_size, "cannot read %s here: %s", name,
			 strerror(-err));
		return NULL;
	}
	json_t *o = agent_reply(r, "sysctl");
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "value", json_integer((json_int_t)have));
	uint64_t target = want ? (uint64_t)json_integer_value(want) : 0;
	if (!want || have >= target)
		return o;
	if (geteuid() != 0) {
		json_object_set_new(o, "refused", json_string("not root"));
		return o;
	}
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, target);
	err = mcs_sysctl_write(name, value);
	if (err) {
		json_object_set_new(o, "refused", json_string(strerror(-err)));
		return o;
	}
	json_object_set_new(o, "raised_to", json_integer((json_int_t)target));
	return o;
}
