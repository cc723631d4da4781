/* uring_setup.c - create the io_uring ring and the shared provided-buffer
 * ring for the io_uring backend.
 *
 * Technique: ring flags are tried from the cheapest to the most portable
 * (SINGLE_ISSUER|DEFER_TASKRUN: completions run only when the loop asks for
 * them, no IPIs; then COOP_TASKRUN; then none), each with a CQ four times
 * the SQ so bursts of multishot completions do not overflow. The buffer
 * ring is set up by hand because liburing 2.3 lacks io_uring_setup_buf_ring:
 * mmap a page-aligned ring, io_uring_buf_ring_init, register it, add every
 * buffer, advance once. IORING_SETUP_NO_SQARRAY is never used: 2.3's queue
 * init corrupts the ring with it.
 *
 * Needs: Linux 5.19+ for buffer rings (6.1+ for DEFER_TASKRUN, optional),
 * liburing 2.2+.
 */
#include "uring_setup.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int mcs__uring_queue_init(struct io_uring *ring, unsigned sq_entries,
			  unsigned cq_entries, unsigned *flags_used)
{
	static const unsigned attempts[] = {
	    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		IORING_SETUP_SUBMIT_ALL,
	    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
		IORING_SETUP_SUBMIT_ALL,
	    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
	    IORING_SETUP_SUBMIT_ALL,
	    0,
	};
	int err = -EINVAL;
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		struct io_uring_params params;
		memset(&params, 0, sizeof(params));
		params.flags = attempts[i] | IORING_SETUP_CQSIZE;
		params.cq_entries = cq_entries;
		err = io_uring_queue_init_params(sq_entries, ring, &params);
		if (err == 0) {
			*flags_used = attempts[i];
			return 0;
		}
		/* Only an unknown flag is worth another try. */
		if (err != -EINVAL)
			return err;
	}
	return err;
}

int mcs__uring_buffers_init(struct io_uring *ring, struct uring_buffers *bufs,
			    uint32_t count, uint32_t size, uint16_t group)
{
	memset(bufs, 0, sizeof(*bufs));
	if (count == 0 || count > 32768 || (count & (count - 1)) || size == 0)
		return -EINVAL;
	bufs->count = count;
	bufs->size = size;
	bufs->group = group;
	bufs->mask = io_uring_buf_ring_mask(count);
	bufs->ring_bytes = (size_t)count * sizeof(struct io_uring_buf);
	void *mem = mmap(NULL, bufs->ring_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	bufs->ring = mem;
	/* Buffers are touched only when the kernel fills them. */
	bufs->base_bytes = (size_t)count * size;
	mem = mmap(NULL, bufs->base_bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		int err = -errno;
		mcs__uring_buffers_destroy(bufs);
		return err;
	}
	bufs->base = mem;
	io_uring_buf_ring_init(bufs->ring);
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)bufs->ring;
	reg.ring_entries = count;
	reg.bgid = group;
	int err = io_uring_register_buf_ring(ring, &reg, 0);
	if (err) {
		mcs__uring_buffers_destroy(bufs);
		return err;
	}
	bufs->registered = 1;
	for (uint32_t id = 0; id < count; id++)
		uring_buffer_return(bufs, (uint16_t)id);
	uring_buffers_publish(bufs);
	return 0;
}

void mcs__uring_buffers_destroy(struct uring_buffers *bufs)
{
	if (bufs->base)
		munmap(bufs->base, bufs->base_bytes);
	if (bufs->ring)
		munmap(bufs->ring, bufs->ring_bytes);
	memset(bufs, 0, sizeof(*bufs));
}
