/* client_control.h - one line of the control protocol (docs/CONTROL.md)
 * parsed into a command, without side effects, and the lines cut from the
 * control channel's bytes. */
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
	CLIENT_CONTROL_LOAD,	 /* load RATE SIZE DURATION_S */
	CLIENT_CONTROL_STATUS,	 /* status: counts now, no traffic */
};

/* load: the highest RATE (messages/s over the whole client) and the
 * longest DURATION_S accepted. */
#define CLIENT_LOAD_MAX_RATE	10000000u
#define CLIENT_LOAD_MAX_SECONDS 3600.0

struct client_control {
	enum client_control_type type;
	uint64_t count; /* grow: N; echo: M; load: RATE */
	uint32_t size;	/* echo, load: SIZE */
	double seconds; /* load: DURATION_S */
};

/* Parse line (no newline; a trailing '\r' is tolerated). max_connections
 * bounds grow N. Returns 0, or -EINVAL with a one-line reason in why. */
int client_control_parse(const char *line, uint64_t max_connections,
			 struct client_control *command, char *why,
			 size_t why_size);

/* The control channel's input: bytes read from a file descriptor (stdin),
 * cut into lines. Shared by the kernel client and tun-client. */
struct client_line_buffer {
	char data[4096];
	size_t have;
	int eof;
};

/* Take the next line (without its newline; a last line without one at
 * EOF; a full buffer with none) into line[size]. Returns 1 when there was
 * one (a line longer than size - 1 bytes comes back starting with '\x01':
 * "too long"), 0 when more input is needed, or at EOF with nothing left
 * (b->eof tells which). */
int client_line_take(struct client_line_buffer *b, char *line, size_t size);

/* Read what fd has into b (after poll said it is readable): EOF or an
 * error sets b->eof; EINTR changes nothing. */
void client_line_read(struct client_line_buffer *b, int fd);

#endif /* CLIENT_CONTROL_H */
