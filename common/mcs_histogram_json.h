/* mcs_histogram_json.h - a latency histogram (mcs_histogram.h) as JSON and
 * back: the one format the clients send in their replies, the harness
 * merges across shards and hosts, and sweep.json keeps per step:
 * {"count","sum","min","max","buckets":[[index,count],...]}, the non-empty
 * buckets in index order. Apart from mcs_common, which plugins link
 * without jansson. */
#ifndef MCS_HISTOGRAM_JSON_H
#define MCS_HISTOGRAM_JSON_H

#include <jansson.h>

#include "mcs_histogram.h"

/* h as that JSON object (new reference; NULL only when out of memory). */
json_t *mcs_histogram_json(const struct mcs_histogram *h);

/* Add the histogram j describes into h. Returns 0, or -EPROTO when j is
 * not that shape or its buckets do not add up to its count (h is then
 * unchanged). */
int mcs_histogram_add_json(const json_t *j, struct mcs_histogram *h);

#endif /* MCS_HISTOGRAM_JSON_H */
