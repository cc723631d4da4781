/* rel_memcg.c - a throwaway memory cgroup for a reliability test (v1 or
 * v2), see rel_memcg.h. */
#include "rel_memcg.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcs_proc.h"
#include "rel_util.h"

static int read_text(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* "key N" from a file of such lines; 0 if absent. */
static uint64_t keyed(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	uint64_t value = 0;
	mcs_read_keyed(path, key, &value);
	return value;
}

static uint64_t number(const char *dir, const char *file)
{
	char text[64];
	if (read_text(dir, file, text, sizeof(text)))
		return 0;
	return strtoull(text, NULL, 10);
}

int rel_memcg_create(struct rel_memcg *cg, const char *name)
{
	memset(cg, 0, sizeof(*cg));
	char text[4096];
	if (read_text("/proc/self", "cgroup", text, sizeof(text)))
		return 77;
	char own[1024] = "";
	int v2 = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (strcmp(c1 + 1, "memory") == 0) {
			snprintf(own, sizeof(own), "%s", c2 + 1);
			v2 = 0;
			break;
		}
		if (c1[1] == '\0' && !own[0]) {
			snprintf(own, sizeof(own), "%s", c2 + 1);
			v2 = 1;
		}
	}
	const char *root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
	if (strcmp(own, "/") == 0)
		own[0] = '\0';
	snprintf(cg->dir, sizeof(cg->dir), "%s%s/%s-%d", root, own, name,
		 (int)getpid());
	cg->v2 = v2;
	if (mkdir(cg->dir, 0755) != 0) {
		fprintf(stderr,
			"skip: cannot make memory cgroup %s: %s (needs root "
			"and a memory controller)\n",
			cg->dir, strerror(errno));
		cg->dir[0] = '\0';
		return 77;
	}
	char probe[PATH_MAX + 64];
	snprintf(probe, sizeof(probe), "%s/%s", cg->dir,
		 v2 ? "memory.max" : "memory.limit_in_bytes");
	if (access(probe, W_OK) != 0) {
		fprintf(stderr,
			"skip: %s has no memory controller (v2 without "
			"memory in the parent's cgroup.subtree_control)\n",
			cg->dir);
		rmdir(cg->dir);
		cg->dir[0] = '\0';
		return 77;
	}
	return 0;
}

const char *rel_memcg_procs(const struct rel_memcg *cg, char *buf, size_t size)
{
	snprintf(buf, size, "%s/cgroup.procs", cg->dir);
	return buf;
}

uint64_t rel_memcg_usage(const struct rel_memcg *cg)
{
	return number(cg->dir,
		      cg->v2 ? "memory.current" : "memory.usage_in_bytes");
}

int rel_memcg_set_limit(const struct rel_memcg *cg, uint64_t bytes)
{
	char text[32];
	if (bytes)
		snprintf(text, sizeof(text), "%llu", (unsigned long long)bytes);
	else
		snprintf(text, sizeof(text), "%s", cg->v2 ? "max" : "-1");
	return write_text(
	    cg->dir, cg->v2 ? "memory.max" : "memory.limit_in_bytes", text);
}

uint64_t rel_memcg_oom_kills(const struct rel_memcg *cg)
{
	return keyed(cg->dir, cg->v2 ? "memory.events" : "memory.oom_control",
		     "oom_kill");
}

uint64_t rel_memcg_limit_hits(const struct rel_memcg *cg)
{
	return cg->v2 ? keyed(cg->dir, "memory.events", "max")
		      : number(cg->dir, "memory.failcnt");
}

int rel_memcg_destroy(struct rel_memcg *cg)
{
	if (!cg->dir[0])
		return 0;
	rel_memcg_set_limit(cg, 0);
	int64_t deadline = rel_now_ms() + 20000;
	for (;;) {
		char text[8192];
		int left = 0;
		if (read_text(cg->dir, "cgroup.procs", text, sizeof(text)) == 0)
			for (char *p = strtok(text, "\n"); p;
			     p = strtok(NULL, "\n")) {
				kill((pid_t)atoi(p), SIGKILL);
				left++;
			}
		if (!left && rmdir(cg->dir) == 0) {
			cg->dir[0] = '\0';
			return 0;
		}
		if (rel_now_ms() >= deadline) {
			fprintf(stderr, "cannot remove memory cgroup %s: %s\n",
				cg->dir,
				left ? "processes left in it"
				     : strerror(errno));
			return -1;
		}
		usleep(100000);
	}
}
