/* harness_step.c - the step algorithm, written once for every driver
 * (harness_driver.h): the baseline, then each step as a list of named
 * parts (ramp, settle, measure, a short step's verdict, echo, load,
 * pause), the soak, and the liveness check of every connection.
 *
 * CPU per operation is taken over windows that hold only that operation:
 * the ramp's window opens just before the ramp and closes when the server
 * has settled; a load's window is the load itself. Those figures hold
 * whoever was the bottleneck, which a connect rate does not. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_driver.h"
#include "harness_format.h"
#include "harness_run.h"
#include "mcs_clock.h"

#define SETTLE_TIMEOUT_S 15.0
/* No accept for this long while short: ask the driver why. */
#define STALL_S 2.0

struct steps {
	const struct harness_driver_ops *ops;
	void *driver;
	struct harness_run *run;
	const struct harness_options *o;
};

/* The driver's words for what into text, when it has some. */
static void words(const struct steps *st, enum harness_words what, char *text,
		  size_t size)
{
	if (st->ops->describe)
		st->ops->describe(st->driver, what, text, size);
}

/* Wait until the server holds what the client established and accepts
 * stop moving. Returns 0, or -errno with why. */
static int settle(struct steps *st, uint64_t established, char *why,
		  size_t why_size)
{
	const struct harness_driver_ops *ops = st->ops;
	double deadline = mcs_now_seconds() + SETTLE_TIMEOUT_S;
	uint64_t live = 0, accepts = 0, last_accepts = UINT64_MAX;
	int quiet = 0, stall_checked = 0;
	for (;;) {
		int err = ops->server_counts(st->driver, &live, &accepts, why,
					     why_size);
		if (err)
			return err;
		quiet = accepts == last_accepts ? quiet + 1 : 0;
		last_accepts = accepts;
		if (live == established && quiet >= 2)
			return 0;
		if (live < established && quiet * ops->poll_s >= STALL_S &&
		    !stall_checked && ops->server_stalled) {
			stall_checked = 1;
			err = ops->server_stalled(st->driver, why, why_size);
			if (err)
				return err;
		}
		if (mcs_now_seconds() > deadline)
			break;
		usleep((useconds_t)(ops->poll_s * 1e6));
	}
	if (live < established) {
		char where[160] = "", detail[160] = "";
		words(st, HARNESS_WORDS_LOST_WHERE, where, sizeof(where));
		words(st, HARNESS_WORDS_LOST_DETAIL, detail, sizeof(detail));
		snprintf(why, why_size,
			 "the server%s holds %" PRIu64 " connections but the "
			 "%s %" PRIu64 " established after %.0f s: %" PRIu64
			 " were lost%s",
			 where, live, ops->clients_have, established,
			 SETTLE_TIMEOUT_S, established - live, detail);
		return -EPROTO;
	}
	char text[256];
	snprintf(text, sizeof(text),
		 "at %" PRIu64 " established the server counted %" PRIu64
		 " live connections",
		 established, live);
	harness_run_warn(st->run, text);
	return 0;
}

/* why for a step that ended short of its target, failures by errno. */
static int short_step(struct steps *st, const struct harness_step *step,
		      char *why, size_t why_size)
{
	char reasons[256] = "";
	size_t used = 0;
	const char *key;
	json_t *value;
	json_object_foreach(step->failures, key, value)
	{
		used += (size_t)snprintf(
		    reasons + used,
		    used < sizeof(reasons) ? sizeof(reasons) - used : 0,
		    "%s%s %" JSON_INTEGER_FORMAT, used ? ", " : "", key,
		    json_integer_value(value));
		if (used >= sizeof(reasons))
			break;
	}
	char dropped[80] = "";
	if (step->dropped)
		snprintf(dropped, sizeof(dropped),
			 ", %" PRIu64 " held connections ended by the server",
			 step->dropped);
	snprintf(why, why_size,
		 "target not reached: %" PRIu64 " of %" PRIu64
		 " established, %" PRIu64 " connects failed%s%s%s%s",
		 step->established, step->connections, step->failed,
		 reasons[0] ? " (" : "", reasons, reasons[0] ? ")" : "",
		 dropped);
	words(st, HARNESS_WORDS_SHORT, why, why_size);
	return -EPROTO;
}

static int echo_round(struct steps *st, struct harness_step *step, char *why,
		      size_t why_size)
{
	uint64_t count = st->o->echo_sample < step->established
			     ? st->o->echo_sample
			     : step->established;
	int err = st->ops->echo(st->driver, step, count, why, why_size);
	if (err)
		return err;
	step->echoed = 1;
	return harness_step_check_echo(step, count, why, why_size);
}

/* --load: a load the server cannot sustain is a result (achieved below
 * offered, late messages), not a failure; wrong bytes are. */
static int load_round(struct steps *st, struct harness_step *step, char *why,
		      size_t why_size)
{
	struct harness_load *l = &step->load;
	int err = st->ops->load(st->driver, step, why, why_size);
	if (err)
		return err;
	step->loaded = 1;
	l->client_could_not_offer |= l->sent_per_s < 0.98 * l->offered_per_s;
	err = harness_step_check_load(step, st->o->load_rate, why, why_size);
	if (err || !l->client_could_not_offer)
		return err;
	char text[384];
	snprintf(text, sizeof(text),
		 "at %" PRIu64 " connections the client could not "
		 "offer the load: it sent %.0f of %.0f msg/s, so the "
		 "latency there measures the client too",
		 step->connections, l->sent_per_s, l->offered_per_s);
	harness_run_warn(st->run, text);
	return 0;
}

static int measure_baseline(struct steps *st, char *why, size_t why_size)
{
	int err = settle(st, 0, why, why_size);
	if (!err)
		err = st->ops->measure_baseline(st->driver, why, why_size);
	if (!err)
		st->run->have_baseline = 1;
	return err;
}

/* One step: ramp to target, settle, measure (even a step that fell
 * short), then the echo round and the load. */
static int grow_step(struct steps *st, size_t index, int *paused, char *why,
		     size_t why_size)
{
	const struct harness_driver_ops *ops = st->ops;
	struct harness_run *run = st->run;
	uint64_t target = run->planned_steps[index];
	struct harness_step *step = &run->steps[run->step_count];
	memset(step, 0, sizeof(*step));
	step->connections = target;
	ops->begin_step(st->driver, index, target);
	int err = ops->ramp(st->driver, step, why, why_size);
	if (err)
		return err;
	/* Measure what there is, even if the step fell short. */
	err = settle(st, step->established, why, why_size);
	int measured = ops->measure_step(st->driver, step, why, why_size);
	if (measured)
		return measured;
	run->step_count++;
	if (err)
		return err;
	if (step->established < target) {
		ops->print_step(st->driver, step);
		return short_step(st, step, why, why_size);
	}
	int last = index + 1 == run->planned_step_count;
	if (st->o->echo || (st->o->echo_last && last))
		err = echo_round(st, step, why, why_size);
	if (!err && st->o->load_rate > 0)
		err = load_round(st, step, why, why_size);
	if (err)
		return err;
	ops->print_step(st->driver, step);
	if (ops->pause && st->o->pause_at && !*paused &&
	    target >= st->o->pause_at) {
		*paused = 1;
		return ops->pause(st->driver, step, why, why_size);
	}
	return 0;
}

static int verify_all(struct steps *st, char *why, size_t why_size)
{
	struct harness_run *run = st->run;
	uint64_t server_live = 0;
	int err = st->ops->verify(st->driver, &server_live, why, why_size);
	if (err)
		return err;
	run->verified = 1;
	err = harness_run_check_verify(run, server_live, why, why_size);
	if (err)
		return err;
	char alive[32], where[64] = "";
	harness_format_count(run->verify_alive, alive, sizeof(alive));
	words(st, HARNESS_WORDS_CLIENTS, where, sizeof(where));
	printf("%s verify: all %s connections established and answering%s "
	       "(%.1f s)\n",
	       run->backend, alive, where, run->verify_elapsed_s);
	return 0;
}

int harness_steps_run(const struct harness_driver_ops *ops, void *driver,
		      struct harness_run *run, size_t *step_index, char *why,
		      size_t why_size)
{
	struct steps st = {
	    .ops = ops, .driver = driver, .run = run, .o = run->options};
	/* Both up, nothing connected: the fixed cost. */
	int err = measure_baseline(&st, why, why_size);
	if (err)
		return err;
	int paused = 0;
	for (*step_index = 0; *step_index < run->planned_step_count;
	     ++*step_index) {
		err = grow_step(&st, *step_index, &paused, why, why_size);
		if (err)
			return err;
	}
	if (st.o->soak_s > 0 && ops->soak) /* hold the last step */
		err = ops->soak(driver, why, why_size);
	return err ? err : verify_all(&st, why, why_size);
}
