/* harness_signal.c - flag-setting handlers for stop and resume signals,
 * and the two ways every wait ends early: a stop signal, a deadline. */
#include "harness_signal.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mcs_clock.h"

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t resume_requested;

static void on_stop(int signo)
{
	if (!stop_signal)
		stop_signal = signo;
}

static void on_resume(int signo)
{
	(void)signo;
	resume_requested = 1;
}

void harness_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop; /* no SA_RESTART: waits return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_resume;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int harness_stop_signal(void)
{
	return stop_signal;
}

int harness_take_resume(void)
{
	int was = resume_requested;
	resume_requested = 0;
	return was;
}

int harness_stop_why(char *why, size_t why_size)
{
	int sig = stop_signal;
	if (!sig)
		return 0;
	snprintf(why, why_size, "interrupted by signal %d (%s)", sig,
		 strsignal(sig));
	return -EINTR;
}

int harness_timed_out(double deadline, char *why, size_t why_size,
		      const char *format, ...)
{
	if (mcs_now_seconds() <= deadline)
		return 0;
	va_list ap;
	va_start(ap, format);
	vsnprintf(why, why_size, format, ap);
	va_end(ap);
	return -ETIMEDOUT;
}
