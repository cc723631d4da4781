/* harness_agent.c - start an agent through the transport, send it
 * requests, read its lines into replies and queued output, and notice
 * when it is gone (see harness_agent.h). */
#include "harness_agent.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_transport.h"
#include "mcs_clock.h"

int harness_agent_start(struct harness_agent *a, const char *host,
			const char *role, const char *transport,
			const char *agent_path, const char *log_path, char *why,
			size_t why_size)
{
	memset(a, 0, sizeof(*a));
	a->child.stdin_fd = a->child.stdout_fd = -1;
	snprintf(a->name, sizeof(a->name), "%s", host);
	a->role = role;
	a->next_id = 1;
	static struct harness_command command;
	char *argv[] = {(char *)agent_path, NULL};
	int err = harness_transport_command(transport, host, argv, &command,
					    why, why_size);
	if (!err)
		err = mcs_child_start(&a->child, "agent", command.argv,
				      log_path, why, why_size);
	if (err) {
		a->gone = 1;
		snprintf(a->reason, sizeof(a->reason), "%s", why);
		return err;
	}
	a->last_heard = a->last_ping = mcs_now_seconds();
	return 0;
}

void harness_agent_last_log_line(const struct harness_agent *a, char *line,
				 size_t line_size)
{
	mcs_child_last_log_line(&a->child, line, line_size);
}

/* Mark it gone with a reason, once. */
static void set_gone(struct harness_agent *a, const char *reason)
{
	if (a->gone)
		return;
	a->gone = 1;
	snprintf(a->reason, sizeof(a->reason), "%s", reason);
}

int harness_agent_send(struct harness_agent *a, json_t *request)
{
	if (!request)
		return -ENOMEM;
	int id = a->next_id++;
	json_object_set_new(request, "id", json_integer(id));
	char *text = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	char *line = malloc(len + 2);
	if (!line) {
		free(text);
		return -ENOMEM;
	}
	memcpy(line, text, len);
	line[len] = '\n';
	line[len + 1] = '\0';
	free(text);
	int err = a->gone ? -EPIPE : mcs_child_write(&a->child, line);
	free(line);
	if (err) {
		set_gone(a, "its connection closed (writing to it failed)");
		return err;
	}
	return id;
}

int harness_agent_sendf(struct harness_agent *a, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	json_t *request = json_vpack_ex(NULL, 0, format, ap);
	va_end(ap);
	return harness_agent_send(a, request);
}

static void queue_event(struct harness_agent *a, json_t *line)
{
	if (a->event_count == HARNESS_AGENT_QUEUE) {
		/* Nobody waits for that many: drop the oldest. */
		json_decref(a->events[0]);
		memmove(a->events, a->events + 1,
			sizeof(a->events[0]) * (HARNESS_AGENT_QUEUE - 1));
		a->event_count--;
	}
	a->events[a->event_count++] = json_incref(line);
}

/* The process exited: expected while stopping, else the agent is gone
 * for the run's purposes (a host whose shard died). */
static void process_exited(struct harness_agent *a, const json_t *j)
{
	if (a->stopping)
		return;
	const char *proc = json_string_value(json_object_get(j, "proc"));
	const char *status = json_string_value(json_object_get(j, "status"));
	const char *tail = json_string_value(json_object_get(j, "log_tail"));
	char last[320] = "";
	if (tail) {
		/* The last non-empty line of its log. */
		const char *end = tail + strlen(tail);
		while (end > tail && end[-1] == '\n')
			end--;
		const char *start = end;
		while (start > tail && start[-1] != '\n')
			start--;
		snprintf(last, sizeof(last), "%.*s", (int)(end - start), start);
	}
	char reason[640];
	snprintf(reason, sizeof(reason), "its %s %s%s%s",
		 proc ? proc : "process", status ? status : "exited",
		 last[0] ? ": " : "", last[0] ? last : a->last_text);
	set_gone(a, reason);
}

static void handle_line(struct harness_agent *a, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	const char *event = json_string_value(json_object_get(j, "event"));
	if (!event) {
		json_decref(j);
		return; /* not the protocol: ignore */
	}
	json_t *id = json_object_get(j, "id");
	if (json_is_integer(id)) {
		if (strcmp(event, "pong") != 0) {
			int slot =
			    (int)(json_integer_value(id) % HARNESS_AGENT_QUEUE);
			json_decref(a->replies[slot]);
			a->replies[slot] = json_incref(j);
		}
	} else if (strcmp(event, "output") == 0) {
		json_t *inner = json_object_get(j, "json");
		const char *line =
		    json_string_value(json_object_get(j, "text"));
		if (inner)
			queue_event(a, inner);
		if (line) {
			snprintf(a->last_text, sizeof(a->last_text), "%s",
				 line);
			if (strstr(line, " listening on "))
				a->listening = 1;
		}
	} else if (strcmp(event, "exited") == 0) {
		process_exited(a, j);
	} else if (strcmp(event, "error") == 0) {
		const char *m =
		    json_string_value(json_object_get(j, "message"));
		char reason[400];
		snprintf(reason, sizeof(reason), "the agent stopped: %s",
			 m ? m : "no reason given");
		set_gone(a, reason);
	}
	json_decref(j);
}

/* Read every whole line the agent has sent. */
static void read_agent(struct harness_agent *a)
{
	static char line[1 << 16];
	for (;;) {
		int got = mcs_child_read_line(&a->child, line, sizeof(line), 0);
		if (got == 1) {
			a->last_heard = mcs_now_seconds();
			handle_line(a, line);
			continue;
		}
		if (got == -EPIPE) {
			char status[96] = "", last[320] = "", reason[640];
			/* Its end usually follows the pipe's at once. */
			for (int i = 0; i < 50 && !mcs_child_exited(&a->child);
			     i++)
				usleep(10000);
			if (mcs_child_exited(&a->child))
				mcs_describe_status(a->child.status, status,
						    sizeof(status));
			harness_agent_last_log_line(a, last, sizeof(last));
			snprintf(reason, sizeof(reason),
				 "its connection closed%s%s%s%s%s",
				 status[0] ? " (the transport " : "", status,
				 status[0] ? ")" : "", last[0] ? ": " : "",
				 last);
			set_gone(a, reason);
		} else if (got == -EMSGSIZE) {
			set_gone(a, "it sent a line longer than 64 KiB");
		}
		return;
	}
}

static void heartbeat(struct harness_agent *a, double now)
{
	if (!a->heartbeat || a->gone)
		return;
	if (now - a->last_heard > HARNESS_AGENT_SILENCE_S) {
		char reason[160];
		snprintf(reason, sizeof(reason),
			 "no answer for %.0f s: the host is down or the link "
			 "to it is cut",
			 now - a->last_heard);
		set_gone(a, reason);
		return;
	}
	if (now - a->last_ping >= HARNESS_AGENT_PING_S) {
		a->last_ping = now;
		harness_agent_sendf(a, "{s:s}", "cmd", "ping");
	}
}

void harness_agents_pump(struct harness_agent *const *agents, size_t n,
			 int timeout_ms)
{
	struct pollfd p[64];
	size_t count = 0;
	for (size_t i = 0; i < n && count < 64; i++) {
		p[count].fd = agents[i]->gone ? -1 : agents[i]->child.stdout_fd;
		p[count].events = POLLIN;
		p[count].revents = 0;
		count++;
	}
	poll(p, count, timeout_ms);
	double now = mcs_now_seconds();
	for (size_t i = 0; i < count; i++) {
		if (p[i].revents && !agents[i]->gone)
			read_agent(agents[i]);
		heartbeat(agents[i], now);
	}
}

json_t *harness_agent_take_reply(struct harness_agent *a, int id)
{
	int slot = id % HARNESS_AGENT_QUEUE;
	json_t *r = a->replies[slot];
	json_t *got = json_object_get(r, "id");
	if (!r || !json_is_integer(got) || json_integer_value(got) != id)
		return NULL;
	a->replies[slot] = NULL;
	return r;
}

json_t *harness_agent_take_event(struct harness_agent *a, const char *event)
{
	for (size_t i = 0; i < a->event_count; i++) {
		const char *e =
		    json_string_value(json_object_get(a->events[i], "event"));
		if (!e || (strcmp(e, event) != 0 && strcmp(e, "error") != 0))
			continue;
		json_t *j = a->events[i];
		memmove(a->events + i, a->events + i + 1,
			sizeof(a->events[0]) * (a->event_count - i - 1));
		a->event_count--;
		return j;
	}
	return NULL;
}

void harness_agent_close(struct harness_agent *a, double grace_s)
{
	a->stopping = 1;
	a->heartbeat = 0;
	if (a->child.stdin_fd >= 0 && !a->gone) {
		int id = harness_agent_sendf(a, "{s:s}", "cmd", "quit");
		double deadline = mcs_now_seconds() + grace_s;
		struct harness_agent *list[] = {a};
		while (id > 0 && !a->gone && mcs_now_seconds() < deadline) {
			harness_agents_pump(list, 1, 100);
			json_t *bye = harness_agent_take_reply(a, id);
			if (bye) {
				json_decref(bye);
				break;
			}
		}
	}
	/* A gone agent's transport may hang on a dead link: no waiting. */
	mcs_child_stop(&a->child, a->gone ? 0.5 : 5.0, 5.0);
	for (size_t i = 0; i < HARNESS_AGENT_QUEUE; i++) {
		json_decref(a->replies[i]);
		a->replies[i] = NULL;
	}
	for (size_t i = 0; i < a->event_count; i++)
		json_decref(a->events[i]);
	a->event_count = 0;
}
