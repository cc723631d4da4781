/* agent_commands.c - answer each command of the agent's protocol
 * (docs/MULTIHOST.md lists them) by calling the part that knows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "mcs_parse.h"

/* A number field, or fallback when it is absent or not a number. */
static double number_or(const json_t *o, const char *key, double fallback)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : fallback;
}

/* "proc": "server" | "client", or -1 with the error sent. */
static int proc_of(struct agent *a, const struct agent_request *r)
{
	const char *name = json_string_value(json_object_get(r->root, "proc"));
	int id = name ? agent_proc_id(name) : -1;
	if (id < 0)
		agent_emit_error(a, r,
				 "\"proc\" must be \"server\" or \"client\"");
	return id;
}

static void do_hello(struct agent *a, const struct agent_request *r)
{
	double watchdog = number_or(r->root, "watchdog_s", 0);
	if (watchdog < 0 || watchdog > 3600) {
		agent_emit_error(a, r, "watchdog_s must be 0 to 3600 seconds");
		return;
	}
	a->watchdog_s = watchdog;
	json_t *o = agent_hello_json(a);
	json_object_set_new(o, "id", json_integer(r->id));
	agent_emit(a, o);
}

static void do_start(struct agent *a, const struct agent_request *r)
{
	int id = proc_of(a, r);
	if (id < 0)
		return;
	char why[512];
	json_t *args = json_object_get(r->root, "args");
	if (agent_proc_start(a, id, args, why, sizeof(why))) {
		agent_emit_error(a, r, why);
		return;
	}
	json_t *o = agent_reply(r, "started");
	json_object_set_new(o, "proc", json_string(a->procs[id].name));
	json_object_set_new(o, "pid", json_integer(a->procs[id].child.pid));
	agent_emit(a, o);
}

static void do_input(struct agent *a, const struct agent_request *r)
{
	int id = proc_of(a, r);
	if (id < 0)
		return;
	const char *line = json_string_value(json_object_get(r->root, "line"));
	if (!line || strchr(line, '\n')) {
		agent_emit_error(a, r, "\"line\" must be one line of text");
		return;
	}
	struct agent_proc *p = &a->procs[id];
	char text[1024];
	int len = snprintf(text, sizeof(text), "%s\n", line);
	int err = !p->running		     ? -ESRCH
		  : len >= (int)sizeof(text) ? -E2BIG
					     : mcs_child_write(&p->child, text);
	if (err) {
		char why[160];
		snprintf(why, sizeof(why), "cannot write to the %s: %s",
			 p->name,
			 err == -ESRCH ? "it is not running" : strerror(-err));
		agent_emit_error(a, r, why);
		return;
	}
	agent_emit(a, agent_reply(r, "input"));
}

static void do_stop(struct agent *a, const struct agent_request *r)
{
	int id = proc_of(a, r);
	if (id < 0)
		return;
	double grace = number_or(r->root, "grace_s", 0);
	json_t *o = agent_proc_stop(a, id, grace < 0 ? 0 : grace);
	json_object_set_new(o, "id", json_integer(r->id));
	agent_emit(a, o);
}

static void do_measure(struct agent *a, const struct agent_request *r)
{
	int caches = json_is_true(json_object_get(r->root, "caches"));
	json_t *o = agent_measure_json(a, caches);
	json_object_set_new(o, "id", json_integer(r->id));
	agent_emit(a, o);
}

static void do_sysctl(struct agent *a, const struct agent_request *r)
{
	char why[320];
	json_t *o = agent_sysctl_json(r, why, sizeof(why));
	if (!o) {
		agent_emit_error(a, r, why);
		return;
	}
	json_object_set_new(o, "id", json_integer(r->id));
	agent_emit(a, o);
}

static void do_simple(struct agent *a, const struct agent_request *r,
		      json_t *(*make)(struct agent *))
{
	json_t *o = make(a);
	json_object_set_new(o, "id", json_integer(r->id));
	agent_emit(a, o);
}

void agent_dispatch(struct agent *a, const struct agent_request *r)
{
	const char *c = r->cmd;
	if (strcmp(c, "hello") == 0)
		do_hello(a, r);
	else if (strcmp(c, "ping") == 0)
		agent_emit(a, agent_reply(r, "pong"));
	else if (strcmp(c, "backend") == 0)
		agent_emit(a, agent_backend_json(r));
	else if (strcmp(c, "sysctl") == 0)
		do_sysctl(a, r);
	else if (strcmp(c, "start") == 0)
		do_start(a, r);
	else if (strcmp(c, "input") == 0)
		do_input(a, r);
	else if (strcmp(c, "stop") == 0)
		do_stop(a, r);
	else if (strcmp(c, "measure") == 0)
		do_measure(a, r);
	else if (strcmp(c, "stats") == 0)
		do_simple(a, r, agent_stats_json);
	else if (strcmp(c, "quit") == 0) {
		agent_procs_stop_all(a);
		agent_emit(a, agent_reply(r, "bye"));
		a->quit = 1;
	} else {
		char why[160], shown[48];
		snprintf(why, sizeof(why),
			 "unknown cmd '%s' (hello, ping, backend, sysctl, "
			 "start, input, stop, measure, stats, quit)",
			 mcs_printable(c, shown, sizeof(shown)));
		agent_emit_error(a, r, why);
	}
}
