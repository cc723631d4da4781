/* harness_netns.h - the private network namespace a sweep runs in.
 *
 * As root, each sweep gets a namespace of its own, "mcs-sweep-PID": the
 * server and the client run on its loopback, started through the transport
 * `ip netns exec {host}` (harness_transport.h) with the namespace as host.
 * Its established hash is sized for the target (net.ipv4.
 * tcp_child_ehash_entries is set on the host just before the namespace is
 * made and restored right after), the per-namespace sysctls the run needs
 * are set inside it, and its sockstat and netstat counters and its
 * TIME_WAIT sockets are the run's alone and go with it.
 *
 * The harness itself enters the namespace for the sweep, so that its
 * sysctl reads and writes and its /proc/net readers see the run's
 * namespace; sysctls that exist only on the host (fs.*, net.core.
 * netdev_max_backlog, tcp_mem) are read and raised there. The namespace
 * is removed on every exit path; one left by a harness killed outright
 * (kill -9) is removed by the next run, which also restores the host's
 * tcp_child_ehash_entries if that kill came between set and restore.
 */
#ifndef HARNESS_NETNS_H
#define HARNESS_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include "harness_netns-t.h"

/* The established hash a target wants: a power of two at or above two
 * sockets per connection, within the kernel's bounds. Pure. */
uint64_t harness_netns_ehash_entries(uint64_t target);

/* Remove namespaces named HARNESS_NETNS_PREFIX<pid> whose harness is
 * gone, and put back a tcp_child_ehash_entries a killed harness left
 * changed. Returns how many namespaces were removed. */
int harness_netns_remove_stale(void);

/* Make the namespace for this harness and target (loopback up), and
 * enter it. Returns 0, or -errno with one line in why. */
int harness_netns_create(struct harness_netns *ns, uint64_t target, char *why,
			 size_t why_size);

/* Go back to the host's namespace, or into the sweep's again (no-ops
 * without a namespace). Return 0 or -errno. */
int harness_netns_leave(struct harness_netns *ns);
int harness_netns_enter(struct harness_netns *ns);

/* Leave and delete the namespace. Safe to call twice. Returns 0 or
 * -errno with why. */
int harness_netns_remove(struct harness_netns *ns, char *why, size_t why_size);

/* The namespace of the sweep in progress, or NULL: for the preflight's
 * host-only sysctls. */
struct harness_netns *harness_netns_current(void);

#endif /* HARNESS_NETNS_H */
