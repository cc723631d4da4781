/* client_shared.h - what the client's parent and its worker processes
 * share: the messages on each worker's command socket, and one block of
 * results per worker in anonymous shared memory (mapped before fork).
 *
 * The parent sends a command; the worker carries it out, fills its block
 * and answers with a reply on the same socket. Counters the parent reads
 * while a command runs (progress lines) are relaxed atomics; everything
 * else in the block is read only after the reply, which orders it.
 */
#ifndef CLIENT_SHARED_H
#define CLIENT_SHARED_H

#include <stdatomic.h>
#include <stdint.h>

#include "mcs_histogram.h"

/* errno values counted by name; larger ones land in slot 0. */
#define CLIENT_ERRNO_SLOTS 160u
/* After a PERIODIC or LOAD run ends, how long messages still in flight (or
 * queued behind them) may take before their connections are closed. */
#define CLIENT_DRAIN_SECONDS 10.0

enum client_command_type {
	CLIENT_COMMAND_GROW = 1, /* open slots up to `target` */
	CLIENT_COMMAND_ECHO,	 /* one message on `target` connections */
	CLIENT_COMMAND_VERIFY,	 /* one message on every established one */
	CLIENT_COMMAND_PERIODIC, /* a message every interval_ms on each */
	CLIENT_COMMAND_STOP,	 /* close everything and exit */
	CLIENT_COMMAND_END,	 /* end the running command (PERIODIC) now */
	CLIENT_COMMAND_LOAD,	 /* open-loop messages, period_ns on each */
};

struct client_command {
	uint32_t type;		/* enum client_command_type */
	uint32_t message_size;	/* ECHO, VERIFY, PERIODIC, LOAD */
	uint64_t target;	/* GROW: slots; ECHO: connections to use */
	uint32_t window;	/* GROW: connects in flight */
	uint32_t interval_ms;	/* PERIODIC */
	double rate;		/* GROW: connects/s for this worker, 0 = any */
	double timeout_seconds; /* GROW/ECHO/VERIFY bound; PERIODIC: length,
				   0 = until the next command; LOAD: the
				   window's length */
	uint64_t period_ns;	/* LOAD: every connection's period, the same
				   in every worker (client_schedule.h) */
};

struct client_reply {
	uint32_t type;	/* the command answered */
	int32_t status; /* 0, or -errno if the worker could not do it */
};

/* One worker's results. "Activity" counters are zeroed when a command
 * starts and describe that command only. */
struct client_worker_shared {
	_Alignas(64) _Atomic uint64_t live; /* established and held now */
	_Atomic uint64_t in_flight;	    /* connects not yet answered */
	_Atomic uint64_t dropped;	    /* closed by the peer, ever */
	_Atomic uint64_t slots_used;	    /* connection slots attempted */

	/* activity */
	_Atomic uint64_t attempts;    /* connects started */
	_Atomic uint64_t established; /* connects that succeeded */
	_Atomic uint64_t failed;      /* connects that failed */
	_Atomic uint64_t abandoned;   /* slots not tried (give-up, deadline) */
	_Atomic uint64_t connections; /* ECHO/VERIFY/PERIODIC: used */
	_Atomic uint64_t messages;    /* echoes received and verified */
	_Atomic uint64_t bytes;	      /* bytes of those echoes */
	_Atomic uint64_t errors;      /* messages lost to a closed/timed-out
					 connection */
	_Atomic uint64_t mismatches;  /* echoes with a wrong byte */
	_Atomic uint64_t late;	      /* PERIODIC: sends skipped, the previous
					 message still in flight; LOAD: messages
					 queued behind one in flight */
	_Atomic uint64_t due;	    /* LOAD: messages intended in the window */
	_Atomic uint64_t sent;	    /* LOAD: messages put on the wire in the
				       window */
	_Atomic uint64_t completed; /* LOAD: echoes verified in the window */
	_Atomic uint64_t ring_checks; /* VERIFY: checks done over io_uring */
	double elapsed_seconds;	      /* the activity's own time */
	int64_t pid;
	uint64_t failures[CLIENT_ERRNO_SLOTS]; /* failed connects by errno */
	struct mcs_histogram connect_us;       /* connect latency */
	struct mcs_histogram rtt_us;	       /* echo round trip */
	char error[160]; /* why the worker could not start, if it could not */
};

#endif /* CLIENT_SHARED_H */
