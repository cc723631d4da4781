/* harness_report.c - the end-of-run printing: summary, failure, warnings
 * (harness_report.h). */
#include "harness_report.h"

#include <inttypes.h>
#include <math.h>

#include "harness_format.h"
#include "harness_soak.h"

/* The fitted memory per connection, or why there is none. */
static void print_fit(const struct harness_run *run, FILE *out)
{
	char why[320], base[32], kbase[32];
	if (!harness_run_fit_meaningful(run, why, sizeof(why))) {
		fprintf(out,
			"%s: memory per connection: not given: %s; sweep to "
			"--target 10k or more for it\n",
			run->backend, why);
		return;
	}
	harness_format_signed_bytes(run->user_fit.base, base, sizeof(base));
	harness_format_signed_bytes(run->kernel_fit.base, kbase, sizeof(kbase));
	/* Whose kernel: this machine's (both ends of each loopback
	 * connection, or the server's side alone with the TUN client), or a
	 * multi-host run's server host's. */
	const char *kernel = run->client_kind == HARNESS_CLIENT_TUN
				 ? "server side only: the TUN client holds "
				   "no sockets"
			     : !run->hosts ? "both ends of each loopback "
					     "connection"
			     : run->hosts->kernels_shared
				 ? "the server host's kernel, shared with "
				   "client hosts: both ends"
				 : "the server host's kernel alone";
	fprintf(out,
		"%s: memory per connection (least-squares slope over %zu "
		"points): server user %.0f B (%s fixed), client user "
		"%.0f B, kernel %.0f B (%s fixed; %s)\n",
		run->backend, run->user_fit.points,
		/* A slope within half a byte of 0 prints as 0, not -0. */
		fabs(run->user_fit.slope) < 0.5 ? 0.0 : run->user_fit.slope,
		base, run->client_fit.slope, run->kernel_fit.slope, kbase,
		kernel);
	if (run->had_traffic)
		fprintf(out,
			"%s: server user memory after each step's echo or "
			"load: %.0f B per connection (the idle figure above "
			"leaves out the pages that traffic touched)\n",
			run->backend, run->user_after_traffic_fit.slope);
}

void harness_print_summary(const struct harness_run *run, FILE *out)
{
	if (!run->step_count)
		return;
	const struct harness_step *last = &run->steps[run->step_count - 1];
	char conns[32], rate[32];
	harness_format_count(last->established, conns, sizeof(conns));
	harness_format_count((uint64_t)last->connect_rate, rate, sizeof(rate));
	fprintf(out,
		"%s: %s %s connections, reached and verified in %.1f s, "
		"teardown %.1f s (%.1f s in all); connect rate at the last "
		"step %s conn/s\n",
		run->backend,
		run->status == HARNESS_RUN_LIMITED ? "reached its limit of"
						   : "held all",
		conns, run->sweep_s, run->teardown_s, run->duration_s, rate);
	if (run->have_fit)
		print_fit(run, out);
	if (run->client_kind == HARNESS_CLIENT_TUN)
		fprintf(
		    out,
		    "%s: CPU per operation at the last step: server %.1f "
		    "us per accept + %.1f us its kernel's receive path (run "
		    "in the TUN client's device writes), the client's own "
		    "%.1f us per connect, the machine %.1f us per "
		    "connection (/proc/stat busy)\n",
		    run->backend, last->server_cpu_us_per_accept,
		    last->device_write_cpu_us_per_connect,
		    harness_step_client_own_us(last),
		    last->machine_cpu_us_per_connect);
	else
		fprintf(out,
			"%s: CPU per operation at the last step: server %.1f "
			"us per accept, client %.1f us per connect, the "
			"machine %.1f us per connection (/proc/stat busy)\n",
			run->backend, last->server_cpu_us_per_accept,
			last->client_cpu_us_per_connect,
			last->machine_cpu_us_per_connect);
	if (last->loaded)
		fprintf(out,
			"%s: load at the last step: %.0f msg/s offered, %.0f "
			"achieved, %" PRIu64 " late, rtt p50 %.0f us p99 %.0f "
			"us (from intended send times), server %.1f us per "
			"message\n",
			run->backend, last->load.offered_per_s,
			last->load.achieved_per_s, last->load.late,
			last->load.rtt.p50, last->load.rtt.p99,
			last->load.server_cpu_us_per_msg);
	if (run->have_kernel_cache_fit &&
	    harness_run_fit_meaningful(run, NULL, 0)) {
		const struct harness_slab_fit *k = &run->kernel_cache_fit;
		fprintf(out, "%s: kernel bytes per connection by slab cache:",
			run->backend);
		for (size_t i = 0; i < k->count && i < 8; i++)
			fprintf(out, "%s %s %.0f", i ? "," : "",
				k->caches[i].name, k->caches[i].slope_bytes);
		fprintf(out, "; sum %.0f of the whole-Slab %.0f\n",
			k->sum_slope_bytes, run->kernel_fit.slope);
	}
	harness_soak_print_summary(&run->soak, run->backend, out);
	fprintf(out, "%s: results in %s\n", run->backend, run->dir);
}

void harness_print_warnings(const struct harness_run *run, FILE *out)
{
	for (size_t i = 0; i < run->warning_count; i++)
		fprintf(out, "harness: warning: %s\n", run->warnings[i]);
}

void harness_print_failure(const struct harness_run *run, const char *why,
			   FILE *out)
{
	char conns[32];
	harness_format_count(run->failed_connections, conns, sizeof(conns));
	fprintf(out,
		"harness: %s: step %d (%s connections) %s: %s; results so far "
		"in %s\n",
		run->backend, run->failed_step, conns,
		run->signal ? "interrupted" : "failed", why, run->dir);
}

void harness_print_step_head(const struct harness_run *run, size_t index,
			     const struct harness_step *step,
			     const char *rate_note)
{
	char conns[32], target[32], rate[32], user[32];
	harness_format_count(step->established, conns, sizeof(conns));
	harness_format_count(run->plan.target, target, sizeof(target));
	harness_format_count((uint64_t)step->connect_rate, rate, sizeof(rate));
	harness_format_bytes(step->server_user_bytes, user, sizeof(user));
	printf("%s step %zu/%zu: %s/%s established, %s conn/s%s, p99 %.0f us; "
	       "server %s (%.0f B/conn)",
	       run->backend, index + 1, run->planned_step_count, conns, target,
	       rate, rate_note, step->connect_latency.p99, user,
	       step->user_bytes_per_conn);
}
