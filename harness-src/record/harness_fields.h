/* harness_fields.h - the one table of per-step measurements.
 *
 * Every figure a step records is one row of harness_step_fields[]: the
 * member of struct harness_step it lives in, its JSON key in sweep.json
 * (dotted for nested objects: "load.rtt_us.p99"), its sweep.csv column,
 * its unit and one line saying what it is. sweep.json's steps, sweep.csv
 * and `mcs-harness --list-fields` are all produced from the table, so a
 * new measurement is one row here (plus the code that measures it) and
 * the outputs cannot disagree.
 */
#ifndef HARNESS_FIELDS_H
#define HARNESS_FIELDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "harness_run.h"

enum harness_field_type {
	HARNESS_FIELD_U64,	/* uint64_t */
	HARNESS_FIELD_UNSIGNED, /* unsigned */
	HARNESS_FIELD_REAL,	/* double */
	HARNESS_FIELD_FLAG,	/* int, 0 or 1: a JSON boolean */
};

/* When a row has a value: rows of a part that did not run are left out
 * of the JSON and empty in the CSV. */
enum harness_field_when {
	HARNESS_WHEN_ALWAYS,
	HARNESS_WHEN_CONNECTED, /* not at the baseline (0 connections) */
	HARNESS_WHEN_ECHO,	/* a closed-loop echo round ran (--echo) */
	HARNESS_WHEN_LOAD,	/* the fixed-rate load ran (--load) */
};

struct harness_field {
	const char *json; /* key in a step of sweep.json, dotted if nested */
	const char *csv;  /* column of sweep.csv */
	const char *unit; /* "B", "us", "s", "/s", "" */
	enum harness_field_type type;
	enum harness_field_when when;
	size_t offset;	  /* in struct harness_step */
	int decimals;	  /* CSV decimals of a REAL */
	const char *what; /* one line, for --list-fields and the docs */
};

extern const struct harness_field harness_step_fields[];
extern const size_t harness_step_field_count;

/* Whether row f has a value in step s. */
int harness_field_present(const struct harness_field *f,
			  const struct harness_step *s);

/* Row f of step s as a double. */
double harness_field_value(const struct harness_field *f,
			   const struct harness_step *s);

/* One step as a JSON object (every present row, nested by its dotted
 * key, plus the "failures" object). New reference. */
json_t *harness_step_json(const struct harness_step *s);

/* sweep.csv: "step," then every column; a row per step. */
void harness_step_csv_header(FILE *f);
void harness_step_csv_row(FILE *f, size_t index, const struct harness_step *s);

/* The table as markdown (key, CSV column, unit, what). */
void harness_fields_print(FILE *f);

#endif /* HARNESS_FIELDS_H */
