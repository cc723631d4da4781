/* mcs_proc.h - readers for the kernel's own accounting: /proc and rlimits.
 *
 * Every reader has a pure parser over text (tested against known samples)
 * and a thin wrapper that reads the live file. All return 0 or -errno;
 * byte counts are bytes (not kB, not pages).
 */
#ifndef MCS_PROC_H
#define MCS_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* RLIMIT_NOFILE, as getrlimit reports it (RLIM_INFINITY clamped). */
int mcs_fd_limit(uint64_t *soft, uint64_t *hard);
/* Raise the soft RLIMIT_NOFILE to the hard one; returns the new soft. */
int mcs_fd_limit_raise(uint64_t *soft);

struct mcs_meminfo {
	uint64_t total, available, free;
	uint64_t slab, slab_reclaimable, slab_unreclaimable;
};
int mcs_parse_meminfo(const char *text, struct mcs_meminfo *info);
int mcs_read_meminfo(struct mcs_meminfo *info);

/* The value of "key N" in a file of such lines (/proc/vmstat, a memory
 * cgroup's memory.stat, memory.events, memory.oom_control): 0, -ENOENT if
 * key is absent, -EINVAL if its value is not a number. Keys are whole
 * words ("oom" is not "oom_kill"). */
int mcs_parse_keyed(const char *text, const char *key, uint64_t *value);
int mcs_read_keyed(const char *path, const char *key, uint64_t *value);

/* /proc/net/sockstat: TCP line. mem is in pages in the file; here bytes. */
struct mcs_sockstat {
	uint64_t sockets_used;
	uint64_t tcp_inuse, tcp_orphan, tcp_tw, tcp_alloc, tcp_mem_bytes;
};
int mcs_parse_sockstat(const char *text, long page_size,
		       struct mcs_sockstat *stat);
int mcs_read_sockstat(struct mcs_sockstat *stat);

/* /proc/net/netstat: TcpExt counters that show accept-queue trouble. */
struct mcs_netstat {
	uint64_t listen_overflows, listen_drops;
};
int mcs_parse_netstat(const char *text, struct mcs_netstat *stat);
int mcs_read_netstat(struct mcs_netstat *stat);

/* /proc/PID/smaps_rollup: proportional and resident set size, bytes. */
struct mcs_process_memory {
	uint64_t pss, rss, pss_anon;
};
int mcs_parse_smaps_rollup(const char *text, struct mcs_process_memory *mem);
int mcs_read_process_memory(pid_t pid, struct mcs_process_memory *mem);

/* /proc/PID/stat: CPU time in seconds (user + system). */
int mcs_parse_proc_stat_cpu(const char *text, long ticks_per_second,
			    double *user_seconds, double *system_seconds);
int mcs_read_process_cpu(pid_t pid, double *user_seconds,
			 double *system_seconds);

/* CPU time a process has run, in seconds, summed over its threads, from
 * the nanosecond counter in /proc/PID/task/TID/schedstat (the ticks of
 * /proc/PID/stat are 10 ms: too coarse for microseconds per accept over
 * many workers). Falls back to /proc/PID/stat utime + stime where
 * schedstat is missing. Returns 0 or -errno (the process is gone). */
int mcs_parse_schedstat_runtime(const char *text, double *seconds);
int mcs_read_process_runtime(pid_t pid, double *seconds);

/* RLIMIT_NOFILE of another process (prlimit: same user, or root). */
int mcs_process_fd_limit(pid_t pid, uint64_t *soft, uint64_t *hard);

/* Open descriptors of a process: entries in /proc/PID/fd. */
int mcs_count_process_fds(pid_t pid, unsigned *count);

/* Direct children of a process, forked by any of its threads (from
 * /proc/PID/task/TID/children of every thread). Returns how many were
 * found, up to max, or -errno if the process is gone. */
int mcs_list_children(pid_t pid, pid_t *children, int max);

/* sysctl by dotted name ("net.core.somaxconn"): read as text (trailing
 * newline removed) or as the first integer in it; write as text. */
int mcs_sysctl_read(const char *name, char *value, size_t value_size);
int mcs_sysctl_read_u64(const char *name, uint64_t *value);
int mcs_sysctl_write(const char *name, const char *value);

/* Read a whole small file into buf (NUL-terminated). Returns bytes read or
 * -errno; -EFBIG if it does not fit. */
ssize_t mcs_read_small_file(const char *path, char *buf, size_t buf_size);

#endif /* MCS_PROC_H */
