/* test_binary.c - whether a binary a test runs is built (test_binary.h). */
#include "test_binary.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

int test_need_binary(const char *bin_dir, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", bin_dir, name);
	if (access(path, X_OK) == 0)
		return 0;
	fprintf(stderr, "skip: no %s binary at %s yet\n", name, path);
	return 77;
}
