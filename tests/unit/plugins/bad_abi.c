/* bad_abi.c - a test plugin claiming a future ABI version: the loader must
 * refuse it before calling anything. */
#include "mcs_backend.h"

static unsigned bad_capacity(unsigned fd_limit)
{
	return fd_limit;
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    .abi_version = MCS_BACKEND_ABI_VERSION + 1,
    .stats_size = sizeof(struct mcs_worker_stats),
    .name = "bad_abi",
    .capacity = bad_capacity,
};
