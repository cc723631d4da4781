/* test_agent_protocol.c - the agent's request lines (agent_protocol.c):
 * what parses, what is refused and with which words, and the shape of a
 * reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "agent.h"

static void test_parse_good(void **state)
{
	(void)state;
	struct agent_request r;
	char why[256];
	assert_int_equal(agent_request_parse(
			     "{\"id\":7,\"cmd\":\"start\",\"proc\":\"server\"}",
			     &r, why, sizeof(why)),
			 0);
	assert_int_equal(r.id, 7);
	assert_string_equal(r.cmd, "start");
	json_t *reply = agent_reply(&r, "started");
	assert_int_equal(json_integer_value(json_object_get(reply, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(reply, "event")),
			    "started");
	json_decref(reply);
	agent_request_free(&r);
	/* An event of the agent's own carries no id. */
	reply = agent_reply(NULL, "exited");
	assert_null(json_object_get(reply, "id"));
	json_decref(reply);
}

static void expect_refused(const char *line, const char *words, int id)
{
	struct agent_request r;
	char why[256];
	assert_int_equal(agent_request_parse(line, &r, why, sizeof(why)), -22);
	if (!strstr(why, words))
		fail_msg("'%s' refused with '%s', not naming '%s'", line, why,
			 words);
	assert_int_equal(r.id, id);
	agent_request_free(&r);
}

static void test_parse_refused(void **state)
{
	(void)state;
	expect_refused("garbage", "not a JSON object", -1);
	expect_refused("[1,2]", "not a JSON object", -1);
	expect_refused("{\"cmd\":\"hello\"}", "\"id\"", -1);
	expect_refused("{\"id\":-3,\"cmd\":\"hello\"}", "\"id\"", -3);
	expect_refused("{\"id\":\"1\",\"cmd\":\"hello\"}", "\"id\"", -1);
	/* The id is kept, so the error can answer the request. */
	expect_refused("{\"id\":4}", "no \"cmd\"", 4);
	expect_refused("{\"id\":4,\"cmd\":5}", "no \"cmd\"", 4);
	expect_refused("{\"id\":1,\"id\":2,\"cmd\":\"ping\"}",
		       "not a JSON object", -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
