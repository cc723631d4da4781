/* test_stats.c - the shared-memory stats block: create, open from another
 * process, counters seen across processes, sum, failure reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_stats.h"

static void stats_name(char *buf, size_t size)
{
	snprintf(buf, size, "/mcs-test-stats-%d", (int)getpid());
}

static void test_create_open_sum(void **state)
{
	(void)state;
	char name[64];
	stats_name(name, sizeof(name));
	struct mcs_stats_block owner, reader;
	assert_int_equal(mcs_stats_create(&owner, name, 3, "epoll"), 0);
	assert_int_equal(mcs_stats_open(&reader, name), 0);
	assert_int_equal(reader.header->worker_count, 3);
	assert_string_equal(reader.header->backend, "epoll");

	/* Children write their own worker's block; the reader sees it. */
	for (unsigned w = 0; w < 3; w++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct mcs_worker_stats *s = &owner.workers[w];
			for (unsigned i = 0; i <= w; i++)
				mcs_stats_connection_opened(s);
			mcs_stats_connection_closed(s);
			mcs_stat_add(&s->bytes_in, 100 * (w + 1));
			mcs_stat_set(&s->state, MCS_WORKER_LISTENING);
			_exit(0);
		}
		int status;
		waitpid(pid, &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	struct mcs_stats_total t;
	mcs_stats_sum(&reader, &t);
	assert_int_equal(t.workers, 3);
	assert_int_equal(t.accepts, 1 + 2 + 3);
	assert_int_equal(t.closes, 3);
	assert_int_equal(t.live, 3);
	assert_int_equal(t.peak, 1 + 2 + 3);
	assert_int_equal(t.bytes_in, 600);
	assert_int_equal(t.listening, 3);

	mcs_stats_fail(&owner.workers[1], "bind 127.0.0.1:2049: busy");
	mcs_stats_sum(&reader, &t);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.listening, 2);
	assert_string_equal(reader.workers[1].error,
			    "bind 127.0.0.1:2049: busy");

	mcs_stats_close(&reader);
	mcs_stats_close(&owner);
	/* The owner unlinked it. */
	assert_int_equal(mcs_stats_open(&reader, name), -ENOENT);
}

static void test_rejects_foreign_objects(void **state)
{
	(void)state;
	struct mcs_stats_block b;
	assert_int_equal(mcs_stats_open(&b, "/mcs-no-such-block"), -ENOENT);
	assert_int_equal(mcs_stats_create(&b, "/x", 0, "epoll"), -EINVAL);
	mcs_stats_close(&b);
}

static void test_accept_failure_policy(void **state)
{
	(void)state;
	struct mcs_worker_stats w;
	memset(&w, 0, sizeof(w));
	/* Not failures: accept again, count nothing. */
	const int transient[] = {EAGAIN, EINTR, ECONNABORTED, EPROTO,
				 ECANCELED};
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		assert_int_equal(mcs_stats_accept_failed(&w, transient[i]), 0);
	assert_int_equal(mcs_stat_get(&w.accept_fd_limit), 0);
	assert_int_equal(mcs_stat_get(&w.accept_errors), 0);
	/* Out of descriptors or memory. */
	const int exhausted[] = {EMFILE, ENFILE, ENOBUFS, ENOMEM};
	for (size_t i = 0; i < sizeof(exhausted) / sizeof(exhausted[0]); i++)
		assert_int_equal(mcs_stats_accept_failed(&w, exhausted[i]), 1);
	assert_int_equal(mcs_stat_get(&w.accept_fd_limit), 4);
	assert_int_equal(mcs_stat_get(&w.accept_errors), 0);
	/* Anything else. */
	assert_int_equal(mcs_stats_accept_failed(&w, EBADF), 1);
	assert_int_equal(mcs_stats_accept_failed(&w, EINVAL), 1);
	assert_int_equal(mcs_stat_get(&w.accept_errors), 2);
	assert_int_equal(mcs_stat_get(&w.accept_fd_limit), 4);
}

static void test_workers_are_cache_line_aligned(void **state)
{
	(void)state;
	char name[64];
	stats_name(name, sizeof(name));
	struct mcs_stats_block b;
	assert_int_equal(mcs_stats_create(&b, name, 2, "x"), 0);
	assert_int_equal((uintptr_t)&b.workers[0] % 64, 0);
	assert_int_equal((uintptr_t)&b.workers[1] % 64, 0);
	assert_int_equal(sizeof(struct mcs_worker_stats) % 64, 0);
	mcs_stats_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_open_sum),
	    cmocka_unit_test(test_rejects_foreign_objects),
	    cmocka_unit_test(test_workers_are_cache_line_aligned),
	    cmocka_unit_test(test_accept_failure_policy),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
