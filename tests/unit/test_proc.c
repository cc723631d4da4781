/* test_proc.c - /proc parsers against known samples, and the live readers
 * and rlimit helpers against this process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_proc.h"

static void test_meminfo_sample(void **state)
{
	(void)state;
	const char *text = "MemTotal:       24608708 kB\n"
			   "MemFree:        23000000 kB\n"
			   "MemAvailable:   23500000 kB\n"
			   "Slab:             123456 kB\n"
			   "SReclaimable:      23456 kB\n"
			   "SUnreclaim:       100000 kB\n";
	struct mcs_meminfo m;
	assert_int_equal(mcs_parse_meminfo(text, &m), 0);
	assert_int_equal(m.total, 24608708ull * 1024);
	assert_int_equal(m.available, 23500000ull * 1024);
	assert_int_equal(m.slab, 123456ull * 1024);
	assert_int_equal(m.slab_reclaimable, 23456ull * 1024);
	assert_int_equal(m.slab_unreclaimable, 100000ull * 1024);
	assert_int_equal(mcs_parse_meminfo("MemFree: 1 kB\n", &m), -EPROTO);
}

static void test_sockstat_sample(void **state)
{
	(void)state;
	const char *text =
	    "sockets: used 2000123\n"
	    "TCP: inuse 2000010 orphan 3 tw 17 alloc 2000020 mem 4096\n"
	    "UDP: inuse 1 mem 0\n";
	struct mcs_sockstat s;
	assert_int_equal(mcs_parse_sockstat(text, 4096, &s), 0);
	assert_int_equal(s.sockets_used, 2000123);
	assert_int_equal(s.tcp_inuse, 2000010);
	assert_int_equal(s.tcp_orphan, 3);
	assert_int_equal(s.tcp_tw, 17);
	assert_int_equal(s.tcp_alloc, 2000020);
	assert_int_equal(s.tcp_mem_bytes, 4096ull * 4096);
	assert_int_equal(mcs_parse_sockstat("UDP: inuse 1\n", 4096, &s),
			 -EPROTO);
}

static void test_netstat_sample(void **state)
{
	(void)state;
	const char *text =
	    "TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows "
	    "ListenDrops TCPBacklogDrop\n"
	    "TcpExt: 1 2 345 678 9\n"
	    "IpExt: InNoRoutes\nIpExt: 0\n";
	struct mcs_netstat n;
	assert_int_equal(mcs_parse_netstat(text, &n), 0);
	assert_int_equal(n.listen_overflows, 345);
	assert_int_equal(n.listen_drops, 678);
	assert_int_equal(mcs_parse_netstat("IpExt: A\nIpExt: 1\n", &n),
			 -EPROTO);
}

static void test_smaps_rollup_sample(void **state)
{
	(void)state;
	const char *text =
	    "55d0c0000000-7ffd00000000 ---p 00000000 00:00 0 [rollup]\n"
	    "Rss:                2048 kB\n"
	    "Pss:                1536 kB\n"
	    "Pss_Anon:            512 kB\n";
	struct mcs_process_memory m;
	assert_int_equal(mcs_parse_smaps_rollup(text, &m), 0);
	assert_int_equal(m.rss, 2048ull * 1024);
	assert_int_equal(m.pss, 1536ull * 1024);
	assert_int_equal(m.pss_anon, 512ull * 1024);
}

static void test_proc_stat_sample(void **state)
{
	(void)state;
	/* A command name with spaces and parentheses must not shift fields. */
	const char *text = "1234 (evil) name) S 1 1234 1234 0 -1 4194560 100 0 "
			   "0 0 250 50 0 0 20 0 1 0 100 1000 10\n";
	double user, sys;
	assert_int_equal(mcs_parse_proc_stat_cpu(text, 100, &user, &sys), 0);
	assert_true(user > 2.49 && user < 2.51);
	assert_true(sys > 0.49 && sys < 0.51);
	assert_int_equal(mcs_parse_proc_stat_cpu("garbage", 100, &user, &sys),
			 -EPROTO);
}

static void test_fd_limit_matches_getrlimit(void **state)
{
	(void)state;
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	uint64_t soft, hard;
	assert_int_equal(mcs_fd_limit(&soft, &hard), 0);
	assert_int_equal(soft, rl.rlim_cur);
	assert_int_equal(hard, rl.rlim_max);
	assert_int_equal(mcs_fd_limit_raise(&soft), 0);
	assert_int_equal(soft, rl.rlim_max);
	/* Another process's: a child that lowered its own. */
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct rlimit low = {.rlim_cur = 100, .rlim_max = 200};
		char c = setrlimit(RLIMIT_NOFILE, &low) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	uint64_t child_soft = 0, child_hard = 0;
	int err = mcs_process_fd_limit(child, &child_soft, &child_hard);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(err, 0);
	assert_int_equal(child_soft, 100);
	assert_int_equal(child_hard, 200);
}

static void test_keyed(void **state)
{
	(void)state;
	uint64_t v = 7;
	const char *events = "low 0\nhigh 0\nmax 593\noom 2\noom_kill 2\n"
			     "oom_group_kill 0\n";
	assert_int_equal(mcs_parse_keyed(events, "max", &v), 0);
	assert_int_equal(v, 593);
	assert_int_equal(mcs_parse_keyed(events, "oom_kill", &v), 0);
	assert_int_equal(v, 2);
	/* A key is a whole word: "oom" is not "oom_kill". */
	assert_int_equal(mcs_parse_keyed(events, "oom", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(mcs_parse_keyed(events, "oom_k", &v), -ENOENT);
	assert_int_equal(mcs_parse_keyed(events, "none", &v), -ENOENT);
	assert_int_equal(mcs_parse_keyed("oom_kill x\n", "oom_kill", &v),
			 -EINVAL);
	assert_int_equal(mcs_parse_keyed("", "oom_kill", &v), -ENOENT);
}

static void test_live_readers(void **state)
{
	(void)state;
	struct mcs_meminfo m;
	assert_int_equal(mcs_read_meminfo(&m), 0);
	assert_true(m.total > 0 && m.slab > 0);
	struct mcs_sockstat s;
	assert_int_equal(mcs_read_sockstat(&s), 0);
	struct mcs_netstat n;
	assert_int_equal(mcs_read_netstat(&n), 0);
	struct mcs_process_memory pm;
	assert_int_equal(mcs_read_process_memory(getpid(), &pm), 0);
	assert_true(pm.pss > 0 && pm.rss >= pm.pss / 2);
	double user, sys;
	assert_int_equal(mcs_read_process_cpu(getpid(), &user, &sys), 0);
	assert_true(user >= 0 && sys >= 0);
	assert_int_equal(mcs_read_process_memory(999999999, &pm), -ENOENT);
}

static void test_fd_count_follows_open_files(void **state)
{
	(void)state;
	unsigned before, after;
	assert_int_equal(mcs_count_process_fds(getpid(), &before), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(mcs_count_process_fds(getpid(), &after), 0);
	assert_int_equal(after, before + 2);
	close(fds[0]);
	close(fds[1]);
}

static void test_sysctl(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(mcs_sysctl_read_u64("fs.nr_open", &v), 0);
	assert_true(v >= 1024);
	char text[64];
	assert_int_equal(
	    mcs_sysctl_read("net.ipv4.ip_local_port_range", text, sizeof(text)),
	    0);
	assert_non_null(strchr(text, '\t'));
	assert_int_equal(mcs_sysctl_read_u64("fs/../../etc/passwd", &v),
			 -EINVAL);
	assert_int_equal(mcs_sysctl_read_u64("net.no.such.thing", &v), -ENOENT);
}

static void test_children(void **state)
{
	(void)state;
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	pid_t found[8];
	int n = mcs_list_children(getpid(), found, 8);
	assert_int_equal(n, 1);
	assert_int_equal(found[0], child);
	kill(child, 9);
	waitpid(child, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_meminfo_sample),
	    cmocka_unit_test(test_sockstat_sample),
	    cmocka_unit_test(test_netstat_sample),
	    cmocka_unit_test(test_smaps_rollup_sample),
	    cmocka_unit_test(test_proc_stat_sample),
	    cmocka_unit_test(test_fd_limit_matches_getrlimit),
	    cmocka_unit_test(test_keyed),
	    cmocka_unit_test(test_live_readers),
	    cmocka_unit_test(test_fd_count_follows_open_files),
	    cmocka_unit_test(test_sysctl),
	    cmocka_unit_test(test_children),
	};
	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
