/* tun_qdisc.h - the TUN device's root qdisc set to noqueue, as lo and veth
 * have it, through one rtnetlink request (RTM_NEWQDISC). A TUN device
 * never stops its queue (a full reply ring drops and counts in
 * tx_dropped), so a qdisc in front of it holds nothing and only adds a
 * lock and an enqueue-dequeue to every packet the server sends. */
#ifndef TUN_QDISC_H
#define TUN_QDISC_H

#include <stddef.h>

/* Replace the root qdisc of the device named name (in this process's
 * network namespace) by noqueue. 0, or -errno with a one-line why. */
int tun_qdisc_noqueue(const char *name, char *why, size_t why_size);

#endif /* TUN_QDISC_H */
