/* client_report.c - totals across workers, and report lines in JSON and
 * in text (see client_report.h). */
#include "client_report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_histogram_json.h"
#include "mcs_proc.h"

static uint64_t get(const _Atomic uint64_t *counter)
{
	return atomic_load_explicit((_Atomic uint64_t *)counter,
				    memory_order_relaxed);
}

void client_totals_sum(const struct client_worker_shared *workers,
		       unsigned count, struct client_totals *t)
{
	memset(t, 0, sizeof(*t));
	mcs_histogram_init(&t->connect_us);
	mcs_histogram_init(&t->rtt_us);
	for (unsigned k = 0; k < count; k++) {
		const struct client_worker_shared *w = &workers[k];
		t->live += get(&w->live);
		t->in_flight += get(&w->in_flight);
		t->dropped += get(&w->dropped);
		t->slots_used += get(&w->slots_used);
		t->attempts += get(&w->attempts);
		t->established += get(&w->established);
		t->failed += get(&w->failed);
		t->abandoned += get(&w->abandoned);
		t->connections += get(&w->connections);
		t->messages += get(&w->messages);
		t->bytes += get(&w->bytes);
		t->errors += get(&w->errors);
		t->mismatches += get(&w->mismatches);
		t->late += get(&w->late);
		t->due += get(&w->due);
		t->sent += get(&w->sent);
		t->completed += get(&w->completed);
		t->ring_checks += get(&w->ring_checks);
		for (unsigned e = 0; e < CLIENT_ERRNO_SLOTS; e++)
			t->failures[e] += w->failures[e];
		mcs_histogram_merge(&t->connect_us, &w->connect_us);
		mcs_histogram_merge(&t->rtt_us, &w->rtt_us);
	}
}

const char *client_errno_name(unsigned slot)
{
	if (slot == 0)
		return "other";
	const char *name = strerrorname_np((int)slot);
	return name ? name : "other";
}

uint64_t client_percentile(const struct mcs_histogram *h, double p)
{
	return p >= 100.0 ? h->max : mcs_histogram_percentile(h, p);
}

json_t *client_percentiles_json(const struct mcs_histogram *h)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "p50",
			 (json_int_t)client_percentile(h, 50.0), "p90",
			 (json_int_t)client_percentile(h, 90.0), "p99",
			 (json_int_t)client_percentile(h, 99.0), "p999",
			 (json_int_t)client_percentile(h, 99.9), "max",
			 (json_int_t)h->max);
}

json_t *client_failures_json(const struct client_totals *t)
{
	json_t *o = json_object();
	for (unsigned e = 0; e < CLIENT_ERRNO_SLOTS; e++) {
		if (!t->failures[e])
			continue;
		const char *name = client_errno_name(e);
		json_t *old = json_object_get(o, name);
		uint64_t n = t->failures[e] +
			     (old ? (uint64_t)json_integer_value(old) : 0);
		json_object_set_new(o, name, json_integer((json_int_t)n));
	}
	return o;
}

json_t *client_pids_json(const pid_t *pids, unsigned count)
{
	json_t *a = json_array();
	for (unsigned k = 0; k < count; k++)
		json_array_append_new(a, json_integer(pids[k]));
	return a;
}

static double per_second(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0.0;
}

json_t *client_step_json(uint64_t target, const struct client_totals *t,
			 double elapsed, const pid_t *pids, unsigned procs)
{
	json_t *o = json_pack(
	    "{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:f,s:f,s:o,s:I,s:o}", "event",
	    "step", "target", (json_int_t)target, "established",
	    (json_int_t)t->live, "new", (json_int_t)t->established, "failed",
	    (json_int_t)t->failed, "abandoned", (json_int_t)t->abandoned,
	    "dropped", (json_int_t)t->dropped, "failures",
	    client_failures_json(t), "elapsed_s", elapsed, "connect_rate",
	    per_second(t->established, elapsed), "connect_latency_us",
	    client_percentiles_json(&t->connect_us), "procs", (json_int_t)procs,
	    "pids", client_pids_json(pids, procs));
	if (o) /* for exact merging across shards (docs/CONTROL.md) */
		json_object_set_new(o, "connect_latency_hist",
				    mcs_histogram_json(&t->connect_us));
	return o;
}

json_t *client_echo_json(const struct client_totals *t, double elapsed)
{
	json_t *o = json_pack(
	    "{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:o}", "event", "echo",
	    "connections", (json_int_t)t->connections, "messages",
	    (json_int_t)t->messages, "bytes", (json_int_t)t->bytes, "errors",
	    (json_int_t)t->errors, "mismatches", (json_int_t)t->mismatches,
	    "late", (json_int_t)t->late, "elapsed_s", elapsed, "msgs_per_s",
	    per_second(t->messages, elapsed), "rtt_us",
	    client_percentiles_json(&t->rtt_us));
	if (o)
		json_object_set_new(o, "rtt_hist",
				    mcs_histogram_json(&t->rtt_us));
	return o;
}

json_t *client_verify_json(const struct client_totals *t, double elapsed)
{
	uint64_t alive = t->messages;
	uint64_t checked = t->connections;
	return json_pack(
	    "{s:s,s:I,s:I,s:I,s:I,s:I,s:f}", "event", "verify", "checked",
	    (json_int_t)checked, "alive", (json_int_t)alive, "dead",
	    (json_int_t)(checked > alive ? checked - alive : 0), "mismatches",
	    (json_int_t)t->mismatches, "io_uring_checks",
	    (json_int_t)t->ring_checks, "elapsed_s", elapsed);
}

json_t *client_status_json(const struct client_totals *t)
{
	return json_pack("{s:s,s:I,s:I,s:I}", "event", "status", "established",
			 (json_int_t)t->live, "closed", (json_int_t)t->dropped,
			 "in_flight", (json_int_t)t->in_flight);
}

int client_load_not_offered(const struct client_totals *t)
{
	return (double)t->sent < 0.98 * (double)t->due;
}

json_t *client_load_json(const struct client_totals *t, uint64_t rate,
			 double duration, double elapsed)
{
	json_t *o = json_pack(
	    "{s:s,s:I,s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:o}", "event",
	    "load", "offered_per_s", (json_int_t)rate, "sent_per_s",
	    per_second(t->sent, duration), "achieved_per_s",
	    per_second(t->completed, duration), "connections",
	    (json_int_t)t->connections, "messages", (json_int_t)t->messages,
	    "late", (json_int_t)t->late, "errors", (json_int_t)t->errors,
	    "mismatches", (json_int_t)t->mismatches, "duration_s", duration,
	    "elapsed_s", elapsed, "due", (json_int_t)t->due, "rtt_us",
	    client_percentiles_json(&t->rtt_us));
	if (o)
		json_object_set_new(o, "rtt_hist",
				    mcs_histogram_json(&t->rtt_us));
	if (o && client_load_not_offered(t))
		json_object_set_new(o, "client_could_not_offer", json_true());
	return o;
}

int client_emit(FILE *out, json_t *object)
{
	if (!object)
		return -ENOMEM;
	char *text = json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(object);
	if (!text)
		return -ENOMEM;
	int ok = fprintf(out, "%s\n", text) > 0 && fflush(out) == 0;
	free(text);
	return ok ? 0 : -EIO;
}

static void print_percentiles(FILE *out, const char *what,
			      const struct mcs_histogram *h)
{
	fprintf(out,
		"%s (us): p50 %" PRIu64 "  p90 %" PRIu64 "  p99 %" PRIu64
		"  p99.9 %" PRIu64 "  max %" PRIu64 "\n",
		what, client_percentile(h, 50.0), client_percentile(h, 90.0),
		client_percentile(h, 99.0), client_percentile(h, 99.9), h->max);
}

void client_print_step(FILE *out, uint64_t target,
		       const struct client_totals *t, double elapsed)
{
	fprintf(out,
		"established %" PRIu64 " of %" PRIu64 " (%" PRIu64
		" new), failed %" PRIu64 ", not tried %" PRIu64 ", in %.3f s: "
		"%.0f conn/s\n",
		t->live, target, t->established, t->failed, t->abandoned,
		elapsed, per_second(t->established, elapsed));
	for (unsigned e = 0; e < CLIENT_ERRNO_SLOTS; e++)
		if (t->failures[e])
			fprintf(out, "  failed with %s: %" PRIu64 "\n",
				client_errno_name(e), t->failures[e]);
	print_percentiles(out, "connect latency", &t->connect_us);
	fflush(out);
}

void client_print_echo(FILE *out, const struct client_totals *t, double elapsed)
{
	fprintf(out,
		"echo: %" PRIu64 " connections, %" PRIu64
		" messages verified (%" PRIu64 " bytes) in %.3f s: %.0f "
		"msg/s; %" PRIu64 " mismatches, %" PRIu64 " errors, %" PRIu64
		" late\n",
		t->connections, t->messages, t->bytes, elapsed,
		per_second(t->messages, elapsed), t->mismatches, t->errors,
		t->late);
	print_percentiles(out, "round trip", &t->rtt_us);
	fflush(out);
}

/* ---- EADDRNOTAVAIL: which ports are held, and what avoids it. ---- */

static void time_wait_add(struct client_time_wait *tw, uint32_t local)
{
	tw->to_server++;
	if (ntohl(local) > ntohl(tw->last_source.s_addr))
		tw->last_source.s_addr = local;
	unsigned k = 0;
	while (k < tw->source_count && tw->sources[k].s_addr != local)
		k++;
	if (k == tw->source_count) {
		if (k == CLIENT_TIME_WAIT_SOURCES)
			return; /* many sources: the top is among the first */
		tw->sources[tw->source_count++].s_addr = local;
	}
	if (++tw->counts[k] > tw->top_count) {
		tw->top_count = tw->counts[k];
		tw->top_source = tw->sources[k];
	}
}

int client_time_wait_scan(FILE *tcp, struct in_addr host, uint16_t first,
			  uint16_t last, struct client_time_wait *tw)
{
	memset(tw, 0, sizeof(*tw));
	char line[512];
	if (!fgets(line, sizeof(line), tcp) || !strstr(line, "local_address"))
		return -EPROTO;
	while (fgets(line, sizeof(line), tcp)) {
		unsigned local, lport, remote, rport, state;
		/* "0: 0100007F:8C3A 0100007F:0BB6 06 ..." (addresses as the
		 * kernel holds them, in network order, printed as an int) */
		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X", &local, &lport,
			   &remote, &rport, &state) != 5)
			continue;
		if (state == 0x06 && remote == host.s_addr && rport >= first &&
		    rport <= last)
			time_wait_add(tw, local);
	}
	return 0;
}

static void address_text(struct in_addr a, char *text, size_t size)
{
	if (!inet_ntop(AF_INET, &a, text, (socklen_t)size))
		snprintf(text, size, "?");
}

/* "--sources A-B": enough addresses past every one that holds ports in
 * TIME_WAIT (or that this run used), each filled to 80% of its ports. */
static void sources_hint(const struct client_port_trouble *t, char *text,
			 size_t size)
{
	uint32_t after = ntohl(t->source_first.s_addr) +
			 (t->source_count ? t->source_count - 1 : 0);
	if (t->tw_known && ntohl(t->tw.last_source.s_addr) > after)
		after = ntohl(t->tw.last_source.s_addr);
	uint64_t per_source =
	    (uint64_t)((t->ephemeral_last - t->ephemeral_first + 1) * 0.8);
	uint64_t count =
	    per_source ? (t->connections + per_source - 1) / per_source : 1;
	if (count == 0)
		count = 1;
	struct in_addr a = {htonl(after + 1)};
	struct in_addr b = {htonl(after + (uint32_t)count)};
	char first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN];
	address_text(a, first, sizeof(first));
	address_text(b, last, sizeof(last));
	snprintf(text, size, "--sources %s-%s", first, last);
}

static void tw_reuse_hint(int tw_reuse, char *text, size_t size)
{
	if (tw_reuse == 0)
		snprintf(text, size,
			 "or let the kernel reuse them: net.ipv4.tcp_tw_reuse "
			 "is 0: sysctl -w net.ipv4.tcp_tw_reuse=2 (loopback "
			 "only, once they are 1 s old)");
	else if (tw_reuse > 0)
		snprintf(text, size,
			 "net.ipv4.tcp_tw_reuse is %d: the kernel reuses them "
			 "%sonly once they are 1 s old (with TCP timestamps "
			 "on), so it does not help a run that starts right "
			 "after another",
			 tw_reuse, tw_reuse == 2 ? "for loopback, " : "");
	else
		snprintf(text, size,
			 "or check net.ipv4.tcp_tw_reuse (1 or 2 lets the "
			 "kernel reuse them once they are 1 s old)");
}

void client_addrnotavail_text(const struct client_port_trouble *t, char *text,
			      size_t text_size)
{
	char host[INET_ADDRSTRLEN], source[2 * INET_ADDRSTRLEN + 1];
	char top[INET_ADDRSTRLEN];
	char sources[80], reuse[240], held[400];
	address_text(t->host, host, sizeof(host));
	address_text(t->source_first, source, sizeof(source));
	if (t->source_count > 1) {
		char last[INET_ADDRSTRLEN];
		struct in_addr end = {
		    htonl(ntohl(t->source_first.s_addr) + t->source_count - 1)};
		address_text(end, last, sizeof(last));
		snprintf(source + strlen(source),
			 sizeof(source) - strlen(source), "-%s", last);
	}
	address_text(t->tw.top_source, top, sizeof(top));
	sources_hint(t, sources, sizeof(sources));
	tw_reuse_hint(t->tw_reuse, reuse, sizeof(reuse));
	uint32_t ports = t->ephemeral_last - t->ephemeral_first + 1;
	char machine[96] = "";
	if (t->tw_machine >= 0)
		snprintf(machine, sizeof(machine),
			 "; %" PRId64
			 " sockets are in TIME_WAIT on the machine "
			 "in all",
			 t->tw_machine);
	if (!t->tw_known)
		snprintf(held, sizeof(held),
			 "/proc/net/tcp could not be read to count the "
			 "sockets in TIME_WAIT that hold them");
	else if (t->tw.to_server)
		snprintf(
		    held, sizeof(held),
		    "%" PRIu64 " sockets in TIME_WAIT to those ports hold "
		    "local ports, %" PRIu64 " of them of %s, which has %u "
		    "(ip_local_port_range %u-%u)%s. A socket keeps its port "
		    "in TIME_WAIT for 60 s after its connection closed: an "
		    "earlier run left them",
		    t->tw.to_server, t->tw.top_count, top, ports,
		    t->ephemeral_first, t->ephemeral_last, machine);
	else
		snprintf(held, sizeof(held),
			 "no socket in TIME_WAIT to those ports holds one%s: "
			 "the connections open from %s (this run's and "
			 "others') used up its %u ports (ip_local_port_range "
			 "%u-%u)",
			 machine, source, ports, t->ephemeral_first,
			 t->ephemeral_last);
	snprintf(text, text_size,
		 "client: %" PRIu64 " connects failed with EADDRNOTAVAIL: no "
		 "local port of %s was free for %s:%u-%u. %s.\n"
		 "client: to avoid it, use other source addresses (%s: any "
		 "127.x address is local and has ports of its own), or wait "
		 "60 s for TIME_WAIT to drain; %s",
		 t->failed, source, host, t->port_first, t->port_last, held,
		 sources, reuse);
}

/* "TCP: inuse 5 orphan 0 tw 29051 alloc 7 mem 1" -> 29051, or -1. */
static int64_t sockstat_tw(void)
{
	FILE *f = fopen("/proc/net/sockstat", "r");
	if (!f)
		return -1;
	char line[256];
	long long tw = -1;
	while (fgets(line, sizeof(line), f)) {
		const char *at =
		    strncmp(line, "TCP:", 4) == 0 ? strstr(line, " tw ") : NULL;
		if (at)
			tw = strtoll(at + 4, NULL, 10);
	}
	fclose(f);
	return tw;
}

void client_report_addrnotavail(FILE *out, const struct client_options *o,
				const struct client_limits *limits,
				uint64_t failed)
{
	struct client_port_trouble t = {
	    .failed = failed,
	    .connections = o->connections,
	    .host = o->host,
	    .port_first = o->port_first,
	    .port_last = o->port_last,
	    .ephemeral_first = limits->ephemeral_first,
	    .ephemeral_last = limits->ephemeral_last,
	    /* Without --sources the kernel takes lo's 127.0.0.1 for
	     * every 127.x server. */
	    .source_first = o->source_count
				? o->source_first
				: (struct in_addr){htonl(0x7f000001)},
	    .source_count = o->source_count,
	    .tw_reuse = -1,
	    .tw_machine = sockstat_tw(),
	};
	uint64_t reuse;
	if (mcs_sysctl_read_u64("net.ipv4.tcp_tw_reuse", &reuse) == 0)
		t.tw_reuse = (int)reuse;
	FILE *tcp = fopen("/proc/net/tcp", "r");
	if (tcp) {
		t.tw_known = client_time_wait_scan(tcp, o->host, o->port_first,
						   o->port_last, &t.tw) == 0;
		fclose(tcp);
	}
	char text[1400];
	client_addrnotavail_text(&t, text, sizeof(text));
	fprintf(out, "%s\n", text);
	fflush(out);
}
