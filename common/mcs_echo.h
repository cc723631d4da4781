/* mcs_echo.h - echo semantics on a non-blocking socket, for readiness
 * backends (select, poll, epoll, thread-per-core).
 *
 * A connection costs 8 bytes (struct mcs_conn). Reads go into one buffer
 * shared by every connection of the thread; what a send() could not take is
 * copied into a pending-write chunk taken from a per-thread pool, so only a
 * connection with unsent data owns a buffer. While a connection has a chunk
 * it is not read from (backpressure): at most write_backlog_limit bytes are
 * ever queued for one connection, however slowly its peer reads.
 *
 * The backend only waits for readiness and calls these; they do the
 * syscalls, the accounting in the worker's shared stats, and tell the
 * backend what to wait for next.
 */
#ifndef MCS_ECHO_H
#define MCS_ECHO_H

#include <stdint.h>

#include "mcs_pool.h"
#include "mcs_stats.h"

/* Per-connection state of a readiness backend. `pending` comes first: when
 * the connection goes back to an mcs_pool, the pool's free-list link
 * overwrites it, while fd keeps the -1 that mcs_echo_close() stored, so a
 * stale handle to a freed connection is recognisable (fd < 0). */
struct mcs_conn {
	uint32_t pending; /* pending-write chunk index, MCS_POOL_NONE if none */
	int32_t fd;	  /* the socket, -1 once closed */
};

/* What the backend must do next with a connection. */
enum mcs_echo_result {
	MCS_ECHO_IDLE, /* all read (EAGAIN) and all sent: wait for readable */
	MCS_ECHO_BLOCKED, /* unsent data queued: wait for writable, not readable
			   */
	MCS_ECHO_YIELD, /* read budget used up, data may remain: call again soon
			 */
	MCS_ECHO_CLOSE, /* peer closed or failed: call mcs_echo_close() */
};

/* One per event-loop thread. */
struct mcs_echo {
	unsigned char *read_buffer;
	uint32_t read_size;   /* bytes asked of one recv() */
	uint32_t chunk_bytes; /* payload bytes of one pending-write chunk */
	uint32_t read_budget; /* recv() calls per mcs_echo_on_readable() */
	struct mcs_pool chunks;
	struct mcs_worker_stats *stats;
};

/* read_buffer_size: bytes of the shared read buffer; write_backlog_limit:
 * most unsent bytes per connection (reads are capped to it so one read's
 * remainder always fits); max_chunks: chunks the pool may hold, normally
 * the worker's connection cap. Returns 0 or -errno. */
int mcs_echo_init(struct mcs_echo *echo, uint32_t read_buffer_size,
		  uint32_t write_backlog_limit, uint32_t max_chunks,
		  struct mcs_worker_stats *stats);
void mcs_echo_destroy(struct mcs_echo *echo);

/* Start tracking a freshly accepted socket: fills conn, counts the accept. */
void mcs_echo_open(struct mcs_echo *echo, struct mcs_conn *conn, int fd);

/* How far a read goes: until recv() says EAGAIN (or the budget), or also
 * stop after a read shorter than asked, which emptied the socket then.
 * The short read saves the recv() that would only say EAGAIN; it is safe
 * when a later arrival is reported anyway (level-triggered, or an
 * edge-triggered wait that reported no hang-up, whose end of stream
 * comes with an edge of its own). */
enum mcs_echo_read {
	MCS_ECHO_READ_TO_EAGAIN,
	MCS_ECHO_READ_TO_SHORT,
};

/* The socket is readable: read and echo until EAGAIN (or a short read, as
 * `until` says), a full send buffer, the read budget, or end of stream. */
enum mcs_echo_result mcs_echo_on_readable(struct mcs_echo *echo,
					  struct mcs_conn *conn,
					  enum mcs_echo_read until);

/* The socket is writable: send the pending chunk; once it is all gone,
 * carry on reading (data may have arrived meanwhile). */
enum mcs_echo_result mcs_echo_on_writable(struct mcs_echo *echo,
					  struct mcs_conn *conn,
					  enum mcs_echo_read until);

/* The wait reported an error on the socket (EPOLLERR): take it with
 * getsockopt(SO_ERROR) and count it as a read would have (resets for the
 * peer's doing, read_errors otherwise). Returns 1 when there was one: the
 * caller closes the connection with no recv() (an echo to a failed
 * connection could not be sent); 0 when none was pending after all. */
int mcs_echo_take_error(struct mcs_echo *echo, struct mcs_conn *conn);

/* Release the chunk, close the socket, count the close. */
void mcs_echo_close(struct mcs_echo *echo, struct mcs_conn *conn);

#endif /* MCS_ECHO_H */
