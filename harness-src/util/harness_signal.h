/* harness_signal.h - the signals the harness reacts to, as flags.
 *
 * SIGINT, SIGTERM and SIGHUP ask the sweep to stop (it keeps what it
 * measured, stops every child and exits 128+signal); SIGUSR1 resumes a
 * --pause-at pause. Handlers only set flags and do not restart system
 * calls, so a blocking poll() returns EINTR and the loop looks.
 */
#ifndef HARNESS_SIGNAL_H
#define HARNESS_SIGNAL_H

void harness_signals_install(void);
/* The stop signal received, or 0. */
int harness_stop_signal(void);
/* Whether SIGUSR1 arrived since the last call (and clear it). */
int harness_take_resume(void);

#endif /* HARNESS_SIGNAL_H */
