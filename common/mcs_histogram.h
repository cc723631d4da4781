/* mcs_histogram.h - log-bucket histogram of non-negative integers
 * (latencies in microseconds or nanoseconds), HdrHistogram-style.
 *
 * Values below 32 get a bucket each; above, every power of two is split
 * into 32 linear sub-buckets, so a reported percentile is within 1/32
 * (about 3%) of the true value, for any uint64 value, in a fixed 15 KiB
 * struct with no pointers: it can live in shared memory, and histograms
 * from several processes merge by adding bucket counts.
 *
 * Single writer; a concurrent reader may see a count a little behind.
 */
#ifndef MCS_HISTOGRAM_H
#define MCS_HISTOGRAM_H

#include <stdint.h>

#define MCS_HISTOGRAM_SUB_BITS	5u
#define MCS_HISTOGRAM_SUB_COUNT (1u << MCS_HISTOGRAM_SUB_BITS)
#define MCS_HISTOGRAM_BUCKETS                                                  \
	(MCS_HISTOGRAM_SUB_COUNT +                                             \
	 (64u - MCS_HISTOGRAM_SUB_BITS) * MCS_HISTOGRAM_SUB_COUNT)

struct mcs_histogram {
	uint64_t count; /* values recorded */
	uint64_t sum;	/* their sum (wraps only past 2^64) */
	uint64_t min;	/* smallest value, UINT64_MAX when empty */
	uint64_t max;	/* largest value, 0 when empty */
	uint64_t buckets[MCS_HISTOGRAM_BUCKETS];
};

void mcs_histogram_init(struct mcs_histogram *h);
void mcs_histogram_record(struct mcs_histogram *h, uint64_t value);
/* into += from */
void mcs_histogram_merge(struct mcs_histogram *into,
			 const struct mcs_histogram *from);

/* The value at percentile p (0 < p <= 100): the upper bound of the bucket
 * holding the ceil(p% * count)-th smallest value, never above max. 0 when
 * empty. */
uint64_t mcs_histogram_percentile(const struct mcs_histogram *h, double p);
double mcs_histogram_mean(const struct mcs_histogram *h);

/* Bucket arithmetic, exposed for tests. */
unsigned mcs_histogram_bucket_of(uint64_t value);
uint64_t mcs_histogram_bucket_low(unsigned bucket);
uint64_t mcs_histogram_bucket_high(unsigned bucket);

#endif /* MCS_HISTOGRAM_H */
