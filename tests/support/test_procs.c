/* test_procs.c - the server and client (kernel or TUN) processes a harness test
 * left running, see test_procs.h. */
#include "test_procs.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether process pid (its /proc name) has an argument beginning
 * prefix. */
static int has_argument(const char *pid, const char *prefix)
{
	char path[300], args[4096];
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(args, 1, sizeof(args) - 1, f);
	fclose(f);
	args[n] = '\0';
	for (size_t i = 0; i < n; i += strlen(args + i) + 1)
		if (strncmp(args + i, prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

/* The real path of bin_dir/name into real (PATH_MAX bytes), "" if it
 * cannot be resolved. */
static void binary_path(const char *bin_dir, const char *name, char *real)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/%s", bin_dir, name);
	if (!realpath(path, real))
		real[0] = '\0';
}

int test_procs_leftover(const char *bin_dir, const char *ports_prefix)
{
	char real_server[PATH_MAX], real_client[PATH_MAX], real_tun[PATH_MAX];
	binary_path(bin_dir, "server", real_server);
	binary_path(bin_dir, "client", real_client);
	binary_path(bin_dir, "tun-client", real_tun);
	int count = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char link[300], exe[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/%s/exe", e->d_name);
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		if ((strcmp(exe, real_server) == 0 ||
		     strcmp(exe, real_client) == 0 ||
		     (real_tun[0] && strcmp(exe, real_tun) == 0)) &&
		    has_argument(e->d_name, ports_prefix)) {
			fprintf(stderr, "left running: pid %s (%s)\n",
				e->d_name, exe);
			count++;
		}
	}
	if (d)
		closedir(d);
	return count;
}
