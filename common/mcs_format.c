/* mcs_format.c - human-readable numbers. */
#include "mcs_format.h"

#include <inttypes.h>
#include <stdio.h>

const char *mcs_format_bytes(uint64_t bytes, char *buf, size_t buf_size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	unsigned u = 0;
	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, buf_size, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, buf_size, "%.1f %s", v, units[u]);
	return buf;
}
