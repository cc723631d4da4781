/* test_bad_input.c - every command-line option of the project's binaries
 * with missing, empty, malformed, negative, out-of-range, huge and
 * contradictory values. Each must give exactly one line on stderr naming
 * the option, nothing on stdout, exit status 2, and start nothing: no
 * process outlives it (the test is a subreaper, so an orphaned worker would
 * become its child), its ports stay free and no shared stats appear.
 *
 * usage: test_reliability_bad_input FIRST_PORT  (uses FIRST_PORT and
 *   FIRST_PORT+1)
 *
 * One table for all binaries: a row names its binary; rows of a binary
 * that is not built (yet) are skipped and said so. Adding the client's or
 * the harness's options is adding rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel_util.h"
#include "run_binary.h"

#define MAX_ARGS 8

struct bad_input {
	const char *binary;
	const char *args[MAX_ARGS]; /* after the base arguments */
	const char *needle;	    /* must appear in the one stderr line */
};

#define HUGE_NUMBER "99999999999999999999999999"
#define LONG_TEXT                                                              \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"   \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct bad_input rows[] = {
    /* server: --backend */
    {"server", {"--backend"}, "--backend"},
    {"server", {"--backend", ""}, "--backend"},
    {"server", {"--backend", "nope"}, "backend 'nope'"},
    {"server", {"--backend", "../../etc/passwd"}, "backend"},
    {"server", {"--backend", LONG_TEXT}, "--backend"},
    /* --ports */
    {"server", {"--ports"}, "--ports"},
    {"server", {"--ports", ""}, "--ports"},
    {"server", {"--ports", "abc"}, "--ports"},
    {"server", {"--ports", "-1"}, "--ports"},
    {"server", {"--ports", "0"}, "--ports"},
    {"server", {"--ports", "65536"}, "--ports"},
    {"server", {"--ports", HUGE_NUMBER}, "--ports"},
    {"server", {"--ports", "2971-2970"}, "--ports"},
    {"server", {"--ports", "2970-"}, "--ports"},
    {"server", {"--ports", "2970-2971-2972"}, "--ports"},
    {"server", {"--ports", " 2970"}, "--ports"},
    {"server", {"--ports", "+2970"}, "--ports"},
    {"server", {"--ports", "0x10"}, "--ports"},
    /* --workers */
    {"server", {"--workers"}, "--workers"},
    {"server", {"--workers", ""}, "--workers"},
    {"server", {"--workers", "many"}, "--workers"},
    {"server", {"--workers", "-1"}, "--workers"},
    {"server", {"--workers", "0"}, "--workers"},
    {"server", {"--workers", "4097"}, "--workers"},
    {"server", {"--workers", HUGE_NUMBER}, "--workers"},
    {"server", {"--workers", "1.5"}, "--workers"},
    /* contradictory: more workers than ports */
    {"server", {"--workers", "3"}, "--workers"},
    {"server", {"--ports", "2970", "--workers", "2"}, "--workers"},
    /* --address */
    {"server", {"--address"}, "--address"},
    {"server", {"--address", ""}, "--address"},
    {"server", {"--address", "1.2.3"}, "--address"},
    {"server", {"--address", "0.0.0.0"}, "--any-address"},
    {"server", {"--address", "1.2.3.4.5"}, "--address"},
    {"server", {"--address", "256.0.0.1"}, "--address"},
    {"server", {"--address", "-1.0.0.0"}, "--address"},
    {"server", {"--address", "localhost"}, "--address"},
    {"server", {"--address", "::1"}, "--address"},
    {"server", {"--address", "0127.0.0.1"}, "--address"},
    {"server", {"--address", HUGE_NUMBER}, "--address"},
    /* --threads */
    {"server", {"--threads"}, "--threads"},
    {"server", {"--threads", "x"}, "--threads"},
    {"server", {"--threads", "-1"}, "--threads"},
    {"server", {"--threads", "1025"}, "--threads"},
    {"server", {"--threads", HUGE_NUMBER}, "--threads"},
    /* --max-connections */
    {"server", {"--max-connections"}, "--max-connections"},
    {"server", {"--max-connections", ""}, "--max-connections"},
    {"server", {"--max-connections", "lots"}, "--max-connections"},
    {"server", {"--max-connections", "-1"}, "--max-connections"},
    {"server", {"--max-connections", "0"}, "--max-connections"},
    {"server", {"--max-connections", "101M"}, "--max-connections"},
    {"server", {"--max-connections", "1G"}, "--max-connections"},
    {"server", {"--max-connections", "1MM"}, "--max-connections"},
    {"server", {"--max-connections", "1k5"}, "--max-connections"},
    {"server", {"--max-connections", HUGE_NUMBER}, "--max-connections"},
    {"server",
     {"--max-connections", "18446744073709551615k"},
     "--max-connections"},
    /* contradictory: a total cap smaller than the number of workers */
    {"server",
     {"--workers", "2", "--max-connections", "1"},
     "--max-connections"},
    /* --read-buffer, --write-limit */
    {"server", {"--read-buffer"}, "--read-buffer"},
    {"server", {"--read-buffer", "63"}, "--read-buffer"},
    {"server", {"--read-buffer", "-1"}, "--read-buffer"},
    {"server", {"--read-buffer", "17M"}, "--read-buffer"},
    {"server", {"--read-buffer", HUGE_NUMBER}, "--read-buffer"},
    {"server", {"--write-limit"}, "--write-limit"},
    {"server", {"--write-limit", "0"}, "--write-limit"},
    {"server", {"--write-limit", "-1"}, "--write-limit"},
    {"server", {"--write-limit", "16777217"}, "--write-limit"},
    {"server", {"--write-limit", "4KiB"}, "--write-limit"},
    /* --backlog */
    {"server", {"--backlog"}, "--backlog"},
    {"server", {"--backlog", "0"}, "--backlog"},
    {"server", {"--backlog", "-1"}, "--backlog"},
    {"server", {"--backlog", "1000001"}, "--backlog"},
    {"server", {"--backlog", HUGE_NUMBER}, "--backlog"},
    /* --interval, --duration */
    {"server", {"--interval"}, "--interval"},
    {"server", {"--monitor-interval"}, "--monitor-interval"},
    /* An unknown unit on any duration, by the canonical name or an
     * alias: exit 2, the option named. */
    {"server", {"--monitor-interval", "10x"}, "--monitor-interval"},
    {"server", {"--interval", "5us"}, "--monitor-interval"},
    {"server", {"--duration", "10x"}, "--duration"},
    {"server", {"--interval", ""}, "--monitor-interval"},
    {"server", {"--interval", "soon"}, "--monitor-interval"},
    {"server", {"--interval", "-1"}, "--monitor-interval"},
    {"server", {"--interval", "3601"}, "--monitor-interval"},
    {"server", {"--interval", "nan"}, "--monitor-interval"},
    {"server", {"--interval", "inf"}, "--monitor-interval"},
    {"server", {"--interval", "1e400"}, "--monitor-interval"},
    {"server", {"--interval", "1,5"}, "--monitor-interval"},
    {"server", {"--interval", " 1"}, "--monitor-interval"},
    {"server", {"--interval", "0x10"}, "--monitor-interval"},
    {"server", {"--duration", "0x1p1"}, "--duration"},
    {"server", {"--duration"}, "--duration"},
    {"server", {"--duration", "-0.5"}, "--duration"},
    {"server", {"--duration", "604801"}, "--duration"},
    {"server", {"--duration", "nan"}, "--duration"},
    {"server", {"--duration", "-inf"}, "--duration"},
    {"server", {"--duration", HUGE_NUMBER HUGE_NUMBER "e999"}, "--duration"},
    /* --stats-shm */
    {"server", {"--stats-shm"}, "--stats-shm"},
    {"server", {"--stats-shm", ""}, "--stats-shm"},
    {"server", {"--stats-shm", "noslash"}, "--stats-shm"},
    {"server", {"--stats-shm", "/"}, "--stats-shm"},
    {"server", {"--stats-shm", "/a/b"}, "--stats-shm"},
    {"server", {"--stats-shm", "/" LONG_TEXT}, "--stats-shm"},
    /* --backend-opt: malformed, unknown, out of range (io_uring declares
       direct, buffers and recv-limit; epoll declares none) */
    {"server", {"--backend-opt"}, "--backend-opt"},
    {"server", {"--backend-opt", ""}, "--backend-opt"},
    {"server", {"--backend-opt", "direct"}, "--backend-opt"},
    {"server", {"--backend-opt", "=1"}, "--backend-opt"},
    {"server", {"--backend-opt", "Direct=1"}, "--backend-opt"},
    {"server", {"--backend-opt", "di\nrect=1"}, "--backend-opt"},
    {"server", {"--backend-opt", "x=" LONG_TEXT LONG_TEXT}, "--backend-opt"},
    {"server", {"--backend-opt", "direct=0"}, "takes no options"},
    {"server",
     {"--backend", "io_uring", "--backend-opt", "nope=1"},
     "an option of io_uring"},
    {"server",
     {"--backend", "io_uring", "--backend-opt", "buffers=3"},
     "buffers of io_uring"},
    {"server",
     {"--backend", "io_uring", "--backend-opt", "buffers=0"},
     "buffers of io_uring"},
    {"server",
     {"--backend", "io_uring", "--backend-opt", "buffers=65536"},
     "buffers of io_uring"},
    {"server",
     {"--backend", "io_uring", "--backend-opt", "buffers=" HUGE_NUMBER},
     "buffers of io_uring"},
    {"server",
     {"--backend", "io_uring", "--backend-opt", "direct=2"},
     "direct of io_uring"},
    {"server",
     {"--backend", "io_uring", "--backend-opt", "recv-limit="},
     "recv-limit of io_uring"},
    /* flags given values, unknown options, stray arguments */
    {"server", {"--json=yes"}, "--json"},
    {"server", {"--help=1"}, "--help"},
    {"server", {"--frobnicate"}, "--frobnicate"},
    {"server", {"-x"}, "-x"},
    {"server", {"-xh"}, "-x"}, /* unknown inside a cluster */
    {"server", {"stray"}, "stray"},
    {"server", {"--ports", "2970-2971", "2970"}, "2970"},
    /* a newline inside a bad value must not break the one line */
    {"server", {"--ports", "1\n2"}, "--ports"},
    {"server", {"--frob\nnicate"}, "--frob"},

    /* client: the same treatment, row by row, as it grows. */
    {"client", {"--frobnicate"}, "--frobnicate"},
    {"client", {"--connections"}, "--connections"},
    {"client", {"--connections", "many"}, "--connections"},
    {"client", {"--connections", "-1"}, "--connections"},
    {"client", {"--rate", "-5"}, "--rate"},
    {"client", {"--rate", HUGE_NUMBER}, "--rate"},
    {"client", {"--procs", "0"}, "--workers"},
    {"client", {"--workers", "0"}, "--workers"},
    {"client", {"--address", "999.1.1.1"}, "--address"},
    {"client",
     {"--payload", "8", "--message-interval", "10x"},
     "--message-interval"},
    {"client", {"--payload", "8", "--interval", "5us"}, "--message-interval"},
    {"client", {"--hold", "10x"}, "--hold"},
    {"client", {"--timeout", "10x"}, "--timeout"},
    {"client", {"--ports", "2971-2970"}, "--ports"},
    {"client", {"--host", "999.1.1.1"}, "--address"},
    {"client", {"--connections", "1\n2"}, "--connections"},
    {"client", {"--frob\nnicate"}, "--frob"},
    /* tun-client: aliases named by their canonical option; durations */
    {"tun-client", {"--timeout", "10x"}, "--timeout"},
    {"tun-client", {"--host", "1.2.3"}, "--address"},
    {"tun-client", {"--procs", "9"}, "--workers"},
    {"mcs-harness", {"--target", "1\n2"}, "--target"},
    {"mcs-harness", {"--fr\nob"}, "--fr"},
    {"mcs-harness", {"-xh"}, "-x"},
    {"mcs-harness", {"--echo=yes"}, "--echo"},

    /* harness (mcs-harness) */
    {"mcs-harness", {"--frobnicate"}, "--frobnicate"},
    {"mcs-harness", {"--target"}, "--target"},
    {"mcs-harness", {"--target", "lots"}, "--target"},
    {"mcs-harness", {"--target", "-1"}, "--target"},
    {"mcs-harness", {"--steps", "-1"}, "--steps"},
    {"mcs-harness", {"--ports", "2971-2970"}, "--ports"},
    {"mcs-harness", {"stray"}, "stray"},
    {"mcs-harness", {"--rate"}, "--rate"},
    {"mcs-harness", {"--rate", "0"}, "--rate"},
    {"mcs-harness", {"--rate", "-5"}, "--rate"},
    {"mcs-harness", {"--rate", "fast"}, "--rate"},
    {"mcs-harness", {"--rate", HUGE_NUMBER}, "--rate"},
    {"mcs-harness", {"--min-free"}, "--min-free"},
    {"mcs-harness", {"--min-free", "-1"}, "--min-free"},
    {"mcs-harness", {"--min-free", "1MB"}, "--min-free"},
    {"mcs-harness", {"--min-free", "lots"}, "--min-free"},
    {"mcs-harness", {"--min-free", HUGE_NUMBER}, "--min-free"},
    {"mcs-harness", {"--soak"}, "--soak"},
    {"mcs-harness", {"--soak", "0"}, "--soak"},
    {"mcs-harness", {"--soak", "-1"}, "--soak"},
    {"mcs-harness", {"--soak", "abc"}, "--soak"},
    {"mcs-harness", {"--soak", "10x"}, "--soak"},
    {"mcs-harness", {"--soak", HUGE_NUMBER}, "--soak"},
    {"mcs-harness", {"--step-timeout", "10x"}, "--step-timeout"},
    {"mcs-harness", {"--load-duration", "10x"}, "--load-duration"},
    {"mcs-harness", {"--load-duration", "-1"}, "--load-duration"},
    /* Options that each parse but together would start a sweep that
     * cannot do what was asked. */
    {"mcs-harness",
     {"--backend", "epoll", "--target", "1k", "--pause-at", "5k"},
     "--pause-at"},
    {"mcs-harness",
     {"--backend", "epoll", "--target", "10k", "--points", "1"},
     "--points"},
    {"mcs-harness",
     {"--backend", "epoll,epoll", "--target", "1k"},
     "named twice"},
    {"mcs-harness", {"--summarize", "/nonexistent/mcs-compare"}, "--summarize"},
    /* --backend-opt: the form at once, the rest against the backends */
    {"mcs-harness", {"--backend-opt"}, "--backend-opt"},
    {"mcs-harness", {"--backend-opt", "direct"}, "--backend-opt"},
    {"mcs-harness", {"--backend-opt", ":direct=1"}, "--backend-opt"},
    {"mcs-harness", {"--backend-opt", "io_uring:"}, "--backend-opt"},
    {"mcs-harness", {"--backend-opt", "a\nb=1"}, "--backend-opt"},
    {"mcs-harness",
     {"--backend", "epoll", "--target", "1k", "--backend-opt", "nope=1"},
     "takes no options"},
    {"mcs-harness",
     {"--backend", "epoll", "--target", "1k", "--backend-opt",
      "io_uring:direct=0"},
     "a backend being swept"},
};

static uint16_t first_port;
static char ports_arg[32];
static char shm_name[64];

/* Arguments every server row starts with, so that if the bad value were
 * ignored the server would use ports and a stats name the test watches. */
static int base_args(const char *binary, char **argv)
{
	int n = 0;
	argv[n++] = (char *)binary;
	if (strcmp(binary, "server") == 0) {
		argv[n++] = "--ports";
		argv[n++] = ports_arg;
		argv[n++] = "--stats-shm";
		argv[n++] = shm_name;
		argv[n++] = "--interval";
		argv[n++] = "0";
		/* A bad value taken for a good one must not hang the test. */
		argv[n++] = "--duration";
		argv[n++] = "1";
	}
	return n;
}

static int binary_exists(const char *binary)
{
	char path[4096];
	const char *dir = getenv("MCS_BIN_DIR");
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/bin", binary);
	return access(path, X_OK) == 0;
}

/* Nothing the run started is left: no orphan came to us, ports free, no
 * stats object. */
static void assert_nothing_started(const char *what)
{
	char shm_path[96];
	snprintf(shm_path, sizeof(shm_path), "/dev/shm%s", shm_name);
	usleep(20000);
	int orphans = 0;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		orphans++;
	if (orphans || !rel_port_free(first_port) ||
	    !rel_port_free((uint16_t)(first_port + 1)) ||
	    access(shm_path, F_OK) == 0)
		print_message(
		    "%s: left something behind: %d orphans, ports "
		    "%s, stats %s\n",
		    what, orphans, rel_port_free(first_port) ? "free" : "BUSY",
		    access(shm_path, F_OK) == 0 ? "PRESENT" : "absent");
	assert_int_equal(orphans, 0);
	assert_true(rel_port_free(first_port));
	assert_true(rel_port_free((uint16_t)(first_port + 1)));
	assert_int_equal(access(shm_path, F_OK), -1);
}

static void describe(const struct bad_input *row, char *text, size_t size)
{
	size_t used = (size_t)snprintf(text, size, "%s", row->binary);
	for (int i = 0; i < MAX_ARGS && row->args[i] && used < size; i++)
		used += (size_t)snprintf(text + used, size - used, " '%s'",
					 row->args[i]);
}

static void test_bad_input(void **state)
{
	(void)state;
	int failures = 0, skipped = 0, run = 0;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct bad_input *row = &rows[r];
		char what[512];
		describe(row, what, sizeof(what));
		if (!binary_exists(row->binary)) {
			skipped++;
			continue;
		}
		char *argv[MAX_ARGS + 8];
		int n = base_args(row->binary, argv);
		for (int i = 0; i < MAX_ARGS && row->args[i]; i++)
			argv[n++] = (char *)row->args[i];
		argv[n] = NULL;
		struct run_result result;
		assert_int_equal(
		    run_binary(row->binary, argv, REL_TIMEOUT_MS, &result), 0);
		run++;
		int ok = result.exit_code == 2 &&
			 count_lines(result.err) == 1 &&
			 strstr(result.err, row->needle) != NULL &&
			 result.out[0] == '\0';
		if (!ok) {
			failures++;
			print_message("FAIL %s -> exit %d, stdout %zu bytes, "
				      "stderr (%d lines): %s%s(wanted exit 2 "
				      "and one line naming '%s')\n",
				      what, result.exit_code,
				      strlen(result.out),
				      count_lines(result.err), result.err,
				      result.err[0] ? "" : "\n", row->needle);
		} else {
			print_message("ok   %s -> %s", what, result.err);
		}
		assert_nothing_started(what);
	}
	print_message("%d bad command lines run, %d failed, %d skipped (binary "
		      "not built)\n",
		      run, failures, skipped);
	assert_int_equal(failures, 0);
}

/* The base arguments alone are good: the server starts with them, so the
 * rows above fail because of their bad value, not because of the base. */
static void test_base_arguments_are_good(void **state)
{
	(void)state;
	char *argv[MAX_ARGS + 8];
	int n = base_args("server", argv);
	argv[n++] = "--duration";
	argv[n++] = "0.3";
	argv[n] = NULL;
	struct run_result result;
	assert_int_equal(run_binary("server", argv, REL_TIMEOUT_MS, &result),
			 0);
	if (result.exit_code != 0)
		print_message("base arguments -> exit %d: %s\n",
			      result.exit_code, result.err);
	assert_int_equal(result.exit_code, 0);
	assert_non_null(strstr(result.out, "listening"));
	assert_nothing_started("base arguments");
}

/* --max-connections is a total: split over workers, the shares add up to
 * no more than it ("up to N connections each, M in all" says M). */
static void test_max_connections_is_a_total(void **state)
{
	(void)state;
	char *argv[MAX_ARGS + 8];
	int n = base_args("server", argv);
	argv[n++] = "--workers";
	argv[n++] = "2";
	argv[n++] = "--max-connections";
	argv[n++] = "3";
	argv[n++] = "--duration";
	argv[n++] = "0.2";
	argv[n] = NULL;
	struct run_result result;
	assert_int_equal(run_binary("server", argv, REL_TIMEOUT_MS, &result),
			 0);
	assert_int_equal(result.exit_code, 0);
	const char *all = strstr(result.out, " in all");
	assert_non_null(all);
	while (all > result.out && all[-1] >= '0' && all[-1] <= '9')
		all--;
	unsigned long total = strtoul(all, NULL, 10);
	print_message("--workers 2 --max-connections 3: %.*s\n",
		      (int)strcspn(result.out, "\n"), result.out);
	assert_true(total <= 3);
	assert_nothing_started("--max-connections 3 over 2 workers");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIRST_PORT\n", argv[0]);
		return 2;
	}
	first_port = rel_port_arg(argv[1]);
	snprintf(ports_arg, sizeof(ports_arg), "%u-%u", first_port,
		 first_port + 1);
	snprintf(shm_name, sizeof(shm_name), "/mcs-rel-bad-input-%u",
		 first_port);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	shm_unlink(shm_name); /* what a failed earlier run left */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_arguments_are_good),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_max_connections_is_a_total),
	};
	return cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0;
}
