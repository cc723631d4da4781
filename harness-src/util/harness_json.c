/* harness_json.c - numbers out of JSON replies (harness_json.h). */
#include "harness_json.h"

double harness_json_double(const json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

uint64_t harness_json_u64(const json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	return json_is_integer(v) && json_integer_value(v) > 0
		   ? (uint64_t)json_integer_value(v)
		   : 0;
}
