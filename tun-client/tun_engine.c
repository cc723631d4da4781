/* tun_engine.c - the device loop, grow, teardown and the counts (see
 * tun_engine.h); echo, verify and load are in tun_engine_echo.c. */
#include "tun_engine.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcs_clock.h"
#include "tun_device.h"

/* How often the SYN timers of the connects in flight are looked at. */
#define SCAN_EVERY_US 10000u
/* Packets read per pump before new packets are written again. */
#define PUMP_BATCH 256u

unsigned tun_engine_owner(const struct tun_engine *e, uint64_t index)
{
	unsigned owners = e->queues > 1 ? e->queues : e->workers;
	return (unsigned)(index / TUN_GROUP % owners);
}

uint64_t tun_engine_index(const struct tun_engine *e, uint64_t j)
{
	if (e->workers == 1)
		return j;
	return (j / TUN_GROUP * e->workers + e->worker) * TUN_GROUP +
	       j % TUN_GROUP;
}

uint64_t tun_engine_owned_below(const struct tun_engine *e, uint64_t n)
{
	uint64_t groups = n / TUN_GROUP, w = e->worker, k = e->workers;
	uint64_t owned = (groups + k - 1 - w) / k * TUN_GROUP;
	if (groups % k == w)
		owned += n % TUN_GROUP;
	return owned;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The queue owning the connection of a packet (built by us: no IP
 * options; or read from the device when inbound), 0 if none. */
static unsigned packet_owner(const struct tun_engine *e, const uint8_t *p,
			     size_t size, int inbound)
{
	uint64_t index;
	size_t ip = (size_t)(p[0] & 0xfu) * 4u;
	if (size < ip + 4 || p[0] >> 4 != 4)
		return 0;
	const uint8_t *tcp = p + ip;
	uint32_t ours = get32(p + (inbound ? 16 : 12));
	uint32_t theirs = get32(p + (inbound ? 12 : 16));
	uint16_t our_port =
	    (uint16_t)(tcp[inbound ? 2 : 0] << 8 | tcp[inbound ? 3 : 1]);
	uint16_t their_port =
	    (uint16_t)(tcp[inbound ? 0 : 2] << 8 | tcp[inbound ? 1 : 3]);
	if (tun_space_index(&e->peer->space, ours, our_port, theirs, their_port,
			    &index) < 0)
		return 0;
	return tun_engine_owner(e, index);
}

static int emit_to_device(void *context, const uint8_t *packet, size_t size)
{
	struct tun_engine *e = context;
	int fd =
	    e->queues > 1 ? e->fds[packet_owner(e, packet, size, 0)] : e->fd;
	e->peer->counts.emit_failures +=
	    tun_batch_add(&e->batch, fd, packet, size);
	return 0;
}

void tun_engine_flush(struct tun_engine *e)
{
	e->peer->counts.emit_failures += tun_batch_flush(&e->batch);
}

int tun_engine_init(struct tun_engine *e, const struct tun_options *o,
		    const int *fds, const char *device,
		    volatile sig_atomic_t *stop, char *why, size_t why_size)
{
	memset(e, 0, sizeof(*e));
	e->options = *o;
	e->queues = o->queues ? o->queues : 1;
	for (unsigned q = 0; q < e->queues; q++)
		e->fds[q] = fds[q];
	e->fd = fds[0];
	e->worker = 0;
	e->workers = o->workers ? o->workers : 1;
	e->owns_conns = 1;
	e->stop = stop;
	snprintf(e->device, sizeof(e->device), "%s", device);
	struct tun_space space = {
	    .server = o->host,
	    .port_first = o->port_first,
	    .port_count = (uint16_t)(o->port_last - o->port_first + 1),
	    .source_first = o->source_first,
	    .source_count = o->source_count,
	    .source_port_first = o->source_port_first,
	    .source_port_count =
		(uint32_t)(o->source_port_last - o->source_port_first + 1),
	};
	uint64_t fits = tun_space_size(&space);
	if (o->connections > fits) {
		snprintf(why, why_size,
			 "--connections %llu: the sources, source ports and "
			 "server ports give %llu 4-tuples (in groups of %u per "
			 "port); at most %llu fit",
			 (unsigned long long)o->connections,
			 (unsigned long long)fits, TUN_GROUP,
			 (unsigned long long)fits);
		return -ERANGE;
	}
	e->capacity = o->connections;
	struct tun_conn *conns = calloc(e->capacity, sizeof(*conns));
	e->peer = malloc(sizeof(*e->peer));
	if (!conns || !e->peer || tun_batch_init(&e->batch, o->mtu) < 0) {
		free(conns);
		free(e->peer);
		e->peer = NULL;
		snprintf(why, why_size, "out of memory for %llu connections",
			 (unsigned long long)e->capacity);
		return -ENOMEM;
	}
	tun_peer_init(e->peer, conns, e->capacity, &space,
		      (uint16_t)(o->mtu - 40), emit_to_device, e);
	e->epoch_ns = mcs_now_ns();
	e->tx_dropped_start = tun_device_tx_dropped(device);
	return 0;
}

int tun_engine_init_worker(struct tun_engine *e, const struct tun_engine *first,
			   unsigned worker, unsigned workers, int fd, char *why,
			   size_t why_size)
{
	memset(e, 0, sizeof(*e));
	e->options = first->options;
	e->queues = 1;
	e->fd = e->fds[0] = fd;
	e->worker = worker;
	e->workers = workers;
	e->capacity = first->capacity;
	e->stop = first->stop;
	e->epoch_ns = first->epoch_ns;
	e->tx_dropped_start = first->tx_dropped_start;
	memcpy(e->device, first->device, sizeof(e->device));
	e->peer = malloc(sizeof(*e->peer));
	if (!e->peer || tun_batch_init(&e->batch, first->options.mtu) < 0) {
		free(e->peer);
		e->peer = NULL;
		snprintf(why, why_size, "out of memory for worker %u", worker);
		return -ENOMEM;
	}
	tun_peer_init(e->peer, first->peer->conns, e->capacity,
		      &first->peer->space, first->peer->mss, emit_to_device, e);
	return 0;
}

void tun_engine_free(struct tun_engine *e)
{
	if (e->peer && e->owns_conns)
		free(e->peer->conns);
	free(e->peer);
	e->peer = NULL;
	tun_batch_free(&e->batch);
}

uint32_t tun_engine_now_us(const struct tun_engine *e)
{
	return (uint32_t)((mcs_now_ns() - e->epoch_ns) / 1000u);
}

/* Up to PUMP_BATCH packets from queue q. */
static unsigned pump_queue(struct tun_engine *e, unsigned q)
{
	unsigned got = 0;
	while (got < PUMP_BATCH) {
		ssize_t n = read(e->fds[q], e->rx, sizeof(e->rx));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got++;
		if (e->queues > 1) {
			e->queue_read[q]++;
			if (packet_owner(e, e->rx, (size_t)n, 1) != q)
				e->queue_misdelivered[q]++;
		} else if (e->workers > 1) {
			/* another worker's connection: never touched here
			 * (its state is that worker's); TCP sends it again */
			e->queue_read[0]++;
			if (packet_owner(e, e->rx, (size_t)n, 1) != e->worker) {
				e->queue_misdelivered[0]++;
				continue;
			}
		}
		tun_peer_input(e->peer, e->rx, (size_t)n, tun_engine_now_us(e));
	}
	return got;
}

unsigned tun_engine_pump(struct tun_engine *e, uint64_t wait_ns)
{
	for (;;) {
		unsigned got = 0;
		tun_engine_flush(e); /* what was queued, before reading */
		for (unsigned q = 0; q < e->queues; q++)
			got += pump_queue(e, q);
		tun_engine_flush(e); /* the answers */
		if (got || wait_ns == 0 || *e->stop)
			return got;
		struct pollfd p[TUN_MAX_QUEUES];
		for (unsigned q = 0; q < e->queues; q++)
			p[q] =
			    (struct pollfd){.fd = e->fds[q], .events = POLLIN};
		struct timespec ts = {.tv_sec = (time_t)(wait_ns / 1000000000u),
				      .tv_nsec = (long)(wait_ns % 1000000000u)};
		if (ppoll(p, e->queues, &ts, NULL) <= 0)
			return 0;
		wait_ns = 0;
	}
}

/* Look at the SYN timers of [*low, e->opened), moving *low past what no
 * longer waits. */
static void scan_connects(struct tun_engine *e, uint64_t *low)
{
	uint32_t now = tun_engine_now_us(e);
	int moving = 1;
	for (uint64_t i = *low; i < e->opened; i++) {
		uint64_t index = tun_engine_index(e, i);
		int waits = tun_peer_tick(e->peer, index, now) &&
			    e->peer->conns[index].state == TUN_SYN_SENT;
		if (moving && !waits)
			*low = i + 1;
		else
			moving = 0;
	}
}

static void totals_connects(const struct tun_engine *e,
			    const struct tun_counts *before, uint64_t abandoned,
			    struct client_totals *t)
{
	const struct tun_counts *now = &e->peer->counts;
	memset(t, 0, sizeof(*t));
	mcs_histogram_init(&t->rtt_us);
	t->connect_us = e->peer->connect_us;
	t->live = now->live;
	t->in_flight = now->syn_in_flight;
	t->dropped = now->dropped;
	t->slots_used = e->opened;
	t->established = now->established - before->established;
	t->failures[ECONNREFUSED] = now->refused - before->refused;
	t->failures[ETIMEDOUT] = now->timed_out - before->timed_out;
	t->failed = t->failures[ECONNREFUSED] + t->failures[ETIMEDOUT];
	t->attempts = t->established + t->failed + abandoned;
	t->abandoned = abandoned;
}

/* --rate: how many of this worker's connects may have started by now,
 * ns after the grow began (each worker paces its share of the rate, so
 * the workers together keep to it); UINT64_MAX without a cap. */
static uint64_t paced_connects(const struct tun_engine *e, uint64_t ns)
{
	if (!e->options.rate)
		return UINT64_MAX;
	double share = (double)e->options.rate / (double)e->workers;
	return (uint64_t)(share * (double)ns / 1e9) + 1;
}

void tun_engine_grow(struct tun_engine *e, uint64_t target,
		     struct client_totals *t, double *elapsed)
{
	struct tun_peer *p = e->peer;
	struct tun_counts before = p->counts;
	mcs_histogram_init(&p->connect_us);
	uint64_t start = mcs_now_ns(), abandoned = 0, low = e->opened;
	uint64_t deadline =
	    start + (uint64_t)(e->options.timeout_seconds * 1e9);
	uint64_t end = tun_engine_owned_below(
	    e, target < e->capacity ? target : e->capacity);
	uint64_t first = e->opened; /* opened before this grow */
	uint32_t last_scan = tun_engine_now_us(e);
	while (!*e->stop) {
		unsigned sent = 0;
		uint32_t now = tun_engine_now_us(e);
		uint64_t allowed = paced_connects(e, mcs_now_ns() - start);
		/* One group of 64 at most between reads: the replies to a
		 * batch fit the device's ring. */
		while (sent < TUN_GROUP && e->opened < end &&
		       e->opened - first < allowed &&
		       p->counts.syn_in_flight < e->options.window) {
			tun_peer_connect(p, tun_engine_index(e, e->opened++),
					 now);
			sent++;
		}
		tun_engine_pump(e, sent ? 0 : 1000000);
		if (tun_engine_now_us(e) - last_scan >= SCAN_EVERY_US) {
			scan_connects(e, &low);
			last_scan = tun_engine_now_us(e);
		}
		if (e->opened == end && p->counts.syn_in_flight == 0)
			break;
		if (mcs_now_ns() > deadline)
			break;
	}
	/* The bound or a signal: what is still in flight is abandoned. */
	for (uint64_t i = low; i < e->opened; i++)
		if (p->conns[tun_engine_index(e, i)].state == TUN_SYN_SENT) {
			tun_peer_close(p, tun_engine_index(e, i), 0);
			abandoned++;
		}
	abandoned += end - e->opened;
	*elapsed = (double)(mcs_now_ns() - start) / 1e9;
	totals_connects(e, &before, abandoned, t);
}

void tun_engine_status(const struct tun_engine *e, struct client_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->live = e->peer->counts.live;
	t->dropped = e->peer->counts.dropped;
	t->in_flight = e->peer->counts.syn_in_flight;
}

/* FIN teardown: FINs out, a window at a time, until the server's FINs
 * are in or 10 s pass; what is left gets a RST. */
static void teardown_fin(struct tun_engine *e)
{
	struct tun_peer *p = e->peer;
	uint64_t deadline = mcs_now_ns() + 10000000000ull, next = 0;
	uint64_t done_before = p->counts.fin_done, sent = 0;
	while (!*e->stop && mcs_now_ns() < deadline) {
		while (next < e->opened &&
		       sent - (p->counts.fin_done - done_before) <
			   e->options.echo_window) {
			uint64_t index = tun_engine_index(e, next);
			if (p->conns[index].state == TUN_ESTABLISHED) {
				tun_peer_close(p, index, 1);
				sent++;
			}
			next++;
		}
		tun_engine_pump(e, 1000000);
		if (next == e->opened &&
		    p->counts.fin_done - done_before == sent)
			break;
	}
}

uint64_t tun_engine_teardown(struct tun_engine *e, int fin, double bound_s,
			     double *elapsed)
{
	struct tun_peer *p = e->peer;
	uint64_t start = mcs_now_ns(), closed_before = p->counts.closed;
	uint64_t deadline =
	    bound_s > 0 ? start + (uint64_t)(bound_s * 1e9) : UINT64_MAX;
	if (fin)
		teardown_fin(e);
	for (uint64_t i = 0; i < e->opened; i++) {
		tun_peer_close(p, tun_engine_index(e, i), 0);
		if (i % TUN_GROUP != TUN_GROUP - 1)
			continue;
		tun_engine_pump(e, 0);
		if (*e->stop || mcs_now_ns() > deadline)
			break;
	}
	tun_engine_pump(e, 0);
	*elapsed = (double)(mcs_now_ns() - start) / 1e9;
	return p->counts.closed - closed_before;
}

/* The packet counts of engines[0..count), added. */
static void counts_sum(const struct tun_engine *engines, unsigned count,
		       struct tun_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned k = 0; k < count; k++) {
		const struct tun_counts *w = &engines[k].peer->counts;
		c->packets_in += w->packets_in;
		c->packets_out += w->packets_out;
		c->malformed += w->malformed;
		c->other += w->other;
		c->unknown += w->unknown;
		c->out_of_window += w->out_of_window;
		c->out_of_order += w->out_of_order;
		c->duplicates += w->duplicates;
		c->unexpected += w->unexpected;
		c->syn_retransmits += w->syn_retransmits;
		c->data_retransmits += w->data_retransmits;
		c->emit_failures += w->emit_failures;
	}
}

/* [[read, misdelivered], ...] per queue (--queues) or worker. */
static json_t *queues_json(const struct tun_engine *engines, unsigned count)
{
	json_t *queues = json_array();
	const struct tun_engine *e = &engines[0];
	unsigned n = e->queues > 1 ? e->queues : count;
	for (unsigned q = 0; q < n; q++) {
		const struct tun_engine *from = e->queues > 1 ? e : &engines[q];
		unsigned slot = e->queues > 1 ? q : 0;
		json_array_append_new(
		    queues,
		    json_pack("[I,I]", (json_int_t)from->queue_read[slot],
			      (json_int_t)from->queue_misdelivered[slot]));
	}
	return queues;
}

json_t *tun_engine_counts_json(const struct tun_engine *engines, unsigned count)
{
	const struct tun_engine *e = &engines[0];
	struct tun_counts sum, *c = &sum;
	counts_sum(engines, count, c);
	int64_t dropped = tun_device_tx_dropped(e->device);
	uint64_t write_cpu_ns = 0;
	for (unsigned k = 0; k < count; k++)
		write_cpu_ns += engines[k].batch.write_cpu_ns;
	json_t *o = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "packets_in", (json_int_t)c->packets_in, "packets_out",
	    (json_int_t)c->packets_out, "malformed", (json_int_t)c->malformed,
	    "other", (json_int_t)c->other, "unknown", (json_int_t)c->unknown,
	    "out_of_window", (json_int_t)c->out_of_window, "out_of_order",
	    (json_int_t)c->out_of_order, "duplicates",
	    (json_int_t)c->duplicates, "unexpected", (json_int_t)c->unexpected,
	    "syn_retransmits", (json_int_t)c->syn_retransmits,
	    "data_retransmits", (json_int_t)c->data_retransmits, "write_drops",
	    (json_int_t)c->emit_failures, "tx_dropped",
	    (json_int_t)(dropped >= 0 && e->tx_dropped_start >= 0
			     ? dropped - e->tx_dropped_start
			     : -1));
	/* the server kernel's receive path, run in the writers' threads */
	if (o)
		json_object_set_new(o, "device_write_cpu_s",
				    json_real((double)write_cpu_ns / 1e9));
	if (o && (e->queues > 1 || count > 1))
		json_object_set_new(o, "queues", queues_json(engines, count));
	return o;
}

void tun_totals_add(struct client_totals *into,
		    const struct client_totals *from)
{
	into->live += from->live;
	into->in_flight += from->in_flight;
	into->dropped += from->dropped;
	into->slots_used += from->slots_used;
	into->attempts += from->attempts;
	into->established += from->established;
	into->failed += from->failed;
	into->abandoned += from->abandoned;
	into->connections += from->connections;
	into->messages += from->messages;
	into->bytes += from->bytes;
	into->errors += from->errors;
	into->mismatches += from->mismatches;
	into->late += from->late;
	into->due += from->due;
	into->sent += from->sent;
	into->completed += from->completed;
	into->ring_checks += from->ring_checks;
	for (unsigned k = 0; k < CLIENT_ERRNO_SLOTS; k++)
		into->failures[k] += from->failures[k];
	mcs_histogram_merge(&into->connect_us, &from->connect_us);
	mcs_histogram_merge(&into->rtt_us, &from->rtt_us);
}
