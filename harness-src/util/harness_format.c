/* harness_format.c - human-readable numbers. */
#include "harness_format.h"

#include "mcs_format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void harness_format_count(uint64_t value, char *text, size_t text_size)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, value);
	char out[48];
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	if (o >= text_size)
		o = text_size - 1;
	memcpy(text, out, o);
	text[o] = '\0';
}

void harness_format_bytes(uint64_t value, char *text, size_t text_size)
{
	mcs_format_bytes(value, text, text_size);
}

void harness_format_signed_bytes(double value, char *text, size_t text_size)
{
	char magnitude[24];
	harness_format_bytes((uint64_t)(value < 0 ? -value : value), magnitude,
			     sizeof(magnitude));
	snprintf(text, text_size, "%s%s", value < 0 ? "-" : "", magnitude);
}
