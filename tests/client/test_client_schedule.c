/* test_client_schedule.c - the `load` command's open-loop schedule
 * (client/client_schedule.h) on a fake clock: phases in [0, P), every
 * connection due once per period in time order, late messages counted and
 * queued, a queued message's latency from its own intended time, failed
 * connections, and due counts over a window against RATE x D. No sockets,
 * no real time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "client_schedule.h"

#define US 1000ull
#define MS 1000000ull
#define S  1000000000ull

static void test_period(void **state)
{
	(void)state;
	assert_int_equal(client_schedule_period_ns(2000, 2000.0), 1 * S);
	assert_int_equal(client_schedule_period_ns(1000000, 20000.0), 50 * S);
	assert_int_equal(client_schedule_period_ns(1, 1e7), 100);
	assert_int_equal(client_schedule_period_ns(3, 2.0), 1500 * MS);
	assert_int_equal(client_schedule_period_ns(0, 5.0), 1); /* at least 1 */
}

/* Phases lie in [0, P), depend only on the id, and spread over the
 * period (the mean of many is near P/2, every tenth of P is used). */
static void test_phases(void **state)
{
	(void)state;
	const uint64_t periods[] = {1, 7, 1000, 1 * S, 50 * S, UINT64_MAX / 2};
	for (unsigned p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
		uint64_t period = periods[p];
		double sum = 0;
		unsigned tenths[10] = {0};
		for (uint64_t id = 0; id < 10000; id++) {
			uint64_t phase = client_schedule_phase_ns(id, period);
			assert_true(phase < period);
			assert_int_equal(phase,
					 client_schedule_phase_ns(id, period));
			sum += (double)phase / (double)period;
			unsigned tenth =
			    (unsigned)((double)phase / (double)period * 10.0);
			tenths[tenth < 10 ? tenth : 9]++;
		}
		if (period >= 1000) {
			double mean = sum / 10000;
			assert_true(mean > 0.45 && mean < 0.55);
			for (unsigned t = 0; t < 10; t++)
				assert_true(tenths[t] > 800 &&
					    tenths[t] < 1200);
		}
	}
	assert_int_equal(client_schedule_phase_ns(5, 0), 0);
}

/* 100 of 120 indices scheduled, P = 1 ms, a 10 ms window, the clock
 * stepped by 10 us and every echo completing at once: each scheduled
 * index is sent exactly 10 times, at phase + k*P, in time order, none
 * late, and nothing else is ever due. */
static void test_each_due_once_per_period(void **state)
{
	(void)state;
	struct client_schedule s;
	assert_int_equal(client_schedule_init(&s, 120, 3, 7), 0);
	for (uint32_t i = 0; i < 120; i++)
		if (i % 6 != 5)
			client_schedule_add(&s, i);
	assert_int_equal(s.count, 100);
	const uint64_t start = 5 * S, period = 1 * MS;
	client_schedule_start(&s, start, period, 10 * MS);
	unsigned sends[120] = {0};
	uint64_t last = 0;
	for (uint64_t now = start; now <= start + 11 * MS; now += 10 * US) {
		uint32_t i;
		enum client_schedule_action a;
		while ((a = client_schedule_take(&s, now, &i)) !=
		       CLIENT_SCHEDULE_NOTHING) {
			assert_int_equal(a, CLIENT_SCHEDULE_SEND);
			assert_true(i % 6 != 5);
			uint64_t intended = s.intended_ns[i];
			uint64_t phase =
			    client_schedule_phase_ns(3 + i * 7ull, period);
			assert_true(phase < period);
			assert_int_equal(intended,
					 start + phase + sends[i] * period);
			assert_true(intended <= now && intended >= last);
			last = intended;
			int again;
			uint64_t latency =
			    client_schedule_complete(&s, i, now, now, &again);
			assert_int_equal(latency, now - intended);
			assert_true(latency < 10 * US);
			assert_int_equal(again, 0);
			sends[i]++;
		}
	}
	for (uint32_t i = 0; i < 120; i++)
		assert_int_equal(sends[i], i % 6 != 5 ? 10 : 0);
	assert_int_equal(s.due, 1000); /* 100 / 1 ms = 100k/s, for 10 ms */
	assert_int_equal(s.late, 0);
	assert_int_equal(client_schedule_next_ns(&s), CLIENT_SCHEDULE_NEVER);
	client_schedule_free(&s);
	client_schedule_free(&s); /* twice is safe */
}

/* One connection, P = 40 us, intended at 60, 100, 140, 180 us (the window
 * ends at 200 us). The first echo takes until 900 us: the next three are
 * late and queued; each goes out as the previous one completes, and its
 * latency runs from its own intended time (100 us intended, sent at 900,
 * echoed at 950: 850 us). */
static void test_late_queued_latency(void **state)
{
	(void)state;
	struct client_schedule s;
	assert_int_equal(client_schedule_init(&s, 1, 42, 1), 0);
	client_schedule_add(&s, 0);
	const uint64_t period = 40 * US;
	uint64_t phase = client_schedule_phase_ns(42, period);
	uint64_t start = 60 * US - phase; /* first intended at 60 us */
	client_schedule_start(&s, start, period, 200 * US - start);
	uint32_t i = 99;
	assert_int_equal(client_schedule_take(&s, 59 * US, &i),
			 CLIENT_SCHEDULE_NOTHING);
	assert_int_equal(client_schedule_next_ns(&s), 60 * US);
	assert_int_equal(client_schedule_take(&s, 60 * US, &i),
			 CLIENT_SCHEDULE_SEND);
	assert_int_equal(i, 0);
	const uint64_t due_at[] = {100 * US, 140 * US, 180 * US};
	for (unsigned k = 0; k < 3; k++) {
		assert_int_equal(client_schedule_take(&s, due_at[k], &i),
				 CLIENT_SCHEDULE_LATE);
		assert_int_equal(s.queued[0], k + 1);
	}
	assert_int_equal(s.late, 3);
	assert_int_equal(s.due, 4);
	/* The window is over: nothing more is due, however late it is. */
	assert_int_equal(client_schedule_next_ns(&s), CLIENT_SCHEDULE_NEVER);
	assert_int_equal(client_schedule_take(&s, 10 * S, &i),
			 CLIENT_SCHEDULE_NOTHING);

	int again;
	assert_int_equal(
	    client_schedule_complete(&s, 0, 60 * US, 900 * US, &again),
	    840 * US);
	assert_int_equal(again, 1);
	assert_int_equal(s.intended_ns[0], 100 * US);
	assert_int_equal(
	    client_schedule_complete(&s, 0, 900 * US, 950 * US, &again),
	    850 * US);
	assert_int_equal(again, 1);
	assert_int_equal(
	    client_schedule_complete(&s, 0, 950 * US, 1000 * US, &again),
	    860 * US);
	assert_int_equal(again, 1);
	assert_int_equal(
	    client_schedule_complete(&s, 0, 1000 * US, 1010 * US, &again),
	    830 * US);
	assert_int_equal(again, 0);
	assert_int_equal(s.queued[0], 0);
	assert_int_equal(s.intended_ns[0], CLIENT_SCHEDULE_NOTHING_IN_FLIGHT);
	/* Nothing in flight: a stray completion measures nothing. */
	assert_int_equal(
	    client_schedule_complete(&s, 0, 2000 * US, 2000 * US, &again), 0);
	assert_int_equal(again, 0);
	client_schedule_free(&s);
}

/* Taken early (the caller's clock plus a lead, to beat its wake-up
 * lateness), a message that goes out before its intended time T is timed
 * from when it went out: sent at T - 40 us and echoed at T + 50 us is
 * 90 us, never the 50 us from its intended time. */
static void test_early_send_timed_from_send(void **state)
{
	(void)state;
	struct client_schedule s;
	assert_int_equal(client_schedule_init(&s, 1, 7, 1), 0);
	client_schedule_add(&s, 0);
	const uint64_t period = 1 * MS, lead = 100 * US;
	client_schedule_start(&s, 1 * S, period, 10 * MS);
	const uint64_t t = 1 * S + client_schedule_phase_ns(7, period);
	assert_int_equal(client_schedule_next_ns(&s), t);
	uint32_t i;
	assert_int_equal(client_schedule_take(&s, t - lead - 1 + lead / 2, &i),
			 CLIENT_SCHEDULE_NOTHING);
	uint64_t sent = t - 40 * US; /* the clock then; it takes until +lead */
	assert_int_equal(client_schedule_take(&s, sent + lead, &i),
			 CLIENT_SCHEDULE_SEND);
	assert_int_equal(s.intended_ns[0], t);
	int again;
	assert_int_equal(
	    client_schedule_complete(&s, 0, sent, t + 50 * US, &again),
	    90 * US);
	assert_int_equal(again, 0);
	client_schedule_free(&s);
}

/* A connection that fails loses what is queued on it and every message
 * due on it after; the others go on. */
static void test_failed_connection(void **state)
{
	(void)state;
	struct client_schedule s;
	assert_int_equal(client_schedule_init(&s, 2, 0, 1), 0);
	client_schedule_add(&s, 0);
	client_schedule_add(&s, 1);
	client_schedule_start(&s, 0, 1 * MS, 5 * MS);
	uint32_t i;
	unsigned send[2] = {0}, late[2] = {0}, lost[2] = {0};
	/* First 2 ms: nothing completes. */
	while (1) {
		enum client_schedule_action a =
		    client_schedule_take(&s, 2 * MS - 1, &i);
		if (a == CLIENT_SCHEDULE_NOTHING)
			break;
		send[i] += a == CLIENT_SCHEDULE_SEND;
		late[i] += a == CLIENT_SCHEDULE_LATE;
	}
	assert_int_equal(send[0] + send[1], 2);
	assert_int_equal(late[0] + late[1], 2);
	assert_int_equal(client_schedule_fail(&s, 0), 1);
	int again;
	assert_int_equal(client_schedule_complete(&s, 0, 0, 2 * MS, &again), 0);
	assert_int_equal(again, 0);
	assert_true(client_schedule_complete(&s, 1, 0, 2 * MS, &again) > 0);
	assert_int_equal(again, 1); /* its queued one goes out */
	while (1) {
		enum client_schedule_action a =
		    client_schedule_take(&s, 10 * MS, &i);
		if (a == CLIENT_SCHEDULE_NOTHING)
			break;
		lost[i] += a == CLIENT_SCHEDULE_LOST;
		if (i == 1 && a == CLIENT_SCHEDULE_LATE)
			late[1]++;
	}
	assert_int_equal(lost[0], 3); /* due at 2, 3 and 4 ms + phase */
	assert_int_equal(lost[1], 0);
	assert_int_equal(s.due, 10);
	assert_int_equal(s.lost, 4); /* 1 queued + 3 due after */
	client_schedule_free(&s);
}

/* Take everything due in [start, start + duration) over `procs` schedules
 * holding connections 0..n-1 the way client workers do (k, k+P, ...). */
static uint64_t due_over_workers(uint64_t n, unsigned procs, double rate,
				 uint64_t duration)
{
	uint64_t period = client_schedule_period_ns(n, rate), due = 0;
	for (unsigned k = 0; k < procs; k++) {
		struct client_schedule s;
		uint32_t mine = (uint32_t)(n / procs + (k < n % procs));
		assert_int_equal(client_schedule_init(&s, mine, k, procs), 0);
		for (uint32_t i = 0; i < mine; i++)
			client_schedule_add(&s, i);
		client_schedule_start(&s, 1 * S, period, duration);
		uint32_t i;
		enum client_schedule_action a;
		while ((a = client_schedule_take(&s, UINT64_MAX - 2, &i)) !=
		       CLIENT_SCHEDULE_NOTHING) {
			if (a == CLIENT_SCHEDULE_SEND) {
				int again;
				client_schedule_complete(&s, i, 0, 0, &again);
			}
		}
		due += s.due;
		client_schedule_free(&s);
	}
	return due;
}

/* What is due over a window is RATE x D: exactly when D is a whole number
 * of periods, within the spread of random phases otherwise. */
static void test_due_matches_rate(void **state)
{
	(void)state;
	/* 2,000 connections at 2,000/s for 2 s (P = 1 s): 4,000. */
	assert_int_equal(due_over_workers(2000, 3, 2000.0, 2 * S), 4000);
	assert_int_equal(due_over_workers(2000, 1, 2000.0, 2 * S), 4000);
	/* 2.5 periods: each connection sends 2 or 3 times. */
	uint64_t due = due_over_workers(2000, 3, 2000.0, 2500 * MS);
	assert_true(due > 4750 && due < 5250);
	/* 20,000 connections at 400/s for 5 s (P = 50 s, as 1M at 20k/s):
	 * about one in ten sends, once. */
	due = due_over_workers(20000, 4, 400.0, 5 * S);
	assert_true(due > 1800 && due < 2200);
}

/* stop() ends the window early; an empty schedule never has anything
 * due. */
static void test_stop_and_empty(void **state)
{
	(void)state;
	struct client_schedule s;
	assert_int_equal(client_schedule_init(&s, 10, 0, 1), 0);
	for (uint32_t i = 0; i < 10; i++)
		client_schedule_add(&s, i);
	client_schedule_start(&s, 0, 1 * MS, 1 * S);
	client_schedule_stop(&s, 0);
	assert_int_equal(client_schedule_next_ns(&s), CLIENT_SCHEDULE_NEVER);
	uint32_t i;
	assert_int_equal(client_schedule_take(&s, 1 * S, &i),
			 CLIENT_SCHEDULE_NOTHING);
	assert_int_equal(s.due, 0);
	client_schedule_free(&s);

	assert_int_equal(client_schedule_init(&s, 0, 0, 1), 0);
	client_schedule_add(&s, 0); /* beyond capacity: ignored */
	client_schedule_start(&s, 0, 1 * MS, 1 * S);
	assert_int_equal(s.count, 0);
	assert_int_equal(client_schedule_take(&s, 2 * S, &i),
			 CLIENT_SCHEDULE_NOTHING);
	client_schedule_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_period),
	    cmocka_unit_test(test_phases),
	    cmocka_unit_test(test_each_due_once_per_period),
	    cmocka_unit_test(test_late_queued_latency),
	    cmocka_unit_test(test_early_send_timed_from_send),
	    cmocka_unit_test(test_failed_connection),
	    cmocka_unit_test(test_due_matches_rate),
	    cmocka_unit_test(test_stop_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
