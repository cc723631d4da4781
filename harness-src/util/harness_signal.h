/* harness_signal.h - the signals the harness reacts to, as flags.
 *
 * SIGINT, SIGTERM and SIGHUP ask the sweep to stop (it keeps what it
 * measured, stops every child and exits 128+signal); SIGUSR1 resumes a
 * --pause-at pause. Handlers only set flags and do not restart system
 * calls, so a blocking poll() returns EINTR and the loop looks. Every
 * wait ends early the same two ways: a stop signal, a deadline.
 */
#ifndef HARNESS_SIGNAL_H
#define HARNESS_SIGNAL_H

#include <stddef.h>

void harness_signals_install(void);
/* The stop signal received, or 0. */
int harness_stop_signal(void);
/* -EINTR with why ("interrupted by signal 2 (Interrupt)") once a stop
 * signal came, else 0. */
int harness_stop_why(char *why, size_t why_size);
/* -ETIMEDOUT with why (printf-style) once the monotonic clock is past
 * deadline (mcs_now_seconds), else 0. */
int harness_timed_out(double deadline, char *why, size_t why_size,
		      const char *format, ...)
    __attribute__((format(printf, 4, 5)));
/* Whether SIGUSR1 arrived since the last call (and clear it). */
int harness_take_resume(void);

#endif /* HARNESS_SIGNAL_H */
