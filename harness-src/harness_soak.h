/* harness_soak.h - the soak (--soak DURATION): the last step held for a
 * while before the liveness check, with memory and live counts sampled
 * every HARNESS_SOAK_INTERVAL_S, and (with --load) the fixed-rate load
 * running all along as consecutive windows of that length.
 *
 * The record and everything computed from it (the slope of server PSS
 * over time, the losses, the JSON, CSV, plot and summary lines) are pure
 * and live in harness_soak.c (harness_core, unit-tested); the loop that
 * drives the server and the client is harness_soak_run.c.
 */
#ifndef HARNESS_SOAK_H
#define HARNESS_SOAK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Seconds between samples, and the length of each load window. */
#define HARNESS_SOAK_INTERVAL_S 10.0
/* The soak's last window is what is left of DURATION; one shorter than
 * this is not run (the last sample is taken without it). */
#define HARNESS_SOAK_MIN_WINDOW_S 1.0
/* A slope needs this many samples (two points always fit a line). */
#define HARNESS_SOAK_MIN_FIT_POINTS 3

/* The load window that ended just before a sample (the `load` reply). */
struct harness_soak_window {
	double duration_s; /* the window */
	double sent_per_s, achieved_per_s;
	uint64_t due, messages, late, errors, mismatches;
	double rtt_p99_us; /* from each message's intended send time */
	/* After the window, the client's wait for echoes still in flight. */
	double drain_s;
	/* Seconds with no message scheduled before this window: the previous
	 * window's drain plus the `status` round trip (0 for the first). */
	double gap_s;
};

struct harness_soak_sample {
	double elapsed_s; /* since the soak started */
	uint64_t server_user_bytes, client_user_bytes; /* PSS, as the steps */
	uint64_t server_anon_bytes; /* the anonymous part of server PSS */
	uint64_t kernel_bytes; /* Slab growth since before the server started */
	uint64_t server_live;  /* the server's shared stats */
	uint64_t client_established, client_closed; /* client `status` */
	int loaded; /* a load window ended at this sample */
	struct harness_soak_window load;
};

/* A least-squares line through one series against time, and how far to
 * trust it: r2 says how much of the movement the line explains (near 0
 * for a flat, noisy series, where it means little); residual_rms is the
 * spread of the points about the line; slope_stderr the slope's standard
 * error (0 with fewer than 3 points). */
struct harness_soak_trend {
	int valid; /* enough points with different times */
	size_t points;
	double slope_per_s, base, r2, residual_rms, slope_stderr;
};

struct harness_soak {
	int started;   /* the soak began (the record is worth writing) */
	int completed; /* it ran its whole duration */
	double duration_s, interval_s, elapsed_s;
	uint64_t target;  /* connections it must keep */
	double load_rate; /* --load (0: no load) */
	unsigned load_size;
	struct harness_soak_sample *samples; /* owned */
	size_t sample_count, sample_room;
	/* Most connections seen missing between samples (server count below
	 * the target; the whole target when a process died). */
	uint64_t lost_between_samples;

	/* harness_soak_summarize() */
	uint64_t connections_lost, errors, mismatches, messages, late;
	double max_gap_s;
	struct harness_soak_trend server, server_anon, client, kernel;
	int have_bytes_per_message;
	double bytes_per_message;      /* server PSS growth / messages echoed */
	double anon_bytes_per_message; /* the same for its anonymous part */
};

/* Set up an empty record. */
void harness_soak_init(struct harness_soak *soak, double duration_s,
		       uint64_t target, double load_rate, unsigned load_size);
/* Append a copy of sample. Returns 0 or -ENOMEM. */
int harness_soak_add_sample(struct harness_soak *soak,
			    const struct harness_soak_sample *sample);
/* Free the samples; the record is empty after. */
void harness_soak_release(struct harness_soak *soak);

/* Fit y = base + slope x t over n points. Returns 0, or -EINVAL (trend
 * invalid) for fewer than two points or a single time. */
int harness_soak_trend(const double *t, const double *y, size_t n,
		       struct harness_soak_trend *trend);

/* Whether a slope stands out of the noise: more than 2 standard errors
 * from 0 (a perfect line counts when its slope is not 0). */
int harness_soak_slope_beyond_noise(const struct harness_soak_trend *trend);

/* Losses, errors and the trends from the samples. */
void harness_soak_summarize(struct harness_soak *soak);

/* Whether sample (the newest) shows a lost connection or an echo that
 * erred: the server below the target, the client holding fewer, or the
 * client's closed count above the first sample's, or a load window with
 * errors or mismatches. Returns 0, or -EPROTO with why. */
int harness_soak_check_sample(const struct harness_soak *soak,
			      const struct harness_soak_sample *sample,
			      char *why, size_t why_size);

/* 75.4 -> "1m15s", 25 -> "25s", 3725 -> "1h02m05s". */
void harness_soak_format_time(double seconds, char *text, size_t text_size);

/* The "soak" object of sweep.json. */
json_t *harness_soak_json(const struct harness_soak *soak);
/* soak.csv: one row per sample. Returns 0 or -errno. */
int harness_soak_write_csv(const struct harness_soak *soak, const char *path);
/* soak.gp and soak.png in dir (from soak.csv there). Returns 0 or -errno
 * with why. */
int harness_soak_plot(const struct harness_soak *soak, const char *dir,
		      const char *backend, char *why, size_t why_size);
/* The line printed after each sample, and the summary lines at the end
 * (nothing when no soak ran). */
void harness_soak_print_sample(const struct harness_soak *soak,
			       const char *backend, FILE *out);
void harness_soak_print_summary(const struct harness_soak *soak,
				const char *backend, FILE *out);

/* harness_soak_run.c (mcs-harness): hold the last step for
 * o->soak_s, sampling into run->soak. Returns 0, or -errno with why: a
 * lost connection, an echo error, a signal, a process gone. */
struct sweep;
int harness_soak_run(struct sweep *s, char *why, size_t why_size);

#endif /* HARNESS_SOAK_H */
