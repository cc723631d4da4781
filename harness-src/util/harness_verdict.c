/* harness_verdict.c - medians with intervals, the rules for calling a
 * difference or showing a ratio, and rounding for reading (see
 * harness_verdict.h for the rules themselves). */
#include "harness_verdict.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_VALUES 64

static void sort_doubles(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static double median_of_sorted(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* xorshift64*: a fixed seed, so the same runs give the same interval. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* The 2.5th and 97.5th percentiles of the medians of resamples. */
static void bootstrap(const double *sorted, size_t n,
		      struct harness_interval *out)
{
	static double medians[HARNESS_VERDICT_RESAMPLES];
	double resample[MAX_VALUES];
	uint64_t state = 0x9E3779B97F4A7C15ULL;
	for (size_t r = 0; r < HARNESS_VERDICT_RESAMPLES; r++) {
		for (size_t i = 0; i < n; i++)
			resample[i] = sorted[next_random(&state) % n];
		sort_doubles(resample, n);
		medians[r] = median_of_sorted(resample, n);
	}
	sort_doubles(medians, HARNESS_VERDICT_RESAMPLES);
	out->low = medians[(size_t)(0.025 * HARNESS_VERDICT_RESAMPLES)];
	out->high = medians[(size_t)(0.975 * HARNESS_VERDICT_RESAMPLES) - 1];
	out->bootstrap = 1;
}

void harness_interval_of(const double *values, size_t count,
			 struct harness_interval *out)
{
	double sorted[MAX_VALUES];
	size_t n = 0;
	for (size_t i = 0; i < count && n < MAX_VALUES; i++)
		if (!isnan(values[i]))
			sorted[n++] = values[i];
	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n) {
		out->median = out->low = out->high = NAN;
		return;
	}
	sort_doubles(sorted, n);
	out->median = median_of_sorted(sorted, n);
	if (n >= HARNESS_VERDICT_MIN_N) {
		bootstrap(sorted, n, out);
		return;
	}
	out->low = sorted[0];
	out->high = sorted[n - 1];
}

enum harness_verdict harness_verdict_of(const struct harness_interval *a,
					const struct harness_interval *b,
					double noise)
{
	if (a->n < HARNESS_VERDICT_MIN_N || b->n < HARNESS_VERDICT_MIN_N)
		return HARNESS_VERDICT_UNDECIDED;
	if (a->low <= b->high && b->low <= a->high)
		return HARNESS_VERDICT_SAME;
	double larger = fmax(fabs(a->median), fabs(b->median));
	if (fabs(a->median - b->median) <= noise * larger)
		return HARNESS_VERDICT_SAME;
	return a->median < b->median ? HARNESS_VERDICT_LOWER
				     : HARNESS_VERDICT_HIGHER;
}

const char *harness_verdict_name(enum harness_verdict verdict)
{
	switch (verdict) {
	case HARNESS_VERDICT_SAME: return "same";
	case HARNESS_VERDICT_LOWER: return "lower";
	case HARNESS_VERDICT_HIGHER: return "higher";
	case HARNESS_VERDICT_UNDECIDED: break;
	}
	return "undecided (n < 3)";
}

static int clear_of_zero(const struct harness_interval *x, double noise)
{
	return x->n && x->median > 0 && x->low > noise * x->median;
}

int harness_ratio_means_something(const struct harness_interval *a,
				  const struct harness_interval *b,
				  double noise)
{
	return clear_of_zero(a, noise) && clear_of_zero(b, noise);
}

/* digits with a comma every three, into text. */
static void group_thousands(const char *digits, char *text, size_t size)
{
	size_t len = strlen(digits), out = 0;
	for (size_t i = 0; i < len && out + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			text[out++] = ',';
		text[out++] = digits[i];
	}
	text[out] = '\0';
}

char *harness_round3(double v, char *text, size_t size)
{
	if (isnan(v)) {
		snprintf(text, size, "n/a");
		return text;
	}
	if (v == 0) {
		snprintf(text, size, "0");
		return text;
	}
	/* Round to 3 significant figures first: 999.6 becomes 1,000. */
	double scale = pow(10, floor(log10(fabs(v))) - 2);
	double rounded = round(v / scale) * scale;
	int exponent = (int)floor(log10(fabs(rounded)));
	if (exponent < 3) {
		snprintf(text, size, "%.*f", exponent < 2 ? 2 - exponent : 0,
			 rounded);
		return text;
	}
	char digits[64], grouped[96];
	snprintf(digits, sizeof(digits), "%.0f", fabs(rounded));
	group_thousands(digits, grouped, sizeof(grouped));
	snprintf(text, size, "%s%s", v < 0 ? "-" : "", grouped);
	return text;
}

char *harness_format_us(double us, char *text, size_t size)
{
	char number[48];
	if (isnan(us)) {
		snprintf(text, size, "n/a");
	} else if (fabs(us) < 999.5) {
		snprintf(text, size, "%s µs", harness_round3(us, number, 48));
	} else if (fabs(us) < 999.5e3) {
		snprintf(text, size, "%s ms",
			 harness_round3(us / 1e3, number, 48));
	} else {
		snprintf(text, size, "%s s",
			 harness_round3(us / 1e6, number, 48));
	}
	return text;
}
