/* readiness_core.c - the part of a readiness backend that is not its wait:
 * listeners and eventfd, the accept drain with the cap and the EMFILE pause,
 * echo dispatch through common/mcs_echo, the ready list of an edge-triggered
 * wait, and the run loop that calls the backend's wait and dispatch hooks
 * (readiness_core.h says who owns what).
 */
#include "readiness_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_clock.h"
#include "mcs_net.h"

/* The listener array, the ready list, the pool and the echo buffers. */
static int core_allocate(struct readiness_core *c, uint32_t max, char *why,
			 size_t why_size)
{
	const struct mcs_worker_config *config = c->params.config;
	const char *name = c->params.name;
	c->listeners = malloc(sizeof(int) * config->port_count);
	if (!c->listeners) {
		snprintf(why, why_size, "%s: out of memory for listeners",
			 name);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < config->port_count; i++)
		c->listeners[i] = -1;
	c->listener_count = config->port_count;
	if (c->params.edge_triggered) {
		c->ready_bits = calloc((max + 63) / 64, sizeof(uint64_t));
		c->ready = calloc(max, sizeof(uint32_t));
		c->ready_next = calloc(max, sizeof(uint32_t));
		if (!c->ready_bits || !c->ready || !c->ready_next) {
			snprintf(why, why_size,
				 "%s: out of memory for the ready list", name);
			return -ENOMEM;
		}
	}
	int err = mcs_pool_init(&c->conns, sizeof(struct mcs_conn), max);
	if (err) {
		snprintf(why, why_size, "%s: connection pool for %u: %s", name,
			 max, strerror(-err));
		return err;
	}
	err = mcs_echo_init(&c->echo, config->read_buffer_size,
			    config->write_backlog_limit, max, c->stats);
	if (err)
		snprintf(why, why_size, "%s: echo buffers: %s", name,
			 strerror(-err));
	return err;
}

/* One of the core's own descriptors must fit under the ceiling too. */
static int core_check_ceiling(struct readiness_core *c, int fd, char *why,
			      size_t why_size)
{
	if (!c->params.fd_ceiling || fd < c->params.fd_ceiling)
		return 0;
	snprintf(why, why_size,
		 "%s: fd %d is >= %d, the most it can wait on: too many "
		 "descriptors open before init",
		 c->params.name, fd, c->params.fd_ceiling);
	return -EMFILE;
}

/* The eventfd and a listener per port. */
static int core_open(struct readiness_core *c, char *why, size_t why_size)
{
	const struct mcs_worker_config *config = c->params.config;
	c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->wake_fd < 0) {
		int err = -errno;
		snprintf(why, why_size, "%s: eventfd: %s", c->params.name,
			 strerror(errno));
		return err;
	}
	int err = core_check_ceiling(c, c->wake_fd, why, why_size);
	for (unsigned i = 0; !err && i < config->port_count; i++) {
		int fd = mcs_listen_tcp(config->address, config->ports[i],
					config->listen_backlog,
					c->params.listen_flags, why, why_size);
		if (fd < 0)
			return fd;
		c->listeners[i] = fd;
		err = core_check_ceiling(c, fd, why, why_size);
	}
	return err;
}

int readiness_core_init(struct readiness_core *c,
			const struct readiness_params *params, char *why,
			size_t why_size)
{
	c->params = *params;
	c->stats = params->stats;
	c->wake_fd = -1;
	uint32_t max = params->max_connections ? params->max_connections : 1;
	int err = core_allocate(c, max, why, why_size);
	return err ? err : core_open(c, why, why_size);
}

/* Close a connection and give its slot back (to the shared cap too). */
static void core_release(struct readiness_core *c, struct mcs_conn *conn)
{
	mcs_echo_close(&c->echo, conn);
	mcs_pool_free(&c->conns, conn);
	if (c->params.shared_live)
		atomic_fetch_sub_explicit(c->params.shared_live, 1,
					  memory_order_relaxed);
}

void readiness_core_destroy(struct readiness_core *c)
{
	for (uint32_t i = 0; i < c->conns.high_water; i++) {
		struct mcs_conn *conn = mcs_pool_at(&c->conns, i);
		if (conn->fd >= 0)
			core_release(c, conn);
	}
	if (c->listeners)
		mcs_close_all(c->listeners, c->listener_count);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	c->wake_fd = -1;
	mcs_echo_destroy(&c->echo);
	mcs_pool_destroy(&c->conns);
	free(c->listeners);
	free(c->ready_bits);
	free(c->ready);
	free(c->ready_next);
	c->listeners = NULL;
	c->ready_bits = NULL;
	c->ready = c->ready_next = NULL;
}

/* A slot for a freshly accepted fd, or NULL if the cap (this loop's, or
 * the one it shares) or the descriptor ceiling refuses it. */
static struct mcs_conn *core_take_slot(struct readiness_core *c, int fd)
{
	unsigned max = c->params.max_connections;
	_Atomic unsigned *shared = c->params.shared_live;
	if (c->params.fd_ceiling && fd >= c->params.fd_ceiling)
		return NULL;
	if (!shared)
		return c->conns.live < max ? mcs_pool_alloc(&c->conns) : NULL;
	struct mcs_conn *conn = NULL;
	if (atomic_fetch_add_explicit(shared, 1, memory_order_relaxed) < max)
		conn = mcs_pool_alloc(&c->conns);
	if (!conn)
		atomic_fetch_sub_explicit(shared, 1, memory_order_relaxed);
	return conn;
}

/* TEST ONLY (CMake -DMCS_TEST_SLOWDOWN_ACCEPT_US=N, default 0: compiled
 * out): spin N microseconds per accepted connection, a known regression
 * for the baseline check (docs/HARNESS.md "Baselines and CI"). A spin,
 * not a sleep, so it costs server CPU per accept as a slow path would. */
#if defined(MCS_TEST_SLOWDOWN_ACCEPT_US) && MCS_TEST_SLOWDOWN_ACCEPT_US > 0
static void core_test_slowdown(void)
{
	double until = mcs_now_seconds() + MCS_TEST_SLOWDOWN_ACCEPT_US / 1e6;
	while (mcs_now_seconds() < until)
		;
}
#else
static inline void core_test_slowdown(void)
{
}
#endif

/* Take a freshly accepted socket, or close it and count it refused. */
static void core_admit(struct readiness_core *c, int fd)
{
	core_test_slowdown();
	struct mcs_conn *conn = core_take_slot(c, fd);
	if (!conn) {
		close(fd);
		mcs_stat_add(&c->stats->over_capacity, 1);
		return;
	}
	uint32_t handle = mcs_pool_index(&c->conns, conn);
	mcs_echo_open(&c->echo, conn, fd);
	mcs_stat_set(&c->stats->pool_bytes,
		     (uint64_t)c->conns.high_water *
			 (c->conns.object_size + c->params.slot_bytes));
	if (readiness_backend_watch(c, handle, fd) < 0) {
		mcs_stat_add(&c->stats->accept_errors, 1);
		core_release(c, conn);
	}
}

/* Accept until EAGAIN. Returns 0, or -1 if accepting must pause. */
static int core_drain(struct readiness_core *c, int listener)
{
	for (;;) {
		int fd =
		    accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			core_admit(c, fd);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (mcs_stats_accept_failed(c->stats, errno))
			return -1;
	}
}

/* Out of descriptors (or memory): stop accepting for a while, so the loop
 * serves the connections it has instead of spinning on accept4(). */
static void core_pause(struct readiness_core *c)
{
	c->accept_resume_ms = mcs_now_ms() + READINESS_PAUSE_MS;
	readiness_backend_listening(c, 0);
}

void readiness_core_accept(struct readiness_core *c, int listener)
{
	if (!c->accept_resume_ms && core_drain(c, listener) < 0)
		core_pause(c);
}

/* The pause is over: the listeners come back and are drained. */
static void core_resume(struct readiness_core *c)
{
	c->accept_resume_ms = 0;
	readiness_backend_listening(c, 1);
	for (unsigned i = 0; i < c->listener_count; i++) {
		if (core_drain(c, c->listeners[i]) < 0) {
			core_pause(c);
			return;
		}
	}
}

static void core_mark_ready(struct readiness_core *c, uint32_t handle)
{
	uint64_t bit = 1ull << (handle % 64);
	if (c->ready_bits[handle / 64] & bit)
		return;
	c->ready_bits[handle / 64] |= bit;
	c->ready_next[c->ready_count++] = handle;
}

void readiness_core_serve(struct readiness_core *c, uint32_t handle,
			  unsigned ready)
{
	struct mcs_conn *conn = mcs_pool_at(&c->conns, handle);
	enum mcs_echo_read until = (ready & READINESS_SHORT_READ_ENDS)
				       ? MCS_ECHO_READ_TO_SHORT
				       : MCS_ECHO_READ_TO_EAGAIN;
	enum mcs_echo_result result;
	if (conn->fd < 0)
		return;
	/* An error event with none pending after all (SO_ERROR 0) reads or
	 * writes as the connection's state asks. */
	if ((ready & READINESS_ERROR) && mcs_echo_take_error(&c->echo, conn)) {
		result = MCS_ECHO_CLOSE;
	} else if (conn->pending != MCS_POOL_NONE) {
		if (!(ready & (READINESS_OUT | READINESS_ERROR)))
			return;
		result = mcs_echo_on_writable(&c->echo, conn, until);
	} else {
		if (!(ready & (READINESS_IN | READINESS_ERROR)))
			return;
		result = mcs_echo_on_readable(&c->echo, conn, until);
	}
	switch (result) {
	case MCS_ECHO_CLOSE:
		readiness_backend_forget(c, handle, conn->fd);
		core_release(c, conn);
		return;
	case MCS_ECHO_BLOCKED:
		readiness_backend_interest(c, handle, conn->fd,
					   READINESS_WRITE);
		return;
	case MCS_ECHO_YIELD:
	case MCS_ECHO_IDLE:
		/* A yielded one waits for readable too, meanwhile. */
		if (result == MCS_ECHO_YIELD && c->params.edge_triggered)
			core_mark_ready(c, handle);
		readiness_backend_interest(c, handle, conn->fd, READINESS_READ);
		return;
	}
}

/* -1 (block), 0 (connections are on the ready list) or what is left of
 * an accept pause. */
static int core_timeout_ms(struct readiness_core *c)
{
	if (c->ready_count)
		return 0;
	if (!c->accept_resume_ms)
		return -1;
	int64_t left = c->accept_resume_ms - mcs_now_ms();
	return left > 0 ? (int)left : 0;
}

/* Swap the ready list out before serving, so that what yields again now
 * is served after the next wait. Returns the list; *count its length. */
static uint32_t *core_take_ready(struct readiness_core *c, uint32_t *count)
{
	uint32_t *ready = c->ready_next;
	*count = c->ready_count;
	c->ready_next = c->ready;
	c->ready = ready;
	c->ready_count = 0;
	for (uint32_t i = 0; i < *count; i++)
		c->ready_bits[ready[i] / 64] &= ~(1ull << (ready[i] % 64));
	return ready;
}

int readiness_core_run(void *state, char *why, size_t why_size)
{
	struct readiness_core *c = state;
	while (!c->stopping) {
		int ready = readiness_backend_wait(c, core_timeout_ms(c), why,
						   why_size);
		if (ready == -EINTR)
			continue;
		if (ready < 0)
			return ready;
		if (c->stopping)
			break;
		if (c->accept_resume_ms && mcs_now_ms() >= c->accept_resume_ms)
			core_resume(c);
		uint32_t again_count = 0;
		uint32_t *again = c->params.edge_triggered
				      ? core_take_ready(c, &again_count)
				      : NULL;
		readiness_backend_dispatch(c, ready);
		for (uint32_t i = 0; i < again_count; i++)
			readiness_core_serve(c, again[i],
					     READINESS_IN | READINESS_OUT);
		if (c->params.after_batch)
			c->params.after_batch(c->params.after_batch_arg);
	}
	return 0;
}

void readiness_core_stop(void *state)
{
	struct readiness_core *c = state;
	c->stopping = 1;
	mcs_eventfd_wake(c->wake_fd);
}
