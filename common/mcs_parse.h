/* mcs_parse.h - strict parsers for command-line values, shared by server,
 * client and harness (and fuzzed). Each returns 0, -EINVAL for malformed
 * text or -ERANGE for a value outside the allowed range, and never reads
 * past the terminating NUL. No whitespace, signs or trailing junk accepted.
 */
#ifndef MCS_PARSE_H
#define MCS_PARSE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal count with an optional suffix: k/K = 1,000, m/M = 1,000,000
 * ("250k", "1M", "1000000"). Result must lie in [min, max]. */
int mcs_parse_count(const char *text, uint64_t min, uint64_t max,
		    uint64_t *value);

/* A size in bytes with an optional binary suffix: K = KiB, M = MiB,
 * G = GiB ("512M", "2G", "4096"). Result must be at most max. */
int mcs_parse_size(const char *text, uint64_t max, uint64_t *bytes);

/* "A-B" or "A": ports 1..65535 with A <= B. */
int mcs_parse_port_range(const char *text, uint16_t *first, uint16_t *last);

/* One IPv4 address, dotted quad only. */
int mcs_parse_ipv4(const char *text, struct in_addr *address);

/* "A.B.C.D-E.F.G.H" or one address: a range of consecutive IPv4 addresses,
 * first <= last, at most 65,536 addresses. count is the number in it. */
int mcs_parse_ipv4_range(const char *text, struct in_addr *first,
			 uint32_t *count);

/* Comma-separated counts as mcs_parse_count ("1k,10k,100k"), strictly
 * increasing, each in [min, max]; at most max_values. */
int mcs_parse_count_list(const char *text, uint64_t min, uint64_t max,
			 uint64_t *values, size_t max_values, size_t *count);

/* Seconds as a plain decimal ("1", "0.5", "2e3"): starts with a digit or
 * '.', no sign, spaces, hex, inf or nan; in [0, max]. */
int mcs_parse_seconds(const char *text, double max, double *value);

/* A duration: seconds as mcs_parse_seconds, or with one unit suffix,
 * ms, s, m or h ("250ms", "90s", "10m", "1.5h"); in [min, max] seconds.
 * -EINVAL for the form (an unknown unit too), -ERANGE for the bounds. */
int mcs_parse_duration(const char *text, double min, double max,
		       double *seconds);

/* The same, for an option whose bare number has always meant another
 * unit: a number without a suffix counts bare_unit seconds each (0.001:
 * milliseconds, as the client's message period "10" = 10 ms); with a
 * suffix it means what the suffix says. */
int mcs_parse_duration_unit(const char *text, double bare_unit, double min,
			    double max, double *seconds);

/* Put "bad OPTION 'VALUE': expected EXPECTED" in why (VALUE shown with
 * mcs_printable) and return -EINVAL: the one shape of a bad-value error. */
int mcs_option_error(char *why, size_t why_size, const char *option,
		     const char *value, const char *expected);

/* Start a fresh getopt_long() pass: optind = 0, not 1 (glibc then also
 * forgets a half-read "-xh" of an earlier argv, which it would otherwise
 * keep a pointer into), and opterr = 0 (the caller words the errors). */
void mcs_getopt_reset(void);

/* After getopt_long() (optstring starting with ':') returned ':' or '?':
 * put in why the one-line reason, naming what was typed ("option --ports
 * needs a value", "unknown option '-x'", "option '--json=yes' takes no
 * value"), and return -EINVAL. */
int mcs_getopt_error(int c, char *const argv[], char *why, size_t why_size);

/* "unexpected argument 'ARG' (see --help)" in why; returns -EINVAL. */
int mcs_unexpected_argument(const char *arg, char *why, size_t why_size);

/* Copy text into buf for an error message: control characters become '?'
 * (so a message stays one line whatever the user typed) and anything past
 * buf_size-4 bytes is cut with "...". Returns buf. */
const char *mcs_printable(const char *text, char *buf, size_t buf_size);

#endif /* MCS_PARSE_H */
