/* server_monitor.h - the once-a-second monitoring line and the final
 * summary, computed from the shared stats and /proc. */
#ifndef SERVER_MONITOR_H
#define SERVER_MONITOR_H

#include <stdio.h>
#include <sys/types.h>

#include "mcs_stats.h"

struct server_monitor {
	const struct mcs_stats_block *stats;
	const pid_t *pids;
	unsigned workers;
	double started;
	double last_time;
	uint64_t last_accepts;
	uint64_t last_pss; /* user-space memory at the last line */
};

void server_monitor_init(struct server_monitor *m,
			 const struct mcs_stats_block *stats, const pid_t *pids,
			 unsigned workers);
/* Sum of PSS (bytes) over the server process and its live workers. */
uint64_t server_monitor_user_memory(const struct server_monitor *m);
void server_monitor_line(struct server_monitor *m, FILE *out);
void server_monitor_final(struct server_monitor *m, FILE *out, int json);

#endif /* SERVER_MONITOR_H */
