/* libuv.c - the libuv backend: what a general-purpose event library costs
 * per connection, next to the hand-written loops.
 *
 * Technique: one uv_loop_t per worker (libuv drives epoll underneath). Each
 * connection is a uv_tcp_t with 8 bytes of context beside it (256 bytes, 16
 * to a page), taken from an mcs_pool: nothing is malloc'ed per connection.
 * Reads land in ONE buffer shared by every connection: libuv calls alloc_cb
 * only once a socket is readable, and read_cb consumes the bytes before the
 * loop reads another socket. The echo is uv_try_write() first; only what the
 * kernel would not take is copied into a pooled write (uv_write_t + at most
 * write_backlog_limit bytes) and queued with uv_write(), and the connection
 * stops reading (uv_read_stop) until that write completes: a peer that never
 * reads costs one bounded chunk, however much it sends.
 *
 * EOF: everything owed was already written (reads stop while a write is
 * queued), so the handle is closed and the kernel sends the rest and a FIN.
 * Resets and other errors close the handle and are counted.
 *
 * Limits. On EMFILE libuv accepts-and-closes pending connections without
 * calling the connection callback (its spare-fd trick): clients would be
 * dropped silently. So libuv must never call accept() without a free fd.
 * capacity() leaves RESERVED_FDS of headroom, and init() also measures the
 * real room (RLIMIT_NOFILE minus the fds open once the loop and listeners
 * exist) in case the limit is lower than the plan assumed. At that room a
 * new connection is not taken: the listener keeps the one fd libuv accepted,
 * which makes libuv stop watching it, so the rest wait in the kernel backlog;
 * it counts in accept_fd_limit, is retried every ACCEPT_RETRY_MS (counted
 * again while refused, no spinning) and taken as soon as a connection
 * closes. At max_connections a new connection is accepted into a spare pool
 * slot and closed at once (counted in over_capacity); if even the spare
 * slots are in use, the listener waits the same way until a slot is freed.
 *
 * stop() is uv_async_send(), which libuv documents as async-signal-safe.
 *
 * Needs: libuv >= 1.x (built and measured with Debian's 1.44); Linux.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "mcs_backend.h"
#include "mcs_net.h"
#include "mcs_peer.h"
#include "mcs_pool.h"

/* Descriptors kept free beside connections. Counted in a worker (libuv
 * 1.44): stdio 3, epoll 1, the async eventfd 1, libuv's signal pipes 2+2
 * (uv_loop_init sets up its child watcher), its spare /dev/null for the
 * EMFILE trick 1 = 10, plus one connection accepted beyond the cap before
 * it is closed, plus whatever the worker inherited. 32 is 0.16% of a
 * 20,000 cap; at the cap libuv would drop connections silently. */
#define RESERVED_FDS 32u
/* Pool slots beyond max_connections, used only to accept-and-close. Their
 * fds close at once; the slot lives until libuv's close callback. */
#define REJECT_SLOTS 64u
/* Descriptors kept free below the measured fd room: each listener may hold
 * one accepted fd while it waits, and libuv needs one for its next accept. */
#define FD_ROOM_MARGIN 2u
/* How often a listener left waiting for fd room tries again. */
#define ACCEPT_RETRY_MS 100

enum conn_flag {
	CONN_OPEN = 1u << 0,	 /* a counted connection */
	CONN_REJECTED = 1u << 1, /* over capacity: being closed, not counted */
	CONN_READING = 1u << 2,	 /* uv_read_start() in effect */
	CONN_CLOSING = 1u << 3,	 /* uv_close() called */
};

/* One connection. The handle comes first: the pool's free-list link
 * overwrites the first 4 bytes of a free object, which libuv no longer
 * uses once the close callback ran. */
struct uv_conn {
	uv_tcp_t handle;
	uint32_t write; /* pooled write in flight, MCS_POOL_NONE if none */
	uint32_t flags; /* enum conn_flag; 0 while in the free list */
};

/* A queued echo: what uv_try_write() left over. */
struct uv_pending_write {
	uv_write_t request;
	uint32_t length;
	unsigned char data[];
};

struct uv_backend {
	uv_loop_t loop;
	uv_async_t wake;  /* uv_async_send() from stop() */
	uv_timer_t retry; /* retries listeners left waiting */
	struct mcs_worker_config config;
	struct mcs_worker_stats *stats;
	volatile sig_atomic_t stopping;
	int loop_ready;	 /* uv_loop_init() done */
	int wake_ready;	 /* uv_async_init() done */
	int retry_ready; /* uv_timer_init() done */
	uv_tcp_t *listeners;
	unsigned listener_count; /* listeners with uv_tcp_init() done */
	unsigned char *parked;	 /* per listener: holds an fd we did not take */
	unsigned parked_count;
	unsigned live;	      /* counted connections held now */
	unsigned fds_at_init; /* descriptors open once init() was done */
	unsigned fd_room; /* most connections the fd table leaves room for */
	struct mcs_pool conns;	/* struct uv_conn */
	struct mcs_pool writes; /* struct uv_pending_write + chunk */
	unsigned char *read_buffer;
	uint32_t read_size; /* <= write_backlog_limit: a remainder fits */
};

static unsigned uv_backend_capacity(unsigned fd_limit)
{
	return fd_limit > RESERVED_FDS ? fd_limit - RESERVED_FDS : 0;
}

/* The pool objects are sized from these headers: refuse a libuv whose
 * handles are bigger than the ones this plugin was built against. */
static int uv_backend_probe(char *why, size_t why_size)
{
	if (uv_handle_size(UV_TCP) != sizeof(uv_tcp_t) ||
	    uv_req_size(UV_WRITE) != sizeof(uv_write_t)) {
		snprintf(why, why_size,
			 "libuv %s has uv_tcp_t of %zu bytes, built for %zu: "
			 "rebuild against the installed headers",
			 uv_version_string(), uv_handle_size(UV_TCP),
			 sizeof(uv_tcp_t));
		return -ENOEXEC;
	}
	return 0;
}

static struct uv_backend *backend_of(const uv_handle_t *handle)
{
	return handle->loop->data;
}

static void accept_parked(struct uv_backend *b);
static void on_retry(uv_timer_t *retry);

static void free_slot(struct uv_backend *b, struct uv_conn *conn)
{
	conn->flags = 0;
	mcs_pool_free(&b->conns, conn);
	if (b->parked_count && !b->stopping)
		accept_parked(b);
}

static void on_conn_closed(uv_handle_t *handle)
{
	struct uv_backend *b = backend_of(handle);
	struct uv_conn *conn = (struct uv_conn *)handle;
	if (conn->flags & CONN_OPEN) {
		b->live--;
		mcs_stats_connection_closed(b->stats);
	} else if (conn->flags & CONN_REJECTED) {
		mcs_stat_add(&b->stats->over_capacity, 1);
	}
	free_slot(b, conn);
}

static void conn_close(struct uv_conn *conn)
{
	if (conn->flags & CONN_CLOSING)
		return;
	conn->flags |= CONN_CLOSING;
	uv_close((uv_handle_t *)&conn->handle, on_conn_closed);
}

static void count_error(struct uv_backend *b, int error,
			_Atomic uint64_t *otherwise)
{
	/* libuv's UV_E* are negated errnos on Unix. */
	if (mcs_is_peer_failure(-error))
		mcs_stat_add(&b->stats->resets, 1);
	else
		mcs_stat_add(otherwise, 1);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct uv_backend *b = backend_of(handle);
	(void)suggested;
	*buf = uv_buf_init((char *)b->read_buffer, b->read_size);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void on_write(uv_write_t *request, int status)
{
	struct uv_pending_write *w = (struct uv_pending_write *)request;
	struct uv_conn *conn = (struct uv_conn *)request->handle;
	struct uv_backend *b = backend_of((uv_handle_t *)request->handle);
	uint32_t length = w->length;
	conn->write = MCS_POOL_NONE;
	mcs_pool_free(&b->writes, w);
	mcs_stat_sub(&b->stats->buffer_bytes, b->writes.object_size);
	if (conn->flags & CONN_CLOSING)
		return; /* UV_ECANCELED from our own uv_close() */
	if (status < 0) {
		count_error(b, status, &b->stats->write_errors);
		conn_close(conn);
		return;
	}
	mcs_stat_add(&b->stats->writes, 1);
	mcs_stat_add(&b->stats->bytes_out, length);
	int err = uv_read_start(request->handle, on_alloc, on_read);
	if (err) {
		mcs_stat_add(&b->stats->read_errors, 1);
		conn_close(conn);
		return;
	}
	conn->flags |= CONN_READING;
}

/* Queue what uv_try_write() could not send and stop reading until it is
 * gone. Returns 0, or -1 if the connection must close. */
static int queue_remainder(struct uv_backend *b, struct uv_conn *conn,
			   const char *data, size_t length)
{
	struct uv_pending_write *w = mcs_pool_alloc(&b->writes);
	if (!w) {
		/* No chunk free: dropping bytes would break echo. */
		mcs_stat_add(&b->stats->write_errors, 1);
		return -1;
	}
	w->length = (uint32_t)length;
	memcpy(w->data, data, length);
	uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)length);
	int err = uv_write(&w->request, (uv_stream_t *)&conn->handle, &buf, 1,
			   on_write);
	if (err) {
		mcs_pool_free(&b->writes, w);
		count_error(b, err, &b->stats->write_errors);
		return -1;
	}
	conn->write = mcs_pool_index(&b->writes, w);
	mcs_stat_add(&b->stats->buffer_bytes, b->writes.object_size);
	mcs_stat_add(&b->stats->backpressure, 1);
	uv_read_stop((uv_stream_t *)&conn->handle);
	conn->flags &= ~CONN_READING;
	return 0;
}

static void echo(struct uv_backend *b, struct uv_conn *conn, const char *data,
		 size_t length)
{
	uv_buf_t buf = uv_buf_init((char *)data, (unsigned)length);
	int sent = uv_try_write((uv_stream_t *)&conn->handle, &buf, 1);
	if (sent < 0 && sent != UV_EAGAIN) {
		count_error(b, sent, &b->stats->write_errors);
		conn_close(conn);
		return;
	}
	if (sent < 0)
		sent = 0;
	if (sent > 0) {
		mcs_stat_add(&b->stats->writes, 1);
		mcs_stat_add(&b->stats->bytes_out, (uint64_t)sent);
	}
	if ((size_t)sent < length &&
	    queue_remainder(b, conn, data + sent, length - (size_t)sent) < 0)
		conn_close(conn);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct uv_backend *b = backend_of((uv_handle_t *)stream);
	struct uv_conn *conn = (struct uv_conn *)stream;
	if (nread > 0) {
		mcs_stat_add(&b->stats->reads, 1);
		mcs_stat_add(&b->stats->bytes_in, (uint64_t)nread);
		echo(b, conn, buf->base, (size_t)nread);
		return;
	}
	if (nread == 0)
		return; /* EAGAIN: libuv waits again */
	/* libuv stopped reading before telling us. */
	conn->flags &= ~CONN_READING;
	if (nread != UV_EOF)
		count_error(b, (int)nread, &b->stats->read_errors);
	/* At EOF nothing is owed: reads stop while a write is queued, so
	 * everything received was already sent or handed to the kernel. */
	conn_close(conn);
}

/* Take the connection libuv accepted on listener into a pool slot: a
 * counted connection under the cap, else accepted and closed at once.
 * Returns 0, or -1 if no slot was free (the fd stays with the listener,
 * which libuv then stops watching until we take it). */
static int accept_one(struct uv_backend *b, uv_stream_t *listener)
{
	if (b->live < b->config.max_connections && b->live >= b->fd_room) {
		/* Taking it would let libuv accept() into a full fd table. */
		mcs_stat_add(&b->stats->accept_fd_limit, 1);
		return -1;
	}
	struct uv_conn *conn = mcs_pool_alloc(&b->conns);
	if (!conn)
		return -1;
	conn->write = MCS_POOL_NONE;
	conn->flags =
	    b->live < b->config.max_connections ? CONN_OPEN : CONN_REJECTED;
	uv_tcp_init(&b->loop, &conn->handle);
	int err = uv_accept(listener, (uv_stream_t *)&conn->handle);
	if (err) {
		/* The handle never got a socket; its slot comes back in the
		 * close callback, which counts nothing for it. */
		mcs_stat_add(&b->stats->accept_errors, 1);
		conn->flags = 0;
		conn_close(conn);
		return 0;
	}
	if (conn->flags & CONN_REJECTED) {
		conn_close(conn);
		return 0;
	}
	b->live++;
	mcs_stats_connection_opened(b->stats);
	mcs_stat_set(&b->stats->pool_bytes,
		     (uint64_t)b->conns.high_water * b->conns.object_size);
	err = uv_read_start((uv_stream_t *)&conn->handle, on_alloc, on_read);
	if (err) {
		mcs_stat_add(&b->stats->read_errors, 1);
		conn_close(conn);
		return 0;
	}
	conn->flags |= CONN_READING;
	return 0;
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct uv_backend *b = backend_of((uv_handle_t *)listener);
	if (status < 0) {
		if (status == UV_EMFILE || status == UV_ENFILE ||
		    status == UV_ENOBUFS || status == UV_ENOMEM)
			mcs_stat_add(&b->stats->accept_fd_limit, 1);
		else
			mcs_stat_add(&b->stats->accept_errors, 1);
		return;
	}
	if (accept_one(b, listener) < 0) {
		unsigned i = (unsigned)((uv_tcp_t *)listener - b->listeners);
		b->parked[i] = 1;
		b->parked_count++;
		if (!uv_is_active((uv_handle_t *)&b->retry))
			uv_timer_start(&b->retry, on_retry, ACCEPT_RETRY_MS,
				       ACCEPT_RETRY_MS);
	}
}

static void accept_parked(struct uv_backend *b)
{
	for (unsigned i = 0; i < b->listener_count && b->parked_count; i++) {
		if (!b->parked[i])
			continue;
		if (accept_one(b, (uv_stream_t *)&b->listeners[i]) < 0)
			return;
		b->parked[i] = 0;
		b->parked_count--;
	}
}

/* The soft RLIMIT_NOFILE now, less what was open after init() and the
 * margin: how many connections the fd table has room for. Re-read on every
 * retry, so a raised limit is used without a restart. */
static void update_fd_room(struct uv_backend *b)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	uint64_t limit =
	    rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : rl.rlim_cur;
	uint64_t used =
	    (uint64_t)b->fds_at_init + b->listener_count + FD_ROOM_MARGIN;
	b->fd_room = limit > used ? (unsigned)(limit - used) : 0;
}

static void on_retry(uv_timer_t *retry)
{
	struct uv_backend *b = retry->loop->data;
	update_fd_room(b);
	accept_parked(b);
	if (!b->parked_count)
		uv_timer_stop(retry);
}

/* Descriptors this process has open now. */
static unsigned count_open_fds(void)
{
	unsigned count = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir)))
			if (entry->d_name[0] != '.')
				count++;
		closedir(dir);
		return count > 0 ? count - 1 : 0; /* the DIR's own fd */
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > 1u << 20)
		rl.rlim_cur = 1u << 20;
	for (int fd = 0; fd < (int)rl.rlim_cur; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			count++;
	return count;
}

static void on_wake(uv_async_t *wake)
{
	uv_stop(wake->loop);
}

static void uv_backend_destroy(void *state)
{
	struct uv_backend *b = state;
	if (!b)
		return;
	b->stopping = 1;
	if (b->loop_ready) {
		for (uint32_t i = 0; i < b->conns.high_water; i++) {
			struct uv_conn *conn = mcs_pool_at(&b->conns, i);
			if (conn->flags & (CONN_OPEN | CONN_REJECTED))
				conn_close(conn);
		}
		for (unsigned i = 0; i < b->listener_count; i++)
			uv_close((uv_handle_t *)&b->listeners[i], NULL);
		if (b->wake_ready)
			uv_close((uv_handle_t *)&b->wake, NULL);
		if (b->retry_ready)
			uv_close((uv_handle_t *)&b->retry, NULL);
		/* Runs the close callbacks (and cancels queued writes). */
		uv_run(&b->loop, UV_RUN_DEFAULT);
		uv_loop_close(&b->loop);
	}
	mcs_pool_destroy(&b->conns);
	mcs_pool_destroy(&b->writes);
	free(b->read_buffer);
	free(b->listeners);
	free(b->parked);
	free(b);
}

/* A listener on one port: mcs_listen_tcp() binds and listens (with a
 * reason on failure), libuv adopts the fd. */
static int open_listener(struct uv_backend *b, unsigned i, char *why,
			 size_t why_size)
{
	const struct mcs_worker_config *c = &b->config;
	int fd = mcs_listen_tcp(c->address, c->ports[i], c->listen_backlog, 0,
				why, why_size);
	if (fd < 0)
		return fd;
	uv_tcp_t *listener = &b->listeners[i];
	uv_tcp_init(&b->loop, listener);
	b->listener_count = i + 1;
	int err = uv_tcp_open(listener, fd);
	if (err) {
		close(fd);
		snprintf(why, why_size, "uv_tcp_open(port %u): %s", c->ports[i],
			 uv_strerror(err));
		return err;
	}
	err = uv_listen((uv_stream_t *)listener, c->listen_backlog,
			on_connection);
	if (err) {
		snprintf(why, why_size, "uv_listen(port %u): %s", c->ports[i],
			 uv_strerror(err));
		return err;
	}
	return 0;
}

static int uv_backend_init(const struct mcs_worker_config *config, void **state,
			   char *why, size_t why_size)
{
	int err;
	struct uv_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, why_size,
			 "libuv: out of memory for worker state");
		return -ENOMEM;
	}
	b->config = *config;
	b->stats = config->stats;
	uint32_t max = config->max_connections;
	if (max == 0 || config->read_buffer_size == 0 ||
	    config->write_backlog_limit == 0) {
		err = -EINVAL;
		snprintf(why, why_size,
			 "libuv: max_connections, read_buffer_size and "
			 "write_backlog_limit must be > 0");
		goto err;
	}
	b->read_size = config->read_buffer_size < config->write_backlog_limit
			   ? config->read_buffer_size
			   : config->write_backlog_limit;
	b->read_buffer = malloc(b->read_size);
	b->listeners = calloc(config->port_count, sizeof(uv_tcp_t));
	b->parked = calloc(config->port_count, 1);
	if (!b->read_buffer || !b->listeners || !b->parked) {
		err = -ENOMEM;
		snprintf(why, why_size,
			 "libuv: out of memory for worker state");
		goto err;
	}
	err = mcs_pool_init(&b->conns, sizeof(struct uv_conn),
			    max + REJECT_SLOTS);
	if (!err)
		err = mcs_pool_init(
		    &b->writes, sizeof(struct uv_pending_write) + b->read_size,
		    max);
	if (err) {
		snprintf(why, why_size, "libuv: pools for %u connections: %s",
			 max, strerror(-err));
		goto err;
	}
	err = uv_loop_init(&b->loop);
	if (err) {
		snprintf(why, why_size, "uv_loop_init: %s", uv_strerror(err));
		goto err;
	}
	b->loop_ready = 1;
	b->loop.data = b;
	err = uv_async_init(&b->loop, &b->wake, on_wake);
	if (err) {
		snprintf(why, why_size, "uv_async_init: %s", uv_strerror(err));
		goto err;
	}
	b->wake_ready = 1;
	uv_timer_init(&b->loop, &b->retry);
	b->retry_ready = 1;
	for (unsigned i = 0; i < config->port_count; i++) {
		err = open_listener(b, i, why, why_size);
		if (err)
			goto err;
	}
	b->fds_at_init = count_open_fds();
	update_fd_room(b);
	if (b->fd_room == 0) {
		err = -EMFILE;
		snprintf(why, why_size,
			 "libuv: RLIMIT_NOFILE leaves no descriptor for a "
			 "connection (%u open after init)",
			 b->fds_at_init);
		goto err;
	}
	*state = b;
	return 0;
err:
	uv_backend_destroy(b);
	return err;
}

static int uv_backend_run(void *state, char *why, size_t why_size)
{
	struct uv_backend *b = state;
	(void)why;
	(void)why_size;
	/* uv_run() returns after uv_stop(); it would also return if nothing
	 * were active, which cannot happen while the listeners are open. */
	while (!b->stopping)
		if (uv_run(&b->loop, UV_RUN_DEFAULT) == 0)
			break;
	return 0;
}

static void uv_backend_stop(void *state)
{
	struct uv_backend *b = state;
	b->stopping = 1;
	uv_async_send(&b->wake);
}

MCS_BACKEND_EXPORT const struct mcs_backend_ops mcs_backend = {
    MCS_BACKEND_HEADER,
    .name = "libuv",
    .description = "libuv event loop (epoll inside), uv_tcp_t from a pool, "
		   "one shared read buffer, uv_try_write first (libuv "
		   "1.44+)",
    .flags = MCS_BACKEND_READINESS,
    .probe = uv_backend_probe,
    .capacity = uv_backend_capacity,
    .init = uv_backend_init,
    .run = uv_backend_run,
    .stop = uv_backend_stop,
    .destroy = uv_backend_destroy,
};
