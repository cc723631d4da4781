/* test_server_cli.c - the server binary from the outside: bad input gets
 * one line naming the problem and exit 2; a busy port or a failed worker
 * exits non-zero with the reason; SIGTERM stops it with every worker
 * reaped; nothing is ever left running. Ports 2200-2299. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_loader.h"
#include "mcs_net.h"
#include "mcs_parse.h"
#include "mcs_proc.h"
#include "run_binary.h"

static void expect_usage_error(char *const argv[], const char *needle)
{
	struct run_result r;
	assert_int_equal(run_binary("server", argv, 10000, &r), 0);
	print_message("server %s -> %d: %s", argv[1] ? argv[1] : "",
		      r.exit_code, r.err);
	assert_int_equal(r.exit_code, 2);
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, needle));
	assert_string_equal(r.out, "");
}

static void test_bad_usage(void **state)
{
	(void)state;
	char *a[] = {"server", "--backend", "nope", NULL};
	expect_usage_error(a, "unknown backend 'nope'");
	char *b[] = {"server", "--ports", "3000-2000", NULL};
	expect_usage_error(b, "--ports");
	char *c[] = {"server", "--ports", "0-10", NULL};
	expect_usage_error(c, "--ports");
	char *d[] = {"server", "--ports", "2048-99999", NULL};
	expect_usage_error(d, "--ports");
	char *e[] = {"server", "--workers", "0", NULL};
	expect_usage_error(e, "--workers");
	char *f[] = {"server", "--workers", "-3", NULL};
	expect_usage_error(f, "--workers");
	char *g[] = {"server", "--ports", "2200-2201", "--workers", "3", NULL};
	expect_usage_error(g, "each worker needs a port");
	char *h[] = {"server", "--frobnicate", NULL};
	expect_usage_error(h, "unknown option");
	char *i[] = {"server", "--ports", NULL};
	expect_usage_error(i, "needs a value");
	char *j[] = {"server", "--address", "999.1.1.1", NULL};
	expect_usage_error(j, "--address");
	char *k[] = {"server", "--max-connections", "1G", NULL};
	expect_usage_error(k, "--max-connections");
	char *l[] = {"server", "stray", NULL};
	expect_usage_error(l, "unexpected argument");
	char *m[] = {"server", "--backend", "../../etc/passwd", NULL};
	expect_usage_error(m, "bad backend name");
	/* Every interface only when asked for in so many words: with
	 * --any-address the address passes, and the next check speaks. */
	char *n[] = {"server", "--address", "0.0.0.0", NULL};
	expect_usage_error(n, "--any-address");
	char *o[] = {"server",	"--address", "0.0.0.0", "--any-address",
		     "--ports", "3000-2000", NULL};
	expect_usage_error(o, "--ports");
}

static void test_help_and_list(void **state)
{
	(void)state;
	struct run_result r;
	char *a[] = {"server", "--help", NULL};
	assert_int_equal(run_binary("server", a, 10000, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_non_null(strstr(r.out, "usage: server"));
	char *b[] = {"server", "--list-backends", NULL};
	assert_int_equal(run_binary("server", b, 10000, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_non_null(strstr(r.out, "epoll"));
	assert_non_null(strstr(r.out, "available"));
}

static void test_busy_port(void **state)
{
	(void)state;
	struct in_addr lo;
	char why[256];
	mcs_parse_ipv4("127.0.0.1", &lo);
	int holder = mcs_listen_tcp(lo, 2211, 16, 0, why, sizeof(why));
	assert_true(holder >= 0);
	struct run_result r;
	char *a[] = {"server", "--ports", "2210-2213", "--interval", "0", NULL};
	assert_int_equal(run_binary("server", a, 20000, &r), 0);
	print_message("busy port -> %d: %s", r.exit_code, r.err);
	assert_int_equal(r.exit_code, 1);
	assert_non_null(strstr(r.err, "bind 127.0.0.1:2211"));
	assert_non_null(strstr(r.err, "Address already in use"));
	close(holder);
	/* The other workers were stopped: the ports are free again. */
	int again = mcs_listen_tcp(lo, 2210, 16, 0, why, sizeof(why));
	assert_true(again >= 0);
	close(again);
}

/* --backend-opt: malformed, unknown or out of range is bad usage (exit 2,
 * one line naming the setting), found before any worker starts. */
static void test_bad_backend_options(void **state)
{
	(void)state;
	char *a[] = {"server", "--backend-opt", "direct", NULL};
	expect_usage_error(a,
			   "bad --backend-opt 'direct': expected NAME=VALUE");
	char *b[] = {"server", "--backend-opt", "=1", NULL};
	expect_usage_error(b, "NAME=VALUE");
	char *c[] = {"server", "--backend-opt", "direct=0", NULL};
	expect_usage_error(c, "backend epoll takes no options");
	char *d[] = {"server", "--backend-opt", NULL};
	expect_usage_error(d, "needs a value");
	struct mcs_backend_handle h;
	char why[256];
	if (mcs_backend_load(NULL, "io_uring", &h, why, sizeof(why))) {
		print_message("io_uring not built, its rows skipped: %s\n",
			      why);
		return;
	}
	mcs_backend_unload(&h);
	char *e[] = {"server",	      "--backend", "io_uring",
		     "--backend-opt", "nope=1",	   NULL};
	expect_usage_error(e, "an option of io_uring: direct, buffers or "
			      "recv-limit");
	char *f[] = {"server",	      "--backend", "io_uring",
		     "--backend-opt", "buffers=3", NULL};
	expect_usage_error(f, "buffers of io_uring to be an integer from 1 to "
			      "32768, a power of two");
	char *g[] = {"server",	      "--backend",    "io_uring",
		     "--backend-opt", "direct=maybe", NULL};
	expect_usage_error(g, "true or false");
}

/* Good options reach the backend: io_uring runs with regular descriptors
 * and two buffers, and --list-backends shows what it declares. */
static void test_backend_options_reach_the_backend(void **state)
{
	(void)state;
	struct run_result r;
	char *list[] = {"server", "--list-backends", NULL};
	assert_int_equal(run_binary("server", list, 10000, &r), 0);
	if (!strstr(r.out, "io_uring         available")) {
		print_message("io_uring not available here: skipped\n");
		return;
	}
	assert_non_null(strstr(r.out, "  --backend-opt buffers (an integer "
				      "from 1 to 32768, a power of two; "
				      "default 256): "));
	assert_non_null(strstr(r.out, "  --backend-opt direct (true or false; "
				      "default true): "));
	char *a[] = {"server",
		     "--backend",
		     "io_uring",
		     "--ports",
		     "2250-2251",
		     "--duration",
		     "0.3",
		     "--interval",
		     "0",
		     "--backend-opt",
		     "direct=false",
		     "--backend-opt",
		     "buffers=2",
		     NULL};
	assert_int_equal(run_binary("server", a, 20000, &r), 0);
	print_message("io_uring direct=false buffers=2 -> %d: %s%s",
		      r.exit_code, r.out, r.err);
	assert_int_equal(r.exit_code, 0);
	assert_non_null(strstr(r.out, "io_uring listening"));
}

static void test_runs_and_stops_on_sigterm(void **state)
{
	(void)state;
	char *a[] = {"server",	   "--ports", "2220-2223",
		     "--interval", "0.2",     NULL};
	pid_t pid = start_binary("server", a);
	assert_true(pid > 0);
	for (int i = 0; i < 200 && count_children(pid) < 4; i++)
		usleep(10000);
	assert_int_equal(count_children(pid), 4);
	usleep(300000);
	kill(pid, SIGTERM);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
	/* Nothing of it is left: the process group is empty. */
	assert_int_equal(kill(-pid, 0), -1);
}

static void test_worker_killed_stops_server(void **state)
{
	(void)state;
	char *a[] = {"server", "--ports", "2230-2233", "--interval", "0", NULL};
	pid_t pid = start_binary("server", a);
	assert_true(pid > 0);
	pid_t kids[8];
	int n = 0;
	for (int i = 0; i < 200 && n < 4; i++) {
		usleep(10000);
		n = mcs_list_children(pid, kids, 8);
	}
	assert_int_equal(n, 4);
	kill(kids[2], SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_int_equal(kill(-pid, 0), -1);
}

static void test_duration_exits_zero(void **state)
{
	(void)state;
	struct run_result r;
	char *a[] = {"server",	   "--ports", "2240-2241", "--duration", "0.5",
		     "--interval", "0.1",     "--json",	   NULL};
	assert_int_equal(run_binary("server", a, 20000, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_non_null(strstr(r.out, "listening"));
	assert_non_null(strstr(r.out, "conns 0"));
	assert_non_null(strstr(r.out, "\"event\":\"final\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_usage),
	    cmocka_unit_test(test_bad_backend_options),
	    cmocka_unit_test(test_backend_options_reach_the_backend),
	    cmocka_unit_test(test_help_and_list),
	    cmocka_unit_test(test_busy_port),
	    cmocka_unit_test(test_runs_and_stops_on_sigterm),
	    cmocka_unit_test(test_worker_killed_stops_server),
	    cmocka_unit_test(test_duration_exits_zero),
	};
	return cmocka_run_group_tests_name("server_cli", tests, NULL, NULL);
}
