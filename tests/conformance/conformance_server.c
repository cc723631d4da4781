/* conformance_server.c - a backend worker in a child process, driven the
 * way server/ drives one, for the conformance tests. */
#include "conformance_server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mcs_exit.h"

#include "mcs_backend_options.h"
#include "mcs_parse.h"
#include "mcs_proc.h"

static const struct mcs_backend_ops *child_ops;
static void *volatile child_state;
static volatile sig_atomic_t child_stop;

static void child_on_term(int signo)
{
	(void)signo;
	child_stop = 1;
	void *state = child_state;
	if (state)
		child_ops->stop(state);
}

static _Noreturn void child_main(struct test_server *s)
{
	char why[192] = "";
	child_ops = s->backend.ops;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_on_term;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	void *state = NULL;
	int err = child_ops->init(&s->config, &state, why, sizeof(why));
	if (err) {
		mcs_stats_fail(s->config.stats, why);
		mcs_worker_exit(1);
	}
	child_state = state;
	mcs_stat_set(&s->config.stats->state, MCS_WORKER_LISTENING);
	if (child_stop)
		child_ops->stop(state);
	err = child_ops->run(state, why, sizeof(why));
	child_state = NULL;
	child_ops->destroy(state);
	if (err) {
		mcs_stats_fail(s->config.stats, why);
		mcs_worker_exit(1);
	}
	mcs_stat_set(&s->config.stats->state, MCS_WORKER_STOPPED);
	mcs_worker_exit(0);
}

int test_server_load(struct test_server *s, const char *name)
{
	char why[512];
	memset(s, 0, sizeof(*s));
	if (mcs_backend_load(NULL, name, &s->backend, why, sizeof(why))) {
		fprintf(stderr, "conformance: %s\n", why);
		return -1;
	}
	if (s->backend.ops->probe &&
	    s->backend.ops->probe(why, sizeof(why)) != 0) {
		fprintf(stderr, "conformance: %s unavailable here: %s (skip)\n",
			name, why);
		return 77;
	}
	return test_server_set_options(s, NULL, 0);
}

int test_server_set_options(struct test_server *s, const char *const *settings,
			    size_t count)
{
	char why[512];
	if (mcs_backend_options_parse(s->backend.ops, settings, count,
				      &s->options, why, sizeof(why))) {
		fprintf(stderr, "conformance: %s\n", why);
		return -1;
	}
	return 0;
}

int test_server_start(struct test_server *s, uint16_t first_port,
		      unsigned max_connections, unsigned read_buffer_size,
		      unsigned write_backlog_limit)
{
	char name[64];
	snprintf(name, sizeof(name), "/mcs-conformance-%d-%u", (int)getpid(),
		 first_port);
	if (mcs_stats_create(&s->stats, name, 1, s->backend.ops->name)) {
		fprintf(stderr, "conformance: cannot create %s\n", name);
		return -1;
	}
	uint64_t soft, hard;
	mcs_fd_limit_raise(&soft);
	mcs_fd_limit(&soft, &hard);
	unsigned cap = s->backend.ops->capacity((unsigned)soft - 2);
	s->ports[0] = first_port;
	s->ports[1] = (uint16_t)(first_port + 1);
	memset(&s->config, 0, sizeof(s->config));
	mcs_parse_ipv4("127.0.0.1", &s->config.address);
	s->config.worker_count = 1;
	s->config.ports = s->ports;
	s->config.port_count = 2;
	s->config.max_connections =
	    max_connections < cap ? max_connections : cap;
	s->config.threads = 2;
	s->config.read_buffer_size = read_buffer_size;
	s->config.write_backlog_limit = write_backlog_limit;
	s->config.listen_backlog = 4096;
	s->config.stats = &s->stats.workers[0];
	s->config.options = s->backend.ops->option_count ? &s->options : NULL;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0)
		child_main(s);
	for (int i = 0; i < 1000; i++) {
		uint64_t state = mcs_stat_get(&s->config.stats->state);
		if (state == MCS_WORKER_LISTENING)
			return 0;
		if (state == MCS_WORKER_FAILED) {
			fprintf(stderr, "conformance: worker failed: %s\n",
				s->config.stats->error);
			waitpid(s->pid, NULL, 0);
			s->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	fprintf(stderr, "conformance: worker did not listen within 10 s\n");
	test_server_stop(s);
	return -1;
}

int test_server_stop(struct test_server *s)
{
	int result = -1;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (int i = 0; i < 1000; i++) {
			int status;
			pid_t r = waitpid(s->pid, &status, WNOHANG);
			if (r == s->pid) {
				result = WIFEXITED(status) ? WEXITSTATUS(status)
							   : -1;
				s->pid = 0;
				break;
			}
			usleep(10000);
		}
		if (s->pid > 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			s->pid = 0;
		}
	}
	return result;
}

void test_server_totals(struct test_server *s, struct mcs_stats_total *t)
{
	mcs_stats_sum(&s->stats, t);
}

int test_server_wait_live(struct test_server *s, uint64_t live, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		if (mcs_stat_get(&s->config.stats->live) == live)
			return 0;
		usleep(5000);
	}
	return -1;
}
