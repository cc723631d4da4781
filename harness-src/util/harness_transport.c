/* harness_transport.c - command templates and quoting for starting
 * processes on other hosts (see harness_transport.h). */
#include "harness_transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mcs_parse.h"

static int is_name_char(char c, int in_user)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c == '.' || c == '_' || c == '-' || (!in_user && c == ':');
}

int harness_host_check(const char *option, const char *host, char *why,
		       size_t why_size)
{
	const char *at = strchr(host, '@');
	const char *name = at ? at + 1 : host;
	int bad = !name[0] || name[0] == '-' || (at && at == host) ||
		  (at && host[0] == '-');
	for (const char *p = host; *p && !bad; p++)
		if (p != at && !is_name_char(*p, at && p < at))
			bad = 1;
	if (!bad)
		return 0;
	char shown[128];
	snprintf(why, why_size,
		 "%s: host '%s' is not [USER@]NAME of letters, digits and "
		 "._:- (not starting with -): name it so, or give it an alias "
		 "in ~/.ssh/config",
		 option, mcs_printable(host, shown, sizeof(shown)));
	return -EINVAL;
}

/* Append one byte to the word being built. */
static int put(struct harness_command *out, char c)
{
	if (out->used >= sizeof(out->store))
		return -E2BIG;
	out->store[out->used++] = c;
	return 0;
}

static int end_word(struct harness_command *out, size_t start)
{
	if (out->argc >= HARNESS_TRANSPORT_MAX_WORDS || put(out, '\0'))
		return -E2BIG;
	out->argv[out->argc++] = out->store + start;
	out->argv[out->argc] = NULL;
	return 0;
}

/* Split template into out's words, {host} replaced by host (NULL: left
 * as it is). Sets *has_host when {host} appeared. */
static int split(const char *template, const char *host,
		 struct harness_command *out, int *has_host, char *why,
		 size_t why_size)
{
	const char *p = template;
	*has_host = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		size_t start = out->used;
		char quote = 0;
		int err = 0;
		while (*p && (quote || (*p != ' ' && *p != '\t')) && !err) {
			if (!quote && (*p == '\'' || *p == '"')) {
				quote = *p++;
			} else if (quote && *p == quote) {
				quote = 0;
				p++;
			} else if (strncmp(p, "{host}", 6) == 0) {
				*has_host = 1;
				for (const char *h = host ? host : "{host}";
				     *h && !err; h++)
					err = put(out, *h);
				p += 6;
			} else {
				err = put(out, *p++);
			}
		}
		if (quote) {
			snprintf(why, why_size,
				 "--transport: unterminated %c quote in "
				 "'%.200s'",
				 quote, template);
			return -EINVAL;
		}
		if (err || (err = end_word(out, start))) {
			snprintf(why, why_size,
				 "--transport: '%.100s...' is too long",
				 template);
			return err;
		}
	}
}

int harness_transport_check(const char *template, char *why, size_t why_size)
{
	struct harness_command words = {0};
	int has_host;
	int err = split(template, NULL, &words, &has_host, why, why_size);
	if (err)
		return err;
	if (!words.argc || !has_host) {
		snprintf(why, why_size,
			 "--transport: '%.200s' does not name {host}: give a "
			 "command template such as '%s'",
			 template, HARNESS_TRANSPORT_SSH);
		return -EINVAL;
	}
	return 0;
}

static int shell_safe(char c)
{
	return is_name_char(c, 0) || strchr("/+=,%@", c) != NULL;
}

size_t harness_shell_quote(const char *word, char *out, size_t out_size)
{
	int safe = word[0] != '\0';
	for (const char *p = word; *p && safe; p++)
		safe = shell_safe(*p);
	size_t n = 0;
#define EMIT(c)                                                                \
	do {                                                                   \
		if (n + 1 < out_size)                                          \
			out[n] = (c);                                          \
		n++;                                                           \
	} while (0)
	if (!safe)
		EMIT('\'');
	for (const char *p = word; *p; p++) {
		if (*p == '\'' && !safe) {
			EMIT('\'');
			EMIT('\\');
			EMIT('\'');
			EMIT('\'');
		} else {
			EMIT(*p);
		}
	}
	if (!safe)
		EMIT('\'');
#undef EMIT
	if (out_size)
		out[n < out_size ? n : out_size - 1] = '\0';
	return n;
}

/* Does the template's program hand its command to a remote shell? */
static int through_shell(const char *program)
{
	const char *base = strrchr(program, '/');
	base = base ? base + 1 : program;
	return strcmp(base, "ssh") == 0;
}

static int append_command(struct harness_command *out, char *const command[],
			  int quote)
{
	for (size_t i = 0; command[i]; i++) {
		size_t start = out->used;
		if (!quote) {
			size_t len = strlen(command[i]);
			if (out->used + len >= sizeof(out->store))
				return -E2BIG;
			memcpy(out->store + out->used, command[i], len);
			out->used += len;
		} else {
			size_t room = sizeof(out->store) - out->used;
			size_t len = harness_shell_quote(
			    command[i], out->store + out->used, room);
			if (len >= room)
				return -E2BIG;
			out->used += len;
		}
		int err = end_word(out, start);
		if (err)
			return err;
	}
	return 0;
}

int harness_transport_command(const char *template, const char *host,
			      char *const command[],
			      struct harness_command *out, char *why,
			      size_t why_size)
{
	memset(out, 0, sizeof(*out));
	int local = !template || !host || strcmp(host, HARNESS_LOCAL_HOST) == 0;
	int err = 0;
	if (!local) {
		int has_host;
		err = harness_host_check("host", host, why, why_size);
		if (!err)
			err = split(template, host, out, &has_host, why,
				    why_size);
		if (!err && (!out->argc || !has_host))
			err = harness_transport_check(template, why, why_size);
		if (err)
			return err;
	}
	err =
	    append_command(out, command, !local && through_shell(out->argv[0]));
	if (err) {
		snprintf(why, why_size,
			 "the command for host %.100s is longer than %zu bytes",
			 host ? host : HARNESS_LOCAL_HOST, sizeof(out->store));
		return err;
	}
	return 0;
}
