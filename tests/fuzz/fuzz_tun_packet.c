/* fuzz_tun_packet.c - libFuzzer entry for the TUN client's packet parser
 * and peer (built with -DMCS_FUZZ=ON and clang; see run-fuzz.sh). */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_tun_packet(data, size);
}
