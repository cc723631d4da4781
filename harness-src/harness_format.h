/* harness_format.h - numbers for people: counts with thousands separators,
 * byte sizes in KiB/MiB/GiB, and the summary printed after a run. */
#ifndef HARNESS_FORMAT_H
#define HARNESS_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_run.h"

/* 1234567 -> "1,234,567" */
void harness_format_count(uint64_t value, char *text, size_t text_size);
/* 1536 -> "1.5 KiB" */
void harness_format_bytes(uint64_t value, char *text, size_t text_size);
/* -1536.0 -> "-1.5 KiB" (a fitted base can come out below zero) */
void harness_format_signed_bytes(double value, char *text, size_t text_size);
/* The few lines a user wants at the end of a good run. */
void harness_print_summary(const struct harness_run *run, FILE *out);

#endif /* HARNESS_FORMAT_H */
