/* test_out_dir.c - an integration test's temporary --out folder, see
 * test_out_dir.h. */
#include "test_out_dir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int test_out_dir_make(char *dir, size_t size, const char *template)
{
	snprintf(dir, size, "%s", template);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	return 0;
}

void test_out_dir_remove(const char *dir)
{
	char command[PATH_MAX + 16];
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	if (system(command) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}
