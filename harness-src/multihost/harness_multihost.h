/* harness_multihost.h - one sweep across hosts (docs/MULTIHOST.md): the
 * server on one host, a client shard on each client host, each host
 * driven by its agent (mcs-agent) started through the transport. What a
 * local sweep records goes into the same harness_run (steps, fit,
 * sweep.json and sweep.csv), plus `hosts` with every host's own figures.
 */
#ifndef HARNESS_MULTIHOST_H
#define HARNESS_MULTIHOST_H

#include "harness_run.h"

/* Run the sweep of backend described by o (o->multihost). Returns the exit
 * status: 0 done, 1 refused or failed (results so far kept), 2 bad input
 * found late (a host name that does not resolve), 128+signal. */
int harness_multihost_sweep(const struct harness_options *o,
			    const char *backend, struct harness_run *run);

#endif /* HARNESS_MULTIHOST_H */
