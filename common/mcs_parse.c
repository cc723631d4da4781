/* mcs_parse.c - strict command-line value parsers. */
#include "mcs_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse digits at *p (advancing it) into value; suffixes handled by caller.
 * Returns 0, -EINVAL if there are no digits, -ERANGE on overflow. */
static int parse_digits(const char **p, uint64_t *value)
{
	const char *s = *p;
	uint64_t v = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	*p = s;
	*value = v;
	return 0;
}

/* A count at *p up to a terminator in `stops` (or NUL). */
static int parse_count_at(const char **p, const char *stops, uint64_t min,
			  uint64_t max, uint64_t *value)
{
	uint64_t v;
	int err = parse_digits(p, &v);
	if (err)
		return err;
	uint64_t scale = 1;
	if (**p == 'k' || **p == 'K')
		scale = 1000;
	else if (**p == 'm' || **p == 'M')
		scale = 1000000;
	if (scale != 1) {
		(*p)++;
		if (v > UINT64_MAX / scale)
			return -ERANGE;
		v *= scale;
	}
	if (**p != '\0' && !strchr(stops, **p))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*value = v;
	return 0;
}

int mcs_parse_count(const char *text, uint64_t min, uint64_t max,
		    uint64_t *value)
{
	if (!text)
		return -EINVAL;
	const char *p = text;
	return parse_count_at(&p, "", min, max, value);
}

int mcs_parse_size(const char *text, uint64_t max, uint64_t *bytes)
{
	if (!text)
		return -EINVAL;
	const char *p = text;
	uint64_t v;
	int err = parse_digits(&p, &v);
	if (err)
		return err;
	unsigned shift = 0;
	switch (*p) {
	case 'k':
	case 'K': shift = 10; break;
	case 'm':
	case 'M': shift = 20; break;
	case 'g':
	case 'G': shift = 30; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (shift && *++p != '\0')
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v > max)
		return -ERANGE;
	*bytes = v;
	return 0;
}

int mcs_parse_port_range(const char *text, uint16_t *first, uint16_t *last)
{
	if (!text)
		return -EINVAL;
	const char *p = text;
	uint64_t a, b;
	int err = parse_digits(&p, &a);
	if (err)
		return err;
	b = a;
	if (*p == '-') {
		p++;
		err = parse_digits(&p, &b);
		if (err)
			return err;
	}
	if (*p != '\0')
		return -EINVAL;
	if (a < 1 || a > 65535 || b < 1 || b > 65535 || a > b)
		return -ERANGE;
	*first = (uint16_t)a;
	*last = (uint16_t)b;
	return 0;
}

/* Dotted quad at text[0..len): exactly four decimal parts of 0..255. */
static int parse_ipv4_span(const char *text, size_t len, uint32_t *host)
{
	char buf[INET_ADDRSTRLEN];
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	uint32_t v = 0;
	const char *p = buf;
	for (int part = 0; part < 4; part++) {
		uint64_t octet;
		const char *start = p;
		if (parse_digits(&p, &octet) != 0 || octet > 255 ||
		    p - start > 3)
			return -EINVAL;
		v = (v << 8) | (uint32_t)octet;
		if (part < 3) {
			if (*p != '.')
				return -EINVAL;
			p++;
		}
	}
	if (*p != '\0')
		return -EINVAL;
	*host = v;
	return 0;
}

int mcs_parse_ipv4(const char *text, struct in_addr *address)
{
	uint32_t host;
	if (!text)
		return -EINVAL;
	int err = parse_ipv4_span(text, strlen(text), &host);
	if (err)
		return err;
	address->s_addr = htonl(host);
	return 0;
}

int mcs_parse_ipv4_range(const char *text, struct in_addr *first,
			 uint32_t *count)
{
	if (!text)
		return -EINVAL;
	const char *dash = strchr(text, '-');
	uint32_t a, b;
	int err = parse_ipv4_span(
	    text, dash ? (size_t)(dash - text) : strlen(text), &a);
	if (err)
		return err;
	b = a;
	if (dash) {
		err = parse_ipv4_span(dash + 1, strlen(dash + 1), &b);
		if (err)
			return err;
	}
	if (b < a || b - a >= 65536u)
		return -ERANGE;
	first->s_addr = htonl(a);
	*count = b - a + 1;
	return 0;
}

int mcs_parse_count_list(const char *text, uint64_t min, uint64_t max,
			 uint64_t *values, size_t max_values, size_t *count)
{
	if (!text || max_values == 0)
		return -EINVAL;
	const char *p = text;
	size_t n = 0;
	for (;;) {
		uint64_t v;
		int err = parse_count_at(&p, ",", min, max, &v);
		if (err)
			return err;
		if (n == max_values)
			return -ERANGE;
		if (n > 0 && v <= values[n - 1])
			return -EINVAL;
		values[n++] = v;
		if (*p == '\0')
			break;
		p++; /* the comma */
		if (*p == '\0')
			return -EINVAL;
	}
	*count = n;
	return 0;
}

const char *mcs_printable(const char *text, char *buf, size_t buf_size)
{
	if (buf_size == 0)
		return buf;
	if (!text)
		text = "";
	size_t len = strlen(text), keep = len;
	int cut = 0;
	if (len >= buf_size) {
		keep = buf_size > 4 ? buf_size - 4 : 0;
		cut = buf_size > 4;
	}
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)text[i];
		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (cut)
		memcpy(buf + keep, "...", 3), keep += 3;
	buf[keep] = '\0';
	return buf;
}

int mcs_parse_seconds(const char *text, double max, double *value)
{
	if (!text || !((*text >= '0' && *text <= '9') || *text == '.') ||
	    text[strspn(text, "0123456789.eE+-")] != '\0')
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || *end != '\0' || !isfinite(v))
		return -EINVAL;
	if (v < 0 || v > max)
		return -ERANGE;
	*value = v;
	return 0;
}

int mcs_parse_duration_unit(const char *text, double bare_unit, double min,
			    double max, double *seconds)
{
	/* "ms" before "s": the longest suffix that ends the text wins. */
	static const struct {
		const char *suffix;
		double seconds;
	} units[] = {{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}};
	char number[32];
	size_t length = text ? strlen(text) : 0;
	if (!length || length >= sizeof(number) || !(bare_unit > 0))
		return -EINVAL;
	double unit = bare_unit;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].suffix);
		if (length > n &&
		    strcmp(text + length - n, units[i].suffix) == 0) {
			unit = units[i].seconds;
			length -= n;
			break;
		}
	}
	memcpy(number, text, length);
	number[length] = '\0';
	double value;
	int err = mcs_parse_seconds(number, max / unit, &value);
	if (err)
		return err;
	value *= unit;
	if (value < min || value > max)
		return -ERANGE;
	*seconds = value;
	return 0;
}

int mcs_parse_duration(const char *text, double min, double max,
		       double *seconds)
{
	return mcs_parse_duration_unit(text, 1, min, max, seconds);
}

int mcs_option_error(char *why, size_t why_size, const char *option,
		     const char *value, const char *expected)
{
	char shown[64];
	snprintf(why, why_size, "bad %s '%s': expected %s", option,
		 mcs_printable(value, shown, sizeof(shown)), expected);
	return -EINVAL;
}

void mcs_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

int mcs_getopt_error(int c, char *const argv[], char *why, size_t why_size)
{
	char shown[64];
	const char *typed = argv[optind - 1];
	int is_long = strncmp(typed, "--", 2) == 0;
	if (c == ':') {
		snprintf(why, why_size, "option %s needs a value",
			 mcs_printable(typed, shown, sizeof(shown)));
		return -EINVAL;
	}
	/* "--name=value" for an option without a value sets optopt; an
	 * unknown long option leaves it 0; a bad letter in a group ("-xh")
	 * is only in optopt. */
	if (is_long && optopt) {
		snprintf(why, why_size,
			 "option '%s' takes no value (see --help)",
			 mcs_printable(typed, shown, sizeof(shown)));
		return -EINVAL;
	}
	if (is_long || !optopt)
		mcs_printable(typed, shown, sizeof(shown));
	else
		snprintf(shown, sizeof(shown), "-%c",
			 optopt > 0x20 && optopt < 0x7f ? optopt : '?');
	snprintf(why, why_size, "unknown option '%s' (see --help)", shown);
	return -EINVAL;
}

int mcs_unexpected_argument(const char *arg, char *why, size_t why_size)
{
	char shown[64];
	snprintf(why, why_size, "unexpected argument '%s' (see --help)",
		 mcs_printable(arg, shown, sizeof(shown)));
	return -EINVAL;
}
