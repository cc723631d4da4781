/* test_harness_transport.c - command templates, host names and shell
 * quoting for starting processes elsewhere (harness_transport.h), and the
 * established-hash size a sweep's namespace gets (harness_netns.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "harness_netns.h"
#include "harness_transport.h"

static void expect_argv(const struct harness_command *c,
			const char *const want[])
{
	size_t n = 0;
	while (want[n]) {
		assert_non_null(c->argv[n]);
		assert_string_equal(c->argv[n], want[n]);
		n++;
	}
	assert_int_equal(c->argc, n);
	assert_null(c->argv[n]);
}

static void test_netns_transport_passes_words(void **state)
{
	(void)state;
	char why[256];
	struct harness_command c;
	char *command[] = {"/opt/mcs/server", "--ports", "2048-2050",
			   "it's plain", NULL};
	assert_int_equal(harness_transport_command(HARNESS_TRANSPORT_NETNS,
						   "mcs-sweep-42", command, &c,
						   why, sizeof(why)),
			 0);
	const char *want[] = {"ip",	      "netns",		 "exec",
			      "mcs-sweep-42", "/opt/mcs/server", "--ports",
			      "2048-2050",    "it's plain",	 NULL};
	expect_argv(&c, want);
}

static void test_ssh_transport_quotes_for_the_remote_shell(void **state)
{
	(void)state;
	char why[256];
	struct harness_command c;
	char *command[] = {"/opt/mcs/mcs-harness",
			   "--agent",
			   "a b",
			   "it's",
			   "$(reboot)",
			   NULL};
	assert_int_equal(harness_transport_command(
			     "ssh -i '/k/my key' -o BatchMode=yes "
			     "{host}",
			     "root@198.18.0.2", command, &c, why, sizeof(why)),
			 0);
	const char *want[] = {"ssh",
			      "-i",
			      "/k/my key",
			      "-o",
			      "BatchMode=yes",
			      "root@198.18.0.2",
			      "/opt/mcs/mcs-harness",
			      "--agent",
			      "'a b'",
			      "'it'\\''s'",
			      "'$(reboot)'",
			      NULL};
	expect_argv(&c, want);
}

static void test_local_runs_unchanged(void **state)
{
	(void)state;
	char why[256];
	struct harness_command c;
	char *command[] = {"/bin/true", "x y", NULL};
	assert_int_equal(harness_transport_command(HARNESS_TRANSPORT_SSH,
						   HARNESS_LOCAL_HOST, command,
						   &c, why, sizeof(why)),
			 0);
	const char *want[] = {"/bin/true", "x y", NULL};
	expect_argv(&c, want);
}

static void test_hosts_that_need_quoting_are_refused(void **state)
{
	(void)state;
	char why[256];
	const char *bad[] = {"a;touch /tmp/x",
			     "-oProxyCommand=x",
			     "a b",
			     "$(id)",
			     "user@",
			     "@host",
			     "",
			     "a`b`",
			     "h\nx"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(harness_host_check("--client-hosts", bad[i],
						    why, sizeof(why)),
				 -EINVAL);
		assert_non_null(strstr(why, "--client-hosts"));
		assert_null(strchr(why, '\n')); /* one line */
	}
	const char *good[] = {"198.18.0.2", "root@box-1.example", "ns_c1",
			      "fe80::1"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(harness_host_check("--server-host", good[i],
						    why, sizeof(why)),
				 0);
	struct harness_command c;
	char *command[] = {"/bin/true", NULL};
	assert_int_equal(harness_transport_command(HARNESS_TRANSPORT_SSH,
						   "a;touch /tmp/x", command,
						   &c, why, sizeof(why)),
			 -EINVAL);
}

static void test_templates_are_checked(void **state)
{
	(void)state;
	char why[256];
	assert_int_equal(harness_transport_check("ssh host", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "{host}"));
	assert_int_equal(harness_transport_check("ssh -i 'unterminated {host}",
						 why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "quote"));
	assert_int_equal(
	    harness_transport_check("docker exec -i {host}", why, sizeof(why)),
	    0);
	assert_int_equal(harness_transport_check("kubectl exec -i {host} --",
						 why, sizeof(why)),
			 0);
}

static void test_shell_quote(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(harness_shell_quote("plain-1.2/x=y", out, sizeof(out)),
			 13);
	assert_string_equal(out, "plain-1.2/x=y");
	harness_shell_quote("", out, sizeof(out));
	assert_string_equal(out, "''");
	harness_shell_quote("a'b", out, sizeof(out));
	assert_string_equal(out, "'a'\\''b'");
	/* Too small: truncated, terminated, the needed length returned. */
	assert_int_equal(harness_shell_quote("a b c", out, 4), 7);
	assert_int_equal(strlen(out), 3);
}

static void test_ehash_entries(void **state)
{
	(void)state;
	assert_int_equal(harness_netns_ehash_entries(0), 1024);
	assert_int_equal(harness_netns_ehash_entries(1000), 2048);
	assert_int_equal(harness_netns_ehash_entries(30000), 65536);
	assert_int_equal(harness_netns_ehash_entries(1000000), 2097152);
	assert_int_equal(harness_netns_ehash_entries(2000000), 4194304);
	assert_int_equal(harness_netns_ehash_entries(100000000), 1u << 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netns_transport_passes_words),
	    cmocka_unit_test(test_ssh_transport_quotes_for_the_remote_shell),
	    cmocka_unit_test(test_local_runs_unchanged),
	    cmocka_unit_test(test_hosts_that_need_quoting_are_refused),
	    cmocka_unit_test(test_templates_are_checked),
	    cmocka_unit_test(test_shell_quote),
	    cmocka_unit_test(test_ehash_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
