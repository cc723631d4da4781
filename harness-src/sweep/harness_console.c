/* harness_console.c - what a person sees of a sweep: the line after each
 * step, and the --pause-at stop that lets the figures be checked by hand. */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_format.h"
#include "harness_report.h"
#include "harness_signal.h"
#include "harness_sweep_internal.h"

void harness_print_step(struct sweep *s, const struct harness_step *step)
{
	char client[32], kernel[32];
	harness_format_bytes(step->client_user_bytes, client, sizeof(client));
	harness_format_bytes(step->kernel_bytes, kernel, sizeof(kernel));
	if (s->tty)
		printf("\r\033[K");
	harness_print_step_head(s->run, s->step_index, step, "");
	int tun = s->run->client_kind == HARNESS_CLIENT_TUN;
	printf(", client %s, kernel %s (%.0f B/conn, %s; TCP %.2f "
	       "objects/conn, %.2f sockets/conn); CPU ",
	       client, kernel, step->kernel_bytes_per_conn,
	       tun ? "server side only"
		   : "both ends of each loopback "
		     "connection",
	       step->tcp_objects_per_conn, step->tcp_sockets_per_conn);
	if (tun) /* like with like: the receive path is the server's */
		printf("%.1f us/accept (server) + %.1f us (its receive path, "
		       "in the client's device writes), %.1f us/connect "
		       "(client's own)",
		       step->server_cpu_us_per_accept,
		       step->device_write_cpu_us_per_connect,
		       harness_step_client_own_us(step));
	else
		printf("%.1f us/accept (server), %.1f us/connect (client)",
		       step->server_cpu_us_per_accept,
		       step->client_cpu_us_per_connect);
	printf(", %.1f us/conn (machine); %.1f s\n",
	       step->machine_cpu_us_per_connect, step->wall_s);
	if (step->echoed)
		printf("%s   echo: %" PRIu64 " messages, %.0f msg/s, rtt p50 "
		       "%.0f us p99 %.0f us; after it: server %.0f B/conn, "
		       "kernel %.0f B/conn\n",
		       s->run->backend, step->echo_messages,
		       step->echo_msgs_per_s, step->echo_rtt.p50,
		       step->echo_rtt.p99,
		       (double)step->server_user_bytes_after_echo /
			   (double)step->connections,
		       (double)step->kernel_bytes_after_echo /
			   (double)step->connections);
	if (step->loaded) {
		const struct harness_load *l = &step->load;
		printf("%s   load: %.0f msg/s offered, %.0f sent, %.0f "
		       "achieved; %" PRIu64 " late, %" PRIu64 " errors; rtt "
		       "p50 %.0f us p99 %.0f us p99.9 %.0f us; server %.1f "
		       "us/msg, client %.1f us/msg%s\n",
		       s->run->backend, l->offered_per_s, l->sent_per_s,
		       l->achieved_per_s, l->late, l->errors, l->rtt.p50,
		       l->rtt.p99, l->rtt.p999, l->server_cpu_us_per_msg,
		       l->client_cpu_us_per_msg,
		       l->client_could_not_offer
			   ? " (the client could not offer the rate)"
			   : "");
	}
	fflush(stdout);
}

/* --pause-at: hold everything open so the numbers can be checked by hand. */
int harness_pause(struct sweep *s, const struct harness_step *step, char *why,
		  size_t why_size)
{
	pid_t server_pids[HARNESS_MAX_PIDS];
	size_t n = harness_server_pids(s->server.pid, &s->stats, server_pids,
				       HARNESS_MAX_PIDS);
	printf("\npaused at %" PRIu64 " connections. Recorded: server user "
	       "%" PRIu64 " B (PSS of %zu processes), client user %" PRIu64
	       " B, kernel %" PRIu64 " B (Slab now minus Slab before the "
	       "server started, which was %" PRIu64 " B).\n",
	       step->connections, step->server_user_bytes, n,
	       step->client_user_bytes, step->kernel_bytes,
	       s->run->before.slab);
	printf("server pids:");
	for (size_t i = 0; i < n; i++)
		printf(" %d", (int)server_pids[i]);
	printf("\nclient pids:");
	for (size_t i = 0; i < s->client.pid_count; i++)
		printf(" %d", (int)s->client.pids[i]);
	printf("\ncheck by hand, e.g.: for p in <pids>; do grep ^Pss: "
	       "/proc/$p/smaps_rollup; done; grep ^Slab: /proc/meminfo\n"
	       "press Enter, or kill -USR1 %d, to continue\n",
	       (int)getpid());
	fflush(stdout);
	harness_take_resume();
	int stdin_open = 1;
	for (;;) {
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
		int ready = poll(&p, stdin_open ? 1 : 0, 250);
		if (ready > 0) {
			char buf[256];
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r > 0 && memchr(buf, '\n', (size_t)r))
				break;
			if (r <= 0)
				stdin_open = 0;
		}
		if (harness_take_resume())
			break;
		int err = harness_sweep_check(s, why, why_size);
		if (err)
			return err;
	}
	return 0;
}
