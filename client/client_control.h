/* client_control.h - one line of the control protocol (docs/CONTROL.md)
 * parsed into a command, without side effects. */
#ifndef CLIENT_CONTROL_H
#define CLIENT_CONTROL_H

#include <stddef.h>
#include <stdint.h>

enum client_control_type {
	CLIENT_CONTROL_NONE = 0, /* empty line: ignored */
	CLIENT_CONTROL_GROW,	 /* grow N */
	CLIENT_CONTROL_ECHO,	 /* echo M SIZE */
	CLIENT_CONTROL_VERIFY,	 /* verify */
	CLIENT_CONTROL_QUIT,	 /* quit */
};

struct client_control {
	enum client_control_type type;
	uint64_t count; /* grow: N; echo: M */
	uint32_t size;	/* echo: SIZE */
};

/* Parse line (no newline; a trailing '\r' is tolerated). max_connections
 * bounds grow N. Returns 0, or -EINVAL with a one-line reason in why. */
int client_control_parse(const char *line, uint64_t max_connections,
			 struct client_control *command, char *why,
			 size_t why_size);

#endif /* CLIENT_CONTROL_H */
