/* test_tun_integration.c - tun-client against the real epoll server, end
 * to end: in a private network namespace (this process unshares one, so
 * the ports cannot collide with anything and the namespace goes with the
 * processes), tun-client --control makes its device, the server binds
 * 198.18.0.1 on it, and the control protocol runs grow 2000, echo (8 B and
 * a 5,000-byte message in MSS segments), verify, load for 1 s, status and
 * quit, with one worker or as many as argv[1] says (a device queue each,
 * replies steered by the eBPF program); then --rate (every connect made,
 * no faster than the cap) and SIGTERM mid-grow (an "aborted" report, exit
 * 128+15, the device gone). Asserts counts, and for --rate the lower
 * bound pacing sets (a slow machine only makes it slower), never how
 * fast. Skips (77) without root or /dev/net/tun. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNECTIONS "2000"

static char bin_dir[512];
static char *procs = "1"; /* workers: argv[1] */
static pid_t client_pid, server_pid;
static int to_client = -1;
static FILE *from_client;

static pid_t spawn(char *const argv[], int in_fd, int out_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (in_fd >= 0)
			dup2(in_fd, 0);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* tun-client --control with extra options (NULL-ended, 2 at most). */
static void start_client(char *const extra[])
{
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	char path[600];
	snprintf(path, sizeof(path), "%s/tun-client", bin_dir);
	char *argv[12] = {path,	     "--control", "--connections", CONNECTIONS,
			  "--ports", "2048-2051", "--procs",	   procs};
	for (size_t k = 0; extra[k]; k++) {
		assert_true(k < 2);
		argv[8 + k] = extra[k];
	}
	client_pid = spawn(argv, in[0], out[1]);
	assert_true(client_pid > 0);
	close(in[0]);
	close(out[1]);
	to_client = in[1];
	from_client = fdopen(out[0], "r");
	assert_non_null(from_client);
}

/* lo up in the new namespace: the test's own connects to 198.18.0.1 (a
 * local address) go over it. */
static void loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

/* Wait until the server answers a connect on each port (it binds after
 * the device has its address). */
static void wait_for_server(void)
{
	for (uint16_t port = 2048; port <= 2051; port++) {
		for (int tries = 0;; tries++) {
			assert_true(tries < 600); /* 60 s: it never came up */
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			struct sockaddr_in a = {.sin_family = AF_INET,
						.sin_port = htons(port),
						.sin_addr.s_addr =
						    htonl(0xC6120001u)};
			int ok =
			    connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
			close(fd);
			if (ok)
				break;
			struct timespec ts = {0, 100000000};
			nanosleep(&ts, NULL);
		}
	}
}

static void start_server(void)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/server", bin_dir);
	char *argv[] = {path,	      "--backend", "epoll",	"--address",
			"198.18.0.1", "--ports",   "2048-2051", "--interval",
			"0",	      NULL};
	int null = open("/dev/null", O_WRONLY);
	server_pid = spawn(argv, -1, null);
	close(null);
	assert_true(server_pid > 0);
	wait_for_server();
}

/* Send one command and read the reply's JSON object (NULL at EOF). */
static json_t *command(const char *line)
{
	if (line) {
		assert_int_equal(write(to_client, line, strlen(line)),
				 (ssize_t)strlen(line));
		assert_int_equal(write(to_client, "\n", 1), 1);
	}
	char buffer[1 << 16];
	if (!fgets(buffer, sizeof(buffer), from_client))
		return NULL;
	json_error_t error;
	json_t *o = json_loads(buffer, 0, &error);
	assert_non_null(o);
	return o;
}

static long long field(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	assert_non_null(v);
	return json_integer_value(v);
}

/* A reply's tun.device_write_cpu_s, which every reply carries. */
static double device_write_cpu(json_t *o)
{
	json_t *v =
	    json_object_get(json_object_get(o, "tun"), "device_write_cpu_s");
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static const char *event(json_t *o)
{
	return json_string_value(json_object_get(o, "event"));
}

static void test_control_session(void **state)
{
	(void)state;
	loopback_up();
	char *none[] = {NULL};
	start_client(none);
	json_t *o = command(NULL);
	assert_non_null(o);
	assert_string_equal(event(o), "ready");
	assert_int_equal(field(o, "per_proc_max"), 2000);
	assert_int_equal(field(o, "procs"), atoi(procs));
	json_decref(o);
	start_server();

	o = command("grow " CONNECTIONS);
	assert_string_equal(event(o), "step");
	assert_int_equal(field(o, "established"), 2000);
	assert_int_equal(field(o, "new"), 2000);
	assert_int_equal(field(o, "failed"), 0);
	assert_non_null(json_object_get(o, "connect_latency_hist"));
	assert_int_equal(field(json_object_get(o, "tun"), "malformed"), 0);
	/* the CPU of the device writes (the server's receive path): 2,000
	 * SYNs and ACKs were written, so some, and it only ever grows */
	double written = device_write_cpu(o);
	assert_true(written > 0);
	json_decref(o);

	o = command("echo 2000 8");
	assert_string_equal(event(o), "echo");
	assert_true(device_write_cpu(o) > written);
	assert_int_equal(field(o, "messages"), 2000);
	assert_int_equal(field(o, "bytes"), 16000);
	assert_int_equal(field(o, "errors"), 0);
	assert_int_equal(field(o, "mismatches"), 0);
	assert_int_equal(field(json_object_get(o, "rtt_hist"), "count"), 2000);
	json_decref(o);

	o = command("echo 100 5000"); /* 4 segments each way, or more */
	assert_int_equal(field(o, "messages"), 100);
	assert_int_equal(field(o, "bytes"), 500000);
	assert_int_equal(field(o, "mismatches"), 0);
	json_decref(o);

	o = command("verify");
	assert_string_equal(event(o), "verify");
	assert_int_equal(field(o, "checked"), 2000);
	assert_int_equal(field(o, "alive"), 2000);
	assert_int_equal(field(o, "dead"), 0);
	assert_int_equal(field(o, "mismatches"), 0);
	json_decref(o);

	o = command("load 2000 64 1");
	assert_string_equal(event(o), "load");
	assert_int_equal(field(o, "errors"), 0);
	assert_int_equal(field(o, "mismatches"), 0);
	assert_int_equal(field(o, "messages"), field(o, "due"));
	assert_true(field(o, "due") > 0);
	json_decref(o);

	o = command("bogus");
	assert_string_equal(event(o), "error");
	json_decref(o);

	o = command("status");
	assert_string_equal(event(o), "status");
	assert_int_equal(field(o, "established"), 2000);
	assert_int_equal(field(o, "closed"), 0);
	json_decref(o);

	o = command("quit");
	assert_string_equal(event(o), "bye");
	assert_int_equal(field(o, "closed"), 2000);
	json_decref(o);
	int status;
	assert_int_equal(waitpid(client_pid, &status, 0), client_pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	client_pid = 0;
}

/* tun-client and the server up, with extra client options; the client's
 * "ready" read. Returns the device's name (static). */
static const char *start_both(char *const extra[])
{
	static char device[IFNAMSIZ];
	loopback_up();
	start_client(extra);
	json_t *o = command(NULL);
	assert_non_null(o);
	assert_string_equal(event(o), "ready");
	snprintf(device, sizeof(device), "%s",
		 json_string_value(json_object_get(o, "device")));
	json_decref(o);
	start_server();
	return device;
}

static double seconds_of(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* --rate R: every connect is made, and N of them cannot take less than
 * about N / R seconds (a lower bound only: a slow machine is slower). */
static void test_rate(void **state)
{
	(void)state;
	char *rate[] = {"--rate", "2000", NULL};
	start_both(rate);
	json_t *o = command("grow 1000");
	assert_string_equal(event(o), "step");
	assert_int_equal(field(o, "established"), 1000);
	assert_int_equal(field(o, "failed"), 0);
	/* each worker may start one connect at once: 1000 - 8 paced */
	assert_true(seconds_of(o, "elapsed_s") >= (1000.0 - 8) / 2000);
	json_decref(o);
	o = command("quit");
	assert_string_equal(event(o), "bye");
	assert_int_equal(field(o, "closed"), 1000);
	json_decref(o);
}

/* SIGTERM mid-grow (paced, so it is surely mid-grow): the client reports
 * "aborted" (the signal, the command, what it reset and what it left),
 * exits 128+15, and its device is gone. */
static void test_sigterm_abort(void **state)
{
	(void)state;
	char *rate[] = {"--rate", "1000", NULL};
	const char *device = start_both(rate);
	assert_int_equal(write(to_client, "grow 2000\n", 10), 10);
	struct timespec ts = {0, 300000000};
	nanosleep(&ts, NULL);
	assert_int_equal(kill(client_pid, SIGTERM), 0);
	json_t *o = command(NULL);
	assert_non_null(o);
	assert_string_equal(event(o), "aborted");
	assert_int_equal(field(o, "signal"), SIGTERM);
	assert_string_equal(json_string_value(json_object_get(o, "command")),
			    "grow");
	long long held = field(o, "established");
	assert_true(held < 2000);
	assert_int_equal(field(o, "reset") + field(o, "left"), held);
	json_decref(o);
	int status;
	assert_int_equal(waitpid(client_pid, &status, 0), client_pid);
	client_pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
	assert_int_equal(if_nametoindex(device), 0);
}

static int teardown(void **state)
{
	(void)state;
	if (client_pid > 0) {
		kill(client_pid, SIGKILL);
		waitpid(client_pid, NULL, 0);
	}
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	client_pid = server_pid = 0;
	if (from_client)
		fclose(from_client);
	from_client = NULL;
	if (to_client >= 0)
		close(to_client);
	to_client = -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		procs = argv[1];
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		fprintf(stderr, "skip: needs root and /dev/net/tun\n");
		return 77;
	}
	const char *dir = getenv("MCS_BIN_DIR");
	if (!dir) {
		fprintf(stderr, "MCS_BIN_DIR is not set: run under ctest\n");
		return 1;
	}
	snprintf(bin_dir, sizeof(bin_dir), "%s", dir);
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "skip: unshare(CLONE_NEWNET): %s\n",
			strerror(errno));
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_control_session, teardown),
	    cmocka_unit_test_teardown(test_rate, teardown),
	    cmocka_unit_test_teardown(test_sigterm_abort, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
