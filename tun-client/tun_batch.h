/* tun_batch.h - packets to the device in batches: each packet is copied
 * into one of TUN_BATCH slots, and a full batch (or a flush) goes to the
 * device in one io_uring submission, one system call for up to TUN_BATCH
 * writes instead of one each. Without io_uring (setup refused), every
 * packet is written at once with write(). One batch per worker thread.
 *
 * Writing a packet into the device runs the server kernel's receive path
 * (IP, TCP, the socket's wakeup) inline, in the writer's thread: the
 * batch adds up the thread's CPU time spent in its writes (write_cpu_ns),
 * so the harness can count that work on the server's side. */
#ifndef TUN_BATCH_H
#define TUN_BATCH_H

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>

#define TUN_BATCH 64u

struct tun_batch {
	struct io_uring ring;
	int uring;	    /* 0: io_uring refused, plain write() */
	unsigned count;	    /* packets queued */
	size_t slot_size;   /* the largest packet (the MTU) */
	uint8_t *slots;	    /* TUN_BATCH x slot_size */
	int fds[TUN_BATCH]; /* each queued packet's queue */
	size_t sizes[TUN_BATCH];
	uint64_t write_cpu_ns; /* this thread's CPU in device writes */
};

/* 0, or -ENOMEM. io_uring's refusal is not an error (plain writes). */
int tun_batch_init(struct tun_batch *b, size_t slot_size);
void tun_batch_free(struct tun_batch *b);

/* Queue a copy of packet for fd (written at once without io_uring, or
 * when it is larger than a slot). Returns the packets the device refused
 * meanwhile (a full batch is written here). */
unsigned tun_batch_add(struct tun_batch *b, int fd, const uint8_t *packet,
		       size_t size);

/* Write what is queued. Returns the packets the device refused. */
unsigned tun_batch_flush(struct tun_batch *b);

#endif /* TUN_BATCH_H */
