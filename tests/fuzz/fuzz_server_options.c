/* fuzz_server_options.c - libFuzzer entry for server_parse_options: the
 * input split on NUL bytes is the command line (built with -DMCS_FUZZ=ON
 * and clang; see run-fuzz.sh). */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_server_options(data, size);
}
