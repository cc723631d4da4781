/* harness_netns.c - make, enter, leave and remove a sweep's private
 * network namespace (see harness_netns.h). The namespace is made and
 * deleted with iproute2's `ip netns`, the same tool the transport runs the
 * server and client through, so what a user sees in `ip netns list` is
 * what the harness made. */
#include "harness_netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_process.h"
#include "mcs_proc.h"

#define EHASH_SYSCTL "net.ipv4.tcp_child_ehash_entries"
/* The kernel's bounds for tcp_child_ehash_entries. */
#define EHASH_MIN (1ull << 10)
#define EHASH_MAX (1ull << 24)
/* The host's value while a harness has it changed: a kill -9 between set
 * and restore leaves this file, and the next run puts the value back. */
#define EHASH_SAVED "/run/mcs-harness-ehash-saved"
#define EHASH_LOCK  "/run/mcs-harness-ehash.lock"

static struct harness_netns *current;

uint64_t harness_netns_ehash_entries(uint64_t target)
{
	uint64_t want = target > EHASH_MAX / 2 ? EHASH_MAX : 2 * target;
	uint64_t entries = EHASH_MIN;
	while (entries < want && entries < EHASH_MAX)
		entries <<= 1;
	return entries;
}

/* Run ip with args; its stderr's first line goes to why on failure. */
static int run_ip(const char *const args[], char *why, size_t why_size)
{
	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		return -err;
	}
	if (pid == 0) {
		dup2(pipe_fds[1], STDERR_FILENO);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		signal(SIGINT, SIG_IGN); /* the harness decides when to stop */
		execvp("ip", (char *const *)args);
		dprintf(STDERR_FILENO, "cannot run ip: %s (install iproute2)",
			strerror(errno));
		_exit(127);
	}
	close(pipe_fds[1]);
	char text[256];
	ssize_t n, len = 0;
	while ((n = read(pipe_fds[0], text + len,
			 sizeof(text) - 1 - (size_t)len)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			len += n;
	close(pipe_fds[0]);
	text[len] = '\0';
	text[strcspn(text, "\n")] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char command[160] = "ip";
	for (size_t i = 1; args[i]; i++) {
		size_t used = strlen(command);
		snprintf(command + used, sizeof(command) - used, " %s",
			 args[i]);
	}
	snprintf(why, why_size, "%s failed: %s", command,
		 text[0] ? text : "no reason given");
	return -EIO;
}

static void restore_saved_ehash_locked(void)
{
	FILE *f = fopen(EHASH_SAVED, "r");
	if (!f)
		return;
	char value[32] = "";
	if (fgets(value, sizeof(value), f))
		value[strcspn(value, "\n")] = '\0';
	fclose(f);
	if (value[0] && mcs_sysctl_write(EHASH_SYSCTL, value) != 0)
		return; /* keep the file: the next run tries again */
	unlink(EHASH_SAVED);
}

/* The host-wide lock around every change of tcp_child_ehash_entries: an
 * fd to close to release it, or -1 (then unlocked: /run not writable). */
static int ehash_lock(void)
{
	int lock = open(EHASH_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock >= 0)
		while (flock(lock, LOCK_EX) != 0 && errno == EINTR)
			;
	return lock;
}

static void restore_saved_ehash(void)
{
	int lock = ehash_lock();
	restore_saved_ehash_locked();
	if (lock >= 0)
		close(lock);
}

int harness_netns_remove_stale(void)
{
	DIR *d = opendir("/run/netns");
	int removed = 0, others = 0; /* others: sweeps' namespaces still up */
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, HARNESS_NETNS_PREFIX,
			    strlen(HARNESS_NETNS_PREFIX)) != 0)
			continue;
		char why[256];
		const char *args[] = {"ip", "netns", "delete", e->d_name, NULL};
		if (mcs_pid_name_gone(e->d_name, HARNESS_NETNS_PREFIX, 0) &&
		    run_ip(args, why, sizeof(why)) == 0)
			removed++;
		else
			others++;
	}
	if (d)
		closedir(d);
	/* Only when no other harness holds the host's value changed. */
	if (!others)
		restore_saved_ehash();
	return removed;
}

/* The section make_namespace() runs under its lock. */
static int make_namespace_locked(struct harness_netns *ns, char *why,
				 size_t why_size)
{
	char before[32], value[32];
	int err = mcs_sysctl_read(EHASH_SYSCTL, before, sizeof(before));
	if (err) {
		snprintf(why, why_size,
			 "cannot read %s: %s (a kernel older than 6.1 has no "
			 "per-namespace hash: run with --no-netns)",
			 EHASH_SYSCTL, strerror(-err));
		return err;
	}
	before[strcspn(before, "\n")] = '\0';
	FILE *saved = fopen(EHASH_SAVED, "wx");
	if (saved) {
		fprintf(saved, "%s\n", before);
		fclose(saved);
	}
	snprintf(value, sizeof(value), "%" PRIu64, ns->ehash_entries);
	err = mcs_sysctl_write(EHASH_SYSCTL, value);
	if (err) {
		snprintf(why, why_size, "sysctl -w %s=%s failed: %s",
			 EHASH_SYSCTL, value, strerror(-err));
		if (saved)
			unlink(EHASH_SAVED);
		return err;
	}
	const char *add[] = {"ip", "netns", "add", ns->name, NULL};
	err = run_ip(add, why, why_size);
	int restore = mcs_sysctl_write(EHASH_SYSCTL, before);
	if (!restore && saved)
		unlink(EHASH_SAVED);
	if (!err && restore) {
		snprintf(why, why_size,
			 "cannot restore %s to %s: %s (the next run retries)",
			 EHASH_SYSCTL, before, strerror(-restore));
		err = restore;
	}
	return err;
}

/* Set the host's tcp_child_ehash_entries, make the namespace (which takes
 * its hash size from it), and put the host's value back. Two runs doing
 * this at once (ctest -j2 runs two sweeps) would each read the other's
 * value as the host's and leave it set: the section holds an exclusive
 * lock on EHASH_LOCK for its few milliseconds. */
static int make_namespace(struct harness_netns *ns, char *why, size_t why_size)
{
	int lock = ehash_lock();
	int err = make_namespace_locked(ns, why, why_size);
	if (lock >= 0)
		close(lock); /* releases the lock */
	return err;
}

int harness_netns_create(struct harness_netns *ns, uint64_t target, char *why,
			 size_t why_size)
{
	memset(ns, 0, sizeof(*ns));
	ns->host_fd = -1;
	harness_netns_remove_stale();
	snprintf(ns->name, sizeof(ns->name), HARNESS_NETNS_PREFIX "%d",
		 (int)getpid());
	ns->ehash_entries = harness_netns_ehash_entries(target);
	ns->host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns->host_fd < 0) {
		int err = -errno;
		snprintf(why, why_size, "open /proc/self/ns/net: %s",
			 strerror(errno));
		ns->name[0] = '\0';
		return err;
	}
	int err = make_namespace(ns, why, why_size);
	if (err) {
		close(ns->host_fd);
		ns->host_fd = -1;
		ns->name[0] = '\0';
		return err;
	}
	current = ns;
	ns->active = 1;
	const char *lo[] = {"ip",  "-n", ns->name, "link",
			    "set", "lo", "up",	   NULL};
	err = run_ip(lo, why, why_size);
	if (!err && (err = harness_netns_enter(ns)))
		snprintf(why, why_size, "cannot enter network namespace %s: %s",
			 ns->name, strerror(-err));
	if (err) {
		char ignored[256];
		harness_netns_remove(ns, ignored, sizeof(ignored));
	}
	return err;
}

int harness_netns_enter(struct harness_netns *ns)
{
	if (!ns->active || ns->entered)
		return 0;
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", ns->name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	ns->entered = !err;
	return err;
}

int harness_netns_leave(struct harness_netns *ns)
{
	if (!ns->active || !ns->entered)
		return 0;
	if (setns(ns->host_fd, CLONE_NEWNET) < 0)
		return -errno;
	ns->entered = 0;
	return 0;
}

int harness_netns_remove(struct harness_netns *ns, char *why, size_t why_size)
{
	if (!ns->active)
		return 0;
	int err = harness_netns_leave(ns);
	if (err) {
		snprintf(why, why_size, "cannot leave network namespace %s: %s",
			 ns->name, strerror(-err));
		return err;
	}
	const char *del[] = {"ip", "netns", "delete", ns->name, NULL};
	err = run_ip(del, why, why_size);
	if (ns->host_fd >= 0)
		close(ns->host_fd);
	ns->host_fd = -1;
	if (current == ns)
		current = NULL;
	ns->active = 0;
	return err;
}

struct harness_netns *harness_netns_current(void)
{
	return current;
}
