/* harness_transport.h - how a process is started on a host: a command
 * template in which {host} is replaced, with the command appended.
 *
 * One mechanism serves every "elsewhere" the harness runs things: a remote
 * machine (`ssh -o BatchMode=yes {host}`), a container (`docker exec -i
 * {host}`, `kubectl exec -i {host} --`), or a network namespace (`ip netns
 * exec {host}`), including the private namespace each sweep gets.
 *
 * The template is split into words like a shell would (blanks, 'single'
 * and "double" quotes; no variables, globs or other expansion). A
 * transport whose program is ssh hands its command to a remote shell, so
 * each word of the command is shell-quoted; every other transport gets the
 * command as separate arguments. Host names are checked, never quoted: one
 * that would need quoting, or that starts with '-', is refused.
 */
#ifndef HARNESS_TRANSPORT_H
#define HARNESS_TRANSPORT_H

#include <stddef.h>

#define HARNESS_TRANSPORT_SSH	"ssh -o BatchMode=yes {host}"
#define HARNESS_TRANSPORT_NETNS "ip netns exec {host}"
/* The host name meaning "this machine, no transport". */
#define HARNESS_LOCAL_HOST "local"

#define HARNESS_TRANSPORT_MAX_WORDS 96

struct harness_command {
	char *argv[HARNESS_TRANSPORT_MAX_WORDS + 1]; /* NULL-terminated */
	size_t argc;
	char store[8192]; /* the words argv points into */
	size_t used;
};

/* Is host a name a transport may be given: [USER@]NAME where USER is
 * [A-Za-z0-9._-] and NAME is [A-Za-z0-9._:-], not starting with '-'?
 * Returns 0, or -EINVAL with one line naming what (option) and why. */
int harness_host_check(const char *option, const char *host, char *why,
		       size_t why_size);

/* Check a template: it splits into words and names {host}. Returns 0, or
 * -EINVAL with one line in why. */
int harness_transport_check(const char *template, char *why, size_t why_size);

/* The argv that runs command (NULL-terminated) on host through template;
 * host HARNESS_LOCAL_HOST or template NULL runs it here, unchanged.
 * Returns 0, or -EINVAL / -E2BIG with one line in why. */
int harness_transport_command(const char *template, const char *host,
			      char *const command[],
			      struct harness_command *out, char *why,
			      size_t why_size);

/* Write word to out quoted for a POSIX shell ('...' with ' as '\''),
 * bare when it needs no quoting. Returns the length it needs (like
 * snprintf). */
size_t harness_shell_quote(const char *word, char *out, size_t out_size);

#endif /* HARNESS_TRANSPORT_H */
