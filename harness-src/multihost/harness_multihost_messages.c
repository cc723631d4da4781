/* harness_multihost_messages.c - talking to the hosts of a multi-host run
 * through their agents: one request and its reply, waiting for a reply
 * while every agent is pumped, and the check made meanwhile (a signal, a
 * host gone). The preflight (harness_multihost.c) and the run phases
 * (harness_multihost_run.c) both use these, so they live apart from both. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness_multihost_internal.h"
#include "harness_signal.h"
#include "mcs_clock.h"

int mh_check(struct mh *m, char *why, size_t why_size)
{
	int err = harness_stop_why(why, why_size);
	if (err)
		return err;
	for (size_t k = 0; k < m->count; k++) {
		struct harness_agent *a = &m->hosts[k].agent;
		if (!a->gone)
			continue;
		snprintf(why, why_size, "host %s (%s): %s", a->name, a->role,
			 a->reason);
		return -EPIPE;
	}
	return 0;
}

int mh_wait_reply(struct mh *m, size_t k, int id, double timeout_s,
		  json_t **reply, char *why, size_t why_size)
{
	*reply = NULL;
	struct harness_agent *a = &m->hosts[k].agent;
	if (id < 0) {
		int err = mh_check(m, why, why_size);
		return err ? err : -EPIPE;
	}
	double deadline = mcs_now_seconds() + timeout_s;
	for (;;) {
		*reply = harness_agent_take_reply(a, id);
		if (*reply)
			break;
		int err = mh_check(m, why, why_size);
		if (!err)
			err = harness_timed_out(
			    deadline, why, why_size,
			    "host %s (%s): no answer within %.0f s", a->name,
			    a->role, timeout_s);
		if (err)
			return err;
		harness_agents_pump(m->agents, m->count, 100);
	}
	const char *event = json_string_value(json_object_get(*reply, "event"));
	if (event && strcmp(event, "error") == 0) {
		const char *text =
		    json_string_value(json_object_get(*reply, "message"));
		snprintf(why, why_size, "host %s (%s): the agent refused: %s",
			 a->name, a->role, text ? text : "no reason given");
		json_decref(*reply);
		*reply = NULL;
		return -EPROTO;
	}
	return 0;
}

int mh_request(struct mh *m, size_t k, json_t *request, double timeout_s,
	       json_t **reply, char *why, size_t why_size)
{
	int id = harness_agent_send(&m->hosts[k].agent, request);
	return mh_wait_reply(m, k, id, timeout_s, reply, why, why_size);
}
