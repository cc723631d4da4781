/* harness_json.h - read a number out of a JSON object the way every reply
 * of the client and of an agent is read: a missing or mistyped field is 0;
 * and the harness's own JSON files written and read with their
 * schema_version (harness_schema.h). */
#ifndef HARNESS_JSON_H
#define HARNESS_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A number field of an object as double (0 when absent). */
double harness_json_double(const json_t *object, const char *key);

/* A positive integer field of an object (0 when absent, negative or not
 * an integer). */
uint64_t harness_json_u64(const json_t *object, const char *key);

/* Write root to path, indented, with schema_version stamped
 * (harness_schema.h): how the harness writes a JSON file of its own.
 * 0, or -EIO with why naming the file. */
int harness_json_save(json_t *root, const char *path, char *why,
		      size_t why_size);

/* Read the JSON object at path and check its schema_version. NULL with
 * why ("cannot read PATH: REASON", or the schema's refusal). */
json_t *harness_json_load(const char *path, char *why, size_t why_size);

#endif /* HARNESS_JSON_H */
