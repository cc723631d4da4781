/* test_client_integration.c - the client for real: start `server` on ports
 * 2300-2303 (or the next free block: 4 workers), have the client open 30,000
 * connections (more than one process must hold them), check from its --json
 * output that all came up, drive the control protocol (grow, echo, load,
 * verify, quit), check a run with no server ends quickly with ECONNREFUSED
 * counted, that --reset-on-exit closes with RST and --connect-order port
 * opens the same connections, that verify gives up on a peer that never
 * answers, and after each run that no client or server process is left. Asserts
 * correctness, not speed: every wait is generous. Ports 2300-2399 only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/io_uring.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mcs_clock.h"

#define PORT_COUNT 4
/* Blocks of PORT_COUNT ports in 2300-2387 for the server, one port in
 * 2388-2399 where nobody listens: the first free ones are taken, so two
 * runs of this suite at once (several build trees) do not collide. */
#define BLOCK_FIRST	2300
#define BLOCK_LAST	2387
#define NO_SERVER_FIRST 2388
#define NO_SERVER_LAST	2399
#define CONNECTIONS	30000
#define RUN_SECONDS	240.0

static char bin_dir[512];
static uint16_t first_port;
static char server_ports[16];
static char no_server_ports[16];
static pid_t server_pid;

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* fork + exec bin_dir/name in its own process group. stdin_fd/stdout_fd:
 * -1 for /dev/null. stderr goes to the test's stderr. */
static pid_t spawn(const char *name, char *const argv[], int stdin_fd,
		   int stdout_fd)
{
	char path[768];
	snprintf(path, sizeof(path), "%s/%s", bin_dir, name);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	setpgid(0, 0);
	int null_fd = open("/dev/null", O_RDWR);
	dup2(stdin_fd >= 0 ? stdin_fd : null_fd, 0);
	dup2(stdout_fd >= 0 ? stdout_fd : null_fd, 1);
	execv(path, argv);
	fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* Wait for pid up to seconds; kill its group if it overstays. Returns the
 * exit code, 128+signal, or -1 on timeout. */
static int wait_for(pid_t pid, double seconds)
{
	double deadline = mcs_now_seconds() + seconds;
	int status;
	while (mcs_now_seconds() < deadline) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
		pause_ms(20);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Read everything from fd until EOF or the deadline. */
static size_t read_all(int fd, char *buf, size_t size, double seconds)
{
	size_t have = 0;
	double deadline = mcs_now_seconds() + seconds;
	while (have + 1 < size && mcs_now_seconds() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = read(fd, buf + have, size - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	return have;
}

/* Read one line from fd (bounded). */
static int read_line(int fd, char *line, size_t size, double seconds)
{
	size_t have = 0;
	double deadline = mcs_now_seconds() + seconds;
	while (have + 1 < size && mcs_now_seconds() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		char c;
		if (read(fd, &c, 1) != 1)
			break;
		if (c == '\n') {
			line[have] = '\0';
			return 0;
		}
		line[have++] = c;
	}
	line[have] = '\0';
	return -1;
}

/* The JSON object with "event" == event among the lines of text. */
static json_t *find_event(const char *text, const char *event)
{
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, '\n');
		size_t length = end ? (size_t)(end - p) : strlen(p);
		json_t *o = json_loadb(p, length, 0, NULL);
		if (o) {
			const char *e =
			    json_string_value(json_object_get(o, "event"));
			if (e && strcmp(e, event) == 0)
				return o;
			json_decref(o);
		}
		p += length + (end ? 1 : 0);
	}
	return NULL;
}

static json_int_t get_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("no integer \"%s\" in the report", key);
	return json_integer_value(v);
}

static double get_real(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_real(v))
		fail_msg("no real number \"%s\" in the report", key);
	return json_real_value(v);
}

static int process_exists(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	/* A zombie is gone for our purpose only once reaped; report it. */
	fclose(f);
	return 1;
}

/* Every pid listed in the "pids" array of o is gone (bounded wait). */
static void assert_pids_gone(json_t *o)
{
	json_t *pids = json_object_get(o, "pids");
	assert_true(json_is_array(pids));
	assert_true(json_array_size(pids) >= 1);
	double deadline = mcs_now_seconds() + 10.0;
	size_t i;
	json_t *v;
	json_array_foreach(pids, i, v)
	{
		pid_t pid = (pid_t)json_integer_value(v);
		while (process_exists(pid) && mcs_now_seconds() < deadline)
			pause_ms(20);
		if (process_exists(pid))
			fail_msg("client worker %d is still running", (int)pid);
	}
}

/* Can this process set up an io_uring (verify then checks over it)? */
static int io_uring_here(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	long fd = syscall(__NR_io_uring_setup, 4, &params);
	if (fd < 0)
		return 0;
	close((int)fd);
	return 1;
}

/* The connections established to the server's ports now, each as its
 * client address and port and its server port, sorted: whose TIME_WAIT,
 * if any, the test counts. A
 * count over all sockets on the server's ports would also see the earlier
 * tests' connections still going from FIN_WAIT2 to TIME_WAIT on a slow
 * machine. */
#define MAX_ENDS 8192
static uint64_t client_ends[MAX_ENDS];
static size_t client_end_count;

static int compare_ends(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int on_server_ports(unsigned port)
{
	return port >= first_port &&
	       port <= (unsigned)first_port + PORT_COUNT - 1;
}

/* Each /proc/net/tcp socket on the server's ports in state want (hex), as
 * its connection's key (see above), whichever end it is. */
static size_t client_ends_in_state(unsigned want, uint64_t *ends, size_t max)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	assert_non_null(f);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		unsigned la, lp, ra, rp, st;
		if (sscanf(line, " %*u: %8x:%4x %8x:%4x %2x", &la, &lp, &ra,
			   &rp, &st) != 5 ||
		    st != want)
			continue;
		/* The connection, seen from either end: the client's
		 * address and port, and the server's port. */
		if (on_server_ports(rp) && !on_server_ports(lp))
			ends[n++] = (uint64_t)la << 32 | lp << 16 | rp;
		else if (on_server_ports(lp) && !on_server_ports(rp))
			ends[n++] = (uint64_t)ra << 32 | rp << 16 | lp;
	}
	fclose(f);
	return n;
}

static void note_client_ends(void)
{
	client_end_count =
	    client_ends_in_state(0x01, client_ends, MAX_ENDS); /* ESTABLISHED */
	qsort(client_ends, client_end_count, sizeof(client_ends[0]),
	      compare_ends);
}

/* TIME_WAIT sockets of the connections note_client_ends() saw. */
static long time_wait_of_noted(void)
{
	static uint64_t waiting[MAX_ENDS];
	size_t n = client_ends_in_state(0x06, waiting, MAX_ENDS);
	long count = 0;
	for (size_t i = 0; i < n; i++)
		count += bsearch(&waiting[i], client_ends, client_end_count,
				 sizeof(client_ends[0]), compare_ends) != NULL;
	return count;
}

/* Tcp OutRsts from /proc/net/snmp: resets this network namespace sent. */
static long tcp_out_resets(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	assert_non_null(f);
	char names[1024], values[1024];
	long found = -1;
	while (found < 0 && fgets(names, sizeof(names), f) &&
	       fgets(values, sizeof(values), f)) {
		if (strncmp(names, "Tcp:", 4) != 0)
			continue;
		char *name_save, *value_save;
		char *n = strtok_r(names, " \n", &name_save);
		char *v = strtok_r(values, " \n", &value_save);
		while (n && v && strcmp(n, "OutRsts") != 0) {
			n = strtok_r(NULL, " \n", &name_save);
			v = strtok_r(NULL, " \n", &value_save);
		}
		if (n && v)
			found = atol(v);
	}
	fclose(f);
	assert_true(found >= 0);
	return found;
}

static int connect_once(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ok = connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0;
	close(fd);
	return ok;
}

/* Can port be bound on 127.0.0.1 now (nothing listening on it)? */
static int port_free(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in at = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ok = bind(fd, (struct sockaddr *)&at, sizeof(at)) == 0;
	close(fd);
	return ok;
}

static int pick_ports(void)
{
	first_port = 0;
	for (unsigned base = BLOCK_FIRST;
	     !first_port && base + PORT_COUNT - 1 <= BLOCK_LAST;
	     base += PORT_COUNT) {
		unsigned p = 0;
		while (p < PORT_COUNT && port_free((uint16_t)(base + p)))
			p++;
		if (p == PORT_COUNT)
			first_port = (uint16_t)base;
	}
	unsigned none = 0;
	for (unsigned p = NO_SERVER_FIRST; !none && p <= NO_SERVER_LAST; p++)
		if (port_free((uint16_t)p))
			none = p;
	if (!first_port || !none) {
		fprintf(stderr, "no free ports in %d-%d\n", BLOCK_FIRST,
			NO_SERVER_LAST);
		return -1;
	}
	snprintf(server_ports, sizeof(server_ports), "%u-%u", first_port,
		 first_port + PORT_COUNT - 1);
	snprintf(no_server_ports, sizeof(no_server_ports), "%u", none);
	return 0;
}

static int start_server(void **state)
{
	(void)state;
	if (pick_ports() < 0)
		return -1;
	char *argv[] = {"server", "--ports",	server_ports, "--workers",
			"4",	  "--interval", "0",	      NULL};
	server_pid = spawn("server", argv, -1, -1);
	if (server_pid < 0)
		return -1;
	/* Up when every port accepts (bounded). */
	double deadline = mcs_now_seconds() + 30.0;
	for (unsigned p = 0; p < PORT_COUNT; p++) {
		while (!connect_once((uint16_t)(first_port + p))) {
			if (mcs_now_seconds() > deadline ||
			    waitpid(server_pid, NULL, WNOHANG) == server_pid) {
				fprintf(stderr,
					"server did not come up on ports %s\n",
					server_ports);
				return -1;
			}
			pause_ms(50);
		}
	}
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	if (server_pid <= 0)
		return 0;
	kill(server_pid, SIGTERM);
	int code = wait_for(server_pid, 30.0);
	/* Its workers are in its process group: none may be left. */
	double deadline = mcs_now_seconds() + 10.0;
	while (kill(-server_pid, 0) == 0 && mcs_now_seconds() < deadline)
		pause_ms(20);
	int left = kill(-server_pid, 0) == 0;
	if (left)
		kill(-server_pid, SIGKILL);
	server_pid = 0;
	if (code < 0 || left) {
		fprintf(stderr, "server did not stop cleanly\n");
		return -1;
	}
	return 0;
}

/* 30,000 connections, all established, several processes, exit 0, all
 * workers gone. */
static void test_ramp_30000(void **state)
{
	(void)state;
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char *argv[] = {"client", "--ports", server_ports, "--connections",
			"30000",  "--hold",  "1",	   "--timeout",
			"120",	  "--json",  NULL};
	pid_t pid = spawn("client", argv, -1, out[1]);
	close(out[1]);
	static char text[65536];
	read_all(out[0], text, sizeof(text), RUN_SECONDS);
	close(out[0]);
	int code = wait_for(pid, 30.0);
	json_t *ready = find_event(text, "ready");
	json_t *step = find_event(text, "step");
	json_t *bye = find_event(text, "bye");
	if (!ready || !step || !bye)
		fail_msg("client output lacks ready/step/bye: %s", text);
	assert_true(get_int(ready, "procs") >= 2); /* 30,000 > one cap */
	assert_int_equal(get_int(step, "target"), CONNECTIONS);
	assert_int_equal(get_int(step, "established"), CONNECTIONS);
	assert_int_equal(get_int(step, "failed"), 0);
	assert_int_equal(get_int(step, "abandoned"), 0);
	json_t *latency = json_object_get(step, "connect_latency_us");
	assert_true(json_is_object(latency));
	assert_true(get_int(latency, "p50") <= get_int(latency, "p99"));
	assert_true(get_int(latency, "p99") <= get_int(latency, "max"));
	assert_int_equal(get_int(bye, "exit_status"), 0);
	assert_int_equal(code, 0);
	assert_pids_gone(ready);
	json_decref(ready);
	json_decref(step);
	json_decref(bye);
}

static json_t *command(int to, int from, const char *line, const char *event)
{
	assert_true(write(to, line, strlen(line)) == (ssize_t)strlen(line));
	static char reply[65536];
	if (read_line(from, reply, sizeof(reply), RUN_SECONDS) < 0)
		fail_msg("no reply to '%s'", line);
	json_t *o = json_loads(reply, 0, NULL);
	if (!o)
		fail_msg("reply to '%s' is not JSON: %s", line, reply);
	const char *e = json_string_value(json_object_get(o, "event"));
	if (!e || strcmp(e, event) != 0)
		fail_msg("reply to '%s' is not %s: %s", line, event, reply);
	return o;
}

/* Quit a control-mode client (stdin to, stdout from): bye, exit 0, and
 * none of the workers its ready reply listed left running. Takes ready. */
static void quit_and_check_gone(int to, int from, pid_t pid, json_t *ready)
{
	json_decref(command(to, from, "quit\n", "bye"));
	close(to);
	close(from);
	assert_int_equal(wait_for(pid, 60.0), 0);
	assert_pids_gone(ready);
	json_decref(ready);
}

/* The control protocol, docs/CONTROL.md. */
static void test_control(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char *argv[] = {
	    "client", "--control", "--ports", server_ports, "--connections",
	    "4000",   "--procs",   "3",	      NULL};
	pid_t pid = spawn("client", argv, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	char line[65536];
	assert_int_equal(read_line(out[0], line, sizeof(line), 60.0), 0);
	json_t *ready = json_loads(line, 0, NULL);
	assert_non_null(ready);
	assert_string_equal(json_string_value(json_object_get(ready, "event")),
			    "ready");
	assert_int_equal(get_int(ready, "procs"), 3);
	assert_true(get_int(ready, "fd_limit") >
		    get_int(ready, "per_proc_max"));

	json_t *o = command(in[1], out[0], "grow 1000\n", "step");
	assert_int_equal(get_int(o, "target"), 1000);
	assert_int_equal(get_int(o, "established"), 1000);
	assert_int_equal(get_int(o, "failed"), 0);
	json_decref(o);
	o = command(in[1], out[0], "grow 4000\n", "step");
	assert_int_equal(get_int(o, "established"), 4000);
	json_decref(o);
	o = command(in[1], out[0], "grow 5000\n", "error"); /* > max */
	json_decref(o);
	o = command(in[1], out[0], "dance\n", "error");
	json_decref(o);
	o = command(in[1], out[0], "echo 3000 100\n", "echo");
	assert_int_equal(get_int(o, "connections"), 3000);
	assert_int_equal(get_int(o, "messages"), 3000);
	assert_int_equal(get_int(o, "bytes"), 300000);
	assert_int_equal(get_int(o, "errors"), 0);
	assert_int_equal(get_int(o, "mismatches"), 0);
	json_decref(o);
	o = command(in[1], out[0], "verify\n", "verify");
	assert_int_equal(get_int(o, "checked"), 4000);
	assert_int_equal(get_int(o, "alive"), 4000);
	assert_int_equal(get_int(o, "dead"), 0);
	/* Over io_uring where it can be set up, else over epoll. */
	assert_int_equal(get_int(o, "io_uring_checks"),
			 io_uring_here() ? 4000 : 0);
	json_decref(o);
	quit_and_check_gone(in[1], out[0], pid, ready);
}

/* --reset-on-exit and --connect-order port together: the same
 * connections come up at every step and answer verify (twice: the second
 * time the first one's ring is gone); quitting sends a RST for each
 * (OutRsts grows by at least as many; other programs' resets can only add
 * to it) and leaves no TIME_WAIT on the server's ports, where without the
 * flag the client, closing first, would keep one per connection. */
static void test_reset_on_exit(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char *argv[] = {"client",
			"--control",
			"--ports",
			server_ports,
			"--connections",
			"3000",
			"--procs",
			"3",
			"--reset-on-exit",
			"--connect-order",
			"port",
			NULL};
	pid_t pid = spawn("client", argv, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	char line[65536];
	assert_int_equal(read_line(out[0], line, sizeof(line), 60.0), 0);
	json_t *ready = json_loads(line, 0, NULL);
	assert_non_null(ready);
	json_t *o = command(in[1], out[0], "grow 1000\n", "step");
	assert_int_equal(get_int(o, "established"), 1000);
	json_decref(o);
	o = command(in[1], out[0], "grow 3000\n", "step");
	assert_int_equal(get_int(o, "established"), 3000);
	assert_int_equal(get_int(o, "failed"), 0);
	json_decref(o);
	for (int round = 0; round < 2; round++) {
		o = command(in[1], out[0], "verify\n", "verify");
		assert_int_equal(get_int(o, "checked"), 3000);
		assert_int_equal(get_int(o, "alive"), 3000);
		json_decref(o);
	}
	note_client_ends();
	/* Both ends of each of the 3000 (the server's are listed too). */
	assert_true(client_end_count >= 3000);
	long resets = tcp_out_resets();
	quit_and_check_gone(in[1], out[0], pid, ready);
	assert_true(tcp_out_resets() - resets >= 3000);
	/* Closed by RST: not one of them waits in TIME_WAIT, on either end. */
	assert_int_equal(time_wait_of_noted(), 0);
}

/* `load RATE SIZE DURATION_S` (docs/CONTROL.md): refused before any
 * connection is held and for bad arguments (the client carries on); at
 * 2,000 connections and 2,000/s for 2 s every connection is due twice, the
 * reply has every key, every due message is accounted for (verified,
 * error or mismatch) and all are verified, and all connections are still
 * alive after. Asserts no timing: the machine is shared. */
static void test_control_load(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char *argv[] = {
	    "client", "--control", "--ports", server_ports, "--connections",
	    "2000",   "--procs",   "2",	      NULL};
	pid_t pid = spawn("client", argv, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	char line[65536];
	assert_int_equal(read_line(out[0], line, sizeof(line), 60.0), 0);
	json_t *ready = json_loads(line, 0, NULL);
	assert_non_null(ready);
	json_t *o = command(in[1], out[0], "load 2000 64 2\n", "error");
	json_decref(o); /* nothing held yet */
	o = command(in[1], out[0], "grow 2000\n", "step");
	assert_int_equal(get_int(o, "established"), 2000);
	json_decref(o);
	const char *bad[] = {"load 0 64 2\n",	    "load -5 64 2\n",
			     "load x 64 2\n",	    "load 2000 0 2\n",
			     "load 2000 70000 2\n", "load 2000 64 0\n",
			     "load 2000 64 4000\n", "load 2000 64\n"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = command(in[1], out[0], bad[i], "error");
		json_decref(o);
	}

	o = command(in[1], out[0], "load 2000 64 2\n", "load");
	assert_int_equal(get_int(o, "offered_per_s"), 2000);
	assert_int_equal(get_int(o, "connections"), 2000);
	json_int_t due = get_int(o, "due");
	json_int_t messages = get_int(o, "messages");
	assert_true(due >= 3600 && due <= 4400); /* 4,000 by the schedule */
	assert_true(messages > 0);
	assert_int_equal(get_int(o, "errors"), 0);
	assert_int_equal(get_int(o, "mismatches"), 0);
	assert_int_equal(
	    messages + get_int(o, "errors") + get_int(o, "mismatches"), due);
	assert_true(get_int(o, "late") >= 0);
	assert_true(get_real(o, "duration_s") == 2.0);
	assert_true(get_real(o, "elapsed_s") >= 2.0); /* window, then drain */
	assert_true(get_real(o, "sent_per_s") > 0);
	assert_true(get_real(o, "sent_per_s") <= (double)due / 2.0);
	/* Achieved counts the echoes verified inside the window: at most all
	 * of them (those of the drain come after it). */
	assert_true(get_real(o, "achieved_per_s") > 0);
	assert_true(get_real(o, "achieved_per_s") <= (double)messages / 2.0);
	json_t *rtt = json_object_get(o, "rtt_us");
	assert_true(json_is_object(rtt));
	assert_true(get_int(rtt, "p50") <= get_int(rtt, "p90"));
	assert_true(get_int(rtt, "p90") <= get_int(rtt, "p99"));
	assert_true(get_int(rtt, "p99") <= get_int(rtt, "p999"));
	assert_true(get_int(rtt, "p999") <= get_int(rtt, "max"));
	json_t *flag = json_object_get(o, "client_could_not_offer");
	assert_true(flag == NULL || json_is_true(flag));
	json_decref(o);

	o = command(in[1], out[0], "verify\n", "verify");
	assert_int_equal(get_int(o, "checked"), 2000);
	assert_int_equal(get_int(o, "alive"), 2000);
	json_decref(o);
	quit_and_check_gone(in[1], out[0], pid, ready);
}

/* EOF on stdin is quit; SIGTERM is 128+15; both leave nothing behind. */
static void test_control_eof_and_signal(void **state)
{
	(void)state;
	for (int round = 0; round < 2; round++) {
		int in[2], out[2];
		assert_int_equal(pipe2(in, O_CLOEXEC), 0);
		assert_int_equal(pipe2(out, O_CLOEXEC), 0);
		char *argv[] = {"client",     "--control",     "--ports",
				server_ports, "--connections", "2000",
				NULL};
		pid_t pid = spawn("client", argv, in[0], out[1]);
		close(in[0]);
		close(out[1]);
		char line[4096];
		assert_int_equal(read_line(out[0], line, sizeof(line), 60.0),
				 0);
		json_t *ready = json_loads(line, 0, NULL);
		assert_non_null(ready);
		json_t *o = command(in[1], out[0], "grow 2000\n", "step");
		assert_int_equal(get_int(o, "established"), 2000);
		json_decref(o);
		if (round == 0) {
			close(in[1]);
			assert_int_equal(wait_for(pid, 60.0), 0);
		} else {
			kill(pid, SIGTERM);
			assert_int_equal(wait_for(pid, 60.0), 128 + SIGTERM);
			close(in[1]);
		}
		close(out[0]);
		assert_pids_gone(ready);
		json_decref(ready);
	}
}

/* Nobody listens: ECONNREFUSED counted, a quick end, non-zero exit. */
static void test_no_server(void **state)
{
	(void)state;
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char *argv[] = {
	    "client", "--ports", no_server_ports, "--connections", "20000",
	    "--json", NULL};
	double started = mcs_now_seconds();
	pid_t pid = spawn("client", argv, -1, out[1]);
	close(out[1]);
	static char text[65536];
	read_all(out[0], text, sizeof(text), 120.0);
	close(out[0]);
	int code = wait_for(pid, 30.0);
	assert_true(code == 1);
	assert_true(mcs_now_seconds() - started < 120.0);
	json_t *step = find_event(text, "step");
	if (!step)
		fail_msg("no step report: %s", text);
	assert_int_equal(get_int(step, "established"), 0);
	assert_true(get_int(step, "failed") > 0);
	json_t *failures = json_object_get(step, "failures");
	assert_true(get_int(failures, "ECONNREFUSED") > 0);
	assert_int_equal(get_int(step, "failed") + get_int(step, "abandoned"),
			 20000);
	json_decref(step);
}

/* A peer on port, in a child process (bounded by alarm): with corrupt, it
 * echoes with the first byte of every read flipped; without, it reads and
 * never answers. */
static pid_t start_peer(uint16_t port, int corrupt)
{
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in at = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(listener, (struct sockaddr *)&at, sizeof(at)) < 0 ||
	    listen(listener, 64) < 0) {
		close(listener);
		return -1;
	}
	pid_t pid = fork();
	if (pid != 0) {
		close(listener);
		return pid;
	}
	alarm(60);
	struct pollfd polls[17] = {{.fd = listener, .events = POLLIN}};
	unsigned count = 1;
	char buf[4096];
	for (;;) {
		if (poll(polls, count, 1000) <= 0)
			continue;
		if ((polls[0].revents & POLLIN) && count < 17) {
			int fd = accept(listener, NULL, NULL);
			if (fd >= 0) {
				polls[count].fd = fd;
				polls[count].events = POLLIN;
				polls[count++].revents = 0;
			}
		}
		for (unsigned i = 1; i < count; i++) {
			if (!polls[i].revents || polls[i].fd < 0)
				continue;
			ssize_t n = recv(polls[i].fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				close(polls[i].fd);
				polls[i].fd = -1;
				continue;
			}
			if (!corrupt)
				continue;
			buf[0] ^= 0x5a;
			(void)send(polls[i].fd, buf, (size_t)n, MSG_NOSIGNAL);
		}
	}
}

/* A free port in the no-server range, other than no_server_ports. */
static uint16_t peer_port(void)
{
	uint16_t port = 0;
	for (unsigned p = NO_SERVER_LAST; !port && p >= NO_SERVER_FIRST; p--)
		if (port_free((uint16_t)p) &&
		    (uint16_t)p != (uint16_t)atoi(no_server_ports))
			port = (uint16_t)p;
	assert_true(port != 0);
	return port;
}

/* Corrupted echoes are caught: counted as mismatches, exit 1. */
static void test_mismatch_detected(void **state)
{
	(void)state;
	uint16_t port = peer_port();
	pid_t peer = start_peer(port, 1);
	assert_true(peer > 0);
	char ports[16];
	snprintf(ports, sizeof(ports), "%u", port);
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char *argv[] = {"client", "--ports",   ports, "--connections",
			"8",	  "--payload", "64",  "--interval",
			"20",	  "--hold",    "1",   "--json",
			NULL};
	pid_t pid = spawn("client", argv, -1, out[1]);
	close(out[1]);
	static char text[65536];
	read_all(out[0], text, sizeof(text), 120.0);
	close(out[0]);
	int code = wait_for(pid, 30.0);
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	json_t *echo = find_event(text, "echo");
	if (!echo)
		fail_msg("no echo report: %s", text);
	assert_true(get_int(echo, "mismatches") >= 8);
	assert_int_equal(get_int(echo, "messages"), 0);
	assert_int_equal(code, 1);
	json_decref(echo);
}

/* Run the client with argv, its stderr to a pipe: exit 2 and exactly one
 * line that names option. */
static void assert_one_line_naming(char *argv[], const char *option)
{
	int err[2];
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(err[1], 2);
		int null_fd = open("/dev/null", O_RDWR);
		dup2(null_fd, 0);
		dup2(null_fd, 1);
		char path[768];
		snprintf(path, sizeof(path), "%s/client", bin_dir);
		execv(path, argv);
		_exit(127);
	}
	close(err[1]);
	char text[1024];
	read_all(err[0], text, sizeof(text), 30.0);
	close(err[0]);
	assert_int_equal(wait_for(pid, 30.0), 2);
	char *newline = strchr(text, '\n');
	if (!newline || newline[1] != '\0' || !strstr(text, option))
		fail_msg("not one line naming %s: '%s'", option, text);
}

/* A peer that never answers: verify gives up at --timeout, counts every
 * connection dead, closes them, and the client carries on (and quits). */
static void test_verify_silent_peer(void **state)
{
	(void)state;
	uint16_t port = peer_port();
	pid_t peer = start_peer(port, 0);
	assert_true(peer > 0);
	char ports[16];
	snprintf(ports, sizeof(ports), "%u", port);
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char *argv[] = {
	    "client", "--control", "--ports", ports, "--connections",
	    "8",      "--timeout", "1",	      NULL};
	pid_t pid = spawn("client", argv, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	char line[4096];
	assert_int_equal(read_line(out[0], line, sizeof(line), 60.0), 0);
	json_t *ready = json_loads(line, 0, NULL);
	assert_non_null(ready);
	json_t *o = command(in[1], out[0], "grow 8\n", "step");
	assert_int_equal(get_int(o, "established"), 8);
	json_decref(o);
	o = command(in[1], out[0], "verify\n", "verify");
	assert_int_equal(get_int(o, "checked"), 8);
	assert_int_equal(get_int(o, "alive"), 0);
	assert_int_equal(get_int(o, "dead"), 8);
	json_decref(o);
	/* Those connections were closed: the next verify finds none alive. */
	o = command(in[1], out[0], "verify\n", "verify");
	assert_int_equal(get_int(o, "checked"), 8);
	assert_int_equal(get_int(o, "alive"), 0);
	json_decref(o);
	o = command(in[1], out[0], "quit\n", "bye");
	json_decref(o);
	close(in[1]);
	close(out[0]);
	assert_int_equal(wait_for(pid, 60.0), 0);
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	assert_pids_gone(ready);
	json_decref(ready);
}

/* Bad input: exit 2, one line naming the option, nothing started. */
static void test_bad_usage(void **state)
{
	(void)state;
	char *cases[][4] = {
	    {"client", "--connections", "0", NULL},
	    {"client", "--host", "0.0.0.0", NULL},
	    {"client", "--ports", "9-3", NULL},
	    {"client", "--connections", "50M", NULL},
	    {"client", "--frobnicate", NULL, NULL},
	    {"client", "--connect-order", "sideways", NULL},
	    {"client", "--reset-on-exit=yes", NULL, NULL},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t pid = spawn("client", cases[i], -1, -1);
		assert_int_equal(wait_for(pid, 30.0), 2);
	}
	/* One line on stderr, naming the option. */
	char *flag_value[] = {"client", "--reset-on-exit=yes", NULL};
	char *order[] = {"client", "--connect-order", "sideways", NULL};
	assert_one_line_naming(flag_value, "--reset-on-exit");
	assert_one_line_naming(order, "--connect-order");
}

int main(void)
{
	const char *dir = getenv("MCS_BIN_DIR");
	if (!dir) {
		fprintf(stderr, "MCS_BIN_DIR is not set: run under ctest\n");
		return 77;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_usage),
	    cmocka_unit_test(test_no_server),
	    cmocka_unit_test(test_mismatch_detected),
	    cmocka_unit_test(test_verify_silent_peer),
	    cmocka_unit_test(test_ramp_30000),
	    cmocka_unit_test(test_control),
	    cmocka_unit_test(test_control_load),
	    cmocka_unit_test(test_reset_on_exit),
	    cmocka_unit_test(test_control_eof_and_signal),
	};
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
