/* mcs_peer.h - whose fault a failed read or write on a connection is.
 *
 * One policy for every backend: a reset, a broken pipe or a timeout is the
 * peer's doing (counted in the worker's `resets`); anything else is ours or
 * the kernel's (read_errors / write_errors). Header-only (static inline).
 */
#ifndef MCS_PEER_H
#define MCS_PEER_H

#include <errno.h>

/* error is a positive errno (errno, or -res of an io_uring completion, or
 * -status of a libuv callback: UV_E* are negated errnos on Unix). Returns 1
 * if the peer reset, left or timed out, else 0. */
static inline int mcs_is_peer_failure(int error)
{
	return error == ECONNRESET || error == EPIPE || error == ETIMEDOUT;
}

#endif /* MCS_PEER_H */
