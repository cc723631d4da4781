/* uring_setup.h - ring and provided-buffer ring setup for the io_uring
 * backend, shared by io_uring.c and uring_setup.c only.
 *
 * Technique: a ring for a single issuer (SINGLE_ISSUER|DEFER_TASKRUN, else
 * COOP_TASKRUN, else plain), and one provided-buffer ring shared by every
 * connection of the worker. liburing 2.3 has no io_uring_setup_buf_ring(),
 * so the ring memory is mmap'd here and registered with
 * io_uring_register_buf_ring(). Needs Linux 5.19+ (buffer rings), liburing
 * 2.2+.
 */
#ifndef URING_SETUP_H
#define URING_SETUP_H

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>

/* One provided-buffer ring and the buffers it hands out. Buffer ids are
 * 0 .. count-1; buffer b lives at base + b * size. */
struct uring_buffers {
	struct io_uring_buf_ring *ring; /* shared with the kernel */
	size_t ring_bytes;
	unsigned char *base;
	size_t base_bytes;
	uint32_t count;	 /* power of two, <= 32768 */
	uint32_t size;	 /* bytes per buffer */
	int mask;	 /* io_uring_buf_ring_mask(count) */
	uint16_t group;	 /* buffer group id used in sqe->buf_group */
	int unpublished; /* buffers added since the last advance */
	int registered;
};

/* Create ring with sq_entries/cq_entries, trying the cheapest task-run mode
 * first and falling back while the kernel says EINVAL. Sets *flags_used.
 * Returns 0 or -errno (from io_uring_setup). */
int mcs__uring_queue_init(struct io_uring *ring, unsigned sq_entries,
			  unsigned cq_entries, unsigned *flags_used);

/* Map and register count buffers of size bytes as group, all handed to
 * the kernel. Returns 0 or -errno; on failure nothing is left mapped. */
int mcs__uring_buffers_init(struct io_uring *ring, struct uring_buffers *bufs,
			    uint32_t count, uint32_t size, uint16_t group);

/* Unmap (after io_uring_queue_exit, or unregister first). Safe on zeroed. */
void mcs__uring_buffers_destroy(struct uring_buffers *bufs);

static inline unsigned char *uring_buffer_at(const struct uring_buffers *bufs,
					     uint32_t id)
{
	return bufs->base + (size_t)id * bufs->size;
}

/* Give buffer id back to the kernel; visible after uring_buffers_publish. */
static inline void uring_buffer_return(struct uring_buffers *bufs, uint16_t id)
{
	io_uring_buf_ring_add(bufs->ring, uring_buffer_at(bufs, id), bufs->size,
			      id, bufs->mask, bufs->unpublished++);
}

/* Make every returned buffer visible to the kernel with one tail store. */
static inline void uring_buffers_publish(struct uring_buffers *bufs)
{
	if (bufs->unpublished) {
		io_uring_buf_ring_advance(bufs->ring, bufs->unpublished);
		bufs->unpublished = 0;
	}
}

#endif /* URING_SETUP_H */
