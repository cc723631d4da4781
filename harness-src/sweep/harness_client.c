/* harness_client.c - the harness side of the client's control protocol:
 * write a command, read JSON lines until the expected event, with a
 * deadline and a periodic check that the rest of the run is still sane. */
#include "harness_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness_json.h"
#include "harness_run.h"
#include "harness_signal.h"
#include "mcs_clock.h"

void harness_json_latency(const json_t *object, struct harness_latency *l)
{
	memset(l, 0, sizeof(*l));
	if (!json_is_object(object))
		return;
	static const char *const keys[] = {"p50", "p90", "p99", "p999", "max"};
	double *values[] = {&l->p50, &l->p90, &l->p99, &l->p999, &l->max};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		*values[i] = harness_json_double(object, keys[i]);
}

void harness_client_take_pids(struct harness_client *client,
			      const json_t *reply)
{
	json_t *pids = json_object_get(reply, "pids");
	if (!json_is_array(pids))
		return;
	size_t n = 0;
	if (client->child.pid > 0)
		client->pids[n++] = client->child.pid;
	size_t i;
	json_t *v;
	json_array_foreach(pids, i, v)
	{
		if (n < HARNESS_MAX_PIDS && json_is_integer(v) &&
		    json_integer_value(v) > 0)
			client->pids[n++] = (pid_t)json_integer_value(v);
	}
	client->pid_count = n;
}

void harness_client_describe_exit(struct harness_client *client, char *why,
				  size_t why_size)
{
	char status[96] = "closed its output", last[400], message[300] = "";
	/* A client that stops says why on its stdout first
	 * ({"event":"error","message":...}); read what is left there, or
	 * the reason is lost with the pipe. Bounded: 64 lines, 100 ms each. */
	static char line[1 << 16];
	for (int i = 0; i < 64; i++) {
		if (mcs_child_read_line(&client->child, line, sizeof(line),
					100) != 1)
			break;
		json_t *j = json_loads(line, 0, NULL);
		const char *kind =
		    json_string_value(json_object_get(j, "event"));
		const char *text =
		    json_string_value(json_object_get(j, "message"));
		if (kind && strcmp(kind, "error") == 0 && text)
			snprintf(message, sizeof(message), "%s", text);
		json_decref(j);
	}
	mcs_child_last_log_line(&client->child, last, sizeof(last));
	if (mcs_child_exited(&client->child))
		mcs_describe_status(client->child.status, status,
				    sizeof(status));
	const char *reason = message[0] ? message : last;
	snprintf(why, why_size, "client (pid %d) %s%s%s (log: %s)",
		 (int)client->child.group, status, reason[0] ? ": " : "",
		 reason, client->child.log_path);
}

int harness_client_request(struct harness_client *client, const char *command,
			   const char *event, double timeout_s,
			   harness_waiter waiter, void *context, json_t **reply,
			   char *why, size_t why_size)
{
	*reply = NULL;
	if (command) {
		char line[256];
		snprintf(line, sizeof(line), "%s\n", command);
		int err = mcs_child_write(&client->child, line);
		if (err) {
			harness_client_describe_exit(client, why, why_size);
			return err;
		}
	}
	double deadline = mcs_now_seconds() + timeout_s;
	static char line[1 << 16];
	for (;;) {
		/* 20 ms: the waiter (the memory guard among its checks) must
		 * be able to look as often as it needs. */
		int got =
		    mcs_child_read_line(&client->child, line, sizeof(line), 20);
		if (got == -EPIPE) {
			harness_client_describe_exit(client, why, why_size);
			return -EPIPE;
		}
		if (got < 0 && got != -EINTR) {
			snprintf(why, why_size, "reading the client: %s",
				 strerror(-got));
			return got;
		}
		if (got == 1) {
			json_error_t error;
			json_t *j = json_loads(line, 0, &error);
			const char *kind =
			    json_string_value(json_object_get(j, "event"));
			if (!kind) {
				snprintf(why, why_size,
					 "client sent a line that is not a "
					 "protocol reply: '%.200s'",
					 line);
				json_decref(j);
				return -EPROTO;
			}
			json_t *device = json_object_get(
			    json_object_get(j, "tun"), "device_write_cpu_s");
			if (json_is_number(device))
				client->device_write_cpu_s =
				    json_number_value(device);
			if (strcmp(kind, event) == 0) {
				*reply = j;
				return 0;
			}
			if (strcmp(kind, "error") == 0) {
				snprintf(
				    why, why_size, "client: %s",
				    json_string_value(
					json_object_get(j, "message"))
					? json_string_value(
					      json_object_get(j, "message"))
					: "error");
				json_decref(j);
				return -EPROTO;
			}
			/* Another event (say, progress): not ours, and no
			 * reason to skip the checks below. */
			json_decref(j);
		}
		if (waiter) {
			int err = waiter(context, why, why_size);
			if (err)
				return err;
		}
		int err = harness_timed_out(
		    deadline, why, why_size,
		    "client did not answer '%s' within %.0f s",
		    command ? command : "startup", timeout_s);
		if (err)
			return err;
	}
}
