/* mcs_clock.h - the monotonic clock, read one way everywhere.
 *
 * CLOCK_MONOTONIC: never jumps with the wall clock (NTP, settimeofday), so
 * differences are durations. Header-only (static inline), so a backend, a
 * tool or a test uses it without linking anything new.
 */
#ifndef MCS_CLOCK_H
#define MCS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds since an arbitrary fixed point (boot, on Linux). */
static inline uint64_t mcs_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Milliseconds, the unit poll()/epoll_wait() timeouts take. */
static inline int64_t mcs_now_ms(void)
{
	return (int64_t)(mcs_now_ns() / 1000000ull);
}

/* Seconds, with nanosecond resolution. */
static inline double mcs_now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* MCS_CLOCK_H */
