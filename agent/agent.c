/* agent.c - mcs-agent's main loop (see agent.h): read request lines from
 * stdin and answer them, relay what the server and client print, notice
 * when they exit, and stop everything when stdin closes, on quit, on a
 * signal, or when the harness has said nothing for longer than the
 * watchdog it set.
 *
 *   mcs-agent            speak the protocol on stdin/stdout
 *   mcs-agent --version  print the build (commit, plugin ABI) and exit
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "mcs_clock.h"
#include "mcs_parse.h"
#include "mcs_proc.h"
#include "mcs_version.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int find_bin_dir(struct agent *a)
{
	ssize_t n =
	    readlink("/proc/self/exe", a->bin_dir, sizeof(a->bin_dir) - 1);
	if (n <= 0)
		return -errno;
	a->bin_dir[n] = '\0';
	char *slash = strrchr(a->bin_dir, '/');
	if (slash)
		*slash = '\0';
	return 0;
}

/* Stats objects of servers whose agent was killed outright. */
static void remove_stale_stats(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int pid;
		char tail[16];
		if (sscanf(e->d_name, "mcs-agent-%d-%15s", &pid, tail) != 2 ||
		    pid <= 0 || (kill(pid, 0) == 0 || errno != ESRCH))
			continue;
		char name[300];
		snprintf(name, sizeof(name), "/%s", e->d_name);
		shm_unlink(name);
	}
	if (d)
		closedir(d);
}

/* Answer every whole line in buffer; keep the rest. */
static void handle_lines(struct agent *a, char *buffer, size_t *have)
{
	char *start = buffer;
	char *nl;
	while (!a->quit &&
	       (nl = memchr(start, '\n', *have - (start - buffer)))) {
		*nl = '\0';
		if (nl > start && nl[-1] == '\r')
			nl[-1] = '\0';
		if (start[0]) {
			struct agent_request r;
			char why[256];
			if (agent_request_parse(start, &r, why, sizeof(why)))
				agent_emit_error(a, r.id >= 0 ? &r : NULL, why);
			else
				agent_dispatch(a, &r);
			agent_request_free(&r);
		}
		start = nl + 1;
	}
	size_t used = (size_t)(start - buffer);
	memmove(buffer, start, *have - used);
	*have -= used;
	if (*have == AGENT_LINE_MAX - 1) {
		agent_emit_error(a, NULL, "request line too long: dropped");
		*have = 0;
	}
}

/* Read what stdin has. Returns 0, or 1 at EOF. */
static int read_requests(struct agent *a)
{
	static char buffer[AGENT_LINE_MAX];
	static size_t have;
	ssize_t n =
	    read(STDIN_FILENO, buffer + have, sizeof(buffer) - 1 - have);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	have += (size_t)n;
	a->last_heard = mcs_now_seconds();
	handle_lines(a, buffer, &have);
	return 0;
}

/* Why the loop ended: 0 EOF or quit, 1 the watchdog, 128+signal. */
static int serve(struct agent *a)
{
	a->last_heard = mcs_now_seconds();
	for (;;) {
		if (a->quit || a->output_broken)
			return 0;
		if (stop_signal)
			return 128 + stop_signal;
		struct pollfd p[1 + AGENT_PROC_COUNT];
		p[0].fd = STDIN_FILENO;
		p[0].events = POLLIN;
		for (int i = 0; i < AGENT_PROC_COUNT; i++) {
			p[1 + i].fd = agent_proc_output_fd(a, i);
			p[1 + i].events = POLLIN;
		}
		int n = poll(p, 1 + AGENT_PROC_COUNT, 200);
		if (n < 0 && errno != EINTR)
			return 1;
		if (n > 0 && p[0].revents && read_requests(a))
			return 0;
		agent_procs_pump(a);
		if (a->watchdog_s > 0 &&
		    mcs_now_seconds() - a->last_heard > a->watchdog_s) {
			char text[160];
			snprintf(text, sizeof(text),
				 "watchdog: no request for %.0f s: the harness "
				 "or the link is gone; stopping everything",
				 a->watchdog_s);
			agent_emit_error(a, NULL, text);
			fprintf(stderr, "mcs-agent: %s\n", text);
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("mcs-agent %s%s abi %u protocol %d\n",
		       mcs_version_commit(),
		       mcs_version_dirty() ? "-dirty" : "", mcs_version_abi(),
		       AGENT_PROTOCOL_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: mcs-agent [--version | --help]\n"
		       "Speaks the multi-host agent protocol (JSON lines) on "
		       "stdin/stdout:\nsee docs/MULTIHOST.md.\n");
		return 0;
	}
	if (argc > 1) {
		char shown[64];
		fprintf(stderr,
			"mcs-agent: %s: unknown option (mcs-agent takes "
			"--version or --help; the harness starts it)\n",
			mcs_printable(argv[1], shown, sizeof(shown)));
		return 2;
	}
	static struct agent a;
	agent_procs_init(&a);
	install_signals();
	if (find_bin_dir(&a)) {
		fprintf(stderr, "mcs-agent: readlink /proc/self/exe: %s\n",
			strerror(errno));
		return 1;
	}
	remove_stale_stats();
	/* Log folders of agents killed outright (mine, if a pid is reused). */
	mcs_remove_dead_pid_dirs("/tmp", "mcs-agent-", 1);
	snprintf(a.log_dir, sizeof(a.log_dir), "/tmp/mcs-agent-%d",
		 (int)getpid());
	if (mkdir(a.log_dir, 0700) < 0) {
		fprintf(stderr, "mcs-agent: mkdir %s: %s\n", a.log_dir,
			strerror(errno));
		return 1;
	}
	/* Orphaned workers come back here to be killed and reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	uint64_t soft;
	mcs_fd_limit_raise(&soft); /* the children inherit it */
	mcs_protect_from_oom();
	int status = serve(&a);
	agent_procs_stop_all(&a);
	mcs_remove_dir(a.log_dir);
	return status;
}
