/* client_schedule.h - the open-loop schedule behind the `load` command
 * (docs/CONTROL.md): which message is due when, on which connection, and
 * how long its echo took. Pure: no sockets and no clock of its own (every
 * call is given the time), so it runs on a fake clock in the tests.
 *
 * Every connection in a schedule sends once per period P, at the intended
 * times start + phase + k*P (k = 0, 1, ...), where phase is a pseudo-random
 * offset in [0, P) hashed from the connection's global number
 * (client_shard.h), so the same connection always gets the same phase.
 * Messages whose intended time lies in the window [start, end) are "due";
 * the schedule walks its connections in phase order, so finding what is due
 * by time t costs O(what is due), not O(connections).
 *
 * A message due while the previous one on its connection is still in
 * flight is late: it is counted and queued, and goes out when that echo
 * completes. Only a count is queued: the queued messages are the ones
 * right after the message in flight, so the oldest was intended one period
 * after it, the next one period later, and so on. Latency runs from a
 * message's intended time, never from a later moment it actually went out
 * (wrk2's rule against coordinated omission). A caller may take messages a
 * little before they are due (to beat its own wake-up lateness); one that
 * went out before its intended time is timed from when it went out, so no
 * latency is ever shorter than the real round trip.
 *
 * Memory: 16 bytes per connection index, allocated once per schedule
 * (client_schedule_init) and freed by client_schedule_free; nothing per
 * message.
 */
#ifndef CLIENT_SCHEDULE_H
#define CLIENT_SCHEDULE_H

#include <stdint.h>

/* intended_ns of an index with nothing in flight, and of one whose
 * connection has failed (its later messages are lost). */
#define CLIENT_SCHEDULE_NOTHING_IN_FLIGHT UINT64_MAX
#define CLIENT_SCHEDULE_FAILED		  (UINT64_MAX - 1)
/* client_schedule_next_ns() when nothing more is due in the window. */
#define CLIENT_SCHEDULE_NEVER UINT64_MAX

enum client_schedule_action {
	CLIENT_SCHEDULE_NOTHING = 0, /* nothing (more) is due by now */
	CLIENT_SCHEDULE_SEND,	     /* send on index now */
	CLIENT_SCHEDULE_LATE,	     /* due on index while one is in flight:
					counted and queued */
	CLIENT_SCHEDULE_LOST,	     /* due on an index that has failed */
};

struct client_schedule {
	uint64_t start_ns, end_ns; /* the window [start, end) */
	uint64_t period_ns;	   /* P, the same for every connection */
	uint64_t id_first;	   /* index i is connection id_first + */
	uint64_t id_stride;	   /*   i * id_stride (its global number) */
	uint32_t capacity;	   /* indices 0..capacity-1 */
	uint32_t count;		   /* indices in the schedule */
	uint32_t *order;	   /* [count]: those indices, by phase */
	uint32_t *queued;	   /* [capacity]: late messages waiting */
	uint64_t *intended_ns;	   /* [capacity]: intended time of the message
				      in flight, or one of the two markers */
	/* The cursor: the next message to take is order[position]'s in
	 * period number round, intended at next_ns. */
	uint64_t round;
	uint32_t position;
	uint64_t next_ns;
	/* Counts over the window. */
	uint64_t due;  /* messages taken: intended time in the window */
	uint64_t late; /* of those, queued behind one in flight */
	uint64_t lost; /* of those, on a failed connection, plus queued
			  ones lost when their connection failed */
};

/* The period that gives `rate` messages per second in total over
 * `connections` connections: connections / rate seconds, in ns, at least
 * 1. rate must be > 0. */
uint64_t client_schedule_period_ns(uint64_t connections, double rate);

/* The phase of connection `id` in a period: a hash of id scaled into
 * [0, period_ns). 0 when period_ns is 0. */
uint64_t client_schedule_phase_ns(uint64_t id, uint64_t period_ns);

/* An empty schedule for indices 0..capacity-1, index i being connection
 * id_first + i * id_stride. Returns 0 or -ENOMEM. */
int client_schedule_init(struct client_schedule *s, uint32_t capacity,
			 uint64_t id_first, uint64_t id_stride);

/* Put index (below capacity, not yet added) in the schedule. */
void client_schedule_add(struct client_schedule *s, uint32_t index);

/* Start the window [start_ns, start_ns + duration_ns) with period_ns
 * (at least 1): sorts the indices by phase, nothing in flight, counts 0. */
void client_schedule_start(struct client_schedule *s, uint64_t start_ns,
			   uint64_t period_ns, uint64_t duration_ns);

/* The intended time of the next message to take, or CLIENT_SCHEDULE_NEVER
 * when every message due in the window has been taken. */
static inline uint64_t client_schedule_next_ns(const struct client_schedule *s)
{
	return s->next_ns;
}

/* Take the next message due at or before now_ns (the caller may pass a
 * time a little ahead of its clock to send early), if any, setting *index:
 * SEND (nothing was in flight on it; the message is now in flight with its
 * intended time), LATE (queued behind the one in flight), LOST (its
 * connection failed), or NOTHING (nothing more is due by now, or the
 * window is over). Each call takes at most one message. */
enum client_schedule_action client_schedule_take(struct client_schedule *s,
						 uint64_t now_ns,
						 uint32_t *index);

/* The echo of the message in flight on index, which went out at sent_ns,
 * completed at now_ns. Returns its latency: from its intended time, or from
 * sent_ns if it went out before that (0 if nothing was in flight). If one
 * was queued, it is now in flight, intended one period after the one that
 * completed, and *send_next is set to 1: send it now; else 0. */
uint64_t client_schedule_complete(struct client_schedule *s, uint32_t index,
				  uint64_t sent_ns, uint64_t now_ns,
				  int *send_next);

/* Index's connection failed: what was in flight is the caller's to count;
 * the queued messages are lost (returned, and added to lost), and so are
 * the messages due on it from now on. */
uint32_t client_schedule_fail(struct client_schedule *s, uint32_t index);

/* End the window at now_ns if it was to end later (the load was asked to
 * stop): nothing intended from then on is due. */
void client_schedule_stop(struct client_schedule *s, uint64_t now_ns);

/* Free the arrays; the schedule is empty after. Safe to call twice. */
void client_schedule_free(struct client_schedule *s);

#endif /* CLIENT_SCHEDULE_H */
