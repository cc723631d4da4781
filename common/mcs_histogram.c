/* mcs_histogram.c - log-linear bucket arithmetic, merge and percentiles. */
#include "mcs_histogram.h"

#include <math.h>
#include <string.h>

void mcs_histogram_init(struct mcs_histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned mcs_histogram_bucket_of(uint64_t value)
{
	if (value < MCS_HISTOGRAM_SUB_COUNT)
		return (unsigned)value;
	unsigned msb = 63u - (unsigned)__builtin_clzll(value);
	unsigned octave = msb - MCS_HISTOGRAM_SUB_BITS;
	unsigned sub = (unsigned)(value >> octave) - MCS_HISTOGRAM_SUB_COUNT;
	return MCS_HISTOGRAM_SUB_COUNT + octave * MCS_HISTOGRAM_SUB_COUNT + sub;
}

uint64_t mcs_histogram_bucket_low(unsigned bucket)
{
	if (bucket < MCS_HISTOGRAM_SUB_COUNT)
		return bucket;
	unsigned octave =
	    (bucket - MCS_HISTOGRAM_SUB_COUNT) / MCS_HISTOGRAM_SUB_COUNT;
	unsigned sub =
	    (bucket - MCS_HISTOGRAM_SUB_COUNT) % MCS_HISTOGRAM_SUB_COUNT;
	return (uint64_t)(MCS_HISTOGRAM_SUB_COUNT + sub) << octave;
}

uint64_t mcs_histogram_bucket_high(unsigned bucket)
{
	if (bucket < MCS_HISTOGRAM_SUB_COUNT)
		return bucket;
	unsigned octave =
	    (bucket - MCS_HISTOGRAM_SUB_COUNT) / MCS_HISTOGRAM_SUB_COUNT;
	return mcs_histogram_bucket_low(bucket) + ((uint64_t)1 << octave) - 1;
}

void mcs_histogram_record(struct mcs_histogram *h, uint64_t value)
{
	h->buckets[mcs_histogram_bucket_of(value)]++;
	h->count++;
	h->sum += value;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
}

void mcs_histogram_merge(struct mcs_histogram *into,
			 const struct mcs_histogram *from)
{
	for (unsigned i = 0; i < MCS_HISTOGRAM_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t mcs_histogram_percentile(const struct mcs_histogram *h, double p)
{
	if (h->count == 0 || !(p > 0.0))
		return 0;
	if (p >= 100.0)
		return h->max;
	/* The rank is ceil(p% of count). p/100*count is inexact in binary
	 * (99.9% of 1000 comes out as 999.0000000000001): shave a relative
	 * hair off before rounding up, or p99.9 of 1000 values would be the
	 * 1000th instead of the 999th. */
	double exact = p / 100.0 * (double)h->count;
	uint64_t rank = (uint64_t)ceil(exact * (1.0 - 1e-12));
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < MCS_HISTOGRAM_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t high = mcs_histogram_bucket_high(i);
			return high < h->max ? high : h->max;
		}
	}
	return h->max;
}

double mcs_histogram_mean(const struct mcs_histogram *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
