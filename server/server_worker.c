/* server_worker.c - a worker process: signals in, backend loop, exit. */
#include "server_worker.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mcs_exit.h"

static const struct mcs_backend_ops *worker_ops;
static void *volatile worker_state;
static volatile sig_atomic_t worker_stop_requested;

static void on_stop_signal(int signo)
{
	(void)signo;
	worker_stop_requested = 1;
	void *state = worker_state;
	if (state)
		worker_ops->stop(state);
}

_Noreturn void server_worker_main(const struct mcs_backend_ops *ops,
				  const struct mcs_worker_config *config,
				  pid_t parent)
{
	struct mcs_worker_stats *stats = config->stats;
	char why[192] = "";
	worker_ops = ops;

	/* Die with the server: if the parent goes, so do we. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (getppid() != parent)
		mcs_worker_exit(1);

	mcs_stat_set((_Atomic uint64_t *)&stats->pid, (uint64_t)getpid());
	void *state = NULL;
	int err = ops->init(config, &state, why, sizeof(why));
	if (err) {
		mcs_stats_fail(stats, why[0] ? why : strerror(-err));
		mcs_worker_exit(1);
	}
	worker_state = state;
	mcs_stat_set(&stats->state, MCS_WORKER_LISTENING);
	if (worker_stop_requested)
		ops->stop(state);
	err = ops->run(state, why, sizeof(why));
	worker_state = NULL;
	ops->destroy(state);
	if (err) {
		mcs_stats_fail(stats, why[0] ? why : strerror(-err));
		mcs_worker_exit(1);
	}
	mcs_stat_set(&stats->state, MCS_WORKER_STOPPED);
	mcs_worker_exit(0);
}
