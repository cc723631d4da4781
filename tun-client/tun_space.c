/* tun_space.c - index <-> 4-tuple arithmetic (see tun_space.h). */
#include "tun_space.h"

#include <errno.h>

/* Pairs per server port, in whole groups. */
static uint64_t pairs_per_port(const struct tun_space *s)
{
	uint64_t pairs = (uint64_t)s->source_count * s->source_port_count;
	return pairs / TUN_GROUP * TUN_GROUP;
}

uint64_t tun_space_size(const struct tun_space *s)
{
	return pairs_per_port(s) * s->port_count;
}

void tun_space_tuple(const struct tun_space *s, uint64_t index,
		     uint32_t *source, uint16_t *source_port,
		     uint16_t *server_port)
{
	uint64_t group = index / TUN_GROUP;
	uint64_t k = group / s->port_count * TUN_GROUP + index % TUN_GROUP;
	*server_port = (uint16_t)(s->port_first + group % s->port_count);
	*source = s->source_first + (uint32_t)(k / s->source_port_count);
	*source_port =
	    (uint16_t)(s->source_port_first + k % s->source_port_count);
}

int tun_space_index(const struct tun_space *s, uint32_t source,
		    uint16_t source_port, uint32_t server, uint16_t server_port,
		    uint64_t *index)
{
	if (server != s->server || server_port < s->port_first ||
	    server_port - s->port_first >= s->port_count ||
	    source - s->source_first >= s->source_count ||
	    source_port < s->source_port_first ||
	    (uint32_t)(source_port - s->source_port_first) >=
		s->source_port_count)
		return -ENOENT;
	uint64_t k =
	    (uint64_t)(source - s->source_first) * s->source_port_count +
	    (source_port - s->source_port_first);
	if (k >= pairs_per_port(s))
		return -ENOENT;
	uint64_t group =
	    k / TUN_GROUP * s->port_count + (server_port - s->port_first);
	*index = group * TUN_GROUP + k % TUN_GROUP;
	return 0;
}
