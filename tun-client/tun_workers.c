/* tun_workers.c - one command on every worker, in threads (see
 * tun_workers.h). */
#include "tun_workers.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "mcs_clock.h"

struct job {
	struct tun_engine *engine;
	struct tun_job_args args;
	uint64_t share; /* ECHO: this worker's messages */
	uint64_t held;
	struct client_totals totals;
	double elapsed;
	int result;
};

/* ECHO's n messages over the workers in proportion to the connections
 * each holds (every held one when n is at least all of them). */
static void share_out(struct job *jobs, unsigned count, uint64_t n)
{
	uint64_t total = 0, given = 0;
	for (unsigned k = 0; k < count; k++)
		total += jobs[k].engine->peer->counts.live;
	for (unsigned k = 0; k < count; k++) {
		uint64_t live = jobs[k].engine->peer->counts.live;
		jobs[k].share =
		    n >= total
			? UINT64_MAX
			: (uint64_t)((double)n * (double)live / (double)total);
		if (jobs[k].share > live)
			jobs[k].share = live;
		given += jobs[k].share == UINT64_MAX ? 0 : jobs[k].share;
	}
	for (unsigned k = 0; n < total && given < n && k < count; k++) {
		uint64_t live = jobs[k].engine->peer->counts.live;
		uint64_t more = live - jobs[k].share;
		if (more > n - given)
			more = n - given;
		jobs[k].share += more;
		given += more;
	}
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	struct tun_engine *e = j->engine;
	memset(&j->totals, 0, sizeof(j->totals));
	switch (j->args.type) {
	case TUN_JOB_GROW:
		tun_engine_grow(e, j->args.count, &j->totals, &j->elapsed);
		break;
	case TUN_JOB_ECHO:
		tun_engine_echo(e, j->share, j->args.size, &j->totals,
				&j->elapsed);
		break;
	case TUN_JOB_LOAD:
		j->result =
		    tun_engine_load(e, j->held, j->args.count, j->args.size,
				    j->args.seconds, &j->totals, &j->elapsed);
		break;
	case TUN_JOB_TEARDOWN:
		j->totals.live = tun_engine_teardown(
		    e, j->args.fin, j->args.bound_s, &j->elapsed);
		break;
	}
	tun_engine_flush(e); /* what the command queued last */
	return NULL;
}

int tun_workers_run(struct tun_engine *engines, unsigned count,
		    const struct tun_job_args *args, struct client_totals *t,
		    double *elapsed)
{
	static struct job jobs[TUN_MAX_QUEUES];
	pthread_t threads[TUN_MAX_QUEUES];
	unsigned started = 0;
	int err = 0;
	struct client_totals now;
	tun_workers_status(engines, count, &now);
	uint64_t start = mcs_now_ns();
	for (unsigned k = 0; k < count; k++) {
		jobs[k] = (struct job){
		    .engine = &engines[k], .args = *args, .held = now.live};
	}
	share_out(jobs, count, args->count);
	/* workers 1.. in threads, worker 0 in this one */
	for (unsigned k = 1; k < count; k++) {
		if (pthread_create(&threads[k], NULL, run_job, &jobs[k]) != 0) {
			err = -EAGAIN;
			break;
		}
		started = k;
	}
	run_job(&jobs[0]);
	for (unsigned k = 1; k <= started; k++)
		pthread_join(threads[k], NULL);
	*elapsed = (double)(mcs_now_ns() - start) / 1e9;
	memset(t, 0, sizeof(*t));
	mcs_histogram_init(&t->connect_us);
	mcs_histogram_init(&t->rtt_us);
	for (unsigned k = 0; k <= started; k++) {
		tun_totals_add(t, &jobs[k].totals);
		if (jobs[k].result < 0 && !err)
			err = jobs[k].result;
	}
	if (count == 1)
		*elapsed = jobs[0].elapsed;
	return err;
}

void tun_workers_status(const struct tun_engine *engines, unsigned count,
			struct client_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned k = 0; k < count; k++) {
		struct client_totals one;
		tun_engine_status(&engines[k], &one);
		t->live += one.live;
		t->dropped += one.dropped;
		t->in_flight += one.in_flight;
	}
}
