/* agent_procs.c - the server and the client shard an agent runs: started
 * from the agent's own directory only (the name picks the binary, the
 * request gives its arguments, no shell anywhere), each in a process group
 * of its own that dies with the agent (mcs_process.h); their stdout
 * lines relayed as "output" events, their exit as an "exited" event, and
 * their whole group stopped on request or when the agent ends. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "mcs_clock.h"

#define MAX_ARGS	   64
#define TERM_GRACE_S	   15.0
#define LOG_TAIL_BYTES	   2048
#define CLIENT_EOF_GRACE_S 5.0

static const char *const proc_names[AGENT_PROC_COUNT] = {"server", "client"};

void agent_procs_init(struct agent *a)
{
	for (int i = 0; i < AGENT_PROC_COUNT; i++) {
		memset(&a->procs[i], 0, sizeof(a->procs[i]));
		a->procs[i].name = proc_names[i];
		a->procs[i].child.stdin_fd = a->procs[i].child.stdout_fd = -1;
	}
}

int agent_proc_id(const char *name)
{
	for (int i = 0; i < AGENT_PROC_COUNT; i++)
		if (strcmp(name, proc_names[i]) == 0)
			return i;
	return -1;
}

int agent_proc_output_fd(const struct agent *a, int id)
{
	return a->procs[id].running ? a->procs[id].child.stdout_fd : -1;
}

/* argv: the binary, the request's words, and for the server the stats
 * object the agent reads. */
static int build_argv(struct agent *a, struct agent_proc *p, json_t *args,
		      char *path, size_t path_size, char **argv, char *why,
		      size_t why_size)
{
	if (args && !json_is_array(args)) {
		snprintf(why, why_size, "\"args\" must be an array of strings");
		return -EINVAL;
	}
	size_t n = json_array_size(args);
	if (n > MAX_ARGS) {
		snprintf(why, why_size, "more than %d arguments", MAX_ARGS);
		return -E2BIG;
	}
	snprintf(path, path_size, "%s/%s", a->bin_dir, p->name);
	size_t k = 0;
	argv[k++] = path;
	for (size_t i = 0; i < n; i++) {
		const char *word = json_string_value(json_array_get(args, i));
		if (!word) {
			snprintf(why, why_size, "argument %zu is not a string",
				 i + 1);
			return -EINVAL;
		}
		if (p == &a->procs[AGENT_SERVER] &&
		    strncmp(word, "--stats-shm", 11) == 0) {
			snprintf(why, why_size,
				 "--stats-shm is the agent's to choose");
			return -EINVAL;
		}
		argv[k++] = (char *)word;
	}
	if (p == &a->procs[AGENT_SERVER]) {
		snprintf(p->stats_name, sizeof(p->stats_name),
			 "/mcs-agent-%d-server", (int)getpid());
		argv[k++] = "--stats-shm";
		argv[k++] = p->stats_name;
	}
	argv[k] = NULL;
	if (access(path, X_OK) != 0) {
		snprintf(why, why_size,
			 "%s is missing here (%s): build it (cmake --build "
			 "build --target %s) or copy the build's bin folder",
			 path, strerror(errno), p->name);
		return -ENOENT;
	}
	return 0;
}

int agent_proc_start(struct agent *a, int id, json_t *args, char *why,
		     size_t why_size)
{
	struct agent_proc *p = &a->procs[id];
	if (p->running) {
		snprintf(why, why_size,
			 "the %s is running already: stop it "
			 "first",
			 p->name);
		return -EBUSY;
	}
	char path[PATH_MAX + 32], log[PATH_MAX + 32];
	char *argv[MAX_ARGS + 4];
	int err =
	    build_argv(a, p, args, path, sizeof(path), argv, why, why_size);
	if (err)
		return err;
	snprintf(log, sizeof(log), "%s/%s.log", a->log_dir, p->name);
	unlink(log);
	err = mcs_child_start(&p->child, p->name, argv, log, why, why_size);
	if (err)
		return err;
	p->running = 1;
	return 0;
}

/* The last lines of the process's log, for the harness's messages. */
static json_t *log_tail(const struct agent_proc *p)
{
	char text[LOG_TAIL_BYTES + 1] = "";
	int fd = open(p->child.log_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		off_t size = lseek(fd, 0, SEEK_END);
		off_t from = size > LOG_TAIL_BYTES ? size - LOG_TAIL_BYTES : 0;
		ssize_t n = pread(fd, text, LOG_TAIL_BYTES, from);
		text[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	/* Only whole, printable lines: the first may be cut. */
	char *start = text;
	if (text[0] && text[LOG_TAIL_BYTES - 1] && strchr(text, '\n'))
		start = strchr(text, '\n') + 1;
	for (char *c = start; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n')
			*c = '?';
		else if ((unsigned char)*c >= 0x7f)
			*c = '?';
	return json_string(start);
}

static void emit_output(struct agent *a, struct agent_proc *p, const char *line)
{
	json_t *o = agent_reply(NULL, "output");
	json_object_set_new(o, "proc", json_string(p->name));
	json_t *parsed = json_loads(line, 0, NULL);
	if (json_is_object(parsed)) {
		json_object_set_new(o, "json", parsed);
	} else {
		json_decref(parsed);
		json_t *text = json_string(line);
		json_object_set_new(o, "text",
				    text ? text : json_string("(not UTF-8)"));
	}
	agent_emit(a, o);
}

/* Relay every line the process has printed, waiting up to wait_ms for
 * the first. */
static void relay(struct agent *a, struct agent_proc *p, int wait_ms)
{
	static char line[AGENT_LINE_MAX];
	for (;;) {
		int got =
		    mcs_child_read_line(&p->child, line, sizeof(line), wait_ms);
		if (got == -EMSGSIZE) {
			/* Drop what cannot be a protocol line. */
			p->child.buffered = 0;
			continue;
		}
		if (got != 1)
			return;
		emit_output(a, p, line);
		wait_ms = 0;
	}
}

/* The fields of "exited" and "stopped": how it ended, its log's end. */
static void add_end(json_t *o, struct agent_proc *p)
{
	char text[128];
	int status = p->child.status;
	mcs_describe_status(status, text, sizeof(text));
	json_object_set_new(o, "proc", json_string(p->name));
	json_object_set_new(o, "status", json_string(text));
	json_object_set_new(
	    o, "code",
	    json_integer(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
	json_object_set_new(
	    o, "signal",
	    json_integer(WIFSIGNALED(status) ? WTERMSIG(status) : 0));
	json_object_set_new(o, "log_tail", log_tail(p));
}

/* After the process is gone: its group killed, its stats let go. */
static void finish(struct agent_proc *p)
{
	mcs_child_stop(&p->child, 0.0, TERM_GRACE_S);
	if (p->stats.header)
		mcs_stats_close(&p->stats);
	if (p->stats_name[0])
		shm_unlink(p->stats_name); /* the server's, if it was killed */
	p->stats_name[0] = '\0';
	p->running = 0;
}

json_t *agent_proc_stop(struct agent *a, int id, double grace_s)
{
	struct agent_proc *p = &a->procs[id];
	json_t *o = agent_reply(NULL, "stopped");
	json_object_set_new(o, "was_running", json_boolean(p->running));
	if (!p->running) {
		json_object_set_new(o, "proc", json_string(p->name));
		return o;
	}
	relay(a, p, 0);
	/* EOF on its stdin first (the client's "quit"), its last lines
	 * relayed as they come; then the group is signalled. */
	if (p->child.stdin_fd >= 0) {
		close(p->child.stdin_fd);
		p->child.stdin_fd = -1;
	}
	double deadline = mcs_now_seconds() + grace_s;
	while (!mcs_child_exited(&p->child) && mcs_now_seconds() < deadline)
		relay(a, p, 50);
	if (p->child.pid > 0)
		kill(-p->child.pid, SIGTERM);
	deadline = mcs_now_seconds() + TERM_GRACE_S;
	while (!mcs_child_exited(&p->child) && mcs_now_seconds() < deadline)
		relay(a, p, 50);
	relay(a, p, 0);
	finish(p);
	add_end(o, p);
	return o;
}

void agent_procs_pump(struct agent *a)
{
	for (int i = 0; i < AGENT_PROC_COUNT; i++) {
		struct agent_proc *p = &a->procs[i];
		if (!p->running)
			continue;
		relay(a, p, 0);
		if (!mcs_child_exited(&p->child))
			continue;
		relay(a, p, 100); /* what it printed before it went */
		finish(p);
		json_t *o = agent_reply(NULL, "exited");
		add_end(o, p);
		agent_emit(a, o);
	}
}

void agent_procs_stop_all(struct agent *a)
{
	/* The server first: both ends then tear down at once. */
	if (a->procs[AGENT_SERVER].running && a->procs[AGENT_SERVER].child.pid)
		kill(-a->procs[AGENT_SERVER].child.pid, SIGTERM);
	if (a->procs[AGENT_CLIENT].running)
		json_decref(
		    agent_proc_stop(a, AGENT_CLIENT, CLIENT_EOF_GRACE_S));
	if (a->procs[AGENT_SERVER].running)
		json_decref(agent_proc_stop(a, AGENT_SERVER, 0));
}
