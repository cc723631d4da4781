/* fuzz_targets.c - contract checks around the command-line parsers
 * (common/mcs_parse.c, server/server_options.c) for fuzzing. Every copy of
 * the input is malloc'ed to its exact size so that AddressSanitizer sees a
 * read one byte too far. */
#include "fuzz_targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_parse.h"
#include "server_options.h"

#define MAX_ARGS   64
#define MAX_VALUES 16

/* A heap copy of data[0..size) with a NUL after it, and nothing more. */
static char *copy_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static void check_count(const char *text)
{
	uint64_t v = 12345;
	int err = mcs_parse_count(text, 0, UINT64_MAX, &v);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	err = mcs_parse_count(text, 10, 1000000, &v);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err == 0)
		CHECK(v >= 10 && v <= 1000000);
}

static void check_size(const char *text)
{
	uint64_t v = 12345;
	int err = mcs_parse_size(text, UINT64_MAX, &v);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	err = mcs_parse_size(text, 1u << 30, &v);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err == 0)
		CHECK(v <= (1u << 30));
}

static void check_ports(const char *text)
{
	uint16_t first = 0, last = 0;
	int err = mcs_parse_port_range(text, &first, &last);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err == 0)
		CHECK(first >= 1 && first <= last);
}

static void check_ipv4(const char *text)
{
	struct in_addr a, b;
	int err = mcs_parse_ipv4(text, &a);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err != 0)
		return;
	/* What it accepts prints back to an address it parses the same. */
	char printed[INET_ADDRSTRLEN];
	CHECK(inet_ntop(AF_INET, &a, printed, sizeof(printed)) != NULL);
	CHECK(mcs_parse_ipv4(printed, &b) == 0);
	CHECK(a.s_addr == b.s_addr);
	uint32_t count = 0;
	CHECK(mcs_parse_ipv4_range(text, &b, &count) == 0);
	CHECK(count == 1 && a.s_addr == b.s_addr);
}

static void check_ipv4_range(const char *text)
{
	struct in_addr first;
	uint32_t count = 0;
	int err = mcs_parse_ipv4_range(text, &first, &count);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err == 0)
		CHECK(count >= 1 && count <= 65536 &&
		      (uint64_t)ntohl(first.s_addr) + count - 1 <= UINT32_MAX);
}

static void check_count_list(const char *text)
{
	uint64_t values[MAX_VALUES];
	size_t count = 0;
	int err = mcs_parse_count_list(text, 1, 100000000, values, MAX_VALUES,
				       &count);
	CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err != 0)
		return;
	CHECK(count >= 1 && count <= MAX_VALUES);
	for (size_t i = 0; i < count; i++) {
		CHECK(values[i] >= 1 && values[i] <= 100000000);
		if (i > 0)
			CHECK(values[i] > values[i - 1]);
	}
	/* Room for fewer values than given is an error, never an overflow. */
	if (count > 1) {
		uint64_t few[1];
		size_t n = 0;
		CHECK(mcs_parse_count_list(text, 1, 100000000, few, 1, &n) ==
		      -ERANGE);
	}
}

/* An error-message copy fits its buffer, stays one line, and is the text
 * itself when that fits. Exact-size heap buffers catch an overflow. */
static void check_printable(const char *text)
{
	static const size_t sizes[] = {1, 2, 3, 4, 5, 8, 48};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *buf = malloc(sizes[i]);
		if (!buf)
			abort();
		CHECK(mcs_printable(text, buf, sizes[i]) == buf);
		size_t len = strnlen(buf, sizes[i]);
		CHECK(len < sizes[i]);
		for (size_t k = 0; k < len; k++)
			CHECK((unsigned char)buf[k] >= 0x20 && buf[k] != 0x7f);
		if (strlen(text) < sizes[i])
			CHECK(len == strlen(text));
		free(buf);
	}
}

int fuzz_parsers(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	char *text = copy_string(data, nul ? (size_t)(nul - data) : size);
	check_count(text);
	check_size(text);
	check_ports(text);
	check_ipv4(text);
	check_ipv4_range(text);
	check_count_list(text);
	check_printable(text);
	free(text);
	return 0;
}

/* A failure's reason is one line whatever the user typed (the server shows
 * control characters it quotes as '?'). */
static void check_options(int rc, const struct server_options *o,
			  const char *why, size_t why_size)
{
	CHECK(memchr(why, '\0', why_size) != NULL);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc != 0) {
		CHECK(why[0] != '\0');
		CHECK(strchr(why, '\n') == NULL); /* one line */
		return;
	}
	CHECK(memchr(o->backend, '\0', sizeof(o->backend)) != NULL);
	CHECK(o->backend[0] != '\0');
	CHECK(memchr(o->stats_name, '\0', sizeof(o->stats_name)) != NULL);
	CHECK(o->stats_name[0] == '\0' || o->stats_name[0] == '/');
	CHECK(o->port_first >= 1 && o->port_first <= o->port_last);
	CHECK(o->workers <= (unsigned)(o->port_last - o->port_first) + 1);
	CHECK(o->read_buffer_size >= 64 && o->write_backlog_limit >= 64);
	CHECK(o->listen_backlog >= 1);
	CHECK(o->interval_seconds >= 0 && o->interval_seconds <= 3600);
	CHECK(o->duration_seconds >= 0 && o->duration_seconds <= 7 * 86400);
}

int fuzz_server_options(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = copy_string((const uint8_t *)"server", 6);
	size_t start = 0;
	for (size_t i = 0; i <= size && argc < MAX_ARGS + 1; i++) {
		if (i == size || data[i] == 0) {
			if (i == size && i == start)
				break; /* a trailing NUL ends the last one */
			argv[argc++] = copy_string(data + start, i - start);
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	char *saved[MAX_ARGS + 2];
	memcpy(saved, argv, sizeof(argv)); /* getopt permutes argv */
	struct server_options o;
	char why[256];
	int rc = server_parse_options(argc, argv, &o, why, sizeof(why));
	check_options(rc, &o, why, sizeof(why));
	for (int i = 0; i < argc; i++)
		free(saved[i]);

	/* A good command line after it parses as in a fresh process. */
	char a0[] = "server", a1[] = "--ports", a2[] = "1-2";
	char *good[] = {a0, a1, a2, NULL};
	rc = server_parse_options(3, good, &o, why, sizeof(why));
	CHECK(rc == 0);
	CHECK(o.port_first == 1 && o.port_last == 2);
	CHECK(o.help == 0 && o.list_backends == 0 && o.json == 0);
	CHECK(strcmp(o.backend, "epoll") == 0);
	return 0;
}
