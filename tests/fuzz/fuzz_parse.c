/* fuzz_parse.c - libFuzzer entry for the mcs_parse_* parsers (built with
 * -DMCS_FUZZ=ON and clang; see run-fuzz.sh). */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parsers(data, size);
}
