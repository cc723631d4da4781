/* harness_format.h - numbers for people: counts with thousands separators,
 * byte sizes in KiB/MiB/GiB. Pure; what is printed after a run is in
 * harness_report.h. */
#ifndef HARNESS_FORMAT_H
#define HARNESS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* 1234567 -> "1,234,567" */
void harness_format_count(uint64_t value, char *text, size_t text_size);
/* 1536 -> "1.5 KiB" */
void harness_format_bytes(uint64_t value, char *text, size_t text_size);
/* -1536.0 -> "-1.5 KiB" (a fitted base can come out below zero) */
void harness_format_signed_bytes(double value, char *text, size_t text_size);
#endif /* HARNESS_FORMAT_H */
