/* harness_schema.h - schema_version, the integer every JSON file the
 * harness writes carries at its top (sweep.json, summary.json, a
 * baseline's baseline.json), and the check every reader makes before it
 * trusts one: a file from a newer harness is refused with one line, a file
 * without the key (written before it existed) is read as version 0. */
#ifndef HARNESS_SCHEMA_H
#define HARNESS_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

/* The version this harness writes; raised when a key changes meaning or
 * goes away (a new key alone does not raise it). */
#define HARNESS_SCHEMA_VERSION 1

/* Set root's "schema_version" to HARNESS_SCHEMA_VERSION. */
void harness_schema_stamp(json_t *root);

/* 0 when root (read from path) is of this version or older; -EPROTO with
 * why ("PATH has schema_version 7, newer than this harness reads (1):
 * ...") when newer, -EINVAL when schema_version is not an integer. */
int harness_schema_check(const json_t *root, const char *path, char *why,
			 size_t why_size);

#endif /* HARNESS_SCHEMA_H */
