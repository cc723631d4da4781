/* harness_palette.c - the backend colour table (see harness_palette.h). */
#include "harness_palette.h"

#include <string.h>

static const struct {
	const char *backend;
	const char *colour;
} palette[] = {
    {"epoll", "#1f77b4"},  {"io_uring", "#d62728"},
    {"libuv", "#2ca02c"},  {"poll", "#9467bd"},
    {"select", "#8c564b"}, {"thread-per-core", "#ff7f0e"},
};

/* Greys dark enough to read on white, for backends not in the table. */
static const char *const others[] = {"#7f7f7f", "#525252", "#17becf", "#bcbd22",
				     "#e377c2"};

const char *harness_backend_colour(const char *backend)
{
	for (size_t i = 0; i < sizeof(palette) / sizeof(palette[0]); i++)
		if (strcmp(palette[i].backend, backend) == 0)
			return palette[i].colour;
	unsigned hash = 0;
	for (const char *c = backend; *c; c++)
		hash = hash * 31 + (unsigned char)*c;
	return others[hash % (sizeof(others) / sizeof(others[0]))];
}
