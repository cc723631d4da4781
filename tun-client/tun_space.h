/* tun_space.h - the 4-tuples the TUN client uses, as a function of a
 * connection's index and back, with no table: index i is in group
 * g = i / 64 (a group's 64 connections go to one server port, so a server
 * worker accepts a batch per wakeup), port number g mod ports, and takes
 * the next 64 (source address, source port) pairs of that server port's
 * sequence. Pure arithmetic, tested both ways. */
#ifndef TUN_SPACE_H
#define TUN_SPACE_H

#include <stdint.h>

#define TUN_GROUP 64u

struct tun_space {
	uint32_t server;     /* server address (host order) */
	uint16_t port_first; /* server ports first..first+count-1 */
	uint16_t port_count;
	uint32_t source_first; /* source addresses (host order) */
	uint32_t source_count;
	uint16_t source_port_first; /* source ports, e.g. 1024-65535 */
	uint32_t source_port_count;
};

/* How many indices the space holds: port_count x the (address, port)
 * pairs, rounded down to whole groups per server port. */
uint64_t tun_space_size(const struct tun_space *space);

/* The 4-tuple of index (below tun_space_size). */
void tun_space_tuple(const struct tun_space *space, uint64_t index,
		     uint32_t *source, uint16_t *source_port,
		     uint16_t *server_port);

/* The index of a 4-tuple as a reply carries it (its destination is our
 * source): 0, or -ENOENT when it is not one of ours. */
int tun_space_index(const struct tun_space *space, uint32_t source,
		    uint16_t source_port, uint32_t server, uint16_t server_port,
		    uint64_t *index);

#endif /* TUN_SPACE_H */
