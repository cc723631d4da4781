/* mcs_version.c - the build's identity, from the header agent/version.cmake
 * writes at every build (see mcs_version.h). */
#include "mcs_version.h"

#include "mcs_backend.h"
#include "mcs_build_version.h"

/* Tests build an agent of "another build" with this (tests/multihost). */
#ifdef MCS_VERSION_TEST_COMMIT
#undef MCS_BUILD_COMMIT
#define MCS_BUILD_COMMIT MCS_VERSION_TEST_COMMIT
#endif

const char *mcs_version_commit(void)
{
	return MCS_BUILD_COMMIT;
}

int mcs_version_dirty(void)
{
	return MCS_BUILD_DIRTY;
}

unsigned mcs_version_abi(void)
{
	return MCS_BACKEND_ABI_VERSION;
}

void mcs_version_print(FILE *out, const char *program)
{
	fprintf(out, "%s %s%s (plugin ABI %u)\n", program, mcs_version_commit(),
		mcs_version_dirty() ? "-dirty" : "", mcs_version_abi());
}
