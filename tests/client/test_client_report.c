/* test_client_report.c - the plain client's EADDRNOTAVAIL report: counting
 * the sockets in TIME_WAIT to the server in /proc/net/tcp text, and the
 * lines that say why and what avoids it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client_report.h"

/* Lines as /proc/net/tcp prints them: a listener on 2990 (0BAE), two
 * client sockets of 127.0.0.1 in TIME_WAIT (06) to it, one of 127.0.0.2,
 * one to another port (2048, 0800), an established one (01), and the
 * server side of a TIME_WAIT (local 2990, remote an ephemeral port). */
static const char proc_net_tcp[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
    "retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:0BAE 00000000:0000 0A 00000000:00000000 00:00000000 "
    "00000000     0        0 1 1 0 100 0 0 10 0\n"
    "   1: 0100007F:8C3A 0100007F:0BAE 06 00000000:00000000 03:00001770 "
    "00000000     0        0 0 3\n"
    "   2: 0100007F:8C3C 0100007F:0BAE 06 00000000:00000000 03:00001770 "
    "00000000     0        0 0 3\n"
    "   3: 0200007F:8C3C 0100007F:0BAE 06 00000000:00000000 03:00001770 "
    "00000000     0        0 0 3\n"
    "   4: 0100007F:8C40 0100007F:0800 06 00000000:00000000 03:00001770 "
    "00000000     0        0 0 3\n"
    "   5: 0100007F:8C42 0100007F:0BAE 01 00000000:00000000 00:00000000 "
    "00000000     0        0 7 1 0 20 4 30 10 -1\n"
    "   6: 0100007F:0BAE 0100007F:8C44 06 00000000:00000000 03:00001770 "
    "00000000     0        0 0 3\n";

static struct in_addr address(const char *text)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	return a;
}

static void test_scan_counts_time_wait_to_the_server(void **state)
{
	(void)state;
	FILE *f = fmemopen((void *)proc_net_tcp, sizeof(proc_net_tcp) - 1, "r");
	assert_non_null(f);
	struct client_time_wait tw;
	assert_int_equal(
	    client_time_wait_scan(f, address("127.0.0.1"), 2990, 2990, &tw), 0);
	fclose(f);
	assert_int_equal(tw.to_server, 3);
	assert_int_equal(tw.top_count, 2);
	assert_int_equal(tw.top_source.s_addr, address("127.0.0.1").s_addr);
	assert_int_equal(tw.last_source.s_addr, address("127.0.0.2").s_addr);
}

static void test_scan_refuses_other_text(void **state)
{
	(void)state;
	static const char text[] = "not /proc/net/tcp\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct client_time_wait tw;
	assert_int_equal(
	    client_time_wait_scan(f, address("127.0.0.1"), 1, 2, &tw), -EPROTO);
	fclose(f);
}

static struct client_port_trouble trouble(void)
{
	struct client_port_trouble t = {
	    .failed = 7908,
	    .connections = 9000,
	    .host = address("127.0.0.1"),
	    .port_first = 2990,
	    .port_last = 2990,
	    .ephemeral_first = 32768,
	    .ephemeral_last = 60999,
	    .source_first = address("127.0.0.1"),
	    .tw_reuse = 2,
	    .tw_machine = 29051,
	    .tw_known = 1,
	};
	t.tw.to_server = 28102;
	t.tw.top_count = 28102;
	t.tw.top_source = address("127.0.0.1");
	t.tw.last_source = address("127.0.0.1");
	return t;
}

static void test_text_says_why_and_what_avoids_it(void **state)
{
	(void)state;
	struct client_port_trouble t = trouble();
	char text[1400];
	client_addrnotavail_text(&t, text, sizeof(text));
	assert_non_null(strstr(text, "client: 7908 connects failed with "
				     "EADDRNOTAVAIL: no local port of "
				     "127.0.0.1 was free for "
				     "127.0.0.1:2990-2990."));
	assert_non_null(strstr(text, "28102 sockets in TIME_WAIT to those "
				     "ports hold local ports, 28102 of them "
				     "of 127.0.0.1, which has 28232 "
				     "(ip_local_port_range 32768-60999)"));
	assert_non_null(strstr(text, "29051 sockets are in TIME_WAIT on the "
				     "machine in all"));
	/* 9,000 connections fit in one source address at 80%. */
	assert_non_null(strstr(text, "--sources 127.0.0.2-127.0.0.2"));
	assert_non_null(strstr(text, "wait 60 s"));
	assert_non_null(strstr(text, "net.ipv4.tcp_tw_reuse is 2"));
}

static void test_text_steps_past_busy_sources(void **state)
{
	(void)state;
	/* An earlier harness run left TIME_WAIT on 127.0.0.2-127.0.0.46;
	 * 100,000 connections need 5 addresses past them. */
	struct client_port_trouble t = trouble();
	t.connections = 100000;
	t.tw.last_source = address("127.0.0.46");
	t.tw_reuse = 0;
	char text[1400];
	client_addrnotavail_text(&t, text, sizeof(text));
	assert_non_null(strstr(text, "--sources 127.0.0.47-127.0.0.51"));
	assert_non_null(strstr(text, "sysctl -w net.ipv4.tcp_tw_reuse=2"));
}

static void test_text_without_time_wait(void **state)
{
	(void)state;
	struct client_port_trouble t = trouble();
	memset(&t.tw, 0, sizeof(t.tw));
	t.source_first = address("127.0.0.2");
	t.source_count = 3;
	char text[1400];
	client_addrnotavail_text(&t, text, sizeof(text));
	assert_non_null(strstr(text, "no local port of 127.0.0.2-127.0.0.4"));
	assert_non_null(strstr(text, "no socket in TIME_WAIT to those ports "
				     "holds one"));
	assert_non_null(strstr(text, "--sources 127.0.0.5-127.0.0.5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scan_counts_time_wait_to_the_server),
	    cmocka_unit_test(test_scan_refuses_other_text),
	    cmocka_unit_test(test_text_says_why_and_what_avoids_it),
	    cmocka_unit_test(test_text_steps_past_busy_sources),
	    cmocka_unit_test(test_text_without_time_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
