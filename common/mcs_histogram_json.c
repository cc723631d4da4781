/* mcs_histogram_json.c - a latency histogram as JSON and back
 * (mcs_histogram_json.h). */
#include "mcs_histogram_json.h"

#include <errno.h>
#include <stdint.h>

json_t *mcs_histogram_json(const struct mcs_histogram *h)
{
	json_t *buckets = json_array();
	for (unsigned i = 0; i < MCS_HISTOGRAM_BUCKETS; i++)
		if (h->buckets[i])
			json_array_append_new(
			    buckets, json_pack("[i,I]", (int)i,
					       (json_int_t)h->buckets[i]));
	return json_pack("{s:I,s:I,s:I,s:I,s:o}", "count", (json_int_t)h->count,
			 "sum", (json_int_t)h->sum, "min",
			 (json_int_t)(h->count ? h->min : 0), "max",
			 (json_int_t)h->max, "buckets", buckets);
}

int mcs_histogram_add_json(const json_t *j, struct mcs_histogram *h)
{
	json_t *buckets = json_object_get(j, "buckets");
	json_t *count = json_object_get(j, "count");
	if (!json_is_array(buckets) || !json_is_integer(count))
		return -EPROTO;
	struct mcs_histogram add; /* 15 KiB: checked before h is touched */
	mcs_histogram_init(&add);
	size_t i;
	json_t *b;
	json_array_foreach(buckets, i, b)
	{
		json_t *index = json_array_get(b, 0), *n = json_array_get(b, 1);
		if (!json_is_integer(index) || !json_is_integer(n) ||
		    json_integer_value(index) < 0 ||
		    json_integer_value(index) >= MCS_HISTOGRAM_BUCKETS ||
		    json_integer_value(n) < 0)
			return -EPROTO;
		add.buckets[json_integer_value(index)] +=
		    (uint64_t)json_integer_value(n);
		add.count += (uint64_t)json_integer_value(n);
	}
	if (add.count != (uint64_t)json_integer_value(count))
		return -EPROTO;
	json_t *sum = json_object_get(j, "sum"),
	       *min = json_object_get(j, "min");
	json_t *max = json_object_get(j, "max");
	add.sum = json_is_integer(sum) ? (uint64_t)json_integer_value(sum) : 0;
	if (add.count) {
		add.min = json_is_integer(min)
			      ? (uint64_t)json_integer_value(min)
			      : 0;
		add.max = json_is_integer(max)
			      ? (uint64_t)json_integer_value(max)
			      : 0;
	}
	mcs_histogram_merge(h, &add);
	return 0;
}
