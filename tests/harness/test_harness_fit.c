/* test_harness_fit.c - the least-squares fit behind "bytes per connection"
 * against data whose answer is known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "harness_fit.h"
#include "harness_run.h"

#include <stdlib.h>
#include <string.h>

static void test_exact_line(void **state)
{
	(void)state;
	/* 5 MB fixed + 9,600 B per connection, over a sweep's counts. */
	const double x[] = {0, 1000, 10000, 100000, 250000, 500000, 1000000};
	double y[7];
	for (int i = 0; i < 7; i++)
		y[i] = 5e6 + 9600.0 * x[i];
	struct harness_fit fit;
	assert_int_equal(harness_fit_linear(x, y, 7, &fit), 0);
	assert_float_equal(fit.slope, 9600.0, 1e-6);
	assert_float_equal(fit.base, 5e6, 1e-3);
	assert_float_equal(fit.r2, 1.0, 1e-12);
	assert_int_equal(fit.points, 7);
}

static void test_textbook_data(void **state)
{
	(void)state;
	/* Worked example: slope 0.6, intercept 2.2, r^2 = 0.6. */
	const double x[] = {1, 2, 3, 4, 5};
	const double y[] = {2, 4, 5, 4, 5};
	struct harness_fit fit;
	assert_int_equal(harness_fit_linear(x, y, 5, &fit), 0);
	assert_float_equal(fit.slope, 0.6, 1e-12);
	assert_float_equal(fit.base, 2.2, 1e-12);
	assert_float_equal(fit.r2, 0.6, 1e-12);
}

static void test_fixed_cost_is_not_per_connection(void **state)
{
	(void)state;
	/* 100 MB of fixed cost and 100 B per connection: total / count at
	 * 1,000 connections says 100,100 B, the slope says 100 B. */
	const double x[] = {1000, 10000, 100000};
	const double y[] = {1e8 + 1e5, 1e8 + 1e6, 1e8 + 1e7};
	struct harness_fit fit;
	assert_int_equal(harness_fit_linear(x, y, 3, &fit), 0);
	assert_float_equal(fit.slope, 100.0, 1e-6);
	assert_float_equal(fit.base, 1e8, 1e-2);
}

static void test_flat_and_degenerate(void **state)
{
	(void)state;
	const double x[] = {1, 2, 3};
	const double flat[] = {7, 7, 7};
	struct harness_fit fit;
	assert_int_equal(harness_fit_linear(x, flat, 3, &fit), 0);
	assert_float_equal(fit.slope, 0.0, 1e-12);
	assert_float_equal(fit.base, 7.0, 1e-12);
	assert_float_equal(fit.r2, 1.0, 1e-12);

	assert_int_equal(harness_fit_linear(x, flat, 1, &fit), -EINVAL);
	assert_int_equal(fit.points, 1);
	assert_float_equal(fit.slope, 0.0, 0);
	const double same_x[] = {5, 5, 5};
	assert_int_equal(harness_fit_linear(same_x, x, 3, &fit), -EINVAL);
}

/* A run's memory points: a straight line gives no warning; a jump in the
 * middle (a buffer pool touched by traffic) is flagged, in the warnings
 * the console prints and sweep.json keeps. */
static struct harness_run *run_with_user(const double *user, size_t steps)
{
	struct harness_run *run = calloc(1, sizeof(*run));
	assert_non_null(run);
	run->have_baseline = 1;
	run->baseline.server_user_bytes = (uint64_t)user[0];
	for (size_t i = 0; i < steps; i++) {
		struct harness_step *s = &run->steps[run->step_count++];
		s->server_live = 10000u << i;
		s->server_user_bytes = (uint64_t)user[i + 1];
		s->kernel_bytes = 5000ull * s->server_live;
	}
	return run;
}

static void test_low_r2_is_flagged(void **state)
{
	(void)state;
	const double line[] = {1e6, 1e6 + 8e4, 1e6 + 16e4, 1e6 + 32e4};
	struct harness_run *run = run_with_user(line, 3);
	harness_run_fit(run);
	assert_int_equal(run->warning_count, 0);
	free(run);
	const double jump[] = {1e6, 1.1e6, 3.3e6, 3.35e6, 3.4e6};
	run = run_with_user(jump, 4);
	harness_run_fit(run);
	assert_true(run->user_fit.r2 < HARNESS_FIT_R2_MIN);
	assert_int_equal(run->warning_count, 1);
	assert_non_null(strstr(run->warnings[0], "server user memory fit is "
						 "not a straight line"));
	free(run);
}

/* Memory that traffic touched (a buffer ring's pages after a load round)
 * stays out of the idle slope: each step's load adds 2 MB once, and the
 * ramps add 8 B per connection. The idle fit finds the 8 B on a line; the
 * "after traffic" fit keeps the jump. */
static void test_traffic_pages_stay_out_of_idle_fit(void **state)
{
	(void)state;
	const double idle[] = {1e6, 1e6 + 8e4, 3e6 + 16e4, 3e6 + 32e4};
	struct harness_run *run = run_with_user(idle, 3);
	for (size_t i = 0; i < run->step_count; i++) {
		struct harness_step *s = &run->steps[i];
		s->loaded = 1;
		/* The first load touches 2 MB; later ones touch nothing new. */
		s->load.server_user_bytes_after =
		    s->server_user_bytes + (i == 0 ? 2000000 : 0);
	}
	harness_run_fit(run);
	assert_true(run->had_traffic);
	assert_float_equal(run->user_fit.slope, 8.0, 1e-6);
	assert_float_equal(run->user_fit.base, 1e6, 1e-3);
	assert_true(run->user_fit.r2 > 0.999999);
	assert_int_equal(run->warning_count, 0);
	assert_true(run->user_after_traffic_fit.slope > 8.0);
	free(run);

	/* No traffic: the idle fit is each step's figure as measured. */
	run = run_with_user(idle, 3);
	harness_run_fit(run);
	assert_false(run->had_traffic);
	assert_true(run->user_fit.slope > 8.0);
	free(run);
}

/* The TUN client's second bottleneck rule (harness_step_tun_bound): its
 * threads busy through 90% of the ramp while the machine had idle cores.
 * One thread busy of two is not the client's limit. */
static void test_tun_client_bound(void **state)
{
	(void)state;
	struct harness_step step = {0};
	step.client_ramp_cpu_s = 9.5;	/* of a 10 s ramp */
	step.machine_ramp_cpu_s = 12.0; /* of 20 CPU s on 2 cores */
	harness_step_tun_bound(&step, 2, 1, 10.0);
	assert_true(step.client_bound);
	step.client_bound = 0;
	harness_step_tun_bound(&step, 2, 2, 10.0);
	assert_false(step.client_bound);
	/* On 4 cores: both threads busy, the machine not. */
	step.client_ramp_cpu_s = 18.5;
	step.machine_ramp_cpu_s = 25.0;
	harness_step_tun_bound(&step, 4, 2, 10.0);
	assert_true(step.client_bound);
	/* On 2 cores both threads busy is the machine saturated: its total
	 * work paced the ramp, not the client. */
	step.client_bound = 0;
	step.machine_ramp_cpu_s = 19.5;
	harness_step_tun_bound(&step, 2, 2, 10.0);
	assert_false(step.client_bound);
	/* The first rule's verdict stands. */
	step.client_bound = 1;
	harness_step_tun_bound(&step, 2, 2, 10.0);
	assert_true(step.client_bound);
}

/* Like with like: the TUN client's device writes (the server kernel's
 * receive path) count on the server's side. The figures are a 1M step's
 * shape: client 6.1 s of which 5.1 s device writes, server 4.7 s. */
static void test_client_busier_moves_device_writes(void **state)
{
	(void)state;
	/* Without the split the client looks busier (6.1 > 4.7) ... */
	assert_true(harness_client_busier(6.1, 4.7, 0.0));
	/* ... with it, its own 1.0 s is far below the server's 9.8 s. */
	assert_false(harness_client_busier(6.1, 4.7, 5.1));
	/* A client whose own work dominates is still caught. */
	assert_true(harness_client_busier(9.0, 2.0, 1.0));
	/* Under 0.1 s of the client's own CPU is too little to judge. */
	assert_false(harness_client_busier(0.09, 0.01, 0.0));
	/* The step's rule uses the step's device figure and fills the
	 * per-connection figures. */
	struct harness_step step = {0};
	step.accepted = 500000;
	step.client_ramp_cpu_s = 6.1;
	step.server_ramp_cpu_s = 4.7;
	step.device_write_ramp_cpu_s = 5.1;
	harness_step_ramp_cpu(&step, 500000);
	assert_false(step.client_bound);
	assert_float_equal(step.device_write_cpu_us_per_connect, 10.2, 1e-9);
	assert_float_equal(step.client_cpu_us_per_connect, 12.2, 1e-9);
	assert_float_equal(harness_step_client_own_us(&step), 2.0, 1e-9);
	assert_float_equal(step.server_cpu_us_per_accept, 9.4, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_line),
	    cmocka_unit_test(test_textbook_data),
	    cmocka_unit_test(test_fixed_cost_is_not_per_connection),
	    cmocka_unit_test(test_flat_and_degenerate),
	    cmocka_unit_test(test_low_r2_is_flagged),
	    cmocka_unit_test(test_traffic_pages_stay_out_of_idle_fit),
	    cmocka_unit_test(test_tun_client_bound),
	    cmocka_unit_test(test_client_busier_moves_device_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
