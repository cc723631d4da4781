/* fuzz_targets.h - the fuzzed entry points, shared by the libFuzzer
 * binaries (fuzz_parse, fuzz_server_options, fuzz_tun_packet) and the replay
 * test that feeds tests/fuzz/corpus/ to them with any compiler. Each takes
 * arbitrary bytes, must never crash, hang or read out of bounds, and aborts
 * when a parser's documented contract is broken. */
#ifndef FUZZ_TARGETS_H
#define FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Abort, naming the condition, when a documented contract is broken. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz: contract broken: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* The input as one NUL-terminated string (cut at its first NUL) through
 * every mcs_parse_* parser and mcs_printable, with contract checks on what
 * they accept and produce. */
int fuzz_parsers(const uint8_t *data, size_t size);

/* The input split on NUL bytes into argv[1..] (argv[0] = "server") through
 * server_parse_options, then a fixed good command line, which must parse
 * exactly as in a fresh process: no state may leak between calls. */
int fuzz_server_options(const uint8_t *data, size_t size);

/* The input as a packet read from the TUN device: through
 * tun_packet_parse (a parsed segment must build back to the same fields)
 * and a tun_peer holding connections in every state. */
int fuzz_tun_packet(const uint8_t *data, size_t size);

#endif /* FUZZ_TARGETS_H */
