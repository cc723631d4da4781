/* harness_gnuplot.c - fork and wait for gnuplot (see harness_gnuplot.h). */
#include "harness_gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int harness_gnuplot_run(const char *dir, const char *script, int append,
			char *why, size_t why_size)
{
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		snprintf(why, why_size, "fork gnuplot: %s", strerror(errno));
		return err;
	}
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(126);
		int log = open(
		    "gnuplot.log",
		    O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
		if (log >= 0) {
			dup2(log, STDERR_FILENO);
			dup2(log, STDOUT_FILENO);
		}
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, why_size,
			 "gnuplot is not installed: apt-get install -y "
			 "gnuplot-nox (or pass --no-plot)");
	else
		snprintf(why, why_size,
			 "gnuplot failed on %s/%s: see %s/gnuplot.log", dir,
			 script, dir);
	return -EIO;
}
