/* client_report.c - totals across workers, and report lines in JSON and
 * in text (see client_report.h). */
#include "client_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
	return json_pack(
	    "{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:f,s:f,s:o,s:I,s:o}", "event",
	    "step", "target", (json_int_t)target, "established",
	    (json_int_t)t->live, "new", (json_int_t)t->established, "failed",
	    (json_int_t)t->failed, "abandoned", (json_int_t)t->abandoned,
	    "dropped", (json_int_t)t->dropped, "failures",
	    client_failures_json(t), "elapsed_s", elapsed, "connect_rate",
	    per_second(t->established, elapsed), "connect_latency_us",
	    client_percentiles_json(&t->connect_us), "procs", (json_int_t)procs,
	    "pids", client_pids_json(pids, procs));
}

json_t *client_echo_json(const struct client_totals *t, double elapsed)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:o}", "event",
			 "echo", "connections", (json_int_t)t->connections,
			 "messages", (json_int_t)t->messages, "bytes",
			 (json_int_t)t->bytes, "errors", (json_int_t)t->errors,
			 "mismatches", (json_int_t)t->mismatches, "late",
			 (json_int_t)t->late, "elapsed_s", elapsed,
			 "msgs_per_s", per_second(t->messages, elapsed),
			 "rtt_us", client_percentiles_json(&t->rtt_us));
}

json_t *client_verify_json(const struct client_totals *t, double elapsed)
{
	uint64_t alive = t->messages;
	uint64_t checked = t->connections;
	return json_pack(
	    "{s:s,s:I,s:I,s:I,s:I,s:f}", "event", "verify", "checked",
	    (json_int_t)checked, "alive", (json_int_t)alive, "dead",
	    (json_int_t)(checked > alive ? checked - alive : 0), "mismatches",
	    (json_int_t)t->mismatches, "elapsed_s", elapsed);
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
