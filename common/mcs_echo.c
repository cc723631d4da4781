/* mcs_echo.c - read, echo back, queue the unsent remainder, account. */
#include "mcs_echo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcs_peer.h"

/* A pending-write chunk: what one send() left over. */
struct echo_chunk {
	uint32_t offset; /* first unsent byte */
	uint32_t length; /* bytes stored */
	unsigned char data[];
};

#define ECHO_DEFAULT_READ_BUDGET 16u

int mcs_echo_init(struct mcs_echo *echo, uint32_t read_buffer_size,
		  uint32_t write_backlog_limit, uint32_t max_chunks,
		  struct mcs_worker_stats *stats)
{
	memset(echo, 0, sizeof(*echo));
	if (read_buffer_size == 0 || write_backlog_limit == 0 ||
	    max_chunks == 0)
		return -EINVAL;
	echo->read_buffer = malloc(read_buffer_size);
	if (!echo->read_buffer)
		return -ENOMEM;
	echo->read_size = read_buffer_size < write_backlog_limit
			      ? read_buffer_size
			      : write_backlog_limit;
	echo->chunk_bytes = echo->read_size;
	echo->read_budget = ECHO_DEFAULT_READ_BUDGET;
	echo->stats = stats;
	int err = mcs_pool_init(&echo->chunks,
				sizeof(struct echo_chunk) + echo->chunk_bytes,
				max_chunks);
	if (err) {
		free(echo->read_buffer);
		echo->read_buffer = NULL;
		return err;
	}
	return 0;
}

void mcs_echo_destroy(struct mcs_echo *echo)
{
	mcs_pool_destroy(&echo->chunks);
	free(echo->read_buffer);
	echo->read_buffer = NULL;
}

void mcs_echo_open(struct mcs_echo *echo, struct mcs_conn *conn, int fd)
{
	conn->fd = fd;
	conn->pending = MCS_POOL_NONE;
	mcs_stats_connection_opened(echo->stats);
}

/* Send len bytes; returns bytes sent (maybe short), or -1 on a fatal
 * error (already counted). */
static ssize_t echo_send(struct mcs_echo *echo, int fd,
			 const unsigned char *data, size_t len)
{
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = send(fd, data + sent, len - sent, MSG_NOSIGNAL);
		if (n > 0) {
			sent += (size_t)n;
			mcs_stat_add(&echo->stats->writes, 1);
			mcs_stat_add(&echo->stats->bytes_out, (uint64_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && mcs_is_peer_failure(errno))
			mcs_stat_add(&echo->stats->resets, 1);
		else
			mcs_stat_add(&echo->stats->write_errors, 1);
		return -1;
	}
	return (ssize_t)sent;
}

/* Queue what send() left over; false if no chunk is free. */
static int echo_queue(struct mcs_echo *echo, struct mcs_conn *conn,
		      const unsigned char *data, size_t len)
{
	struct echo_chunk *chunk = mcs_pool_alloc(&echo->chunks);
	if (!chunk)
		return 0;
	chunk->offset = 0;
	chunk->length = (uint32_t)len;
	memcpy(chunk->data, data, len);
	conn->pending = mcs_pool_index(&echo->chunks, chunk);
	mcs_stat_add(&echo->stats->buffer_bytes, echo->chunks.object_size);
	mcs_stat_add(&echo->stats->backpressure, 1);
	return 1;
}

static void echo_release_chunk(struct mcs_echo *echo, struct mcs_conn *conn)
{
	if (conn->pending == MCS_POOL_NONE)
		return;
	mcs_pool_free(&echo->chunks, mcs_pool_at(&echo->chunks, conn->pending));
	conn->pending = MCS_POOL_NONE;
	mcs_stat_sub(&echo->stats->buffer_bytes, echo->chunks.object_size);
}

enum mcs_echo_result mcs_echo_on_readable(struct mcs_echo *echo,
					  struct mcs_conn *conn,
					  enum mcs_echo_read until)
{
	if (conn->pending != MCS_POOL_NONE)
		return MCS_ECHO_BLOCKED;
	for (uint32_t round = 0; round < echo->read_budget; round++) {
		ssize_t n =
		    recv(conn->fd, echo->read_buffer, echo->read_size, 0);
		if (n == 0)
			return MCS_ECHO_CLOSE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return MCS_ECHO_IDLE;
			if (mcs_is_peer_failure(errno))
				mcs_stat_add(&echo->stats->resets, 1);
			else
				mcs_stat_add(&echo->stats->read_errors, 1);
			return MCS_ECHO_CLOSE;
		}
		mcs_stat_add(&echo->stats->reads, 1);
		mcs_stat_add(&echo->stats->bytes_in, (uint64_t)n);
		ssize_t sent =
		    echo_send(echo, conn->fd, echo->read_buffer, (size_t)n);
		if (sent < 0)
			return MCS_ECHO_CLOSE;
		if (sent < n) {
			if (!echo_queue(echo, conn, echo->read_buffer + sent,
					(size_t)(n - sent))) {
				/* No chunk left: losing bytes would break echo,
				 * so the connection goes instead. */
				mcs_stat_add(&echo->stats->write_errors, 1);
				return MCS_ECHO_CLOSE;
			}
			return MCS_ECHO_BLOCKED;
		}
		if (until == MCS_ECHO_READ_TO_SHORT &&
		    (size_t)n < echo->read_size)
			return MCS_ECHO_IDLE;
	}
	return MCS_ECHO_YIELD;
}

enum mcs_echo_result mcs_echo_on_writable(struct mcs_echo *echo,
					  struct mcs_conn *conn,
					  enum mcs_echo_read until)
{
	if (conn->pending != MCS_POOL_NONE) {
		struct echo_chunk *chunk =
		    mcs_pool_at(&echo->chunks, conn->pending);
		ssize_t sent =
		    echo_send(echo, conn->fd, chunk->data + chunk->offset,
			      chunk->length - chunk->offset);
		if (sent < 0)
			return MCS_ECHO_CLOSE;
		chunk->offset += (uint32_t)sent;
		if (chunk->offset < chunk->length)
			return MCS_ECHO_BLOCKED;
		echo_release_chunk(echo, conn);
	}
	return mcs_echo_on_readable(echo, conn, until);
}

int mcs_echo_take_error(struct mcs_echo *echo, struct mcs_conn *conn)
{
	int error = 0;
	socklen_t length = sizeof(error);
	if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
		error = errno;
	if (!error)
		return 0;
	if (mcs_is_peer_failure(error))
		mcs_stat_add(&echo->stats->resets, 1);
	else
		mcs_stat_add(&echo->stats->read_errors, 1);
	return 1;
}

void mcs_echo_close(struct mcs_echo *echo, struct mcs_conn *conn)
{
	echo_release_chunk(echo, conn);
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
	mcs_stats_connection_closed(echo->stats);
}
