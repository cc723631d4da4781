/* client_schedule.c - the open-loop schedule of the `load` command: phases,
 * the phase-ordered cursor, late and queued messages, and latency from the
 * intended time (see client_schedule.h). */
#include "client_schedule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t client_schedule_period_ns(uint64_t connections, double rate)
{
	double period = (double)connections * 1e9 / rate;
	if (!(period >= 1.0))
		return 1;
	if (period >= 1.8e19) /* beyond uint64: never in a real window */
		return UINT64_MAX / 2;
	return (uint64_t)(period + 0.5);
}

/* splitmix64's finalizer: every bit of id moves every bit of the hash. */
static uint64_t mix(uint64_t id)
{
	uint64_t x = id + 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

uint64_t client_schedule_phase_ns(uint64_t id, uint64_t period_ns)
{
	/* hash / 2^64 * period, exactly: always below period. */
	return (uint64_t)(((unsigned __int128)mix(id) * period_ns) >> 64);
}

int client_schedule_init(struct client_schedule *s, uint32_t capacity,
			 uint64_t id_first, uint64_t id_stride)
{
	memset(s, 0, sizeof(*s));
	size_t n = capacity ? capacity : 1;
	/* One block: the 8-byte array first, so all three stay aligned. */
	uint8_t *block = malloc(n * (sizeof(uint64_t) + 2 * sizeof(uint32_t)));
	if (!block)
		return -ENOMEM;
	s->intended_ns = (uint64_t *)block;
	s->order = (uint32_t *)(block + n * sizeof(uint64_t));
	s->queued = s->order + n;
	s->capacity = capacity;
	s->id_first = id_first;
	s->id_stride = id_stride;
	s->next_ns = CLIENT_SCHEDULE_NEVER;
	return 0;
}

void client_schedule_add(struct client_schedule *s, uint32_t index)
{
	if (index < s->capacity && s->count < s->capacity)
		s->order[s->count++] = index;
}

static uint64_t phase_of(const struct client_schedule *s, uint32_t index)
{
	return client_schedule_phase_ns(s->id_first + index * s->id_stride,
					s->period_ns);
}

/* While sorting, intended_ns[i] holds index i's phase (it is free until
 * the window starts). */
static int by_phase(const void *a, const void *b, void *context)
{
	const uint64_t *phase = context;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	if (phase[i] != phase[j])
		return phase[i] < phase[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Where the cursor points now: the intended time of order[position] in
 * period round, or NEVER past the window. */
static void aim(struct client_schedule *s)
{
	if (s->count == 0) {
		s->next_ns = CLIENT_SCHEDULE_NEVER;
		return;
	}
	uint64_t offset = s->round * s->period_ns;
	uint64_t t = s->start_ns + offset + phase_of(s, s->order[s->position]);
	if (s->period_ns && offset / s->period_ns != s->round)
		t = CLIENT_SCHEDULE_NEVER; /* overflowed: far beyond */
	s->next_ns = t < s->end_ns ? t : CLIENT_SCHEDULE_NEVER;
}

void client_schedule_start(struct client_schedule *s, uint64_t start_ns,
			   uint64_t period_ns, uint64_t duration_ns)
{
	s->start_ns = start_ns;
	s->end_ns = duration_ns < UINT64_MAX - start_ns ? start_ns + duration_ns
							: UINT64_MAX - 1;
	s->period_ns = period_ns ? period_ns : 1;
	for (uint32_t k = 0; k < s->count; k++)
		s->intended_ns[s->order[k]] = phase_of(s, s->order[k]);
	qsort_r(s->order, s->count, sizeof(*s->order), by_phase,
		s->intended_ns);
	for (uint32_t i = 0; i < s->capacity; i++) {
		s->intended_ns[i] = CLIENT_SCHEDULE_NOTHING_IN_FLIGHT;
		s->queued[i] = 0;
	}
	s->round = 0;
	s->position = 0;
	s->due = s->late = s->lost = 0;
	aim(s);
}

enum client_schedule_action client_schedule_take(struct client_schedule *s,
						 uint64_t now_ns,
						 uint32_t *index)
{
	uint64_t t = s->next_ns;
	if (t == CLIENT_SCHEDULE_NEVER || t > now_ns)
		return CLIENT_SCHEDULE_NOTHING;
	uint32_t i = s->order[s->position];
	if (++s->position == s->count) {
		s->position = 0;
		s->round++;
	}
	aim(s);
	s->due++;
	*index = i;
	if (s->intended_ns[i] == CLIENT_SCHEDULE_FAILED ||
	    (s->intended_ns[i] != CLIENT_SCHEDULE_NOTHING_IN_FLIGHT &&
	     s->queued[i] == UINT32_MAX)) {
		s->lost++; /* dead, or (never in practice) a full queue */
		return CLIENT_SCHEDULE_LOST;
	}
	if (s->intended_ns[i] != CLIENT_SCHEDULE_NOTHING_IN_FLIGHT) {
		s->queued[i]++;
		s->late++;
		return CLIENT_SCHEDULE_LATE;
	}
	s->intended_ns[i] = t;
	return CLIENT_SCHEDULE_SEND;
}

uint64_t client_schedule_complete(struct client_schedule *s, uint32_t index,
				  uint64_t sent_ns, uint64_t now_ns,
				  int *send_next)
{
	*send_next = 0;
	if (index >= s->capacity)
		return 0;
	uint64_t intended = s->intended_ns[index];
	if (intended == CLIENT_SCHEDULE_NOTHING_IN_FLIGHT ||
	    intended == CLIENT_SCHEDULE_FAILED)
		return 0;
	if (s->queued[index]) {
		s->queued[index]--;
		s->intended_ns[index] = intended + s->period_ns;
		*send_next = 1;
	} else {
		s->intended_ns[index] = CLIENT_SCHEDULE_NOTHING_IN_FLIGHT;
	}
	uint64_t origin = sent_ns < intended ? sent_ns : intended;
	return now_ns > origin ? now_ns - origin : 0;
}

uint32_t client_schedule_fail(struct client_schedule *s, uint32_t index)
{
	if (index >= s->capacity)
		return 0;
	uint32_t queued = s->queued[index];
	s->queued[index] = 0;
	s->intended_ns[index] = CLIENT_SCHEDULE_FAILED;
	s->lost += queued;
	return queued;
}

void client_schedule_stop(struct client_schedule *s, uint64_t now_ns)
{
	if (now_ns < s->end_ns)
		s->end_ns = now_ns;
	if (s->next_ns != CLIENT_SCHEDULE_NEVER && s->next_ns >= s->end_ns)
		s->next_ns = CLIENT_SCHEDULE_NEVER;
}

void client_schedule_free(struct client_schedule *s)
{
	free(s->intended_ns);
	memset(s, 0, sizeof(*s));
	s->next_ns = CLIENT_SCHEDULE_NEVER;
}
