/* run_binary.c - fork/exec a project binary with captured output. */
#include "run_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_clock.h"
#include "mcs_proc.h"

static void binary_path(const char *name, char *path, size_t size)
{
	const char *dir = getenv("MCS_BIN_DIR");
	snprintf(path, size, "%s/%s", dir ? dir : "build/bin", name);
}

int run_binary(const char *name, char *const argv[], int timeout_ms,
	       struct run_result *r)
{
	char path[4096];
	int out[2], err[2];
	memset(r, 0, sizeof(*r));
	binary_path(name, path, sizeof(path));
	if (pipe(out) < 0 || pipe(err) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	size_t used_out = 0, used_err = 0;
	long long deadline = mcs_now_ms() + timeout_ms;
	int open_pipes = 2;
	while (open_pipes > 0) {
		long long left = deadline - mcs_now_ms();
		if (left <= 0)
			break;
		struct pollfd p[2] = {{.fd = out[0], .events = POLLIN},
				      {.fd = err[0], .events = POLLIN}};
		if (poll(p, 2, (int)left) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP)) || p[i].fd < 0)
				continue;
			char *buf = i == 0 ? r->out : r->err;
			size_t *used = i == 0 ? &used_out : &used_err;
			ssize_t n = read(p[i].fd, buf + *used,
					 sizeof(r->out) - 1 - *used);
			if (n <= 0) {
				close(i == 0 ? out[0] : err[0]);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				open_pipes--;
			} else {
				*used += (size_t)n;
			}
		}
	}
	int status = 0;
	int timed_out = open_pipes > 0;
	while (!timed_out && waitpid(pid, &status, WNOHANG) == 0) {
		if (mcs_now_ms() > deadline) {
			timed_out = 1;
			break;
		}
		usleep(5000);
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		r->exit_code = -1;
	} else if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
	} else {
		r->exit_code = 128 + WTERMSIG(status);
	}
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	return 0;
}

pid_t start_binary(const char *name, char *const argv[])
{
	char path[4096];
	binary_path(name, path, sizeof(path));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		char log[64];
		snprintf(log, sizeof(log), "/tmp/mcs-test-%d.log",
			 (int)getpid());
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(path, argv);
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

int wait_binary(pid_t pid, int timeout_ms, int *status)
{
	*status = 0;
	pid_t r = 0;
	for (long long end = mcs_now_ms() + timeout_ms;
	     r == 0 && mcs_now_ms() < end;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == 0)
			usleep(5000);
	}
	if (r == pid)
		return 0;
	kill(-pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

int count_children(pid_t pid)
{
	pid_t kids[256];
	int n = mcs_list_children(pid, kids, 256);
	return n < 0 ? 0 : n;
}

int count_lines(const char *text)
{
	int lines = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		lines++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return lines;
}
