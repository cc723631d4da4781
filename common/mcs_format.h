/* mcs_format.h - human-readable numbers for the monitoring line, the
 * harness's progress and its summaries. */
#ifndef MCS_FORMAT_H
#define MCS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "512 B", "1.5 KiB", "3.2 GiB" into buf; returns buf. */
const char *mcs_format_bytes(uint64_t bytes, char *buf, size_t buf_size);

#endif /* MCS_FORMAT_H */
