/* client_control.c - parse control-protocol lines ("grow 10000",
 * "echo 1000 64", "load 20000 64 5", "verify", "status", "quit"), and cut
 * them from the channel's bytes. */
#include "client_control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client_options.h"
#include "mcs_parse.h"

#define MAX_WORDS 4

/* load RATE SIZE DURATION_S */
static int parse_load(char *const *words, int n, struct client_control *command,
		      char *why, size_t why_size)
{
	uint64_t rate, size;
	double seconds;
	if (n != 4) {
		snprintf(why, why_size, "usage: load RATE SIZE DURATION_S");
		return -EINVAL;
	}
	if (mcs_parse_count(words[1], 1, CLIENT_LOAD_MAX_RATE, &rate)) {
		snprintf(why, why_size,
			 "load: RATE '%s' is not a count of messages per "
			 "second from 1 to %u",
			 words[1], CLIENT_LOAD_MAX_RATE);
		return -EINVAL;
	}
	if (mcs_parse_count(words[2], 1, CLIENT_MAX_PAYLOAD, &size)) {
		snprintf(why, why_size,
			 "load: SIZE '%s' is not a size from 1 to %u bytes",
			 words[2], CLIENT_MAX_PAYLOAD);
		return -EINVAL;
	}
	if (mcs_parse_seconds(words[3], CLIENT_LOAD_MAX_SECONDS, &seconds) ||
	    !(seconds > 0)) {
		snprintf(why, why_size,
			 "load: DURATION_S '%s' is not a number of seconds "
			 "above 0 and at most %.0f",
			 words[3], CLIENT_LOAD_MAX_SECONDS);
		return -EINVAL;
	}
	command->type = CLIENT_CONTROL_LOAD;
	command->count = rate;
	command->size = (uint32_t)size;
	command->seconds = seconds;
	return 0;
}

int client_control_parse(const char *line, uint64_t max_connections,
			 struct client_control *command, char *why,
			 size_t why_size)
{
	char copy[256];
	size_t length = strlen(line);
	memset(command, 0, sizeof(*command));
	if (length >= sizeof(copy)) {
		snprintf(why, why_size, "command too long (%zu bytes)", length);
		return -EINVAL;
	}
	memcpy(copy, line, length + 1);
	char *words[MAX_WORDS + 1];
	int n = 0;
	char *save = NULL;
	for (char *word = strtok_r(copy, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS) {
			snprintf(why, why_size, "too many words in '%s'", line);
			return -EINVAL;
		}
		words[n++] = word;
	}
	if (n == 0)
		return 0;
	uint64_t v;
	if (strcmp(words[0], "grow") == 0) {
		if (n != 2) {
			snprintf(why, why_size, "usage: grow N");
			return -EINVAL;
		}
		int err = mcs_parse_count(words[1], 1, max_connections, &v);
		if (err) {
			snprintf(why, why_size,
				 err == -ERANGE
				     ? "grow: '%s' is not from 1 to "
				       "--connections (%" PRIu64 ")"
				     : "grow: '%s' is not a count (%" PRIu64
				       " at most)",
				 words[1], max_connections);
			return -EINVAL;
		}
		command->type = CLIENT_CONTROL_GROW;
		command->count = v;
		return 0;
	}
	if (strcmp(words[0], "echo") == 0) {
		if (n != 3) {
			snprintf(why, why_size, "usage: echo M SIZE");
			return -EINVAL;
		}
		if (mcs_parse_count(words[1], 1, UINT32_MAX, &v)) {
			snprintf(why, why_size,
				 "echo: '%s' is not a connection count",
				 words[1]);
			return -EINVAL;
		}
		command->count = v;
		if (mcs_parse_count(words[2], 1, CLIENT_MAX_PAYLOAD, &v)) {
			snprintf(why, why_size,
				 "echo: '%s' is not a size from 1 to %u bytes",
				 words[2], CLIENT_MAX_PAYLOAD);
			return -EINVAL;
		}
		command->type = CLIENT_CONTROL_ECHO;
		command->size = (uint32_t)v;
		return 0;
	}
	if (strcmp(words[0], "load") == 0)
		return parse_load(words, n, command, why, why_size);
	if (strcmp(words[0], "verify") == 0 || strcmp(words[0], "quit") == 0 ||
	    strcmp(words[0], "status") == 0) {
		if (n != 1) {
			snprintf(why, why_size, "usage: %s (no arguments)",
				 words[0]);
			return -EINVAL;
		}
		command->type = words[0][0] == 'v'   ? CLIENT_CONTROL_VERIFY
				: words[0][0] == 's' ? CLIENT_CONTROL_STATUS
						     : CLIENT_CONTROL_QUIT;
		return 0;
	}
	snprintf(why, why_size,
		 "unknown command '%s' (grow N, echo M SIZE, "
		 "load RATE SIZE DURATION_S, verify, status, quit)",
		 words[0]);
	return -EINVAL;
}

int client_line_take(struct client_line_buffer *b, char *line, size_t size)
{
	char *newline = memchr(b->data, '\n', b->have);
	if (!newline && !(b->eof && b->have) && b->have != sizeof(b->data))
		return 0;
	size_t length = newline ? (size_t)(newline - b->data) : b->have;
	size_t copy = length < size - 1 ? length : size - 1;
	memcpy(line, b->data, copy);
	line[copy] = '\0';
	if (length > size - 1)
		line[0] = '\x01'; /* too long */
	size_t used = newline ? length + 1 : length;
	memmove(b->data, b->data + used, b->have - used);
	b->have -= used;
	return 1;
}

void client_line_read(struct client_line_buffer *b, int fd)
{
	ssize_t got = read(fd, b->data + b->have, sizeof(b->data) - b->have);
	if (got < 0 && errno == EINTR)
		return;
	if (got <= 0)
		b->eof = 1;
	else
		b->have += (size_t)got;
}
