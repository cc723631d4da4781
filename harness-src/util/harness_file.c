/* harness_file.c - folders and files the harness writes, see harness_file.h. */
#include "harness_file.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

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

int harness_make_dirs(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
