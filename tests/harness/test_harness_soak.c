/* test_harness_soak.c - the soak's arithmetic against data whose answer is
 * known: the slope of memory over time with its standard error and
 * spread, the bytes per message a leak implies, connections lost, the
 * checks that fail a soak, and the "soak" object of sweep.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_soak.h"

static void test_trend_of_a_known_line(void **state)
{
	(void)state;
	/* 5 MB, growing 3.5 B/s, sampled every 10 s for 2 minutes. */
	double t[13], y[13];
	for (int i = 0; i < 13; i++) {
		t[i] = 10.0 * i;
		y[i] = 5e6 + 3.5 * t[i];
	}
	struct harness_soak_trend trend;
	assert_int_equal(harness_soak_trend(t, y, 13, &trend), 0);
	assert_true(trend.valid);
	assert_float_equal(trend.slope_per_s, 3.5, 1e-9);
	assert_float_equal(trend.base, 5e6, 1e-6);
	assert_float_equal(trend.r2, 1.0, 1e-12);
	assert_float_equal(trend.residual_rms, 0.0, 1e-6);
	assert_float_equal(trend.slope_stderr, 0.0, 1e-9);
	assert_true(harness_soak_slope_beyond_noise(&trend));
}

static void test_trend_of_textbook_data(void **state)
{
	(void)state;
	/* Slope 0.6, intercept 2.2, r^2 0.6; residuals -0.8, 0.6, 1, -0.6,
	 * -0.2 (squares 2.4), so rms sqrt(2.4 / 5) and standard error
	 * sqrt(2.4 / 3 / 10) with sum (t - mean)^2 = 10. */
	const double t[] = {1, 2, 3, 4, 5};
	const double y[] = {2, 4, 5, 4, 5};
	struct harness_soak_trend trend;
	assert_int_equal(harness_soak_trend(t, y, 5, &trend), 0);
	assert_float_equal(trend.slope_per_s, 0.6, 1e-12);
	assert_float_equal(trend.base, 2.2, 1e-12);
	assert_float_equal(trend.r2, 0.6, 1e-12);
	assert_float_equal(trend.residual_rms, sqrt(0.48), 1e-12);
	assert_float_equal(trend.slope_stderr, sqrt(0.08), 1e-12);
	/* 0.6 against 2 x 0.283: beyond the noise, just. */
	assert_true(harness_soak_slope_beyond_noise(&trend));
}

static void test_noise_is_no_slope(void **state)
{
	(void)state;
	/* A page up, a page down about a level: no growth, and r2 says
	 * nothing, but the standard error does. */
	double t[12], y[12];
	for (int i = 0; i < 12; i++) {
		t[i] = 10.0 * i;
		y[i] = 40e6 + (i % 2 ? 4096 : -4096);
	}
	struct harness_soak_trend trend;
	assert_int_equal(harness_soak_trend(t, y, 12, &trend), 0);
	assert_true(fabs(trend.slope_per_s) < 2 * trend.slope_stderr);
	assert_false(harness_soak_slope_beyond_noise(&trend));
	assert_float_equal(trend.residual_rms, 4096, 100);

	const double flat[] = {7, 7, 7};
	const double times[] = {0, 10, 20};
	assert_int_equal(harness_soak_trend(times, flat, 3, &trend), 0);
	assert_float_equal(trend.slope_per_s, 0, 1e-12);
	assert_false(harness_soak_slope_beyond_noise(&trend));

	const double same_time[] = {5, 5, 5};
	assert_int_equal(harness_soak_trend(same_time, flat, 3, &trend),
			 -EINVAL);
	assert_false(trend.valid);
	assert_int_equal(harness_soak_trend(times, flat, 1, &trend), -EINVAL);
	assert_false(harness_soak_slope_beyond_noise(&trend));
}

/* A soak of 100k connections, 2 minutes at 5,000 msg/s, where the server's
 * memory moves by slope B/s (1,250: a leak of 0.25 B per message). */
static void fill_soak(struct harness_soak *soak, double slope)
{
	harness_soak_init(soak, 120, 100000, 5000, 64);
	soak->started = 1;
	for (int i = 0; i <= 12; i++) {
		struct harness_soak_sample s = {0};
		s.elapsed_s = 10.0 * i;
		s.server_user_bytes =
		    (uint64_t)(30000000 + slope * s.elapsed_s);
		s.server_anon_bytes =
		    (uint64_t)(20000000 + slope * s.elapsed_s);
		s.client_user_bytes = 50000000;
		s.kernel_bytes = 800000000;
		s.server_live = s.client_established = 100000;
		if (i) {
			s.loaded = 1;
			s.load.duration_s = 10;
			s.load.due = s.load.messages = 50000;
			s.load.gap_s = 0.001 * i;
		}
		assert_int_equal(harness_soak_add_sample(soak, &s), 0);
	}
}

static void fill_leaking_soak(struct harness_soak *soak)
{
	fill_soak(soak, 1250);
}

/* The summary's words follow the slope's sign: a slope beyond the noise
 * grew or fell, never "grew" for both. */
static void test_summary_says_grew_or_fell(void **state)
{
	(void)state;
	const double slopes[] = {1250, -1250};
	const char *words[] = {"memory grew", "memory fell"};
	for (int k = 0; k < 2; k++) {
		struct harness_soak soak;
		fill_soak(&soak, slopes[k]);
		harness_soak_summarize(&soak);
		char *text = NULL;
		size_t size = 0;
		FILE *out = open_memstream(&text, &size);
		assert_non_null(out);
		harness_soak_print_summary(&soak, "epoll", out);
		fclose(out);
		assert_non_null(strstr(text, words[k]));
		assert_null(strstr(text, words[1 - k]));
		free(text);
		harness_soak_release(&soak);
	}
}

static void test_summary_of_a_leak(void **state)
{
	(void)state;
	struct harness_soak soak;
	fill_leaking_soak(&soak);
	harness_soak_summarize(&soak);
	assert_true(soak.server.valid);
	assert_float_equal(soak.server.slope_per_s, 1250, 1e-6);
	assert_float_equal(soak.server_anon.slope_per_s, 1250, 1e-6);
	assert_float_equal(soak.client.slope_per_s, 0, 1e-9);
	assert_float_equal(soak.kernel.slope_per_s, 0, 1e-9);
	assert_int_equal(soak.messages, 600000);
	assert_true(soak.have_bytes_per_message);
	/* 1,250 B/s x 120 s over 600,000 messages. */
	assert_float_equal(soak.bytes_per_message, 0.25, 1e-9);
	assert_float_equal(soak.anon_bytes_per_message, 0.25, 1e-9);
	assert_int_equal(soak.connections_lost, 0);
	assert_int_equal(soak.errors, 0);
	assert_int_equal(soak.mismatches, 0);
	assert_float_equal(soak.max_gap_s, 0.012, 1e-12);
	harness_soak_release(&soak);
	assert_null(soak.samples);
	assert_int_equal(soak.sample_count, 0);
}

static void test_losses_and_errors_add_up(void **state)
{
	(void)state;
	struct harness_soak soak;
	fill_leaking_soak(&soak);
	soak.samples[3].server_live = 99997; /* 3 short at the server */
	soak.samples[5].client_closed = 5;   /* 5 closed at the client */
	soak.samples[6].client_closed = 5;
	soak.samples[7].load.errors = 2;
	soak.samples[8].load.mismatches = 1;
	harness_soak_summarize(&soak);
	assert_int_equal(soak.connections_lost, 5);
	assert_int_equal(soak.errors, 2);
	assert_int_equal(soak.mismatches, 1);
	/* Seen between samples: the whole target when a process died. */
	soak.lost_between_samples = 100000;
	harness_soak_summarize(&soak);
	assert_int_equal(soak.connections_lost, 100000);
	harness_soak_release(&soak);
}

static void test_checks_name_what_failed(void **state)
{
	(void)state;
	struct harness_soak soak;
	fill_leaking_soak(&soak);
	char why[512];
	struct harness_soak_sample s = soak.samples[4];
	assert_int_equal(harness_soak_check_sample(&soak, &s, why, sizeof(why)),
			 0);
	s.server_live = 99990;
	assert_int_equal(harness_soak_check_sample(&soak, &s, why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "server holds 99,990 of 100,000"));
	assert_non_null(strstr(why, "10 lost"));
	assert_non_null(strstr(why, "at 40s"));
	s = soak.samples[4];
	s.client_closed = 2;
	assert_int_equal(harness_soak_check_sample(&soak, &s, why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "2 connections closed"));
	s = soak.samples[4];
	s.client_established = 99999;
	assert_int_equal(harness_soak_check_sample(&soak, &s, why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "client holds 99,999"));
	s = soak.samples[4];
	s.load.mismatches = 1;
	assert_int_equal(harness_soak_check_sample(&soak, &s, why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "1 mismatched"));
	harness_soak_release(&soak);
}

static void test_time_format(void **state)
{
	(void)state;
	char text[32];
	harness_soak_format_time(75.4, text, sizeof(text));
	assert_string_equal(text, "1m15s");
	harness_soak_format_time(25, text, sizeof(text));
	assert_string_equal(text, "25s");
	harness_soak_format_time(3725, text, sizeof(text));
	assert_string_equal(text, "1h02m05s");
	harness_soak_format_time(-1, text, sizeof(text));
	assert_string_equal(text, "0s");
}

static double number(const json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	if (!json_is_number(v))
		fail_msg("%s missing or not a number", key);
	return json_number_value(v);
}

static void test_json(void **state)
{
	(void)state;
	struct harness_soak soak;
	fill_leaking_soak(&soak);
	harness_soak_summarize(&soak);
	soak.completed = 1;
	json_t *j = harness_soak_json(&soak);
	assert_non_null(j);
	assert_float_equal(number(j, "duration_s"), 120, 0);
	assert_float_equal(number(j, "interval_s"), 10, 0);
	assert_float_equal(number(j, "pss_slope_bytes_per_s"), 1250, 1e-6);
	assert_float_equal(number(j, "pss_slope_bytes_per_hour"), 4.5e6, 1e-3);
	assert_float_equal(number(j, "pss_slope_r2"), 1, 1e-9);
	assert_true(json_is_true(json_object_get(j, "pss_slope_beyond_noise")));
	assert_float_equal(number(j, "bytes_per_message"), 0.25, 1e-9);
	assert_int_equal((int)number(j, "connections_lost"), 0);
	json_t *samples = json_object_get(j, "samples");
	assert_int_equal(json_array_size(samples), 13);
	json_t *first = json_array_get(samples, 0);
	assert_null(json_object_get(first, "load")); /* before any window */
	json_t *second = json_array_get(samples, 1);
	assert_int_equal((int)number(second, "server_live"), 100000);
	assert_int_equal(
	    (int)number(json_object_get(second, "load"), "messages"), 50000);
	json_decref(j);

	/* Two samples: no slope, and it says why. */
	soak.sample_count = 2;
	harness_soak_summarize(&soak);
	j = harness_soak_json(&soak);
	assert_true(json_is_null(json_object_get(j, "pss_slope_bytes_per_s")));
	assert_true(json_is_null(json_object_get(j, "bytes_per_message")));
	assert_non_null(
	    json_string_value(json_object_get(j, "pss_slope_unavailable")));
	json_decref(j);
	harness_soak_release(&soak);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trend_of_a_known_line),
	    cmocka_unit_test(test_trend_of_textbook_data),
	    cmocka_unit_test(test_noise_is_no_slope),
	    cmocka_unit_test(test_summary_of_a_leak),
	    cmocka_unit_test(test_summary_says_grew_or_fell),
	    cmocka_unit_test(test_losses_and_errors_add_up),
	    cmocka_unit_test(test_checks_name_what_failed),
	    cmocka_unit_test(test_time_format),
	    cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
