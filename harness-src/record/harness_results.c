/* harness_results.c - the run record as sweep.csv (one row per step, the
 * baseline first as step 0) and sweep.json (jansson), and the
 * <backend>/latest link. The per-step figures come from the table in
 * harness_fields.c; the record's own operations are in harness_run.c. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_schema.h"
#include "harness_fields.h"
#include "harness_format.h"
#include "harness_machine.h"
#include "harness_results.h"
#include "harness_plot.h"
#include "harness_soak.h"
#include "harness_transport.h"

/* What the fit is over, and whose kernel it counts. */
static const char *fit_note(const struct harness_run *run)
{
	if (run->client_kind == HARNESS_CLIENT_TUN)
		return "least squares over the baseline (0 connections) and "
		       "every step: memory = base + slope x connections. The "
		       "slope is the per-connection cost; the base is fixed "
		       "per-process overhead. user and client are idle: the "
		       "memory the ramps alone added, pages an echo or load "
		       "round touched left out (user_after_traffic_* keeps "
		       "them). kernel is the server's side alone: the TUN "
		       "client holds no sockets.";
	return "least squares over the baseline (0 connections) and every "
	       "step: memory = base + slope x connections. The slope is the "
	       "per-connection cost; the base is fixed per-process overhead. "
	       "user and client are idle: the memory the ramps alone added, "
	       "pages an echo or load round touched left out "
	       "(user_after_traffic_* keeps them). kernel covers BOTH ends of "
	       "each loopback connection (client and server sockets live in "
	       "this one kernel); it is not halved.";
}

static json_t *fit_json(const struct harness_run *run)
{
	json_t *fit = json_object();
	json_object_set_new(fit, "user_base_bytes",
			    json_real(run->user_fit.base));
	json_object_set_new(fit, "user_slope_bytes",
			    json_real(run->user_fit.slope));
	json_object_set_new(fit, "user_r2", json_real(run->user_fit.r2));
	json_object_set_new(fit, "client_base_bytes",
			    json_real(run->client_fit.base));
	json_object_set_new(fit, "client_slope_bytes",
			    json_real(run->client_fit.slope));
	json_object_set_new(fit, "client_r2", json_real(run->client_fit.r2));
	json_object_set_new(fit, "kernel_base_bytes",
			    json_real(run->kernel_fit.base));
	json_object_set_new(fit, "kernel_slope_bytes",
			    json_real(run->kernel_fit.slope));
	json_object_set_new(fit, "kernel_r2", json_real(run->kernel_fit.r2));
	json_object_set_new(fit, "kernel_objects_base_bytes",
			    json_real(run->kernel_object_fit.base));
	json_object_set_new(fit, "kernel_objects_slope_bytes",
			    json_real(run->kernel_object_fit.slope));
	if (run->have_kernel_cache_fit) {
		json_t *caches = harness_slab_fit_json(&run->kernel_cache_fit);
		if (caches) {
			double whole = run->kernel_fit.slope;
			json_object_set_new(caches, "whole_slab_slope_bytes",
					    json_real(whole));
			json_object_set_new(
			    caches, "listed_share_of_whole_slab",
			    whole > 0
				? json_real(
				      run->kernel_cache_fit.sum_slope_bytes /
				      whole)
				: json_null());
			json_object_set_new(fit, "kernel_by_cache", caches);
		}
	} else {
		json_object_set_new(fit, "kernel_by_cache_unavailable",
				    json_string(run->kernel_cache_unavailable));
	}
	if (run->had_traffic) {
		const struct harness_fit *a = &run->user_after_traffic_fit;
		json_object_set_new(fit, "user_after_traffic_base_bytes",
				    json_real(a->base));
		json_object_set_new(fit, "user_after_traffic_slope_bytes",
				    json_real(a->slope));
		json_object_set_new(fit, "user_after_traffic_r2",
				    json_real(a->r2));
	}
	json_object_set_new(fit, "points",
			    json_integer((json_int_t)run->user_fit.points));
	char why[320];
	int meaningful = harness_run_fit_meaningful(run, why, sizeof(why));
	json_object_set_new(fit, "meaningful", json_boolean(meaningful));
	/* Which slopes are not on a line (r2 below HARNESS_FIT_R2_MIN). */
	json_t *low = json_array();
	if (run->user_fit.r2 < HARNESS_FIT_R2_MIN)
		json_array_append_new(low, json_string("user"));
	if (run->kernel_fit.r2 < HARNESS_FIT_R2_MIN)
		json_array_append_new(low, json_string("kernel"));
	json_object_set_new(fit, "r2_below_0_99", low);
	if (!meaningful)
		json_object_set_new(fit, "not_meaningful", json_string(why));
	json_object_set_new(fit, "x", json_string("server_live"));
	json_object_set_new(fit, "note", json_string(fit_note(run)));
	return fit;
}

static json_t *plan_json(const struct harness_plan *p)
{
	json_t *j = json_object();
	json_object_set_new(j, "workers", json_integer(p->workers));
	json_object_set_new(j, "capacity_per_worker",
			    json_integer(p->capacity_per_worker));
	char ports[16];
	snprintf(ports, sizeof(ports), "%u-%u", p->port_first, p->port_last);
	json_object_set_new(j, "ports", json_string(ports));
	json_object_set_new(j, "client_procs_estimate",
			    json_integer(p->client_procs));
	json_object_set_new(j, "sources", json_string(p->sources));
	json_object_set_new(j, "files_needed",
			    json_integer((json_int_t)p->files_needed));
	json_object_set_new(j, "memory_needed_bytes",
			    json_integer((json_int_t)p->memory_needed));
	json_object_set_new(
	    j, "kernel_bytes_per_connection",
	    json_integer((json_int_t)p->kernel_bytes_per_connection));
	json_object_set_new(j, "kernel_estimate_source",
			    json_string(p->kernel_estimate_source));
	/* The most connections here, by what caps them (0: not computed). */
	json_object_set_new(
	    j, "most_connections",
	    json_pack("{s:I,s:s,s:I,s:I,s:I}", "most", (json_int_t)p->most,
		      "capped_by", p->capped_by ? p->capped_by : "",
		      "by_memory", (json_int_t)p->most_by_memory, "by_workers",
		      (json_int_t)p->most_by_workers, "by_sources",
		      (json_int_t)p->most_by_sources));
	json_t *changes = json_array();
	for (size_t i = 0; i < p->change_count; i++)
		json_array_append_new(changes,
				      json_pack("{s:s,s:s,s:s}", "sysctl",
						p->changes[i].name, "before",
						p->changes[i].before, "after",
						p->changes[i].after));
	json_object_set_new(j, "tuned", changes);
	if (p->limited)
		json_object_set_new(j, "limit_reason",
				    json_string(p->limit_reason));
	return j;
}

/* Where server and client ran: the sweep's own namespace and its hash,
 * or the host's and why. */
static json_t *netns_json(const struct harness_run *run)
{
	if (!run->netns.ehash_entries)
		return json_pack("{s:n,s:s}", "name", "on_host_because",
				 run->netns_off_reason);
	return json_pack("{s:s,s:I,s:s}", "name", run->netns.name,
			 "tcp_child_ehash_entries",
			 (json_int_t)run->netns.ehash_entries, "transport",
			 HARNESS_TRANSPORT_NETNS);
}

/* The memory guard and what memory pressure the run met. */
static json_t *memory_json(const struct harness_run *run)
{
	json_t *j = json_object();
	json_object_set_new(j, "floor_bytes",
			    json_integer((json_int_t)run->memory_floor));
	json_object_set_new(
	    j, "least_headroom_bytes",
	    run->memory_headroom_min == UINT64_MAX
		? json_null()
		: json_integer((json_int_t)run->memory_headroom_min));
	json_object_set_new(j, "cgroup",
			    run->memory_cgroup[0]
				? json_string(run->memory_cgroup)
				: json_null());
	json_object_set_new(j, "cgroup_limit_bytes",
			    json_integer((json_int_t)run->memory_cgroup_limit));
	json_object_set_new(j, "oom_kills_machine",
			    json_integer((json_int_t)run->oom_kills_machine));
	json_object_set_new(j, "oom_kills_cgroup",
			    json_integer((json_int_t)run->oom_kills_cgroup));
	return j;
}

/* Which client drove the connections, so what the kernel figures cover,
 * and the check of it: the TCP objects per connection at the last step. */
static void add_client_kind(json_t *root, const struct harness_run *run)
{
	json_object_set_new(
	    root, "client_kind",
	    json_string(harness_client_kind_name(run->client_kind)));
	json_object_set_new(root, "kernel_scope",
			    json_string(harness_kernel_scope(run)));
	double tcp = run->step_count
			 ? run->steps[run->step_count - 1].tcp_objects_per_conn
			 : 0;
	json_object_set_new(root, "tcp_objects_per_conn", json_real(tcp));
	double sockets =
	    run->step_count
		? run->steps[run->step_count - 1].tcp_sockets_per_conn
		: 0;
	json_object_set_new(root, "tcp_sockets_per_conn", json_real(sockets));
	double others =
	    run->step_count
		? run->steps[run->step_count - 1].tcp_others_per_conn
		: 0;
	json_object_set_new(root, "tcp_others_per_conn", json_real(others));
}

/* sweep.json, section by section (the keys in this order): which run, what
 * it aimed at, how long it took. */
static void add_identity(json_t *root, const struct harness_run *run)
{
	json_object_set_new(root, "backend", json_string(run->backend));
	/* Every option's value as the server ran, defaults included. */
	json_object_set_new(root, "backend_options",
			    run->backend_options
				? json_incref(run->backend_options)
				: json_object());
	json_object_set_new(root, "run_id", json_string(run->run_id));
	if (run->options && run->options->command_line[0])
		json_object_set_new(root, "command_line",
				    json_string(run->options->command_line));
	json_object_set_new(root, "started_at", json_string(run->started_at));
	json_object_set_new(root, "target",
			    json_integer((json_int_t)run->plan.target));
	json_object_set_new(
	    root, "requested_target",
	    json_integer((json_int_t)run->plan.requested_target));
	json_object_set_new(root, "status",
			    json_string(harness_run_status_name(run->status)));
	json_object_set_new(root, "duration_s", json_real(run->duration_s));
	json_object_set_new(root, "sweep_s", json_real(run->sweep_s));
	json_object_set_new(root, "teardown_s", json_real(run->teardown_s));
	/* The namespace's removal is the teardown's last part. */
	json_object_set_new(
	    root, "teardown",
	    json_pack("{s:f,s:f,s:f,s:f}", "client_reaped_s",
		      run->teardown_client_s, "server_reaped_s",
		      run->teardown_server_s, "netns_removed_s",
		      run->netns.ehash_entries ? run->teardown_s : 0.0,
		      "client_reported_s", run->teardown_client_reported_s));
	json_object_set_new(root, "ramp_s", json_real(run->ramp_s));
	json_object_set_new(root, "ramp_cpu_bound_s",
			    json_real(run->ramp_cpu_bound_s));
	/* 0: the client connected as fast as it could. */
	json_object_set_new(root, "rate_cap",
			    json_integer((json_int_t)run->options->rate));
	add_client_kind(root, run);
}

/* How it ended: memory pressure, and the failure or the limit. */
static void add_outcome(json_t *root, const struct harness_run *run)
{
	json_object_set_new(root, "memory", memory_json(run));
	if (run->status == HARNESS_RUN_FAILED ||
	    run->status == HARNESS_RUN_INTERRUPTED) {
		json_t *f = json_object();
		json_object_set_new(f, "step", json_integer(run->failed_step));
		json_object_set_new(
		    f, "connections",
		    json_integer((json_int_t)run->failed_connections));
		json_object_set_new(f, "reason", json_string(run->failure));
		if (run->signal)
			json_object_set_new(f, "signal",
					    json_integer(run->signal));
		json_object_set_new(root, "failure", f);
	} else if (run->status == HARNESS_RUN_LIMITED) {
		json_object_set_new(root, "limit",
				    json_string(run->plan.limit_reason));
	}
}

/* The plan's steps, the baseline, every step measured, the liveness check. */
static void add_steps(json_t *root, const struct harness_run *run)
{
	json_t *planned = json_array();
	for (size_t i = 0; i < run->planned_step_count; i++)
		json_array_append_new(
		    planned, json_integer((json_int_t)run->planned_steps[i]));
	json_object_set_new(root, "planned_steps", planned);
	if (run->have_baseline)
		json_object_set_new(root, "baseline",
				    harness_step_json(&run->baseline));
	json_t *steps = json_array();
	for (size_t i = 0; i < run->step_count; i++)
		json_array_append_new(steps, harness_step_json(&run->steps[i]));
	json_object_set_new(root, "steps", steps);
	if (run->verified)
		json_object_set_new(
		    root, "verify",
		    json_pack("{s:I,s:I,s:I,s:f}", "checked",
			      (json_int_t)run->verify_checked, "alive",
			      (json_int_t)run->verify_alive, "dead",
			      (json_int_t)run->verify_dead, "elapsed_s",
			      run->verify_elapsed_s));
}

/* The fits, the soak, CPU, warnings and what the memory figures mean. */
static void add_figures(json_t *root, const struct harness_run *run)
{
	if (run->have_fit)
		json_object_set_new(root, "fit", fit_json(run));
	if (run->soak.started)
		json_object_set_new(root, "soak",
				    harness_soak_json(&run->soak));
	json_object_set_new(root, "server_cpu_s",
			    json_real(run->server_cpu_total_s));
	json_object_set_new(root, "client_cpu_s",
			    json_real(run->client_cpu_total_s));
	json_t *warnings = json_array();
	for (size_t i = 0; i < run->warning_count; i++)
		json_array_append_new(warnings, json_string(run->warnings[i]));
	for (size_t i = 0; i < run->plan.warning_count; i++)
		json_array_append_new(warnings,
				      json_string(run->plan.warnings[i]));
	json_object_set_new(root, "warnings", warnings);
	json_object_set_new(
	    root, "memory_note",
	    json_string(
		"user bytes are PSS from /proc/PID/smaps_rollup summed over "
		"all "
		"processes (server: parent and workers; client: parent and "
		"workers); kernel bytes are the growth of Slab in "
		"/proc/meminfo "
		"since before the server started, system-wide, covering both "
		"ends of every loopback connection. Slab counts whole slab "
		"pages: sockets freed by an earlier run leave free objects "
		"that new ones reuse without Slab growing, so at small counts "
		"kernel_bytes understates; kernel_object_bytes (growth of "
		"active_objs x objsize in /proc/slabinfo, root only) does "
		"not. Both are system-wide: other activity on the machine "
		"shows up in them."));
}

/* Where it ran: the plan, the namespace, the hosts, the machine. */
static void add_context(json_t *root, const struct harness_run *run)
{
	json_object_set_new(root, "plan", plan_json(&run->plan));
	json_object_set_new(root, "network_namespace", netns_json(run));
	if (run->hosts) {
		json_object_set_new(root, "hosts",
				    harness_hosts_json(run->hosts));
		json_object_set_new(root, "multihost",
				    harness_multihost_json(run->hosts));
	}
	json_object_set_new(root, "machine", harness_machine_json(&run->plan));
}

static int write_json(const struct harness_run *run, const char *path)
{
	json_t *root = json_object();
	harness_schema_stamp(root);
	add_identity(root, run);
	add_outcome(root, run);
	add_steps(root, run);
	add_figures(root, run);
	add_context(root, run);
	int err = json_dump_file(root, path,
				 JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	return err ? -EIO : 0;
}

static int write_csv(const struct harness_run *run, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	harness_step_csv_header(f);
	if (run->have_baseline)
		harness_step_csv_row(f, 0, &run->baseline);
	for (size_t i = 0; i < run->step_count; i++)
		harness_step_csv_row(f, i + 1, &run->steps[i]);
	int err = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

int harness_results_write(const struct harness_run *run, char *why,
			  size_t why_size)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/sweep.csv", run->dir);
	int err = write_csv(run, path);
	if (!err) {
		snprintf(path, sizeof(path), "%s/sweep.json", run->dir);
		err = write_json(run, path);
	}
	if (!err && run->soak.started) {
		snprintf(path, sizeof(path), "%s/soak.csv", run->dir);
		err = harness_soak_write_csv(&run->soak, path);
	}
	if (err)
		snprintf(why, why_size, "cannot write %s: %s", path,
			 strerror(-err));
	return err;
}

int harness_results_link_latest(const struct harness_run *run, const char *out,
				char *why, size_t why_size)
{
	char link[PATH_MAX + 16];
	int len =
	    snprintf(link, sizeof(link), "%s/%s/latest", out, run->backend);
	int err = 0;
	if (len >= (int)sizeof(link))
		err = -ENAMETOOLONG;
	else {
		unlink(link);
		if (symlink(run->run_id, link) != 0)
			err = -errno;
	}
	if (err)
		snprintf(why, why_size, "cannot link %s: %s", link,
			 strerror(-err));
	return err;
}

void harness_results_save(const struct harness_run *run, const char *out,
			  int plot)
{
	char why[PATH_MAX + 160]; /* "cannot write PATH: REASON" */
	if (harness_results_write(run, why, sizeof(why)))
		fprintf(stderr, "harness: %s\n", why);
	if (harness_results_link_latest(run, out, why, sizeof(why)))
		fprintf(stderr, "harness: %s\n", why);
	if (plot && run->step_count && harness_plot_run(run, why, sizeof(why)))
		fprintf(stderr, "harness: plots: %s\n", why);
}
