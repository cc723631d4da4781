/* server_monitor.c - format what the workers' counters and /proc say. */
#include "server_monitor.h"

#include <inttypes.h>
#include <jansson.h>
#include <unistd.h>

#include "mcs_clock.h"
#include "mcs_format.h"
#include "mcs_proc.h"

void server_monitor_init(struct server_monitor *m,
			 const struct mcs_stats_block *stats, const pid_t *pids,
			 unsigned workers)
{
	m->stats = stats;
	m->pids = pids;
	m->workers = workers;
	m->started = mcs_now_seconds();
	m->last_time = m->started;
	m->last_accepts = 0;
	m->last_pss = 0;
}

uint64_t server_monitor_user_memory(const struct server_monitor *m)
{
	struct mcs_process_memory mem;
	uint64_t total = 0;
	if (mcs_read_process_memory(getpid(), &mem) == 0)
		total += mem.pss;
	for (unsigned i = 0; i < m->workers; i++)
		if (m->pids[i] > 0 &&
		    mcs_read_process_memory(m->pids[i], &mem) == 0)
			total += mem.pss;
	return total;
}

static uint64_t total_errors(const struct mcs_stats_total *t)
{
	return t->accept_fd_limit + t->accept_errors + t->over_capacity +
	       t->resets + t->read_errors + t->write_errors;
}

void server_monitor_line(struct server_monitor *m, FILE *out)
{
	struct mcs_stats_total t;
	mcs_stats_sum(m->stats, &t);
	double now = mcs_now_seconds();
	double dt = now - m->last_time;
	double rate = dt > 0 ? (double)(t.accepts - m->last_accepts) / dt : 0;
	uint64_t pss = server_monitor_user_memory(m);
	char mem[32], in[32], outb[32];
	fprintf(out,
		"[%7.1fs] conns %" PRIu64 " | %.0f conn/s | user mem %s (PSS) "
		"| accepts %" PRIu64 " reads %" PRIu64 " writes %" PRIu64
		" closes %" PRIu64 " errors %" PRIu64 " | in %s out %s\n",
		now - m->started, t.live, rate,
		mcs_format_bytes(pss, mem, sizeof(mem)), t.accepts, t.reads,
		t.writes, t.closes, total_errors(&t),
		mcs_format_bytes(t.bytes_in, in, sizeof(in)),
		mcs_format_bytes(t.bytes_out, outb, sizeof(outb)));
	m->last_time = now;
	m->last_accepts = t.accepts;
	m->last_pss = pss;
}

void server_monitor_final(struct server_monitor *m, FILE *out, int json)
{
	struct mcs_stats_total t;
	mcs_stats_sum(m->stats, &t);
	double elapsed = mcs_now_seconds() - m->started;
	if (json) {
		json_t *o = json_pack(
		    "{s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		    "s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:i, s:i}",
		    "event", "final", "elapsed_seconds", elapsed, "accepts",
		    (json_int_t)t.accepts, "closes", (json_int_t)t.closes,
		    "peak", (json_int_t)t.peak, "live", (json_int_t)t.live,
		    "reads", (json_int_t)t.reads, "writes",
		    (json_int_t)t.writes, "bytes_in", (json_int_t)t.bytes_in,
		    "bytes_out", (json_int_t)t.bytes_out, "errors",
		    "accept_fd_limit", (json_int_t)t.accept_fd_limit,
		    "accept_other", (json_int_t)t.accept_errors,
		    "over_capacity", (json_int_t)t.over_capacity, "resets",
		    (json_int_t)t.resets, "read", (json_int_t)t.read_errors,
		    "write", (json_int_t)t.write_errors, "backpressure",
		    (json_int_t)t.backpressure, "workers", (int)t.workers,
		    "failed_workers", (int)t.failed);
		if (o) {
			json_dumpf(o, out, JSON_COMPACT);
			fputc('\n', out);
			json_decref(o);
		}
		return;
	}
	char in[32], outb[32];
	fprintf(out,
		"server: stopped after %.1f s: accepts %" PRIu64
		" closes %" PRIu64 " peak %" PRIu64 " | reads %" PRIu64
		" writes %" PRIu64 " | in %s out %s | errors: fd-limit %" PRIu64
		" accept %" PRIu64 " over-capacity %" PRIu64 " resets %" PRIu64
		" read %" PRIu64 " write %" PRIu64 "\n",
		elapsed, t.accepts, t.closes, t.peak, t.reads, t.writes,
		mcs_format_bytes(t.bytes_in, in, sizeof(in)),
		mcs_format_bytes(t.bytes_out, outb, sizeof(outb)),
		t.accept_fd_limit, t.accept_errors, t.over_capacity, t.resets,
		t.read_errors, t.write_errors);
}
