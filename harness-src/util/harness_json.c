/* harness_json.c - numbers out of JSON replies, and the harness's own
 * JSON files saved and loaded with their schema_version (harness_json.h). */
#include "harness_json.h"

#include <errno.h>
#include <stdio.h>

#include "harness_schema.h"

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

int harness_json_save(json_t *root, const char *path, char *why,
		      size_t why_size)
{
	harness_schema_stamp(root);
	if (json_dump_file(root, path,
			   JSON_INDENT(1) | JSON_REAL_PRECISION(10)) == 0)
		return 0;
	snprintf(why, why_size,
		 "cannot write %s: check that the directory exists and has "
		 "space",
		 path);
	return -EIO;
}

json_t *harness_json_load(const char *path, char *why, size_t why_size)
{
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);
	if (!root) {
		snprintf(why, why_size, "cannot read %s: %s", path, error.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(why, why_size, "cannot read %s: not a JSON object",
			 path);
	} else if (harness_schema_check(root, path, why, why_size) == 0) {
		return root;
	}
	json_decref(root);
	return NULL;
}
