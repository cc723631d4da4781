/* harness_json.h - read a number out of a JSON object the way every reply
 * of the client and of an agent is read: a missing or mistyped field is 0.
 * Pure. */
#ifndef HARNESS_JSON_H
#define HARNESS_JSON_H

#include <jansson.h>
#include <stdint.h>

/* A number field of an object as double (0 when absent). */
double harness_json_double(const json_t *object, const char *key);

/* A positive integer field of an object (0 when absent, negative or not
 * an integer). */
uint64_t harness_json_u64(const json_t *object, const char *key);

#endif /* HARNESS_JSON_H */
