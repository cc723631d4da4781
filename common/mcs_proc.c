/* mcs_proc.c - parse /proc files into numbers, and read rlimits/sysctls. */
#include "mcs_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int mcs_fd_limit(uint64_t *soft, uint64_t *hard)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	*soft = rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : rl.rlim_cur;
	*hard = rl.rlim_max == RLIM_INFINITY ? UINT32_MAX : rl.rlim_max;
	return 0;
}

int mcs_fd_limit_raise(uint64_t *soft)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -errno;
	}
	*soft = rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : rl.rlim_cur;
	return 0;
}

ssize_t mcs_read_small_file(const char *path, char *buf, size_t buf_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t used = 0;
	for (;;) {
		if (used + 1 >= buf_size) {
			close(fd);
			return -EFBIG;
		}
		ssize_t n = read(fd, buf + used, buf_size - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	return (ssize_t)used;
}

/* Value of "Key:   123 kB" lines; returns 1 if key found. */
static int find_kb(const char *text, const char *key, uint64_t *bytes)
{
	size_t key_len = strlen(key);
	for (const char *line = text; line && *line;) {
		if (strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
			char *end;
			unsigned long long v =
			    strtoull(line + key_len + 1, &end, 10);
			while (*end == ' ')
				end++;
			*bytes = strncmp(end, "kB", 2) == 0 ? v * 1024ull : v;
			return 1;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

int mcs_parse_keyed(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line;) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			char *end;
			errno = 0;
			unsigned long long v =
			    strtoull(line + klen + 1, &end, 10);
			if (end == line + klen + 1 || errno)
				return -EINVAL;
			*value = v;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

int mcs_read_keyed(const char *path, const char *key, uint64_t *value)
{
	static char text[16384];
	ssize_t n = mcs_read_small_file(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	return mcs_parse_keyed(text, key, value);
}

int mcs_parse_meminfo(const char *text, struct mcs_meminfo *info)
{
	memset(info, 0, sizeof(*info));
	if (!find_kb(text, "MemTotal", &info->total) ||
	    !find_kb(text, "Slab", &info->slab))
		return -EPROTO;
	find_kb(text, "MemAvailable", &info->available);
	find_kb(text, "MemFree", &info->free);
	find_kb(text, "SReclaimable", &info->slab_reclaimable);
	find_kb(text, "SUnreclaim", &info->slab_unreclaimable);
	return 0;
}

int mcs_read_meminfo(struct mcs_meminfo *info)
{
	char buf[8192];
	ssize_t n = mcs_read_small_file("/proc/meminfo", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return mcs_parse_meminfo(buf, info);
}

/* After "word " in a line, the number. Returns 1 if found. */
static int find_field(const char *line, const char *end, const char *word,
		      uint64_t *value)
{
	size_t len = strlen(word);
	for (const char *p = line; p && p + len < end; p++) {
		p = strstr(p, word);
		if (!p || p + len >= end)
			return 0;
		if ((p == line || p[-1] == ' ') && p[len] == ' ') {
			*value = strtoull(p + len + 1, NULL, 10);
			return 1;
		}
	}
	return 0;
}

int mcs_parse_sockstat(const char *text, long page_size,
		       struct mcs_sockstat *stat)
{
	memset(stat, 0, sizeof(*stat));
	const char *sockets = strstr(text, "sockets:");
	if (sockets) {
		const char *end = strchr(sockets, '\n');
		end = end ? end : sockets + strlen(sockets);
		find_field(sockets, end, "used", &stat->sockets_used);
	}
	const char *tcp = strstr(text, "\nTCP:");
	tcp = tcp ? tcp + 1 : (strncmp(text, "TCP:", 4) == 0 ? text : NULL);
	if (!tcp)
		return -EPROTO;
	const char *end = strchr(tcp, '\n');
	end = end ? end : tcp + strlen(tcp);
	uint64_t pages = 0;
	if (!find_field(tcp, end, "inuse", &stat->tcp_inuse))
		return -EPROTO;
	find_field(tcp, end, "orphan", &stat->tcp_orphan);
	find_field(tcp, end, "tw", &stat->tcp_tw);
	find_field(tcp, end, "alloc", &stat->tcp_alloc);
	find_field(tcp, end, "mem", &pages);
	stat->tcp_mem_bytes = pages * (uint64_t)page_size;
	return 0;
}

int mcs_read_sockstat(struct mcs_sockstat *stat)
{
	char buf[4096];
	ssize_t n = mcs_read_small_file("/proc/net/sockstat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return mcs_parse_sockstat(buf, sysconf(_SC_PAGESIZE), stat);
}

/* /proc/net/netstat pairs a header line "TcpExt: Name1 Name2 ..." with a
 * value line "TcpExt: 1 2 ...". Find the column of `name`. */
static int netstat_value(const char *text, const char *name, uint64_t *value)
{
	const char *header = strstr(text, "TcpExt:");
	if (!header)
		return 0;
	const char *values = strchr(header, '\n');
	if (!values || strncmp(values + 1, "TcpExt:", 7) != 0)
		return 0;
	values += 1 + 7;
	const char *h = header + 7;
	const char *header_end = strchr(header, '\n');
	size_t len = strlen(name);
	while (h < header_end) {
		while (*h == ' ')
			h++;
		const char *word_end = h;
		while (word_end < header_end && *word_end != ' ')
			word_end++;
		while (*values == ' ')
			values++;
		if ((size_t)(word_end - h) == len &&
		    strncmp(h, name, len) == 0) {
			*value = strtoull(values, NULL, 10);
			return 1;
		}
		while (*values && *values != ' ' && *values != '\n')
			values++;
		h = word_end;
	}
	return 0;
}

int mcs_parse_netstat(const char *text, struct mcs_netstat *stat)
{
	memset(stat, 0, sizeof(*stat));
	if (!netstat_value(text, "ListenOverflows", &stat->listen_overflows) ||
	    !netstat_value(text, "ListenDrops", &stat->listen_drops))
		return -EPROTO;
	return 0;
}

int mcs_read_netstat(struct mcs_netstat *stat)
{
	char buf[16384];
	ssize_t n = mcs_read_small_file("/proc/net/netstat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return mcs_parse_netstat(buf, stat);
}

int mcs_parse_smaps_rollup(const char *text, struct mcs_process_memory *mem)
{
	memset(mem, 0, sizeof(*mem));
	if (!find_kb(text, "Pss", &mem->pss) ||
	    !find_kb(text, "Rss", &mem->rss))
		return -EPROTO;
	find_kb(text, "Pss_Anon", &mem->pss_anon);
	return 0;
}

int mcs_read_process_memory(pid_t pid, struct mcs_process_memory *mem)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	ssize_t n = mcs_read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return mcs_parse_smaps_rollup(buf, mem);
}

int mcs_parse_proc_stat_cpu(const char *text, long ticks_per_second,
			    double *user_seconds, double *system_seconds)
{
	/* The command name may hold spaces and parentheses: skip to the
	 * last ')'. Fields after it start at field 3 (state). */
	const char *p = strrchr(text, ')');
	if (!p || ticks_per_second <= 0)
		return -EPROTO;
	p++;
	unsigned long long utime = 0, stime = 0;
	for (int field = 3; field <= 15; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EPROTO;
		if (field == 14)
			utime = strtoull(p, NULL, 10);
		if (field == 15)
			stime = strtoull(p, NULL, 10);
		while (*p && *p != ' ')
			p++;
	}
	*user_seconds = (double)utime / (double)ticks_per_second;
	*system_seconds = (double)stime / (double)ticks_per_second;
	return 0;
}

int mcs_read_process_cpu(pid_t pid, double *user_seconds,
			 double *system_seconds)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = mcs_read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return mcs_parse_proc_stat_cpu(buf, sysconf(_SC_CLK_TCK), user_seconds,
				       system_seconds);
}

int mcs_parse_schedstat_runtime(const char *text, double *seconds)
{
	char *end;
	errno = 0;
	unsigned long long ns = strtoull(text, &end, 10);
	if (end == text || errno || (*end != ' ' && *end != '\n'))
		return -EPROTO;
	*seconds = (double)ns / 1e9;
	return 0;
}

/* Call each(text, context) with the contents of /proc/PID/task/TID/<file>
 * for every thread TID of pid (a thread that ended meanwhile is skipped).
 * each returns 0 to go on, non-zero to stop. Returns 0, or -errno if pid
 * is gone. */
static int for_each_task_file(pid_t pid, const char *file,
			      int (*each)(const char *text, void *context),
			      void *context)
{
	char path[96];
	char buf[16384];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *tasks = opendir(path);
	if (!tasks)
		return -errno;
	struct dirent *e;
	while ((e = readdir(tasks))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/%s", (int)pid,
			 e->d_name, file);
		if (mcs_read_small_file(path, buf, sizeof(buf)) < 0)
			continue;
		if (each(buf, context))
			break;
	}
	closedir(tasks);
	return 0;
}

struct runtime_sum {
	double total;
	int found;
};

static int add_runtime(const char *text, void *context)
{
	struct runtime_sum *sum = context;
	double one;
	if (mcs_parse_schedstat_runtime(text, &one) == 0) {
		sum->total += one;
		sum->found++;
	}
	return 0;
}

int mcs_read_process_runtime(pid_t pid, double *seconds)
{
	struct runtime_sum sum = {0};
	int err = for_each_task_file(pid, "schedstat", add_runtime, &sum);
	if (err)
		return err;
	if (!sum.found) {
		double user, system;
		err = mcs_read_process_cpu(pid, &user, &system);
		if (err)
			return err;
		sum.total = user + system;
	}
	*seconds = sum.total;
	return 0;
}

int mcs_process_fd_limit(pid_t pid, uint64_t *soft, uint64_t *hard)
{
	struct rlimit rl;
	if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl) != 0)
		return -errno;
	*soft = rl.rlim_cur;
	*hard = rl.rlim_max;
	return 0;
}

int mcs_count_process_fds(pid_t pid, unsigned *count)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	unsigned n = 0;
	struct dirent *entry;
	while ((entry = readdir(d)) != NULL)
		if (entry->d_name[0] != '.')
			n++;
	closedir(d);
	/* opendir's own descriptor shows up when we count ourselves. */
	if (pid == getpid() && n > 0)
		n--;
	*count = n;
	return 0;
}

struct child_list {
	pid_t *children;
	int count, max;
};

static int add_children(const char *text, void *context)
{
	struct child_list *list = context;
	const char *p = text;
	while (*p && list->count < list->max) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		list->children[list->count++] = (pid_t)v;
		p = end;
		while (*p == ' ' || *p == '\n')
			p++;
	}
	return list->count >= list->max;
}

int mcs_list_children(pid_t pid, pid_t *children, int max)
{
	struct child_list list = {children, 0, max};
	int err = for_each_task_file(pid, "children", add_children, &list);
	return err ? err : list.count;
}

static int sysctl_path(const char *name, char *path, size_t path_size)
{
	if (strstr(name, "..") || strchr(name, '/'))
		return -EINVAL;
	if ((size_t)snprintf(path, path_size, "/proc/sys/%s", name) >=
	    path_size)
		return -ENAMETOOLONG;
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

int mcs_sysctl_read(const char *name, char *value, size_t value_size)
{
	char path[256];
	int err = sysctl_path(name, path, sizeof(path));
	if (err)
		return err;
	ssize_t n = mcs_read_small_file(path, value, value_size);
	if (n < 0)
		return (int)n;
	while (n > 0 && (value[n - 1] == '\n' || value[n - 1] == ' '))
		value[--n] = '\0';
	return 0;
}

int mcs_sysctl_read_u64(const char *name, uint64_t *value)
{
	char buf[256];
	int err = mcs_sysctl_read(name, buf, sizeof(buf));
	if (err)
		return err;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (end == buf || errno)
		return -EPROTO;
	*value = v;
	return 0;
}

int mcs_sysctl_write(const char *name, const char *value)
{
	char path[256];
	int err = sysctl_path(name, path, sizeof(path));
	if (err)
		return err;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	err = n < 0 ? -errno : ((size_t)n == len ? 0 : -EIO);
	close(fd);
	return err;
}
