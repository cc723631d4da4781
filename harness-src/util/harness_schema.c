/* harness_schema.c - stamping and checking schema_version
 * (harness_schema.h). */
#include "harness_schema.h"

#include <errno.h>
#include <stdio.h>

void harness_schema_stamp(json_t *root)
{
	json_object_set_new(root, "schema_version",
			    json_integer(HARNESS_SCHEMA_VERSION));
}

int harness_schema_check(const json_t *root, const char *path, char *why,
			 size_t why_size)
{
	const json_t *version = json_object_get(root, "schema_version");
	if (!version)
		return 0; /* written before the key existed: version 0 */
	if (!json_is_integer(version)) {
		snprintf(why, why_size,
			 "%s: schema_version is not an integer: the file is "
			 "damaged or not the harness's; write it again",
			 path);
		return -EINVAL;
	}
	json_int_t v = json_integer_value(version);
	if (v <= HARNESS_SCHEMA_VERSION)
		return 0;
	snprintf(why, why_size,
		 "%s has schema_version %lld, newer than this harness reads "
		 "(%d): read it with the harness that wrote it, or update "
		 "this one",
		 path, (long long)v, HARNESS_SCHEMA_VERSION);
	return -EPROTO;
}
