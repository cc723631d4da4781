/* harness_client.h - drive the `client` binary through its --control
 * protocol (docs/CONTROL.md): one command per line on its stdin, one JSON
 * object per line back on its stdout.
 */
#ifndef HARNESS_CLIENT_H
#define HARNESS_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "harness_measure.h"
#include "mcs_process.h"

struct harness_client {
	struct mcs_child child;
	pid_t pids[HARNESS_MAX_PIDS]; /* the client and its workers */
	size_t pid_count;
	unsigned procs;
	/* The TUN client's device_write_cpu_s (docs/CONTROL.md) in its last
	 * reply: its threads' CPU in device writes since start, which is the
	 * server kernel's receive path. 0 with the kernel client. */
	double device_write_cpu_s;
};

/* Called about every 250 ms while a reply is awaited. Returns 0 to keep
 * waiting, or a negative errno (with why filled) to give up. */
typedef int (*harness_waiter)(void *context, char *why, size_t why_size);

/* Send command (without newline; NULL: send nothing) and wait up to
 * timeout_s for the reply whose "event" is event. Returns 0 with *reply
 * (caller decrefs), or -errno with one line in why: the client reported an
 * error, exited, timed out, or waiter gave up. */
/* Why the client stopped, in one line: its exit status and the reason it
 * printed (an error event on stdout, else the last line of its log). */
void harness_client_describe_exit(struct harness_client *client, char *why,
				  size_t why_size);

int harness_client_request(struct harness_client *client, const char *command,
			   const char *event, double timeout_s,
			   harness_waiter waiter, void *context, json_t **reply,
			   char *why, size_t why_size);

/* Take the "pids" array of a reply (ready, step) as the client's process
 * list, with the client's own pid first. */
void harness_client_take_pids(struct harness_client *client,
			      const json_t *reply);

/* Read {"p50":..,"p99":..} style objects; missing fields stay 0. */
struct harness_latency;
void harness_json_latency(const json_t *object, struct harness_latency *l);

#endif /* HARNESS_CLIENT_H */
