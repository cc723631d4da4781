/* mcs_process.c - fork/exec children in their own process groups,
 * talk to them over pipes, and kill and reap them on every exit path. */
#include "mcs_process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_clock.h"

/* The oom_score_adj the server and client get ("" to leave theirs
 * alone): see mcs_protect_from_oom(). */
static char child_oom_score[24];

static int write_oom_score(const char *value)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

int mcs_protect_from_oom(void)
{
	char value[16] = "";
	int fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, value, sizeof(value) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	value[n] = '\0';
	long original = strtol(value, NULL, 10);
	/* Children: at least 500, which anyone may set (raising needs no
	 * privilege), so they go before the harness and before the rest of
	 * the machine. */
	snprintf(child_oom_score, sizeof(child_oom_score), "%ld",
		 original > HARNESS_CHILD_OOM_SCORE ? original
						    : HARNESS_CHILD_OOM_SCORE);
	/* The harness itself: -1000 needs CAP_SYS_RESOURCE. */
	return write_oom_score("-1000");
}

int mcs_child_start(struct mcs_child *child, const char *name,
		    char *const argv[], const char *log_path, char *why,
		    size_t why_size)
{
	memset(child, 0, sizeof(*child));
	child->name = name;
	child->stdin_fd = child->stdout_fd = -1;
	snprintf(child->log_path, sizeof(child->log_path), "%s", log_path);
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0) {
		snprintf(why, why_size, "pipe for %s: %s", name,
			 strerror(errno));
		return -errno;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		int err = errno;
		close(in[0]);
		close(in[1]);
		snprintf(why, why_size, "pipe for %s: %s", name, strerror(err));
		return -err;
	}
	int log_fd =
	    open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		int err = errno;
		snprintf(why, why_size, "open %s: %s", log_path, strerror(err));
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -err;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		snprintf(why, why_size, "fork %s: %s", name, strerror(err));
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(log_fd);
		return -err;
	}
	if (pid == 0) {
		/* Own process group, so one kill reaches every worker; die
		 * with the harness even if it is SIGKILLed. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		/* The OOM killer picks a server or client process before
		 * the harness (mcs_protect_from_oom). */
		if (child_oom_score[0])
			write_oom_score(child_oom_score);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* A path as it is; a transport's program (ip, ssh) from
		 * PATH. */
		if (strchr(argv[0], '/'))
			execv(argv[0], argv);
		else
			execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "harness: exec %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	/* Also from this side, so a kill right after fork reaches it. */
	setpgid(pid, pid);
	child->group = pid;
	close(in[0]);
	close(out[1]);
	close(log_fd);
	child->pid = pid;
	child->stdin_fd = in[1];
	child->stdout_fd = out[0];
	return 0;
}

static int take_line(struct mcs_child *child, char *line, size_t line_size)
{
	char *nl = memchr(child->buffer, '\n', child->buffered);
	if (!nl)
		return 0;
	size_t len = (size_t)(nl - child->buffer);
	if (len >= line_size)
		return -EMSGSIZE;
	memcpy(line, child->buffer, len);
	line[len] = '\0';
	child->buffered -= len + 1;
	memmove(child->buffer, nl + 1, child->buffered);
	return 1;
}

int mcs_child_read_line(struct mcs_child *child, char *line, size_t line_size,
			int timeout_ms)
{
	double deadline = mcs_now_seconds() + timeout_ms / 1000.0;
	for (;;) {
		int got = take_line(child, line, line_size);
		if (got)
			return got;
		if (child->stdout_fd < 0)
			return -EPIPE;
		if (child->buffered == sizeof(child->buffer))
			return -EMSGSIZE;
		int wait_ms = (int)((deadline - mcs_now_seconds()) * 1000);
		if (wait_ms < 0)
			return 0;
		struct pollfd p = {.fd = child->stdout_fd, .events = POLLIN};
		int n = poll(&p, 1, wait_ms);
		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (n == 0)
			return 0;
		ssize_t r =
		    read(child->stdout_fd, child->buffer + child->buffered,
			 sizeof(child->buffer) - child->buffered);
		if (r < 0) {
			if (errno == EINTR)
				return -EINTR;
			return -errno;
		}
		if (r == 0) {
			close(child->stdout_fd);
			child->stdout_fd = -1;
			continue;
		}
		child->buffered += (size_t)r;
	}
}

int mcs_child_write(struct mcs_child *child, const char *text)
{
	size_t len = strlen(text), done = 0;
	if (child->stdin_fd < 0)
		return -EPIPE;
	while (done < len) {
		ssize_t w = write(child->stdin_fd, text + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)w;
	}
	return 0;
}

int mcs_child_exited(struct mcs_child *child)
{
	if (child->pid <= 0)
		return 1;
	int status;
	pid_t r = waitpid(child->pid, &status, WNOHANG);
	if (r == child->pid) {
		child->status = status;
		child->pid = 0;
		/* Its workers may outlive it: the group still gets killed in
		 * mcs_child_stop(). */
		return 1;
	}
	return 0;
}

static int wait_exit(struct mcs_child *child, double seconds)
{
	double deadline = mcs_now_seconds() + seconds;
	while (!mcs_child_exited(child)) {
		if (mcs_now_seconds() >= deadline)
			return 0;
		usleep(10000);
	}
	return 1;
}

/* Whether any process of the group is still there (reaped or not). */
static int group_alive(pid_t group)
{
	return kill(-group, 0) == 0 || errno == EPERM;
}

void mcs_child_stop(struct mcs_child *child, double eof_grace,
		    double term_grace)
{
	/* Even once the child itself is reaped (it died and the sweep saw
	 * it), its workers may still be in its group. */
	pid_t group = child->group;
	if (child->stdin_fd >= 0) {
		close(child->stdin_fd);
		child->stdin_fd = -1;
	}
	if (child->pid > 0 && !wait_exit(child, eof_grace)) {
		kill(-child->pid, SIGTERM);
		if (!wait_exit(child, term_grace)) {
			kill(-child->pid, SIGKILL);
			waitpid(child->pid, &child->status, 0);
			child->pid = 0;
		}
	}
	/* Workers whose parent is gone are reparented away from us but keep
	 * the group id: make sure none survives. */
	if (group) {
		double deadline = mcs_now_seconds() + term_grace;
		while (group_alive(group) && mcs_now_seconds() < deadline) {
			kill(-group, SIGTERM);
			usleep(20000);
			/* The harness is a subreaper: orphans come to us. */
			while (waitpid(-group, NULL, WNOHANG) > 0)
				;
		}
		if (group_alive(group)) {
			kill(-group, SIGKILL);
			while (waitpid(-group, NULL, 0) > 0)
				;
		}
	}
	child->group = 0; /* gone: its id may be reused */
	if (child->stdout_fd >= 0) {
		close(child->stdout_fd);
		child->stdout_fd = -1;
	}
}

void mcs_child_last_log_line(const struct mcs_child *child, char *line,
			     size_t line_size)
{
	line[0] = '\0';
	FILE *f = fopen(child->log_path, "r");
	if (!f)
		return;
	char buf[1024];
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strlen(buf);
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len)
			snprintf(line, line_size, "%s", buf);
	}
	fclose(f);
}

void mcs_describe_status(int status, char *text, size_t text_size)
{
	if (WIFEXITED(status))
		snprintf(text, text_size, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(text, text_size, "was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(text, text_size, "stopped (status 0x%x)", status);
}

void mcs_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX + 300];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int mcs_pid_name_gone(const char *name, const char *prefix, int own)
{
	size_t prefix_len = strlen(prefix);
	int pid;
	char tail;
	if (strncmp(name, prefix, prefix_len) != 0 ||
	    sscanf(name + prefix_len, "%d%c", &pid, &tail) != 1 || pid <= 0)
		return 0;
	if (pid == getpid())
		return own;
	return kill(pid, 0) != 0 && errno == ESRCH;
}

void mcs_remove_dead_pid_dirs(const char *parent, const char *prefix,
			      int remove_own)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!mcs_pid_name_gone(e->d_name, prefix, remove_own))
			continue;
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/%s", parent, e->d_name);
		mcs_remove_dir(dir);
	}
	if (d)
		closedir(d);
}
