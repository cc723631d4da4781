/* harness_measure.h - one snapshot of what the server, the client and the
 * kernel hold: PSS of every process from /proc/PID/smaps_rollup, CPU
 * seconds from /proc/PID/stat, Slab from /proc/meminfo, TCP pages from
 * /proc/net/sockstat and accept-queue drops from /proc/net/netstat.
 */
#ifndef HARNESS_MEASURE_H
#define HARNESS_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mcs_stats.h"

#include "harness_measure-t.h"

/* The server's processes: its own pid and every worker pid in the stats
 * block. Returns how many (at most max). */
size_t harness_server_pids(pid_t server, const struct mcs_stats_block *stats,
			   pid_t *pids, size_t max);

/* Take a snapshot. Processes that vanished in between are skipped (the
 * caller notices dead processes elsewhere). Returns 0, or -errno if a
 * system-wide file could not be read. */
int harness_sample_take(const pid_t *server_pids, size_t server_count,
			const pid_t *client_pids, size_t client_count,
			struct harness_sample *sample);

/* CPU seconds only (no PSS walk, no system files): for the windows of a
 * ramp or a load, where only the CPU spent inside them counts. */
void harness_sample_cpu(const pid_t *server_pids, size_t server_count,
			const pid_t *client_pids, size_t client_count,
			double *server_cpu, double *client_cpu);

/* The whole machine's busy CPU seconds so far, from /proc/stat's cpu
 * line: user + nice + system + irq + softirq + steal (not idle, iowait or
 * guest, which user already counts). 0 when it cannot be read. */
double harness_machine_busy_s(void);

/* Sum of active_objs x objsize in /proc/slabinfo text (parsed by
 * mcs_slab_parse()). Returns 0 or -EPROTO if the text is not
 * slabinfo 2.x. */
int harness_parse_slabinfo(const char *text, uint64_t *bytes);

/* Every cache of the /proc/slabinfo read by the last
 * harness_sample_system() (or harness_sample_take()), the one the
 * slab_objects figure came from; *err is 0, or how that read failed
 * (-EACCES when not root, -ENODATA before any read). */
struct mcs_slab_snapshot;
const struct mcs_slab_snapshot *harness_sample_slab(int *err);

/* The system-wide part only (before anything starts). */
int harness_sample_system(struct harness_sample *sample);

#endif /* HARNESS_MEASURE_H */
