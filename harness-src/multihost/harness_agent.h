/* harness_agent.h - the harness's end of one host's agent (mcs-agent,
 * docs/MULTIHOST.md): started through the transport, spoken to in JSON
 * lines. Requests get an id and their reply is kept until taken; the
 * output of the agent's process (the client's protocol replies, the
 * server's lines) is queued; an exit of that process, the agent's own
 * end, or silence past the heartbeat marks the agent gone, with the
 * reason. One pump reads every agent at once, so a host that dies is
 * seen whatever the harness is waiting for.
 */
#ifndef HARNESS_AGENT_H
#define HARNESS_AGENT_H

#include <jansson.h>
#include <stddef.h>

#include "mcs_process.h"

#define HARNESS_AGENT_QUEUE 32
/* A ping a second; an agent silent this long is gone. */
#define HARNESS_AGENT_PING_S	1.0
#define HARNESS_AGENT_SILENCE_S 6.0
/* The agent stops everything when the harness is silent this long. */
#define HARNESS_AGENT_WATCHDOG_S 15

struct harness_agent {
	char name[128];		/* the host as given (for messages) */
	const char *role;	/* "server" or "client" */
	struct mcs_child child; /* the transport running mcs-agent */
	int next_id;
	/* Gone: its connection closed, it said it stops, it fell silent,
	 * or its process exited when no stop was asked; why in reason. */
	int gone;
	char reason[640];
	int heartbeat; /* ping, and mark it gone when silent */
	double last_heard, last_ping;
	int stopping; /* the process's exit is expected now */
	/* Replies not yet taken, by id. */
	json_t *replies[HARNESS_AGENT_QUEUE];
	/* Output of its process: relayed JSON lines, in order. */
	json_t *events[HARNESS_AGENT_QUEUE];
	size_t event_count;
	int listening;	     /* the server said it listens */
	char last_text[320]; /* the last text line its process printed */
};

/* Start agent_path on host through transport (NULL or host "local": here),
 * its stderr into log_path. Returns 0 or -errno with why. */
int harness_agent_start(struct harness_agent *a, const char *host,
			const char *role, const char *transport,
			const char *agent_path, const char *log_path, char *why,
			size_t why_size);

/* Send request (stolen) with the next id added. Returns the id, or a
 * negative errno when the agent cannot be written to (it is then gone). */
int harness_agent_send(struct harness_agent *a, json_t *request);
/* The same, built from a jansson pack format. */
int harness_agent_sendf(struct harness_agent *a, const char *format, ...);

/* Read what every agent sent, waiting up to timeout_ms for anything;
 * ping those with a heartbeat and mark the silent ones gone. */
void harness_agents_pump(struct harness_agent *const *agents, size_t n,
			 int timeout_ms);

/* The reply to request id, once it came (the caller owns it), or NULL. */
json_t *harness_agent_take_reply(struct harness_agent *a, int id);

/* The first queued output line whose event is event, or an "error" line
 * (the caller owns it), or NULL. */
json_t *harness_agent_take_event(struct harness_agent *a, const char *event);

/* Stop the agent: "quit" (it stops its processes), up to grace_s for its
 * "bye", then its stdin closed and the transport stopped. Safe to call
 * twice, and on an agent that is gone. */
void harness_agent_close(struct harness_agent *a, double grace_s);

/* The last line of the transport's stderr (ssh's reasons land there). */
void harness_agent_last_log_line(const struct harness_agent *a, char *line,
				 size_t line_size);

#endif /* HARNESS_AGENT_H */
