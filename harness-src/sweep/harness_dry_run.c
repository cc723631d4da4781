/* harness_dry_run.c - print the plan of a sweep for `--dry-run` (see
 * harness_dry_run.h). The figures are the preflight's own (harness_plan.c);
 * this file only words them. */
#include "harness_dry_run.h"

#include <inttypes.h>

#include "harness_format.h"

static void print_steps(const struct harness_run *run, FILE *out)
{
	fprintf(out, "  steps: ");
	for (size_t i = 0; i < run->planned_step_count; i++) {
		char count[32];
		harness_format_count(run->planned_steps[i], count,
				     sizeof(count));
		fprintf(out, "%s%s", i ? ", " : "", count);
	}
	fprintf(out, "\n");
}

static void print_processes(const struct harness_run *run, FILE *out)
{
	const struct harness_plan *p = &run->plan;
	char each[32], limit[32];
	harness_format_count(p->capacity_per_worker, each, sizeof(each));
	harness_format_count(p->fd_limit, limit, sizeof(limit));
	fprintf(out,
		"  server: %u workers, ports %u-%u, up to %s connections "
		"each (RLIMIT_NOFILE %s)\n",
		p->workers, p->port_first, p->port_last, each, limit);
	if (p->tun_client)
		fprintf(out,
			"  client: tun (tun-client, %u process: the "
			"connections' client ends live in it, not in "
			"this kernel)\n",
			p->client_procs);
	else
		fprintf(out,
			"  client: kernel (client, about %u processes: "
			"a socket per connection)\n",
			p->client_procs);
	char addresses[32];
	harness_format_count(p->source_count, addresses, sizeof(addresses));
	fprintf(out, "  sources: %s (%s addresses)\n", p->sources, addresses);
}

static void print_sysctls(const struct harness_plan *p, FILE *out)
{
	if (!p->change_count)
		fprintf(out, "  sysctl: none to change\n");
	for (size_t i = 0; i < p->change_count; i++)
		fprintf(out, "  sysctl: %s %s -> %s (%s)\n", p->changes[i].name,
			p->changes[i].before, p->changes[i].after,
			p->changes[i].reason);
}

static void print_memory(const struct harness_plan *p, FILE *out)
{
	char per[32], kernel[32], user[32], all[32], available[32], floor[32],
	    files[32];
	harness_format_count(p->kernel_bytes_per_connection +
				 p->user_bytes_per_connection,
			     per, sizeof(per));
	harness_format_count(p->kernel_bytes_per_connection, kernel,
			     sizeof(kernel));
	harness_format_count(p->user_bytes_per_connection, user, sizeof(user));
	harness_format_bytes(p->memory_needed, all, sizeof(all));
	harness_format_bytes(p->memory_available, available, sizeof(available));
	harness_format_bytes(p->memory_floor, floor, sizeof(floor));
	harness_format_count(p->files_needed, files, sizeof(files));
	fprintf(out,
		"  memory: %s B per connection (kernel %s B, %s; user %s B, "
		"a guess); about %s in all with the processes; %s "
		"available, %s of it kept free (--min-free)\n",
		per, kernel, p->kernel_estimate_source, user, all, available,
		floor);
	fprintf(out, "  files: %s open files\n", files);
}

static void print_caps(const struct harness_plan *p, FILE *out)
{
	char most[32], memory[32], workers[32], sources[64] = "";
	harness_format_count(p->most, most, sizeof(most));
	harness_format_count(p->most_by_memory, memory, sizeof(memory));
	harness_format_count(p->most_by_workers, workers, sizeof(workers));
	if (p->most_by_sources) {
		char count[32];
		harness_format_count(p->most_by_sources, count, sizeof(count));
		snprintf(sources, sizeof(sources), ", sources %s", count);
	}
	fprintf(out,
		"  most: %s connections here, capped by %s (memory %s, "
		"workers %s%s)\n",
		most, p->capped_by ? p->capped_by : "memory", memory, workers,
		sources);
	if (p->limited)
		fprintf(out, "  limited: %s; it would sweep to that limit\n",
			p->limit_reason);
}

static void print_netns(const struct harness_run *run, FILE *out)
{
	if (!run->netns.name[0]) {
		fprintf(out,
			"  namespace: none (%s): server and client on the "
			"host's loopback\n",
			run->netns_off_reason);
		return;
	}
	char buckets[32];
	harness_format_count(run->netns.ehash_entries, buckets,
			     sizeof(buckets));
	fprintf(out,
		"  namespace: would make %s (established hash %s buckets: "
		"net.ipv4.tcp_child_ehash_entries set on the host while it "
		"is made, then put back); the sysctls above were read in "
		"the harness's namespace: in its own, the sweep finds the "
		"kernel's defaults for the per-namespace ones (net.core."
		"somaxconn, net.ipv4.*) and raises them there as needed\n",
		run->netns.name, buckets);
}

void harness_print_dry_run(const struct harness_run *run, FILE *out)
{
	char target[32];
	harness_format_count(run->plan.target, target, sizeof(target));
	fprintf(out,
		"harness: dry run: %s to %s connections (nothing made, "
		"changed, started or written)\n",
		run->backend, target);
	print_steps(run, out);
	print_processes(run, out);
	print_sysctls(&run->plan, out);
	print_memory(&run->plan, out);
	print_caps(&run->plan, out);
	print_netns(run, out);
	for (size_t i = 0; i < run->plan.warning_count; i++)
		fprintf(out, "  warning: %s\n", run->plan.warnings[i]);
	fflush(out);
}
