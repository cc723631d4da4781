/* tun_workers.h - run a command on every worker (tun_engine.h) at once,
 * one thread each over its own device queue, and add up what they found.
 * With one worker the command runs in the caller's thread. */
#ifndef TUN_WORKERS_H
#define TUN_WORKERS_H

#include "tun_engine.h"

enum tun_job {
	TUN_JOB_GROW = 1,
	TUN_JOB_ECHO,
	TUN_JOB_LOAD,
	TUN_JOB_TEARDOWN,
};

struct tun_job_args {
	enum tun_job type;
	uint64_t count; /* GROW: target; ECHO: messages in all; LOAD: rate */
	uint32_t size;	/* ECHO, LOAD */
	double seconds; /* LOAD */
	int fin;	/* TEARDOWN */
	double bound_s; /* TEARDOWN: stop resetting after this long (0: no
			   bound) */
};

/* Run args on engines[0..count); totals added up (TEARDOWN: `closed` in
 * live), elapsed the wall time of the whole. Returns 0, -ENOTCONN (LOAD
 * with nothing held) or -errno when a thread cannot start (then the
 * command ran on the workers started, and on the caller's). */
int tun_workers_run(struct tun_engine *engines, unsigned count,
		    const struct tun_job_args *args, struct client_totals *t,
		    double *elapsed);

/* The status counts of all workers. */
void tun_workers_status(const struct tun_engine *engines, unsigned count,
			struct client_totals *t);

#endif /* TUN_WORKERS_H */
