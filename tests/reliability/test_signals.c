/* test_signals.c - SIGINT and SIGTERM reach the `server` binary at any
 * point of its life: during startup (0, 5 and 30 ms after exec), while
 * idle, while clients are connecting as fast as they can, and while it
 * holds connections (SIGINT then goes to the whole process group, as
 * Ctrl-C does). Every time: the server exits with 128+signal, every worker
 * was reaped by it (none is orphaned to us, its process group is empty),
 * its ports are free, its shared stats are unlinked, and the peers it held
 * see their connections closed.
 *
 * usage: test_reliability_signals BACKEND FIRST_PORT
 *   (uses FIRST_PORT .. FIRST_PORT+23, two per scenario; exit 77 if the
 *   backend cannot run here)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_stats.h"
#include "peer.h"
#include "rel_util.h"
#include "run_binary.h"

#define WORKERS 2
#define HELD	100

enum moment {
	AT_START_0MS,
	AT_START_5MS,
	AT_START_30MS,
	WHILE_IDLE,
	WHILE_CONNECTING,
	WHILE_HOLDING,
	MOMENTS
};

static const char *const moment_names[MOMENTS] = {
    "0 ms after exec", "5 ms after exec",	"30 ms after exec",
    "while idle",      "while clients connect", "while holding 100",
};

static const char *backend_name;
static uint16_t first_port;

/* Connect to both ports over and over, holding up to 64, until
 * killed. Runs in a child process of the test. */
static _Noreturn void hammer(uint16_t port)
{
	int ring[64];
	for (int i = 0; i < 64; i++)
		ring[i] = -1;
	for (unsigned i = 0;; i++) {
		int slot = (int)(i % 64);
		if (ring[slot] >= 0)
			close(ring[slot]);
		ring[slot] = peer_connect((uint16_t)(port + i % 2));
		/* About 5,000 a second: plenty, without filling the
		 * ephemeral port range with TIME_WAIT. */
		usleep(ring[slot] < 0 ? 1000 : 200);
	}
}

static void run_scenario(int signo, enum moment when, uint16_t port)
{
	char ports[32], shm[64], shm_path[80];
	snprintf(ports, sizeof(ports), "%u-%u", port, port + 1);
	snprintf(shm, sizeof(shm), "/mcs-rel-signals-%u", port);
	snprintf(shm_path, sizeof(shm_path), "/dev/shm%s", shm);
	assert_true(rel_port_free(port) && rel_port_free((uint16_t)(port + 1)));
	shm_unlink(shm); /* what a killed earlier run may have left */
	char *argv[] = {"server",      "--backend",  (char *)backend_name,
			"--ports",     ports,	     "--workers",
			"2",	       "--interval", "0",
			"--stats-shm", shm,	     NULL};
	pid_t hammer_pid = 0;
	int held[HELD];
	int held_count = 0;

	pid_t pid = start_binary("server", argv);
	assert_true(pid > 0);
	int children_at_signal = -1;
	switch (when) {
	case AT_START_0MS: break;
	case AT_START_5MS: usleep(5000); break;
	case AT_START_30MS: usleep(30000); break;
	case WHILE_IDLE:
	case WHILE_CONNECTING:
	case WHILE_HOLDING:
		assert_int_equal(
		    rel_wait_listening(shm, pid, WORKERS, REL_TIMEOUT_MS), 0);
		children_at_signal = count_children(pid);
		assert_int_equal(children_at_signal, WORKERS);
		break;
	default: break;
	}
	if (when == WHILE_IDLE)
		usleep(300000);
	if (when == WHILE_CONNECTING) {
		fflush(NULL);
		hammer_pid = fork();
		assert_true(hammer_pid >= 0);
		if (hammer_pid == 0)
			hammer(port);
		usleep(300000);
	}
	if (when == WHILE_HOLDING) {
		for (; held_count < HELD; held_count++) {
			held[held_count] =
			    peer_connect((uint16_t)(port + held_count % 2));
			assert_true(held[held_count] >= 0);
			assert_int_equal(
			    peer_exchange(held[held_count], 100, 100,
					  (uint32_t)held_count, REL_TIMEOUT_MS),
			    0);
		}
	}
	/* SIGINT while holding goes to the whole group, as Ctrl-C would. */
	if (when == WHILE_HOLDING && signo == SIGINT)
		assert_int_equal(kill(-pid, signo), 0);
	else
		assert_int_equal(kill(pid, signo), 0);

	int status;
	int timed_out = wait_binary(pid, REL_TIMEOUT_MS, &status) != 0;
	if (hammer_pid > 0) {
		kill(hammer_pid, SIGKILL);
		waitpid(hammer_pid, NULL, 0);
	}
	/* Workers the server did not reap would now be ours (we are a
	 * subreaper): give them a moment to be reparented. */
	usleep(50000);
	int orphans = 0;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		orphans++;
	int group_alive = kill(-pid, 0) == 0;
	char log[64];
	snprintf(log, sizeof(log), "/tmp/mcs-test-%d.log", (int)pid);
	char text[2048] = "";
	FILE *f = fopen(log, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		unlink(log);
	}
	print_message(
	    "%s %s (%s): %s %d; children at signal %d; orphans %d; "
	    "group %s\n%s",
	    strsignal(signo), moment_names[when], backend_name,
	    timed_out		? "TIMED OUT, killed;"
	    : WIFEXITED(status) ? "exit"
				: "killed by signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	    children_at_signal, orphans, group_alive ? "ALIVE" : "empty", text);
	assert_false(timed_out); /* it exited by itself, in time */
	if (WIFSIGNALED(status)) {
		/* Only before the server blocked the signal (right after
		 * exec) may the default action kill it; it has no workers
		 * yet then. */
		assert_true(when <= AT_START_30MS);
		assert_int_equal(WTERMSIG(status), signo);
	} else {
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 128 + signo);
	}
	assert_int_equal(orphans, 0);
	assert_false(group_alive);
	assert_true(rel_port_free(port));
	assert_true(rel_port_free((uint16_t)(port + 1)));
	if (access(shm_path, F_OK) == 0)
		print_message("%s is left behind: the server created its stats "
			      "before blocking the signal, and the default "
			      "action killed it in between\n",
			      shm_path);
	assert_int_equal(access(shm_path, F_OK), -1);
	for (int i = 0; i < held_count; i++) {
		assert_true(rel_peer_closed(held[i], REL_TIMEOUT_MS));
		close(held[i]);
	}
}

static void test_signals(void **state)
{
	(void)state;
	static const int signals[] = {SIGTERM, SIGINT};
	uint16_t port = first_port;
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < MOMENTS; m++, port += 2)
			run_scenario(signals[s], (enum moment)m, port);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s BACKEND FIRST_PORT\n", argv[0]);
		return 2;
	}
	backend_name = argv[1];
	first_port = rel_port_arg(argv[2]);
	int available = rel_backend_available(backend_name);
	if (available != 0)
		return available;
	/* A shell without job control starts background commands with
	 * SIGINT ignored, and an ignored disposition survives exec: a signal
	 * sent before the server blocks it would then be dropped. The server
	 * under test gets the default dispositions, as from a terminal. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signals),
	};
	return cmocka_run_group_tests_name(backend_name, tests, NULL, NULL) ? 1
									    : 0;
}
