/* tun_engine_echo.c - echo, verify and load over the TUN peer (see
 * tun_engine.h and docs/CONTROL.md for what each reports). */
#include <errno.h>
#include <string.h>

#include "mcs_clock.h"
#include "tun_engine.h"

/* A message with no echo after this long is sent again (then once per
 * scan). */
#define RETRANSMIT_US 1000000u
/* After a load window, how long echoes may still take (docs/CONTROL.md). */
#define DRAIN_NS 10000000000ull

/* Messages of [*low, high) pending for a second are sent again; *low
 * moves past what no longer waits. */
static void scan_messages(struct tun_engine *e, uint64_t *low, uint64_t high)
{
	uint32_t now = tun_engine_now_us(e);
	int moving = 1;
	for (uint64_t i = *low; i < high; i++) {
		struct tun_conn *c = &e->peer->conns[i];
		int waits = c->state == TUN_ESTABLISHED && c->pending;
		if (waits && now - c->stamp_us >= RETRANSMIT_US)
			tun_peer_retransmit(e->peer, i);
		if (moving && !waits)
			*low = i + 1;
		else
			moving = 0;
	}
}

/* Close (RST) what still waits for an echo in [low, high): its messages
 * are errors. */
static void give_up(struct tun_engine *e, uint64_t low, uint64_t high)
{
	for (uint64_t i = low; i < high; i++)
		if (e->peer->conns[i].pending)
			tun_peer_close(e->peer, i, 0);
}

static void totals_messages(const struct tun_engine *e,
			    const struct tun_counts *before,
			    struct client_totals *t)
{
	const struct tun_counts *now = &e->peer->counts;
	memset(t, 0, sizeof(*t));
	mcs_histogram_init(&t->connect_us);
	t->rtt_us = e->peer->rtt_us;
	t->live = now->live;
	t->dropped = now->dropped;
	t->messages = now->messages - before->messages;
	t->bytes = now->bytes - before->bytes;
	t->errors = now->errors - before->errors;
	t->mismatches = now->mismatches - before->mismatches;
	t->completed = now->completed - before->completed;
}

void tun_engine_echo(struct tun_engine *e, uint64_t count, uint32_t size,
		     struct client_totals *t, double *elapsed)
{
	struct tun_peer *p = e->peer;
	struct tun_counts before = p->counts;
	mcs_histogram_init(&p->rtt_us);
	p->in_window = 0;
	uint64_t start = mcs_now_ns(), cursor = 0, low = 0, sent = 0;
	uint64_t deadline =
	    start + (uint64_t)(e->options.timeout_seconds * 1e9);
	uint32_t last_scan = tun_engine_now_us(e);
	while (!*e->stop) {
		unsigned batch = 0;
		uint32_t now = tun_engine_now_us(e);
		while (batch < TUN_GROUP && sent < count &&
		       cursor < e->opened &&
		       p->counts.in_flight < e->options.echo_window) {
			if (tun_peer_send(p, cursor, size, now) == 0) {
				sent++;
				batch++;
			}
			cursor++;
		}
		tun_engine_pump(e, batch ? 0 : 1000000);
		if (tun_engine_now_us(e) - last_scan >= RETRANSMIT_US) {
			scan_messages(e, &low, cursor);
			last_scan = tun_engine_now_us(e);
		}
		if ((sent == count || cursor == e->opened) &&
		    p->counts.in_flight == 0)
			break;
		if (mcs_now_ns() > deadline)
			break;
	}
	give_up(e, low, cursor);
	*elapsed = (double)(mcs_now_ns() - start) / 1e9;
	totals_messages(e, &before, t);
	t->connections = sent;
}

/* The load schedule, with no memory per connection: index i's phase is
 * i / opened of the period, so walking indices in order walks time in
 * order. */
struct load_cursor {
	uint64_t start_ns, end_ns, period_ns;
	uint64_t round, index;
	uint64_t due, sent, late;
};

static uint64_t intended_ns(const struct tun_engine *e,
			    const struct load_cursor *l)
{
	return l->start_ns + l->round * l->period_ns +
	       (uint64_t)((double)l->index / (double)e->opened *
			  (double)l->period_ns);
}

/* Everything due by now_ns (+100 us of wake-up lateness). */
static void load_take(struct tun_engine *e, struct load_cursor *l,
		      uint32_t size, uint64_t now_ns)
{
	struct tun_peer *p = e->peer;
	for (;;) {
		uint64_t when = intended_ns(e, l);
		if (when > now_ns + 100000 || when >= l->end_ns)
			return;
		struct tun_conn *c = &p->conns[l->index];
		if (c->state == TUN_ESTABLISHED) {
			l->due++;
			if (c->pending && c->aux < UINT8_MAX) {
				c->aux++;
				l->late++;
			} else if (c->pending) {
				p->counts.errors++; /* more than 255 queued */
			} else {
				uint64_t stamp = when < now_ns ? when : now_ns;
				tun_peer_send(
				    p, l->index, size,
				    (uint32_t)((stamp - e->epoch_ns) / 1000u));
				l->sent++;
			}
		}
		if (++l->index == e->opened) {
			l->index = 0;
			l->round++;
		}
	}
}

int tun_engine_load(struct tun_engine *e, uint64_t rate, uint32_t size,
		    double seconds, struct client_totals *t, double *elapsed)
{
	struct tun_peer *p = e->peer;
	uint64_t held = p->counts.live;
	if (held == 0)
		return -ENOTCONN;
	struct tun_counts before = p->counts;
	mcs_histogram_init(&p->rtt_us);
	struct load_cursor l = {.start_ns = mcs_now_ns()};
	l.end_ns = l.start_ns + (uint64_t)(seconds * 1e9);
	l.period_ns = (uint64_t)((double)held / (double)rate * 1e9);
	if (l.period_ns == 0)
		l.period_ns = 1;
	p->period_us = (uint32_t)(l.period_ns / 1000u);
	p->message_size = size;
	p->window_end_us = (uint32_t)((l.end_ns - e->epoch_ns) / 1000u);
	p->in_window = 1;
	uint32_t last_scan = tun_engine_now_us(e);
	uint64_t now;
	while (!*e->stop && (now = mcs_now_ns()) < l.end_ns) {
		load_take(e, &l, size, now);
		uint64_t next = intended_ns(e, &l);
		uint64_t wait = next > now + 100000 ? next - now - 100000 : 0;
		tun_engine_pump(e, wait < 1000000 ? wait : 1000000);
		if (tun_engine_now_us(e) - last_scan >= RETRANSMIT_US) {
			uint64_t low = 0;
			scan_messages(e, &low, e->opened);
			last_scan = tun_engine_now_us(e);
		}
	}
	uint64_t drain_end = mcs_now_ns() + DRAIN_NS;
	while (!*e->stop && p->counts.in_flight && mcs_now_ns() < drain_end)
		tun_engine_pump(e, 1000000);
	give_up(e, 0, e->opened);
	p->in_window = 0;
	*elapsed = (double)(mcs_now_ns() - l.start_ns) / 1e9;
	totals_messages(e, &before, t);
	t->connections = held;
	t->due = l.due;
	t->sent = l.sent;
	t->late = l.late;
	return 0;
}
