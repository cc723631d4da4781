/* mcs_exit.h - how a forked worker ends: _exit (no atexit handlers or
 * stdio buffers inherited from the parent run twice), but in sanitizer
 * builds LeakSanitizer checks the worker's heap first, so a backend that
 * leaks is caught even though its process never calls exit(). */
#ifndef MCS_EXIT_H
#define MCS_EXIT_H

#include <unistd.h>

#ifdef MCS_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

_Noreturn static inline void mcs_worker_exit(int code)
{
#ifdef MCS_LEAK_CHECK
	/* Reports and exits non-zero if anything leaked. */
	__lsan_do_leak_check();
#endif
	_exit(code);
}

#endif /* MCS_EXIT_H */
