/* connect_loop_bench.c - the simplest fork-sharded connect loop, no
 * measurement machinery: the baseline the client's ramp rate is compared
 * with. P processes each open their share of N blocking connections
 * (connection i goes to port first + i % nports, as in the client, and
 * with SOURCES to source address (i / nports) % nsources), report to the
 * parent through a pipe, and hold them until every process is done. The
 * parent prints the wall time from the first fork to the last report.
 *
 * usage: connect_loop_bench HOST PORTS N [PROCS] [SOURCES]
 *        e.g. connect_loop_bench 127.0.0.1 2048-2111 200000
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcs_clock.h"
#include "mcs_parse.h"
#include "mcs_proc.h"
#include "mcs_version.h"

#define RESERVED_FDS  100u
#define MAX_PROCS     1024u
#define CHILD_SECONDS 600 /* a child that takes longer is killed */

struct report {
	uint64_t established, failed;
	int first_errno;
};

static void child(unsigned k, unsigned procs, uint64_t n, struct in_addr host,
		  uint16_t first, uint32_t nports, struct in_addr source,
		  uint32_t nsources, int report_fd, int hold_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(CHILD_SECONDS);
	struct report r = {0};
	for (uint64_t i = k; i < n; i += procs) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in to = {
		    .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)(first + i % nports)),
		    .sin_addr = host,
		};
		int ok = fd >= 0;
		if (ok && nsources) {
			int one = 1;
			struct sockaddr_in from = {
			    .sin_family = AF_INET,
			    .sin_addr.s_addr =
				htonl(ntohl(source.s_addr) +
				      (uint32_t)((i / nports) % nsources)),
			};
			ok = setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
					&one, sizeof(one)) == 0 &&
			     bind(fd, (struct sockaddr *)&from, sizeof(from)) ==
				 0;
		}
		if (ok)
			ok = connect(fd, (struct sockaddr *)&to, sizeof(to)) ==
			     0;
		if (ok) {
			r.established++;
			continue;
		}
		if (!r.first_errno)
			r.first_errno = errno;
		r.failed++;
		if (fd >= 0)
			close(fd);
	}
	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	char byte;
	(void)read(hold_fd, &byte, 1); /* hold until the parent closes it */
	_exit(0);
}

/* --version and --help: print and say so (1), or 0 for anything else. */
static int answer_flag(const char *arg)
{
	if (strcmp(arg, "--version") == 0) {
		mcs_version_print(stdout, "connect_loop_bench");
		return 1;
	}
	if (strcmp(arg, "--help") != 0)
		return 0;
	printf("usage: connect_loop_bench HOST(127.x.x.x) PORTS N "
	       "[PROCS|auto] [SOURCES]\n"
	       "Opens N loopback connections to HOST:PORTS from PROCS "
	       "processes (auto: as\nmany as the fd limit needs, at "
	       "least one per core), with no per-connection\nstate, "
	       "and prints how long it took: the floor under the "
	       "client's connect rate.\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct in_addr host, source = {0};
	uint16_t first, last;
	uint64_t n, procs = 0;
	uint32_t nsources = 0;
	if (argc == 2 && answer_flag(argv[1]))
		return 0;
	if (argc < 4 || argc > 6 || mcs_parse_ipv4(argv[1], &host) ||
	    (ntohl(host.s_addr) >> 24) != 127 ||
	    mcs_parse_port_range(argv[2], &first, &last) ||
	    mcs_parse_count(argv[3], 1, 100000000, &n) ||
	    (argc > 4 && strcmp(argv[4], "auto") != 0 &&
	     mcs_parse_count(argv[4], 1, MAX_PROCS, &procs)) ||
	    (argc > 5 && mcs_parse_ipv4_range(argv[5], &source, &nsources))) {
		fprintf(stderr,
			"usage: connect_loop_bench HOST(127.x.x.x) PORTS N "
			"[PROCS|auto] [SOURCES]\n");
		return 2;
	}
	uint64_t soft, hard;
	if (mcs_fd_limit(&soft, &hard) || soft <= RESERVED_FDS) {
		fprintf(stderr,
			"connect_loop_bench: RLIMIT_NOFILE too small\n");
		return 2;
	}
	uint64_t per_proc = soft - RESERVED_FDS;
	uint64_t needed = (n + per_proc - 1) / per_proc;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (procs == 0)
		procs = needed > (uint64_t)cpus ? needed : (uint64_t)cpus;
	if (procs < needed || procs > MAX_PROCS) {
		fprintf(stderr,
			"connect_loop_bench: PROCS: %" PRIu64
			" connections need %" PRIu64 " to %u processes\n",
			n, needed, MAX_PROCS);
		return 2;
	}
	int report[2], holdp[2];
	if (pipe(report) < 0 || pipe(holdp) < 0) {
		perror("connect_loop_bench: pipe");
		return 1;
	}
	pid_t pids[MAX_PROCS];
	unsigned started = 0;
	double t0 = mcs_now_seconds();
	for (unsigned k = 0; k < procs; k++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("connect_loop_bench: fork");
			break;
		}
		if (pid == 0) {
			close(report[0]);
			close(holdp[1]);
			child(k, (unsigned)procs, n, host, first,
			      (uint32_t)(last - first + 1), source, nsources,
			      report[1], holdp[0]);
		}
		pids[started++] = pid;
	}
	close(report[1]);
	close(holdp[0]);
	struct report total = {0};
	unsigned reported = 0;
	while (reported < started) {
		struct report r;
		ssize_t got = read(report[0], &r, sizeof(r));
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof(r))
			break; /* a child died (alarm): report what came */
		total.established += r.established;
		total.failed += r.failed;
		if (!total.first_errno)
			total.first_errno = r.first_errno;
		reported++;
	}
	double elapsed = mcs_now_seconds() - t0;
	printf("connect_loop_bench: %" PRIu64 " established, %" PRIu64
	       " failed%s%s in %.3f s: %.0f conn/s (%u processes)\n",
	       total.established, total.failed, total.failed ? ", first: " : "",
	       total.failed ? strerror(total.first_errno) : "", elapsed,
	       (double)total.established / elapsed, started);
	fflush(stdout);
	close(holdp[1]); /* children read EOF and exit */
	for (unsigned k = 0; k < started; k++)
		while (waitpid(pids[k], NULL, 0) < 0 && errno == EINTR)
			;
	return total.failed || reported < started ? 1 : 0;
}
