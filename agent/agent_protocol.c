/* agent_protocol.c - the agent's lines: parse a request, and write replies
 * and events, one JSON object per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "mcs_parse.h"

int agent_request_parse(const char *line, struct agent_request *r, char *why,
			size_t why_size)
{
	memset(r, 0, sizeof(*r));
	r->id = -1;
	json_error_t error;
	r->root = json_loads(line, JSON_REJECT_DUPLICATES, &error);
	if (!json_is_object(r->root)) {
		char shown[80];
		snprintf(why, why_size,
			 "request is not a JSON object: '%s' (%s)",
			 mcs_printable(line, shown, sizeof(shown)),
			 r->root ? "another JSON value" : error.text);
		return -EINVAL;
	}
	json_t *id = json_object_get(r->root, "id");
	if (json_is_integer(id))
		r->id = json_integer_value(id);
	r->cmd = json_string_value(json_object_get(r->root, "cmd"));
	if (!json_is_integer(id) || r->id < 0) {
		snprintf(why, why_size,
			 "request has no \"id\" (a non-negative integer)");
		return -EINVAL;
	}
	if (!r->cmd) {
		snprintf(why, why_size,
			 "request %lld has no \"cmd\" (a string)",
			 (long long)r->id);
		return -EINVAL;
	}
	return 0;
}

void agent_request_free(struct agent_request *r)
{
	json_decref(r->root);
	r->root = NULL;
}

json_t *agent_reply(const struct agent_request *r, const char *event)
{
	json_t *o = json_object();
	if (r && r->id >= 0)
		json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "event", json_string(event));
	return o;
}

void agent_emit(struct agent *a, json_t *object)
{
	if (!object)
		return;
	char *text = json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(object);
	if (!text || a->output_broken) {
		free(text);
		return;
	}
	size_t len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room: the NUL's byte */
	for (size_t done = 0; done < len;) {
		ssize_t w = write(STDOUT_FILENO, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			a->output_broken = 1;
			break;
		}
		done += (size_t)w;
	}
	free(text);
}

void agent_emit_error(struct agent *a, const struct agent_request *r,
		      const char *message)
{
	json_t *o = agent_reply(r, "error");
	json_object_set_new(o, "message", json_string(message));
	agent_emit(a, o);
}
