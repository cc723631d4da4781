/* harness_file.c - create a file the harness writes, see harness_file.h. */
#include "harness_file.h"

#include <errno.h>
#include <string.h>

int harness_file_create(const char *dir, const char *name, char *path,
			size_t path_size, FILE **f, char *why, size_t why_size)
{
	snprintf(path, path_size, "%s/%s", dir, name);
	*f = fopen(path, "w");
	if (*f)
		return 0;
	int err = -errno;
	snprintf(why, why_size, "cannot write %s: %s", path, strerror(-err));
	return err;
}
