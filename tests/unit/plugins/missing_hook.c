/* missing_hook.c - right ABI, but the required run hook is missing. */
#include <stddef.h>

#include "mcs_backend.h"

static unsigned missing_capacity(unsigned fd_limit)
{
	return fd_limit;
}

static int missing_init(const struct mcs_worker_config *config, void **state,
			char *why, size_t why_size)
{
	(void)config;
	(void)why;
	(void)why_size;
	*state = NULL;
	return 0;
}

static void missing_stop(void *state)
{
	(void)state;
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,	  .name = "missing_hook", .capacity = missing_capacity,
    .init = missing_init, .stop = missing_stop,	  .destroy = missing_stop,
};
