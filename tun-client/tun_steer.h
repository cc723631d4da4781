/* tun_steer.h - steer each reply of a multi-queue TUN device to the queue
 * that owns its connection, with a small eBPF program
 * (TUNSETSTEERINGEBPF): the owner of index i is (i / 64) mod queues, and
 * the program computes i's group from the reply's destination address and
 * port and its source port by tun_space.h's arithmetic. No flow table, so
 * it holds at any connection count (the kernel's own flow steering,
 * tun_automq, remembers 4,096 flows at most). */
#ifndef TUN_STEER_H
#define TUN_STEER_H

#include <stddef.h>
#include <stdint.h>

#include "tun_space.h"

/* The program's instructions for space and queues, into insns (room for
 * TUN_STEER_MAX_INSNS of 8 bytes each). Returns how many. Pure (tested). */
#define TUN_STEER_MAX_INSNS 32u
size_t tun_steer_program(const struct tun_space *space, unsigned queues,
			 uint64_t *insns);

/* Load the program and attach it to the device (fd: any of its queues).
 * Returns the program's fd (keep it open while the device lives), or
 * -errno with why. */
int tun_steer_attach(int fd, const struct tun_space *space, unsigned queues,
		     char *why, size_t why_size);

#endif /* TUN_STEER_H */
