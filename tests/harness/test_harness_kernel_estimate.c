/* test_harness_kernel_estimate.c - the preflight's kernel bytes per
 * loopback connection from a fixed /proc/slabinfo: each cache's real cost
 * per object, the per-backend extras (epoll items, io_uring requests), a
 * cache missing from slabinfo counted at its default, and the constant
 * when slabinfo cannot be read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "harness_kernel_estimate.h"
#include "harness_slab.h"
#include "mcs_slabinfo.h"

#define HEADER                                                                 \
	"slabinfo - version: 2.1\n"                                            \
	"# name            <active_objs> <num_objs> <objsize> <objperslab> "   \
	"<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "     \
	"slabdata <active_slabs> <num_slabs> <sharedavail>\n"
#define TCP_LINE                                                               \
	"TCP                   92    143   2368   13    8 : tunables    0    " \
	"0    0 : slabdata     11     11      0\n"

/* The caches one connection uses, as /proc/slabinfo gave them on kernel
 * 6.18.44, where eventpoll_pwq is merged into anon_vma_chain (no line of
 * its own). REST is every line but TCP's. */
#define REST                                                                   \
	"io_kiocb             128    192    256   16    1 : tunables    0    " \
	"0    0 : slabdata     12     12      0\n"                             \
	"eventpoll_epi        343    448    128   32    1 : tunables    0    " \
	"0    0 : slabdata     14     14      0\n"                             \
	"sock_inode_cache     262    323    832   19    4 : tunables    0    " \
	"0    0 : slabdata     17     17      0\n"                             \
	"filp                 574    609    192   21    1 : tunables    0    " \
	"0    0 : slabdata     29     29      0\n"                             \
	"dentry            226386 226632    192   21    1 : tunables    0    " \
	"0    0 : slabdata  10792  10792      0\n"                             \
	"lsm_inode_cache   140042 155264     32  128    1 : tunables    0    " \
	"0    0 : slabdata   1213   1213      0\n"                             \
	"lsm_file_cache      1282   1870     24  170    1 : tunables    0    " \
	"0    0 : slabdata     11     11      0\n"                             \
	"ep_head             1036   2048     16  256    1 : tunables    0    " \
	"0    0 : slabdata      8      8      0\n"                             \
	"anon_vma_chain       583   1088     64   64    1 : tunables    0    " \
	"0    0 : slabdata     17     17      0\n"                             \
	"kmalloc-512         2828   4624    512   16    2 : tunables    0    " \
	"0    0 : slabdata    289    289      0\n"                             \
	"kmalloc-96          3473   3612     96   42    1 : tunables    0    " \
	"0    0 : slabdata     86     86      0\n"                             \
	"kmalloc-32          2469   5888     32  128    1 : tunables    0    " \
	"0    0 : slabdata     46     46      0\n"

static const char slabinfo_6_18_44[] = HEADER TCP_LINE REST;
static const char slabinfo_without_tcp[] = HEADER REST;
/* A build whose struct tcp_sock grew: 12 per 8-page slab. */
static const char slabinfo_bigger_tcp[] =
    HEADER "TCP                   92    143   2560   12    8 : tunables    0 "
	   "   0    0 : slabdata     11     11      0\n" REST;

static struct mcs_slab_snapshot snap; /* 50 KB: not on the stack */

/* Per connection on 6.18.44, both ends, from the lines above:
 * TCP 2 x ceil(32768/13) = 2 x 2521, sock_inode_cache 2 x ceil(16384/19)
 * = 2 x 863, dentry and filp 2 x ceil(4096/21) = 2 x 196 each,
 * lsm_inode_cache 2 x 32, lsm_file_cache 2 x ceil(4096/170) = 2 x 25. */
#define EVERY_CONNECTION (5042 + 1726 + 392 + 392 + 64 + 50)

static void estimate(const char *text, const char *backend,
		     struct harness_kernel_estimate *e)
{
	assert_int_equal(mcs_slab_parse(text, 4096, &snap), 0);
	harness_kernel_estimate_from_slabinfo(&snap, 4096, backend, e);
}

/* The TUN client: only the server's end of each connection is on this
 * kernel, so each per-socket cache counts once; the epoll items were the
 * server's already. */
static void test_server_side_only(void **state)
{
	(void)state;
	struct harness_kernel_estimate e;
	assert_int_equal(mcs_slab_parse(slabinfo_6_18_44, 4096, &snap), 0);
	harness_kernel_estimate_ends(&snap, 4096, "epoll", 1, &e);
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION / 2 + 208);
	assert_int_equal(e.bytes_per_connection,
			 e.caches_bytes + (e.caches_bytes * 10 + 99) / 100);
	assert_non_null(strstr(e.source, "(server side only)"));
	assert_non_null(strstr(e.source, "TCP 1x2521"));
	/* Both ends, as before, through the same function. */
	struct harness_kernel_estimate both;
	harness_kernel_estimate_ends(&snap, 4096, "epoll", 2, &both);
	assert_int_equal(both.caches_bytes, EVERY_CONNECTION + 208);
}

static void test_object_cost_is_what_a_slab_spends(void **state)
{
	(void)state;
	struct mcs_slab_cache c = {
	    .objsize = 2368, .objperslab = 13, .pagesperslab = 8};
	assert_int_equal(harness_slab_object_cost(&c, 4096), 2521);
	c = (struct mcs_slab_cache){
	    .objsize = 32, .objperslab = 128, .pagesperslab = 1};
	assert_int_equal(harness_slab_object_cost(&c, 4096), 32);
	/* Never below objsize, whatever the line says. */
	c = (struct mcs_slab_cache){
	    .objsize = 4096, .objperslab = 4, .pagesperslab = 1};
	assert_int_equal(harness_slab_object_cost(&c, 4096), 4096);
	/* A line without objects per slab gives nothing to go by. */
	c = (struct mcs_slab_cache){
	    .objsize = 192, .objperslab = 0, .pagesperslab = 1};
	assert_int_equal(harness_slab_object_cost(&c, 4096), 0);
}

static void test_epoll_from_fixed_slabinfo(void **state)
{
	(void)state;
	struct harness_kernel_estimate e;
	estimate(slabinfo_6_18_44, "epoll", &e);
	/* + eventpoll_epi 128, eventpoll_pwq 64 (its default: merged),
	 * ep_head 16; + 10%, rounded up. */
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION + 208);
	assert_int_equal(e.caches_bytes, 7874);
	assert_int_equal(e.bytes_per_connection, 7874 + 788);
	assert_int_equal(e.from_slabinfo, 1);
	assert_int_equal(e.defaults_used, 1);
	assert_non_null(strstr(e.source, "slabinfo per-object cost: TCP "
					 "2x2521 + sock_inode_cache 2x863 + "
					 "dentry 2x196 + filp 2x196 + "));
	assert_non_null(strstr(e.source, "eventpoll_epi 1x128 + "
					 "eventpoll_pwq 1x64* + ep_head 1x16 "
					 "= 7,874 B + 10% margin"));
	assert_non_null(strstr(e.source, "* not in slabinfo"));
	/* libuv and thread-per-core keep their connections in epoll too. */
	struct harness_kernel_estimate other;
	estimate(slabinfo_6_18_44, "libuv", &other);
	assert_int_equal(other.bytes_per_connection, e.bytes_per_connection);
	estimate(slabinfo_6_18_44, "thread-per-core", &other);
	assert_int_equal(other.bytes_per_connection, e.bytes_per_connection);
}

static void test_io_uring_adds_its_requests(void **state)
{
	(void)state;
	struct harness_kernel_estimate e;
	estimate(slabinfo_6_18_44, "io_uring", &e);
	/* io_kiocb 256 + kmalloc-512 512 + kmalloc-96 ceil(4096/42) = 98 +
	 * kmalloc-32 32, and no epoll item. */
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION + 898);
	assert_int_equal(e.bytes_per_connection, 8564 + 857);
	assert_int_equal(e.defaults_used, 0);
	assert_non_null(strstr(e.source, "io_kiocb 1x256 + kmalloc-512 1x512 "
					 "+ kmalloc-96 1x98 + kmalloc-32 "
					 "1x32 = 8,564 B + 10% margin"));
	assert_null(strstr(e.source, "eventpoll"));
	assert_null(strstr(e.source, "not in slabinfo"));
}

static void test_select_and_poll_add_nothing(void **state)
{
	(void)state;
	struct harness_kernel_estimate e;
	estimate(slabinfo_6_18_44, "select", &e);
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION);
	assert_int_equal(e.bytes_per_connection, 7666 + 767);
	estimate(slabinfo_6_18_44, "poll", &e);
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION);
	/* A backend the table does not know is counted with epoll's items,
	 * and the text says so. */
	estimate(slabinfo_6_18_44, "my-new-backend", &e);
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION + 208);
	assert_non_null(strstr(e.source, "unknown backend"));
}

static void test_missing_cache_falls_back(void **state)
{
	(void)state;
	struct harness_kernel_estimate e;
	estimate(slabinfo_without_tcp, "select", &e);
	/* TCP at its 6.18.44 cost, marked, and the rest from the text. */
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION);
	assert_int_equal(e.defaults_used, 1);
	assert_int_equal(e.from_slabinfo, 1);
	assert_non_null(strstr(e.source, "TCP 2x2521* + "));
	assert_non_null(strstr(e.source, "* not in slabinfo (merged into "
					 "another cache, or absent)"));
	/* An empty slabinfo: every cache at its default. */
	estimate(HEADER, "epoll", &e);
	assert_int_equal(e.caches_bytes, 7874);
	assert_int_equal(e.defaults_used, 9);
}

static void test_estimate_follows_the_kernel(void **state)
{
	(void)state;
	struct harness_kernel_estimate e;
	estimate(slabinfo_bigger_tcp, "select", &e);
	/* ceil(32768 / 12) = 2731 per tcp_sock, not the 6.18.44 2521. */
	assert_int_equal(e.caches_bytes, EVERY_CONNECTION + 2 * (2731 - 2521));
	assert_non_null(strstr(e.source, "TCP 2x2731 + "));
	/* 64 KiB pages: one slab of 21 dentries spends 16 times as much. */
	assert_int_equal(mcs_slab_parse(slabinfo_6_18_44, 65536, &snap), 0);
	harness_kernel_estimate_from_slabinfo(&snap, 65536, "select", &e);
	assert_non_null(strstr(e.source, "dentry 2x3121 + "));
}

static void test_constant_without_slabinfo(void **state)
{
	(void)state;
	struct harness_kernel_estimate e;
	harness_kernel_estimate_constant(-EACCES, &e);
	assert_int_equal(e.bytes_per_connection, 9600);
	assert_int_equal(e.from_slabinfo, 0);
	assert_string_equal(e.source,
			    "constant (slabinfo unreadable: run as root for "
			    "an estimate from this kernel)");
	harness_kernel_estimate_constant(-ENOENT, &e);
	assert_int_equal(e.bytes_per_connection, 9600);
	assert_non_null(strstr(e.source, "constant (slabinfo unreadable: "));
	assert_non_null(strstr(e.source, strerror(ENOENT)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_object_cost_is_what_a_slab_spends),
	    cmocka_unit_test(test_epoll_from_fixed_slabinfo),
	    cmocka_unit_test(test_server_side_only),
	    cmocka_unit_test(test_io_uring_adds_its_requests),
	    cmocka_unit_test(test_select_and_poll_add_nothing),
	    cmocka_unit_test(test_missing_cache_falls_back),
	    cmocka_unit_test(test_estimate_follows_the_kernel),
	    cmocka_unit_test(test_constant_without_slabinfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
