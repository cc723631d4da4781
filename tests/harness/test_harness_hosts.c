/* test_harness_hosts.c - a multi-host run's pure parts
 * (harness_hosts.h): host specs and what is refused, capacities, shares
 * and step splits, histograms merged from JSON buckets (exactly), and the
 * hosts' JSON with a shared or separate kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness_hosts.h"
#include "mcs_histogram_json.h"

static void test_server_specs(void **state)
{
	(void)state;
	struct harness_host_spec s;
	char why[400];
	assert_int_equal(
	    harness_hosts_parse_server("198.18.0.1", &s, why, sizeof(why)), 0);
	assert_string_equal(s.target, "198.18.0.1");
	assert_string_equal(s.address, "198.18.0.1");
	assert_int_equal(s.local, 0);
	assert_int_equal(
	    harness_hosts_parse_server("bench@srv.example=10.1.2.3", &s, why,
				       sizeof(why)),
	    0);
	assert_string_equal(s.target, "bench@srv.example");
	assert_string_equal(s.address, "10.1.2.3");
	assert_int_equal(harness_hosts_parse_server("mcs-ns1=198.18.0.1", &s,
						    why, sizeof(why)),
			 0);
	assert_string_equal(s.target, "mcs-ns1");
	assert_int_equal(
	    harness_hosts_parse_server("local", &s, why, sizeof(why)), 0);
	assert_int_equal(s.local, 1);
	assert_string_equal(s.address, "127.0.0.1");
	/* A name: resolved at run time. */
	assert_int_equal(
	    harness_hosts_parse_server("srv", &s, why, sizeof(why)), 0);
	assert_string_equal(s.address, "");
}

static void expect_refused_server(const char *text, const char *words)
{
	struct harness_host_spec s;
	char why[400] = "";
	assert_int_equal(harness_hosts_parse_server(text, &s, why, sizeof(why)),
			 -EINVAL);
	if (!strstr(why, "--server-host") || !strstr(why, words))
		fail_msg("'%s' refused with '%s'", text, why);
}

static void test_server_refused(void **state)
{
	(void)state;
	/* Never handed to a remote shell. */
	expect_refused_server("a;touch /tmp/x", "not [USER@]NAME");
	expect_refused_server("-oProxyCommand=x", "not [USER@]NAME");
	expect_refused_server("h$(id)", "not [USER@]NAME");
	expect_refused_server("us er@h", "not [USER@]NAME");
	expect_refused_server("", "not [USER@]HOST");
	expect_refused_server("h=300.1.1.1", "not a unicast");
	expect_refused_server("h=0.0.0.0", "not a unicast");
	expect_refused_server("h=", "not a unicast");
}

static void test_client_specs(void **state)
{
	(void)state;
	struct harness_hosts_spec h;
	char why[400];
	assert_int_equal(harness_hosts_parse_clients("c1=198.18.0.2,user@c2",
						     &h, why, sizeof(why)),
			 0);
	assert_int_equal(h.client_count, 2);
	assert_string_equal(h.clients[0].target, "c1");
	assert_string_equal(h.clients[0].address, "198.18.0.2");
	assert_string_equal(h.clients[1].target, "user@c2");
	assert_string_equal(h.clients[1].address, "");
	/* A client named by address binds no source unless given one. */
	assert_int_equal(
	    harness_hosts_parse_clients("198.18.0.3", &h, why, sizeof(why)), 0);
	assert_string_equal(h.clients[0].address, "");
	const char *bad[] = {"a,,b", "a,a", "a;b",	"a,",
			     ",a",   "a b", "a,b=1.2.3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(
		    harness_hosts_parse_clients(bad[i], &h, why, sizeof(why)),
		    -EINVAL);
		if (!strstr(why, "--client-hosts"))
			fail_msg("'%s' refused with '%s'", bad[i], why);
	}
	char many[400] = "";
	for (int i = 0; i <= HARNESS_MAX_CLIENT_HOSTS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 "%sh%d", i ? "," : "", i);
	assert_int_equal(
	    harness_hosts_parse_clients(many, &h, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "more than"));
}

static void test_remote_dir(void **state)
{
	(void)state;
	char why[400];
	assert_int_equal(
	    harness_hosts_check_dir("/opt/mcs/build/bin", why, sizeof(why)), 0);
	const char *bad[] = {"build/bin", "/a b", "/a/../b",
			     "/a;rm",	  "/a$x", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    harness_hosts_check_dir(bad[i], why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "--remote-dir"));
}

static void test_capacity(void **state)
{
	(void)state;
	const char *by;
	struct harness_host_limits l = {.mem_available = 20ull << 30,
					.port_low = 32768,
					.port_high = 60999,
					.sources = 1};
	/* 3 ports x 28,232 ephemeral ports x 80%. */
	assert_int_equal(harness_host_capacity(&l, 3, &by), 67756);
	assert_string_equal(by, "ports");
	l.mem_available = 100ull << 20;
	assert_int_equal(harness_host_capacity(&l, 3, &by),
			 (uint64_t)((100ull << 20) * 0.85 / 4800));
	assert_string_equal(by, "memory");
}

static void test_shares(void **state)
{
	(void)state;
	uint64_t shares[3];
	char why[400];
	const char *names[] = {"c1", "c2", "c3"};
	const char *bounds[] = {"ports", "memory", "ports"};
	uint64_t big[] = {1000000, 1000000, 1000000};
	assert_int_equal(harness_hosts_share(100001, big, bounds, names, 3,
					     shares, why, sizeof(why)),
			 0);
	assert_int_equal(shares[0] + shares[1] + shares[2], 100001);
	assert_true(shares[0] >= 33333 && shares[0] <= 33334);
	assert_true(shares[2] >= 33333 && shares[2] <= 33334);
	/* One small host: it gets what it can, the others the rest. */
	uint64_t uneven[] = {10000, 1000000, 1000000};
	assert_int_equal(harness_hosts_share(100000, uneven, bounds, names, 3,
					     shares, why, sizeof(why)),
			 0);
	assert_int_equal(shares[0], 10000);
	assert_int_equal(shares[1], 45000);
	assert_int_equal(shares[2], 45000);
	/* Not enough in all: every host named with its bound. */
	uint64_t small[] = {10000, 20000, 30000};
	assert_int_equal(harness_hosts_share(100000, small, bounds, names, 3,
					     shares, why, sizeof(why)),
			 -ERANGE);
	assert_non_null(strstr(why, "c1 10000 (by its ports)"));
	assert_non_null(strstr(why, "c2 20000 (by its memory)"));
	assert_non_null(strstr(why, "add client hosts"));
}

static void test_split(void **state)
{
	(void)state;
	const uint64_t targets[] = {100000, 40000, 7, 1000003};
	const uint64_t share_sets[][3] = {
	    {50000, 50000, 0}, {3, 20000, 19997}, {2, 3, 2}, {1, 1000000, 2}};
	for (size_t t = 0; t < 4; t++) {
		uint64_t parts[3] = {0}, previous[3] = {0};
		uint64_t target = targets[t];
		for (uint64_t step = 1; step <= target;
		     step = step * 3 + 1 < target || step == target
				? step * 3 + 1
				: target) {
			harness_hosts_split(step, target, share_sets[t], 3,
					    parts);
			uint64_t sum = 0;
			for (int i = 0; i < 3; i++) {
				assert_true(parts[i] >= previous[i]);
				assert_true(parts[i] <= share_sets[t][i]);
				sum += parts[i];
				previous[i] = parts[i];
			}
			assert_int_equal(sum, step);
			if (step == target)
				break;
		}
		for (int i = 0; i < 3; i++)
			assert_int_equal(parts[i], share_sets[t][i]);
	}
}

static void test_histogram_merge(void **state)
{
	(void)state;
	static struct mcs_histogram a, b, direct, merged;
	mcs_histogram_init(&a);
	mcs_histogram_init(&b);
	mcs_histogram_init(&merged);
	for (uint64_t v = 1; v < 200000; v += 7)
		mcs_histogram_record(&a, v);
	for (uint64_t v = 5000; v < 9000000; v += 1013)
		mcs_histogram_record(&b, v);
	direct = a;
	mcs_histogram_merge(&direct, &b);
	json_t *ja = mcs_histogram_json(&a), *jb = mcs_histogram_json(&b);
	assert_int_equal(mcs_histogram_add_json(ja, &merged), 0);
	assert_int_equal(mcs_histogram_add_json(jb, &merged), 0);
	assert_int_equal(merged.count, direct.count);
	assert_int_equal(merged.min, direct.min);
	assert_int_equal(merged.max, direct.max);
	const double ps[] = {50, 90, 99, 99.9, 100};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(mcs_histogram_percentile(&merged, ps[i]),
				 mcs_histogram_percentile(&direct, ps[i]));
	/* Not the shape: refused, nothing added. */
	uint64_t before = merged.count;
	json_t *bad = json_pack("{s:i,s:[[i,i]]}", "count", 5, "buckets", 3, 4);
	assert_int_equal(mcs_histogram_add_json(bad, &merged), -EPROTO);
	json_t *oob = json_pack("{s:i,s:[[i,i]]}", "count", 1, "buckets",
				MCS_HISTOGRAM_BUCKETS, 1);
	assert_int_equal(mcs_histogram_add_json(oob, &merged), -EPROTO);
	assert_int_equal(mcs_histogram_add_json(NULL, &merged), -EPROTO);
	assert_int_equal(merged.count, before);
	json_decref(ja);
	json_decref(jb);
	json_decref(bad);
	json_decref(oob);
}

static void fill_host(struct harness_host_record *h, const char *name,
		      const char *role, const char *boot, uint64_t user,
		      uint64_t kernel)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->role = role;
	snprintf(h->boot_id, sizeof(h->boot_id), "%s", boot);
	h->step_count = 1;
	h->steps[0].established = 100;
	h->steps[0].user_bytes = user;
	h->steps[0].kernel_bytes = kernel;
}

static void test_hosts_json(void **state)
{
	(void)state;
	static struct harness_hosts_record r;
	memset(&r, 0, sizeof(r));
	r.count = 3;
	fill_host(&r.hosts[0], "s", "server", "k1", 1000, 500000);
	fill_host(&r.hosts[1], "c1", "client", "k2", 2000, 300000);
	fill_host(&r.hosts[2], "c2", "client", "k3", 3000, 400000);
	json_t *m = harness_multihost_json(&r);
	assert_string_equal(json_string_value(json_object_get(m, "kernels")),
			    "separate");
	assert_int_equal(
	    json_integer_value(json_object_get(m, "server_kernel_bytes")),
	    500000);
	assert_int_equal(
	    json_integer_value(json_object_get(m, "client_kernel_bytes")),
	    700000);
	assert_int_equal(
	    json_integer_value(json_object_get(m, "client_user_bytes")), 5000);
	json_decref(m);
	json_t *hosts = harness_hosts_json(&r);
	assert_int_equal(json_array_size(hosts), 3);
	json_t *c1 = json_array_get(hosts, 1);
	assert_string_equal(json_string_value(json_object_get(c1, "role")),
			    "client");
	assert_int_equal(json_integer_value(json_object_get(c1, "user_bytes")),
			 2000);
	assert_int_equal(
	    json_integer_value(json_object_get(c1, "kernel_bytes")), 300000);
	json_decref(hosts);
	/* One kernel for all (namespaces): no client kernel of its own. */
	r.kernels_shared = 1;
	m = harness_multihost_json(&r);
	assert_string_equal(json_string_value(json_object_get(m, "kernels")),
			    "shared");
	assert_true(json_is_null(json_object_get(m, "client_kernel_bytes")));
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_server_specs),
	    cmocka_unit_test(test_server_refused),
	    cmocka_unit_test(test_client_specs),
	    cmocka_unit_test(test_remote_dir),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_shares),
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_histogram_merge),
	    cmocka_unit_test(test_hosts_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
