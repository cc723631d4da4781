/* harness_soak-t.h - the types of harness_soak.h, without its functions, so a
 * header that only names them does not pull the functions in. */
#ifndef HARNESS_SOAK_T_H
#define HARNESS_SOAK_T_H

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

#endif /* HARNESS_SOAK_T_H */
