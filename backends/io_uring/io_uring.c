/* io_uring.c - the io_uring backend: a completion loop, not readiness.
 *
 * Technique: one ring per worker, set up for a single issuer
 * (uring_setup.c). Each listener has a multishot accept armed; by default it
 * accepts into direct descriptors (io_uring_prep_multishot_accept_direct
 * into a sparse table registered with io_uring_register_files_sparse), so
 * connections never enter the process fd table. Each connection has one
 * multishot recv armed that picks buffers from a provided-buffer ring shared
 * by the whole worker, so an idle connection owns no buffer at all: its
 * state is a 24-byte struct in an mcs_pool. Echo sends straight from the
 * buffer the data arrived in (one send in flight per connection,
 * MSG_DONTWAIT) and the buffer goes back to the ring when the send
 * completes; later receives queue behind it in arrival order through a
 * per-buffer link. A short send or -EAGAIN means the peer is slow: what it
 * is owed is copied into a per-connection chunk (write limit + one buffer,
 * from an mcs_pool) and sent from there with MSG_WAITALL, so a slow reader
 * never holds shared buffers. Submissions are batched: SQEs queue up while
 * completions are handled and go to the kernel in one
 * io_uring_submit_and_wait().
 *
 * Running dry, each way:
 *  - buffer ring empty: recv ends with -ENOBUFS; the connection waits on a
 *    starved list and is re-armed only after buffers came back, at most as
 *    many connections per loop pass as there are free buffers (no spinning);
 *  - a multishot CQE without IORING_CQE_F_MORE (CQ overflow, ENOBUFS, any
 *    other reason): recv or accept is re-armed when its state allows;
 *  - backpressure: recv is armed with a byte limit (write_backlog_limit
 *    minus what is queued; kernel 6.17+), so the multishot ends by itself
 *    at the limit; older kernels get a cancel instead. It is re-armed when
 *    everything owed was sent;
 *  - EMFILE/ENFILE/ENOBUFS/ENOMEM on accept: counted in accept_fd_limit,
 *    every accept is cancelled and re-armed by a 100 ms timeout SQE;
 *  - more than max_connections: the new descriptor is closed at once and
 *    counted in over_capacity;
 *  - peer reset: the connection is closed and counted in resets; half-close
 *    (recv returns 0): what is owed is flushed, then the connection closes.
 * Closing cancels whatever is still in flight on the descriptor
 * (IORING_ASYNC_CANCEL_ALL|FD) and closes it once nothing is.
 *
 * Options (--backend-opt, declared in uring_option_table below):
 * direct=false switches to regular descriptors (multishot accept, close());
 * buffers=N (a power of two, default 256) sets the number of shared receive
 * buffers; recv-limit=false forces the cancel path of kernels before 6.17
 * (for tests). See docs/IO_URING.md.
 *
 * Needs: Linux 6.0+ (multishot recv, fixed-fd cancel; DEFER_TASKRUN from
 * 6.1 is used when present), liburing 2.3 (Debian 12).
 */
#include <errno.h>
#include <liburing.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_backend.h"
#include "mcs_net.h"
#include "mcs_peer.h"
#include "mcs_pool.h"
#include "uring_setup.h"

#define URING_SQ_ENTRIES   1024u
#define URING_CQ_ENTRIES   8192u
#define URING_BUFFER_GROUP 0
#define URING_CQE_BATCH	   256u
#define ACCEPT_PAUSE_NS	   (100 * 1000 * 1000)
/* Regular descriptors: stdio, ring, eventfd and spares, as epoll. */
#define URING_RESERVED_FDS 16u
/* Direct descriptors: table slots left free so that connections accepted
 * beyond the cap can land (and be closed) rather than fail with ENFILE. */
#define URING_DIRECT_SPARE 64u
/* ...and as many more as RLIMIT_NOFILE allows, up to a full listen backlog
 * (somaxconn 4096): one multishot accept may take that many at once. */
#define URING_DIRECT_HEADROOM 4096u
#define BUFFER_NONE	      0xffffu

/* user_data: operation << 56 | generation << 32 | connection index. */
enum uring_op {
	OP_ACCEPT = 1, /* index = listener */
	OP_RECV,
	OP_SEND,
	OP_CLOSE,  /* close_direct of a connection: result ignored */
	OP_DROP,   /* close_direct of one beyond the cap: ignored */
	OP_CANCEL, /* ignored */
	OP_TIMER,  /* accept pause over */
	OP_WAKE,   /* eventfd read: stop() was called */
};

/* Connection flags. */
enum {
	CONN_ARMED = 1u << 0,	     /* multishot recv in flight */
	CONN_SENDING = 1u << 1,	     /* one send in flight */
	CONN_EOF = 1u << 2,	     /* peer's FIN seen */
	CONN_CLOSING = 1u << 3,	     /* closing once nothing is in flight */
	CONN_STARVED = 1u << 4,	     /* on the starved list (ENOBUFS) */
	CONN_CANCELLING = 1u << 5,   /* recv cancel sent for backpressure */
	CONN_BACKPRESSURE = 1u << 6, /* no reading until the queue is empty */
	CONN_SEND_CHUNK = 1u << 7,   /* the send in flight is from the chunk */
};

/* 24 bytes per connection. `link` comes first: the pool's free-list link
 * overwrites it when the connection is freed, while fd keeps -1. */
struct uring_conn {
	uint32_t link;	 /* next on the starved list */
	int32_t fd;	 /* direct slot or fd, -1 when free */
	uint32_t queued; /* bytes received and not yet sent */
	uint32_t chunk;	 /* spill chunk index, MCS_POOL_NONE if none */
	uint16_t head;	 /* first queued buffer, BUFFER_NONE if none */
	uint16_t tail;	 /* last queued buffer */
	uint16_t generation;
	uint8_t flags;
	uint8_t unused;
};

/* What a slow peer's connection keeps instead of shared buffers: a ring of
 * limit + one buffer bytes, enough for everything recv may queue. */
struct uring_chunk {
	uint32_t start;	 /* first unsent byte */
	uint32_t length; /* unsent bytes, from start, wrapping */
	unsigned char data[];
};

/* Counters batched per loop pass, added to shared memory once per pass. */
struct uring_counts {
	uint64_t reads, writes, bytes_in, bytes_out;
	uint64_t resets, read_errors, write_errors, backpressure;
};

struct uring_backend {
	struct mcs_worker_config config;
	struct mcs_worker_stats *stats;
	struct io_uring ring;
	int ring_ready;
	unsigned setup_flags;
	int direct; /* connections are direct descriptors */
	unsigned table_slots;
	int wake_fd;
	uint64_t wake_value;
	volatile sig_atomic_t stopping;
	int fatal; /* -errno once no SQE can be had */
	int *listeners;
	uint8_t *listener_armed;
	unsigned listener_count;
	int accept_paused;
	struct __kernel_timespec pause;
	struct mcs_pool conns;	/* struct uring_conn */
	struct mcs_pool chunks; /* struct uring_chunk + chunk_bytes */
	uint32_t chunk_bytes;
	struct uring_buffers bufs;
	uint32_t free_buffers; /* buffers the kernel may fill */
	uint16_t *buffer_next; /* per buffer: next in its connection's queue */
	uint32_t *buffer_length;
	uint32_t *buffer_sent;
	uint32_t starved_head, starved_tail;
	uint32_t backlog_limit;
	int recv_limit; /* kernel takes a byte limit for multishot recv */
	struct uring_counts counts;
};

static inline uint64_t user_data(enum uring_op op, uint16_t generation,
				 uint32_t index)
{
	return (uint64_t)op << 56 | (uint64_t)generation << 32 | index;
}

/* What --backend-opt may set; the core parses and validates them into
 * this struct and hands it to init() as config->options. */
struct uring_options {
	int direct;	  /* connections are direct descriptors */
	uint64_t buffers; /* shared receive buffers, a power of two */
	int recv_limit;	  /* bound multishot recv by bytes where possible */
};

static const struct mcs_backend_option uring_option_table[] = {
    {.name = "direct",
     .type = MCS_OPTION_BOOL,
     .offset = offsetof(struct uring_options, direct),
     .default_value = "true",
     .help = "accept into direct descriptors, outside the process fd table "
	     "(false: regular fds and close())"},
    {.name = "buffers",
     .type = MCS_OPTION_INTEGER,
     .flags = MCS_OPTION_POWER_OF_TWO,
     .offset = offsetof(struct uring_options, buffers),
     .default_value = "256",
     .min = 1,
     .max = 32768,
     .help = "shared receive buffers per worker, each min(--read-buffer, "
	     "--write-limit) bytes"},
    {.name = "recv-limit",
     .type = MCS_OPTION_BOOL,
     .offset = offsetof(struct uring_options, recv_limit),
     .default_value = "true",
     .help = "bound each multishot recv by bytes where the kernel can "
	     "(6.17+); false forces the cancel path of older kernels"},
};

static int uring_probe(char *why, size_t why_size)
{
	struct io_uring ring;
	int err = io_uring_queue_init(2, &ring, 0);
	if (err) {
		snprintf(why, why_size, "io_uring_setup: %s", strerror(-err));
		return err;
	}
	struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
	int missing = !probe ||
		      !io_uring_opcode_supported(probe, IORING_OP_RECV) ||
		      !io_uring_opcode_supported(probe, IORING_OP_SEND) ||
		      !io_uring_opcode_supported(probe, IORING_OP_ACCEPT) ||
		      !io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL);
	if (probe)
		io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	if (missing) {
		snprintf(why, why_size,
			 "io_uring: kernel lacks accept/recv/send/cancel ops");
		return -ENOSYS;
	}
	return 0;
}

/* Direct: one sparse table per ring, at most RLIMIT_NOFILE slots, less
 * URING_DIRECT_SPARE. Regular descriptors need only URING_RESERVED_FDS, but
 * capacity() does not see the options, so it keeps the larger reserve for
 * both (48 connections fewer per worker with direct=false). */
static unsigned uring_capacity(unsigned fd_limit)
{
	_Static_assert(URING_DIRECT_SPARE >= URING_RESERVED_FDS,
		       "the direct reserve must cover the regular one");
	return fd_limit > URING_DIRECT_SPARE ? fd_limit - URING_DIRECT_SPARE
					     : 0;
}

static void uring_destroy(void *state)
{
	struct uring_backend *b = state;
	if (!b)
		return;
	/* A multishot accept holds its listener open until the ring's
	 * asynchronous teardown reaps it, so the port would stay bound for a
	 * moment after the process is gone. shutdown() takes a listener out
	 * of LISTEN at once, whoever still holds a reference. (Cancelling
	 * every request synchronously did the same, but the kernel's
	 * cancel-any scans its poll table once per request: 12 s for 100k
	 * connections, minutes at 1M.) Then drop the direct descriptors in
	 * one call (their peers see the close at once); regular ones are
	 * closed below, and io_uring_queue_exit() reaps the rest. */
	for (unsigned i = 0; b->listeners && i < b->listener_count; i++)
		if (b->listeners[i] >= 0)
			shutdown(b->listeners[i], SHUT_RDWR);
	if (b->ring_ready && b->table_slots)
		io_uring_unregister_files(&b->ring);
	for (uint32_t i = 0; i < b->conns.high_water; i++) {
		struct uring_conn *c = mcs_pool_at(&b->conns, i);
		if (c->fd < 0)
			continue;
		if (!b->direct)
			close(c->fd);
		c->fd = -1;
		mcs_stats_connection_closed(b->stats);
	}
	if (b->ring_ready)
		io_uring_queue_exit(&b->ring);
	mcs__uring_buffers_destroy(&b->bufs);
	if (b->listeners)
		mcs_close_all(b->listeners, b->listener_count);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	mcs_pool_destroy(&b->conns);
	mcs_pool_destroy(&b->chunks);
	free(b->listeners);
	free(b->listener_armed);
	free(b->buffer_next);
	free(b->buffer_length);
	free(b->buffer_sent);
	free(b);
}

/* The options and the sizes they give: how many shared receive buffers,
 * and how large (the read buffer size, at most the write limit). */
static int uring_read_options(struct uring_backend *b,
			      const struct mcs_worker_config *config,
			      uint32_t *buffer_count, uint32_t *buffer_size,
			      char *why, size_t why_size)
{
	const struct uring_options *options = config->options;
	if (!options) {
		snprintf(why, why_size,
			 "io_uring: no options in the worker config: parse "
			 "them with mcs_backend_options_parse()");
		return -EINVAL;
	}
	b->direct = options->direct;
	/* Until a recv says EINVAL, if the option allows it at all. */
	b->recv_limit = options->recv_limit;
	*buffer_count = (uint32_t)options->buffers;
	*buffer_size = config->read_buffer_size;
	if (config->write_backlog_limit < *buffer_size)
		*buffer_size = config->write_backlog_limit;
	b->backlog_limit = config->write_backlog_limit;
	if (*buffer_size == 0) {
		snprintf(why, why_size,
			 "io_uring: read buffer and write limit must be > 0");
		return -EINVAL;
	}
	return 0;
}

/* The listener and per-buffer arrays and the connection pool. */
static int uring_allocate(struct uring_backend *b,
			  const struct mcs_worker_config *config,
			  uint32_t buffer_count, char *why, size_t why_size)
{
	b->listeners = malloc(sizeof(int) * config->port_count);
	b->listener_armed = calloc(config->port_count, 1);
	b->buffer_next = calloc(buffer_count, sizeof(uint16_t));
	b->buffer_length = calloc(buffer_count, sizeof(uint32_t));
	b->buffer_sent = calloc(buffer_count, sizeof(uint32_t));
	if (!b->listeners || !b->listener_armed || !b->buffer_next ||
	    !b->buffer_length || !b->buffer_sent) {
		snprintf(why, why_size,
			 "io_uring: out of memory for worker state");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < config->port_count; i++)
		b->listeners[i] = -1;
	b->listener_count = config->port_count;
	int err = mcs_pool_init(&b->conns, sizeof(struct uring_conn),
				config->max_connections);
	if (err)
		snprintf(why, why_size, "io_uring: connection pool for %u: %s",
			 config->max_connections, strerror(-err));
	return err;
}

/* The ring, and in direct mode its sparse file table. */
static int uring_setup_ring(struct uring_backend *b,
			    const struct mcs_worker_config *config, char *why,
			    size_t why_size)
{
	int err = mcs__uring_queue_init(&b->ring, URING_SQ_ENTRIES,
					URING_CQ_ENTRIES, &b->setup_flags);
	if (err) {
		snprintf(why, why_size, "io_uring_setup: %s", strerror(-err));
		return err;
	}
	b->ring_ready = 1;
	if (!b->direct)
		return 0;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		err = -errno;
		snprintf(why, why_size, "getrlimit: %s", strerror(errno));
		return err;
	}
	/* The kernel refuses a table larger than RLIMIT_NOFILE. */
	uint64_t slots =
	    (uint64_t)config->max_connections + URING_DIRECT_HEADROOM;
	if (slots > rl.rlim_cur)
		slots = rl.rlim_cur;
	b->table_slots = (unsigned)slots;
	err = io_uring_register_files_sparse(&b->ring, b->table_slots);
	if (err)
		snprintf(why, why_size,
			 "io_uring_register_files_sparse(%u): %s",
			 b->table_slots, strerror(-err));
	return err;
}

/* The provided-buffer ring and the pool of spill chunks for slow peers. */
static int uring_setup_buffers(struct uring_backend *b,
			       const struct mcs_worker_config *config,
			       uint32_t buffer_count, uint32_t buffer_size,
			       char *why, size_t why_size)
{
	int err = mcs__uring_buffers_init(&b->ring, &b->bufs, buffer_count,
					  buffer_size, URING_BUFFER_GROUP);
	if (err) {
		snprintf(why, why_size,
			 "io_uring_register_buf_ring(%u x %u bytes): %s",
			 buffer_count, buffer_size, strerror(-err));
		return err;
	}
	b->free_buffers = buffer_count;
	b->chunk_bytes = b->backlog_limit + buffer_size;
	err = mcs_pool_init(&b->chunks,
			    sizeof(struct uring_chunk) + b->chunk_bytes,
			    config->max_connections);
	if (err)
		snprintf(why, why_size, "io_uring: spill chunk pool: %s",
			 strerror(-err));
	return err;
}

/* The eventfd that stop() writes and a listener per port. */
static int uring_open_descriptors(struct uring_backend *b,
				  const struct mcs_worker_config *config,
				  char *why, size_t why_size)
{
	/* Blocking: io_uring hands -EAGAIN back for O_NONBLOCK files. */
	b->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (b->wake_fd < 0) {
		int err = -errno;
		snprintf(why, why_size, "eventfd: %s", strerror(errno));
		return err;
	}
	for (unsigned i = 0; i < config->port_count; i++) {
		int fd = mcs_listen_tcp(config->address, config->ports[i],
					config->listen_backlog,
					MCS_LISTEN_BLOCKING, why, why_size);
		if (fd < 0)
			return fd;
		b->listeners[i] = fd;
	}
	return 0;
}

static int uring_init(const struct mcs_worker_config *config, void **state,
		      char *why, size_t why_size)
{
	uint32_t buffer_count = 0, buffer_size = 0;
	struct uring_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, why_size,
			 "io_uring: out of memory for worker state");
		return -ENOMEM;
	}
	b->config = *config;
	b->stats = config->stats;
	b->wake_fd = -1;
	b->starved_head = b->starved_tail = MCS_POOL_NONE;
	b->pause.tv_nsec = ACCEPT_PAUSE_NS;
	int err = uring_read_options(b, config, &buffer_count, &buffer_size,
				     why, why_size);
	if (!err)
		err = uring_allocate(b, config, buffer_count, why, why_size);
	if (!err)
		err = uring_setup_ring(b, config, why, why_size);
	if (!err)
		err = uring_setup_buffers(b, config, buffer_count, buffer_size,
					  why, why_size);
	if (!err) {
		/* Optional: saves an fget per io_uring_enter. */
		io_uring_register_ring_fd(&b->ring);
		err = uring_open_descriptors(b, config, why, why_size);
	}
	if (err) {
		uring_destroy(b);
		return err;
	}
	*state = b;
	return 0;
}

/* An SQE, submitting what is queued if the SQ is full. NULL only if the
 * kernel takes nothing; then run() stops with b->fatal. */
static struct io_uring_sqe *uring_sqe(struct uring_backend *b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
	for (int tries = 0; !sqe && tries < 100; tries++) {
		int r = io_uring_submit(&b->ring);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			b->fatal = r;
			return NULL;
		}
		sqe = io_uring_get_sqe(&b->ring);
	}
	if (!sqe && !b->fatal)
		b->fatal = -EBUSY;
	return sqe;
}

static void uring_cancel(struct uring_backend *b, uint64_t target)
{
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	io_uring_prep_cancel64(sqe, target, 0);
	io_uring_sqe_set_data64(sqe, user_data(OP_CANCEL, 0, 0));
}

static void listener_arm(struct uring_backend *b, unsigned i)
{
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	if (b->direct)
		io_uring_prep_multishot_accept_direct(sqe, b->listeners[i],
						      NULL, NULL, 0);
	else
		io_uring_prep_multishot_accept(sqe, b->listeners[i], NULL, NULL,
					       SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, user_data(OP_ACCEPT, 0, i));
	b->listener_armed[i] = 1;
}

/* Stop accepting for ACCEPT_PAUSE_NS: cancel every armed accept; the
 * timeout's completion re-arms them. */
static void accept_pause(struct uring_backend *b)
{
	if (b->accept_paused)
		return;
	b->accept_paused = 1;
	for (unsigned i = 0; i < b->listener_count; i++)
		if (b->listener_armed[i])
			uring_cancel(b, user_data(OP_ACCEPT, 0, i));
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	io_uring_prep_timeout(sqe, &b->pause, 0, 0);
	io_uring_sqe_set_data64(sqe, user_data(OP_TIMER, 0, 0));
}

static void accept_resume(struct uring_backend *b)
{
	b->accept_paused = 0;
	for (unsigned i = 0; i < b->listener_count; i++)
		if (!b->listener_armed[i])
			listener_arm(b, i);
}

static uint32_t conn_index(struct uring_backend *b, struct uring_conn *c)
{
	return mcs_pool_index(&b->conns, c);
}

static void conn_arm_recv(struct uring_backend *b, struct uring_conn *c)
{
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	if (b->direct)
		sqe->flags |= IOSQE_FIXED_FILE;
	sqe->buf_group = b->bufs.group;
	/* Kernel 6.17+: the multishot ends by itself (no F_MORE) after this
	 * many bytes (sqe->optlen, which 2.3 calls file_index), so a fast
	 * sender cannot fill many buffers before a cancel lands. */
	if (b->recv_limit)
		sqe->file_index = b->backlog_limit - c->queued;
	io_uring_sqe_set_data64(
	    sqe, user_data(OP_RECV, c->generation, conn_index(b, c)));
	c->flags |= CONN_ARMED;
}

/* Arm recv if nothing stands in the way. */
static void conn_maybe_arm(struct uring_backend *b, struct uring_conn *c)
{
	if (c->flags & (CONN_ARMED | CONN_EOF | CONN_CLOSING | CONN_STARVED |
			CONN_BACKPRESSURE))
		return;
	conn_arm_recv(b, c);
}

/* Send the head buffer without waiting (MSG_DONTWAIT: -EAGAIN or a short
 * count come back instead of a poll), so a shared buffer is never held by
 * a send parked on a full socket. */
static void conn_send_head(struct uring_backend *b, struct uring_conn *c)
{
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	uint16_t id = c->head;
	uint32_t sent = b->buffer_sent[id];
	io_uring_prep_send(sqe, c->fd, uring_buffer_at(&b->bufs, id) + sent,
			   b->buffer_length[id] - sent,
			   MSG_DONTWAIT | MSG_NOSIGNAL);
	if (b->direct)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(
	    sqe, user_data(OP_SEND, c->generation, conn_index(b, c)));
	c->flags = (uint8_t)((c->flags | CONN_SENDING) & ~CONN_SEND_CHUNK);
}

/* Send the chunk's first contiguous run; this one may wait for the peer. */
static void conn_send_chunk(struct uring_backend *b, struct uring_conn *c)
{
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	struct uring_chunk *k = mcs_pool_at(&b->chunks, c->chunk);
	uint32_t run = b->chunk_bytes - k->start;
	if (run > k->length)
		run = k->length;
	io_uring_prep_send(sqe, c->fd, k->data + k->start, run,
			   MSG_WAITALL | MSG_NOSIGNAL);
	if (b->direct)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(
	    sqe, user_data(OP_SEND, c->generation, conn_index(b, c)));
	c->flags |= CONN_SENDING | CONN_SEND_CHUNK;
}

static void conn_send_next(struct uring_backend *b, struct uring_conn *c)
{
	if (c->chunk != MCS_POOL_NONE &&
	    ((struct uring_chunk *)mcs_pool_at(&b->chunks, c->chunk))->length)
		conn_send_chunk(b, c);
	else if (c->head != BUFFER_NONE)
		conn_send_head(b, c);
}

static void buffer_give_back(struct uring_backend *b, uint16_t id)
{
	uring_buffer_return(&b->bufs, id);
	b->free_buffers++;
}

/* Copy len bytes to the end of the chunk's ring (the caller checked room). */
static void chunk_append(struct uring_backend *b, struct uring_chunk *k,
			 const unsigned char *data, uint32_t len)
{
	uint32_t at = (k->start + k->length) % b->chunk_bytes;
	uint32_t first = b->chunk_bytes - at;
	if (first > len)
		first = len;
	memcpy(k->data + at, data, first);
	memcpy(k->data, data + first, len - first);
	k->length += len;
}

/* Move queued buffers into the chunk, oldest first, while they fit, and
 * give them back to the ring. */
static void chunk_absorb(struct uring_backend *b, struct uring_conn *c)
{
	struct uring_chunk *k = mcs_pool_at(&b->chunks, c->chunk);
	while (c->head != BUFFER_NONE) {
		uint16_t id = c->head;
		uint32_t len = b->buffer_length[id] - b->buffer_sent[id];
		if (k->length + len > b->chunk_bytes)
			return;
		chunk_append(b, k,
			     uring_buffer_at(&b->bufs, id) + b->buffer_sent[id],
			     len);
		c->head = b->buffer_next[id];
		if (c->head == BUFFER_NONE)
			c->tail = BUFFER_NONE;
		buffer_give_back(b, id);
	}
}

/* The peer is slower than its data: from now on this connection keeps
 * what it owes in its own chunk, not in shared buffers. */
static void conn_spill(struct uring_backend *b, struct uring_conn *c)
{
	if (c->chunk == MCS_POOL_NONE) {
		struct uring_chunk *k = mcs_pool_alloc(&b->chunks);
		if (!k)
			return; /* cannot happen: one chunk per connection */
		k->start = 0;
		k->length = 0;
		c->chunk = mcs_pool_index(&b->chunks, k);
	}
	chunk_absorb(b, c);
}

static void conn_release_chunk(struct uring_backend *b, struct uring_conn *c)
{
	if (c->chunk == MCS_POOL_NONE)
		return;
	mcs_pool_free(&b->chunks, mcs_pool_at(&b->chunks, c->chunk));
	c->chunk = MCS_POOL_NONE;
}

static void starve(struct uring_backend *b, struct uring_conn *c)
{
	uint32_t index = conn_index(b, c);
	c->flags |= CONN_STARVED;
	c->link = MCS_POOL_NONE;
	if (b->starved_tail == MCS_POOL_NONE)
		b->starved_head = index;
	else
		((struct uring_conn *)mcs_pool_at(&b->conns, b->starved_tail))
		    ->link = index;
	b->starved_tail = index;
}

/* Decide to close: cancel what is in flight; conn_finish() closes once
 * nothing is. */
static void conn_close(struct uring_backend *b, struct uring_conn *c)
{
	if (c->flags & CONN_CLOSING)
		return;
	c->flags |= CONN_CLOSING;
	if (!(c->flags & (CONN_ARMED | CONN_SENDING)))
		return;
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	io_uring_prep_cancel_fd(
	    sqe, c->fd,
	    IORING_ASYNC_CANCEL_ALL |
		(b->direct ? IORING_ASYNC_CANCEL_FD_FIXED : 0));
	io_uring_sqe_set_data64(sqe, user_data(OP_CANCEL, 0, 0));
}

/* Close and free a closing connection with nothing in flight. The caller
 * must not touch c afterwards. */
static void conn_finish(struct uring_backend *b, struct uring_conn *c)
{
	if (!(c->flags & CONN_CLOSING) ||
	    (c->flags & (CONN_ARMED | CONN_SENDING)) || c->fd < 0)
		return;
	while (c->head != BUFFER_NONE) {
		uint16_t id = c->head;
		c->head = b->buffer_next[id];
		buffer_give_back(b, id);
	}
	c->tail = BUFFER_NONE;
	c->queued = 0;
	conn_release_chunk(b, c);
	if (b->direct) {
		struct io_uring_sqe *sqe = uring_sqe(b);
		if (sqe) {
			io_uring_prep_close_direct(sqe, (unsigned)c->fd);
			io_uring_sqe_set_data64(sqe, user_data(OP_CLOSE, 0, 0));
		}
	} else {
		close(c->fd);
	}
	c->fd = -1;
	mcs_stats_connection_closed(b->stats);
	/* On the starved list it stays linked, closed, until rearm_starved
	 * unlinks it: its buffers are back already, which is what a starved
	 * worker may be waiting for. */
	if (!(c->flags & CONN_STARVED))
		mcs_pool_free(&b->conns, c);
}

static void drop_descriptor(struct uring_backend *b, int fd)
{
	if (!b->direct) {
		close(fd);
		return;
	}
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	io_uring_prep_close_direct(sqe, (unsigned)fd);
	io_uring_sqe_set_data64(sqe, user_data(OP_DROP, 0, 0));
}

static void conn_open(struct uring_backend *b, int fd)
{
	struct uring_conn *c = NULL;
	if (b->conns.live < b->config.max_connections)
		c = mcs_pool_alloc(&b->conns);
	if (!c) {
		drop_descriptor(b, fd);
		mcs_stat_add(&b->stats->over_capacity, 1);
		return;
	}
	c->fd = fd;
	c->link = MCS_POOL_NONE;
	c->queued = 0;
	c->head = c->tail = BUFFER_NONE;
	c->chunk = MCS_POOL_NONE;
	c->generation++;
	c->flags = 0;
	mcs_stats_connection_opened(b->stats);
	mcs_stat_set(&b->stats->pool_bytes,
		     (uint64_t)b->conns.high_water * b->conns.object_size);
	conn_arm_recv(b, c);
}

static void on_accept(struct uring_backend *b, unsigned i, int res,
		      unsigned flags)
{
	if (i >= b->listener_count)
		return;
	if (!(flags & IORING_CQE_F_MORE))
		b->listener_armed[i] = 0;
	if (res >= 0)
		conn_open(b, res);
	else if (mcs_stats_accept_failed(b->stats, -res))
		accept_pause(b);
	if (!b->listener_armed[i] && !b->accept_paused)
		listener_arm(b, i);
}

static void on_recv(struct uring_backend *b, struct uring_conn *c, int res,
		    unsigned flags)
{
	if (!(flags & IORING_CQE_F_MORE))
		c->flags &= ~(CONN_ARMED | CONN_CANCELLING);
	if (res > 0 && (flags & IORING_CQE_F_BUFFER)) {
		uint16_t id = (uint16_t)(flags >> IORING_CQE_BUFFER_SHIFT);
		b->free_buffers--;
		b->counts.reads++;
		b->counts.bytes_in += (uint64_t)res;
		if (c->flags & CONN_CLOSING) {
			buffer_give_back(b, id);
		} else {
			b->buffer_length[id] = (uint32_t)res;
			b->buffer_sent[id] = 0;
			b->buffer_next[id] = BUFFER_NONE;
			if (c->tail == BUFFER_NONE)
				c->head = id;
			else
				b->buffer_next[c->tail] = id;
			c->tail = id;
			c->queued += (uint32_t)res;
			if (c->chunk != MCS_POOL_NONE)
				chunk_absorb(b, c);
			if (!(c->flags & CONN_SENDING))
				conn_send_next(b, c);
			if (c->queued >= b->backlog_limit &&
			    !(c->flags & CONN_BACKPRESSURE)) {
				c->flags |= CONN_BACKPRESSURE;
				b->counts.backpressure++;
			}
			if ((c->flags & (CONN_BACKPRESSURE | CONN_ARMED |
					 CONN_CANCELLING)) ==
			    (CONN_BACKPRESSURE | CONN_ARMED)) {
				uring_cancel(b,
					     user_data(OP_RECV, c->generation,
						       conn_index(b, c)));
				c->flags |= CONN_CANCELLING;
			}
		}
	} else if (res == 0) {
		/* Half-close: flush what is owed, then close. */
		c->flags |= CONN_EOF;
		if (!(c->flags & CONN_SENDING))
			conn_close(b, c);
	} else if (res == -EINVAL && b->recv_limit &&
		   !(c->flags & CONN_CLOSING)) {
		/* A kernel before 6.17 refuses the byte limit: go on without
		 * it and rely on cancelling for backpressure. */
		b->recv_limit = 0;
	} else if (res == -ENOBUFS) {
		if (!(c->flags & (CONN_CLOSING | CONN_EOF | CONN_ARMED |
				  CONN_BACKPRESSURE | CONN_STARVED)))
			starve(b, c);
	} else if (res != -ECANCELED && !(c->flags & CONN_CLOSING)) {
		if (mcs_is_peer_failure(-res))
			b->counts.resets++;
		else
			b->counts.read_errors++;
		conn_close(b, c);
	}
	if (c->flags & CONN_CLOSING)
		conn_finish(b, c);
	else
		conn_maybe_arm(b, c);
}

static void on_send(struct uring_backend *b, struct uring_conn *c, int res)
{
	int from_chunk = (c->flags & CONN_SEND_CHUNK) != 0;
	c->flags &= (uint8_t) ~(CONN_SENDING | CONN_SEND_CHUNK);
	if (res > 0) {
		b->counts.writes++;
		b->counts.bytes_out += (uint64_t)res;
		c->queued -= (uint32_t)res;
	}
	if (res > 0 && from_chunk) {
		struct uring_chunk *k = mcs_pool_at(&b->chunks, c->chunk);
		k->start = (k->start + (uint32_t)res) % b->chunk_bytes;
		k->length -= (uint32_t)res;
		if (k->length == 0) {
			k->start = 0;
			/* Buffers queued while the chunk was full go in now. */
			chunk_absorb(b, c);
			if (k->length == 0)
				conn_release_chunk(b, c);
		}
	} else if (res > 0) {
		uint16_t id = c->head;
		uint32_t asked = b->buffer_length[id] - b->buffer_sent[id];
		b->buffer_sent[id] += (uint32_t)res;
		if (b->buffer_sent[id] >= b->buffer_length[id]) {
			c->head = b->buffer_next[id];
			if (c->head == BUFFER_NONE)
				c->tail = BUFFER_NONE;
			buffer_give_back(b, id);
		}
		/* Short: the socket is full, the peer is not keeping up. */
		if ((uint32_t)res < asked && !(c->flags & CONN_CLOSING))
			conn_spill(b, c);
	} else if (res == -EAGAIN && !from_chunk &&
		   !(c->flags & CONN_CLOSING)) {
		conn_spill(b, c);
	} else if (res != -ECANCELED && !(c->flags & CONN_CLOSING)) {
		if (res < 0 && mcs_is_peer_failure(-res))
			b->counts.resets++;
		else
			b->counts.write_errors++;
		conn_close(b, c);
	}
	if (c->flags & CONN_CLOSING) {
		conn_finish(b, c);
		return;
	}
	if (c->queued) {
		/* The rest of a short send, the chunk, or the next buffer. */
		conn_send_next(b, c);
		return;
	}
	if (c->flags & CONN_EOF) {
		conn_close(b, c);
		conn_finish(b, c);
		return;
	}
	c->flags &= (uint8_t)~CONN_BACKPRESSURE;
	conn_maybe_arm(b, c);
}

/* Re-arm starved connections now that buffers came back: at most one per
 * free buffer, oldest first, so nothing spins on ENOBUFS. Closing ones
 * leave the list whatever the budget. */
static void rearm_starved(struct uring_backend *b)
{
	uint32_t budget = b->free_buffers;
	while (b->starved_head != MCS_POOL_NONE) {
		struct uring_conn *c = mcs_pool_at(&b->conns, b->starved_head);
		if (!budget && !(c->flags & CONN_CLOSING))
			break;
		b->starved_head = c->link;
		if (b->starved_head == MCS_POOL_NONE)
			b->starved_tail = MCS_POOL_NONE;
		c->flags &= (uint8_t)~CONN_STARVED;
		if (c->flags & CONN_CLOSING) {
			if (c->fd < 0)
				mcs_pool_free(&b->conns, c);
			else
				conn_finish(b, c);
			continue;
		}
		conn_maybe_arm(b, c);
		budget--;
	}
}

static void flush_counts(struct uring_backend *b)
{
	struct uring_counts *n = &b->counts;
	struct mcs_worker_stats *s = b->stats;
	if (n->reads)
		mcs_stat_add(&s->reads, n->reads);
	if (n->writes)
		mcs_stat_add(&s->writes, n->writes);
	if (n->bytes_in)
		mcs_stat_add(&s->bytes_in, n->bytes_in);
	if (n->bytes_out)
		mcs_stat_add(&s->bytes_out, n->bytes_out);
	if (n->resets)
		mcs_stat_add(&s->resets, n->resets);
	if (n->read_errors)
		mcs_stat_add(&s->read_errors, n->read_errors);
	if (n->write_errors)
		mcs_stat_add(&s->write_errors, n->write_errors);
	if (n->backpressure)
		mcs_stat_add(&s->backpressure, n->backpressure);
	memset(n, 0, sizeof(*n));
	/* Shared buffers and spill chunks holding data not yet echoed. */
	mcs_stat_set(&s->buffer_bytes,
		     (uint64_t)(b->bufs.count - b->free_buffers) *
			     b->bufs.size +
			 (uint64_t)b->chunks.live * b->chunks.object_size);
}

static void arm_wake(struct uring_backend *b)
{
	struct io_uring_sqe *sqe = uring_sqe(b);
	if (!sqe)
		return;
	io_uring_prep_read(sqe, b->wake_fd, &b->wake_value,
			   sizeof(b->wake_value), 0);
	io_uring_sqe_set_data64(sqe, user_data(OP_WAKE, 0, 0));
}

static void dispatch(struct uring_backend *b, uint64_t data, int res,
		     unsigned flags)
{
	enum uring_op op = (enum uring_op)(data >> 56);
	uint16_t generation = (uint16_t)(data >> 32);
	uint32_t index = (uint32_t)data;
	struct uring_conn *c;
	switch (op) {
	case OP_ACCEPT: on_accept(b, index, res, flags); return;
	case OP_RECV:
	case OP_SEND:
		if (index >= b->conns.high_water)
			return;
		c = mcs_pool_at(&b->conns, index);
		/* Never true by construction: a connection is freed only
		 * when nothing of it is in flight. */
		if (c->fd < 0 || c->generation != generation)
			return;
		if (op == OP_RECV)
			on_recv(b, c, res, flags);
		else
			on_send(b, c, res);
		return;
	case OP_TIMER: accept_resume(b); return;
	case OP_WAKE:
		if (!b->stopping)
			arm_wake(b);
		return;
	case OP_CLOSE:
	case OP_DROP:
	case OP_CANCEL: return;
	}
}

static int uring_run(void *state, char *why, size_t why_size)
{
	struct uring_backend *b = state;
	struct io_uring_cqe *cqes[URING_CQE_BATCH];
	struct {
		uint64_t data;
		int res;
		unsigned flags;
	} batch[URING_CQE_BATCH];

	arm_wake(b);
	for (unsigned i = 0; i < b->listener_count; i++)
		listener_arm(b, i);
	while (!b->stopping && !b->fatal) {
		uring_buffers_publish(&b->bufs);
		int r = io_uring_submit_and_wait(&b->ring, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY &&
		    r != -ETIME) {
			snprintf(why, why_size, "io_uring_enter: %s",
				 strerror(-r));
			return r;
		}
		/* Copy a batch out and free its CQ slots before handling it,
		 * so completions posted meanwhile find room. */
		for (;;) {
			unsigned n = io_uring_peek_batch_cqe(&b->ring, cqes,
							     URING_CQE_BATCH);
			if (n == 0)
				break;
			for (unsigned i = 0; i < n; i++) {
				batch[i].data = cqes[i]->user_data;
				batch[i].res = cqes[i]->res;
				batch[i].flags = cqes[i]->flags;
			}
			io_uring_cq_advance(&b->ring, n);
			for (unsigned i = 0; i < n; i++)
				dispatch(b, batch[i].data, batch[i].res,
					 batch[i].flags);
			if (n < URING_CQE_BATCH)
				break;
		}
		rearm_starved(b);
		flush_counts(b);
	}
	if (b->fatal && !b->stopping) {
		snprintf(why, why_size, "io_uring: no submission slot: %s",
			 strerror(-b->fatal));
		return b->fatal;
	}
	return 0;
}

static void uring_stop(void *state)
{
	struct uring_backend *b = state;
	b->stopping = 1;
	mcs_eventfd_wake(b->wake_fd);
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "io_uring",
    .description = "io_uring completions: multishot accept into direct "
		   "descriptors, multishot recv into a shared buffer ring, "
		   "24-byte connections (Linux 6.0+, liburing 2.3)",
    .flags = MCS_BACKEND_COMPLETION | MCS_BACKEND_DIRECT_FDS,
    .probe = uring_probe,
    .capacity = uring_capacity,
    .init = uring_init,
    .run = uring_run,
    .stop = uring_stop,
    .destroy = uring_destroy,
    MCS_BACKEND_OPTIONS(uring_option_table, struct uring_options),
};
