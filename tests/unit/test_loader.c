/* test_loader.c - the plugin loader: finds real backends, lists them, and
 * refuses unknown names, path tricks, missing symbols, ABI mismatches and
 * missing hooks with a reason that names the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_loader.h"

static const char *real_dir(void)
{
	return getenv("MCS_BACKEND_DIR");
}

static const char *test_dir(void)
{
	return getenv("MCS_TEST_PLUGIN_DIR");
}

static void test_loads_epoll(void **state)
{
	(void)state;
	struct mcs_backend_handle h;
	char why[256];
	assert_int_equal(
	    mcs_backend_load(real_dir(), "epoll", &h, why, sizeof(why)), 0);
	assert_string_equal(h.ops->name, "epoll");
	assert_int_equal(h.ops->abi_version, MCS_BACKEND_ABI_VERSION);
	assert_true(h.ops->capacity(20000) > 19000);
	mcs_backend_unload(&h);
	assert_null(h.library);
}

static void test_default_dir_from_env(void **state)
{
	(void)state;
	char dir[4096];
	assert_int_equal(mcs_backend_dir(dir, sizeof(dir)), 0);
	assert_string_equal(dir, real_dir());
}

static void test_unknown_name_lists_installed(void **state)
{
	(void)state;
	struct mcs_backend_handle h;
	char why[256];
	assert_int_equal(
	    mcs_backend_load(real_dir(), "kqueue", &h, why, sizeof(why)),
	    -ENOENT);
	assert_non_null(strstr(why, "unknown backend 'kqueue'"));
	assert_non_null(strstr(why, "epoll"));
}

static void test_refuses_path_names(void **state)
{
	(void)state;
	struct mcs_backend_handle h;
	char why[256];
	assert_int_equal(
	    mcs_backend_load(real_dir(), "../epoll", &h, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(mcs_backend_load(real_dir(), "", &h, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(
	    mcs_backend_load(real_dir(), "Epoll", &h, why, sizeof(why)),
	    -EINVAL);
}

static void test_refuses_abi_mismatch(void **state)
{
	(void)state;
	struct mcs_backend_handle h;
	char why[256];
	assert_int_equal(
	    mcs_backend_load(test_dir(), "bad_abi", &h, why, sizeof(why)),
	    -EPROTO);
	assert_non_null(strstr(why, "bad ABI version"));
	assert_null(h.ops);
}

static void test_refuses_missing_symbol(void **state)
{
	(void)state;
	struct mcs_backend_handle h;
	char why[256];
	assert_int_equal(
	    mcs_backend_load(test_dir(), "no_symbol", &h, why, sizeof(why)),
	    -ELIBBAD);
	assert_non_null(strstr(why, "does not export 'mcs_backend'"));
}

static void test_refuses_missing_hook(void **state)
{
	(void)state;
	struct mcs_backend_handle h;
	char why[256];
	assert_int_equal(
	    mcs_backend_load(test_dir(), "missing_hook", &h, why, sizeof(why)),
	    -EINVAL);
	assert_non_null(strstr(why, "'run' is missing"));
}

static void test_check_catches_build_signature(void **state)
{
	(void)state;
	struct mcs_backend_ops ops = {MCS_BACKEND_HEADER, .name = "x"};
	char why[256];
	ops.stats_size = 8;
	assert_int_equal(mcs_backend_check(&ops, "x", why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "stats block"));
}

static void test_lists_installed(void **state)
{
	(void)state;
	char names[32][MCS_BACKEND_NAME_MAX];
	int n = mcs_backend_list(real_dir(), names, 32);
	assert_true(n >= 1);
	int found = 0;
	for (int i = 0; i < n; i++) {
		found |= strcmp(names[i], "epoll") == 0;
		if (i > 0)
			assert_true(strcmp(names[i - 1], names[i]) < 0);
	}
	assert_true(found);
	assert_int_equal(mcs_backend_list("/nonexistent-dir", names, 32),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loads_epoll),
	    cmocka_unit_test(test_default_dir_from_env),
	    cmocka_unit_test(test_unknown_name_lists_installed),
	    cmocka_unit_test(test_refuses_path_names),
	    cmocka_unit_test(test_refuses_abi_mismatch),
	    cmocka_unit_test(test_refuses_missing_symbol),
	    cmocka_unit_test(test_refuses_missing_hook),
	    cmocka_unit_test(test_check_catches_build_signature),
	    cmocka_unit_test(test_lists_installed),
	};
	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
