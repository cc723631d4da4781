/* tun_batch.c - packets to the device in batches through io_uring (see
 * tun_batch.h). */
#include "tun_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int tun_batch_init(struct tun_batch *b, size_t slot_size)
{
	memset(b, 0, sizeof(*b));
	b->slot_size = slot_size;
	b->slots = malloc(TUN_BATCH * slot_size);
	if (!b->slots)
		return -ENOMEM;
	b->uring = io_uring_queue_init(TUN_BATCH, &b->ring, 0) == 0;
	return 0;
}

void tun_batch_free(struct tun_batch *b)
{
	if (b->uring)
		io_uring_queue_exit(&b->ring);
	free(b->slots);
	b->slots = NULL;
	b->uring = 0;
}

/* The calling thread's CPU time, ns (a system call, not the vDSO: once
 * per batch, not per packet). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned write_now(struct tun_batch *b, int fd, const uint8_t *packet,
			  size_t size)
{
	uint64_t start = thread_cpu_ns();
	ssize_t n = write(fd, packet, size);
	b->write_cpu_ns += thread_cpu_ns() - start;
	return n == (ssize_t)size ? 0 : 1;
}

unsigned tun_batch_flush(struct tun_batch *b)
{
	unsigned refused = 0, n = b->count;
	if (!n)
		return 0;
	b->count = 0;
	for (unsigned k = 0; k < n; k++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
		if (!sqe) { /* cannot happen: the ring holds a batch */
			refused +=
			    write_now(b, b->fds[k], b->slots + k * b->slot_size,
				      b->sizes[k]);
			continue;
		}
		/* -1: the file's position, which a TUN device ignores */
		io_uring_prep_write(sqe, b->fds[k], b->slots + k * b->slot_size,
				    (unsigned)b->sizes[k], (uint64_t)-1);
		sqe->user_data = k;
	}
	/* The writes run inline in the submission (a TUN write never
	 * waits), so their completions are in by the time it returns; a
	 * signal meanwhile (EINTR) only makes a wait start again. */
	uint64_t start = thread_cpu_ns();
	int submitted = io_uring_submit(&b->ring);
	b->write_cpu_ns += thread_cpu_ns() - start;
	if (submitted < 0)
		return refused + n;
	for (int seen = 0; seen < submitted;) {
		struct io_uring_cqe *cqe;
		int err = io_uring_wait_cqe(&b->ring, &cqe);
		if (err == -EINTR)
			continue;
		if (err < 0)
			return refused + (unsigned)(submitted - seen);
		if (cqe->res != (int)b->sizes[cqe->user_data])
			refused++;
		io_uring_cqe_seen(&b->ring, cqe);
		seen++;
	}
	return refused;
}

unsigned tun_batch_add(struct tun_batch *b, int fd, const uint8_t *packet,
		       size_t size)
{
	if (!b->uring)
		return write_now(b, fd, packet, size);
	if (size > b->slot_size) /* after what is queued, in order */
		return tun_batch_flush(b) + write_now(b, fd, packet, size);
	memcpy(b->slots + b->count * b->slot_size, packet, size);
	b->fds[b->count] = fd;
	b->sizes[b->count] = size;
	if (++b->count < TUN_BATCH)
		return 0;
	return tun_batch_flush(b);
}
