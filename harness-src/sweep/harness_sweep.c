/* harness_sweep.c - the sweep itself.
 *
 * Order matters for honest numbers: the kernel baseline is read before the
 * server starts; the "baseline" step (0 connections) is measured once both
 * processes are up, so the fit sees their fixed cost; every step waits
 * until the server holds what the client says it established and the
 * accept counters stop moving before measuring. Every exit path goes
 * through harness_stop_children(), which kills both process groups.
 */
#include "harness_sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness_backend_options.h"
#include "harness_driver.h"
#include "harness_dry_run.h"
#include "harness_format.h"
#include "harness_netns.h"
#include "harness_plan.h"
#include "harness_plot.h"
#include "harness_report.h"
#include "harness_results.h"
#include "harness_signal.h"
#include "harness_soak.h"
#include "harness_sweep_internal.h"
#include "mcs_clock.h"
#include "mcs_format.h"
#include "mcs_loader.h"
#include "mcs_proc.h"

static int sweep_steps(struct sweep *s, char *why, size_t why_size)
{
	int err;
	if (s->run->client_kind == HARNESS_CLIENT_TUN) {
		err = harness_start_tun(s, why, why_size);
	} else {
		err = harness_start_server(s, why, why_size);
		if (!err)
			err = harness_start_client(s, why, why_size);
	}
	if (err)
		return err;
	return harness_steps_run(&harness_local_driver, s, s->run,
				 &s->step_index, why, why_size);
}

static void warn_client_bound(struct harness_run *run)
{
	const struct harness_step *worst = NULL;
	size_t bound = 0;
	if (run->options->rate)
		return; /* --rate set the pace, not the client's CPU */
	for (size_t i = 0; i < run->step_count; i++) {
		if (!run->steps[i].client_bound)
			continue;
		bound++;
		worst = &run->steps[i];
	}
	if (!bound)
		return;
	char text[512];
	if (run->client_kind == HARNESS_CLIENT_TUN)
		snprintf(
		    text, sizeof(text),
		    "the client, not the server, was the bottleneck at "
		    "%zu of %zu steps (at %" PRIu64 " connections over "
		    "the ramp: the TUN client's own CPU %.2f s against "
		    "the server's side %.2f s, its receive path in the "
		    "device writes included; the client's threads %.2f "
		    "CPU s, the machine %.2f CPU s busy): connect rates "
		    "there measure the client",
		    bound, run->step_count, worst->connections,
		    worst->client_ramp_cpu_s - worst->device_write_ramp_cpu_s,
		    worst->server_ramp_cpu_s + worst->device_write_ramp_cpu_s,
		    worst->client_ramp_cpu_s, worst->machine_ramp_cpu_s);
	else
		snprintf(text, sizeof(text),
			 "the client, not the server, was the bottleneck at "
			 "%zu of %zu steps (at %" PRIu64 " connections it used "
			 "%.2f CPU s, the server %.2f): connect rates there "
			 "measure the client",
			 bound, run->step_count, worst->connections,
			 worst->client_cpu_s, worst->server_cpu_s);
	harness_run_warn(run, text);
}

/* The kernel frees a previous run's sockets lazily (RCU, deferred work):
 * a baseline read while Slab is still falling would hide growth. Wait
 * until it moves by less than 4 MiB in 250 ms, for at most 20 s. */
static void wait_for_quiet_slab(void)
{
	struct mcs_meminfo previous, now;
	if (mcs_read_meminfo(&previous))
		return;
	double deadline = mcs_now_seconds() + 20.0;
	while (mcs_now_seconds() < deadline && !harness_stop_signal()) {
		usleep(250000);
		if (mcs_read_meminfo(&now))
			return;
		uint64_t moved = now.slab > previous.slab
				     ? now.slab - previous.slab
				     : previous.slab - now.slab;
		if (moved < (4u << 20))
			return;
		previous = now;
	}
}

/* As root, unless --no-netns: the sweep's own network namespace, made
 * and entered before the plan reads the port range and the preflight sets
 * the per-namespace sysctls. With --dry-run only its name and hash size
 * are set (nothing made, no stale one removed). Returns 0 or 1 (with the
 * message printed). */
static int enter_private_netns(const struct harness_options *o,
			       struct harness_run *run)
{
	if (!o->dry_run)
		harness_netns_remove_stale();
	run->netns.host_fd = -1;
	const char *off = o->no_netns ? "--no-netns"
			  : geteuid() ? "not root"
				      : NULL;
	if (off) {
		snprintf(run->netns_off_reason, sizeof(run->netns_off_reason),
			 "%s", off);
		return 0;
	}
	if (o->dry_run) {
		snprintf(run->netns.name, sizeof(run->netns.name),
			 HARNESS_NETNS_PREFIX "%ld", (long)getpid());
		run->netns.ehash_entries =
		    harness_netns_ehash_entries(o->target);
		return 0;
	}
	char why[400];
	if (harness_netns_create(&run->netns, o->target, why, sizeof(why))) {
		fprintf(stderr,
			"harness: %s: network namespace: %s; or run with "
			"--no-netns\n",
			run->backend, why);
		return 1;
	}
	return 0;
}

/* The sweep has a namespace of its own, or with --dry-run would have. */
static int has_netns(const struct harness_run *run)
{
	return run->netns.active ||
	       (run->options->dry_run && run->netns.name[0]);
}

/* --client, once the namespace is decided: auto is tun when the sweep has
 * a namespace of its own and this kernel a TUN device, kernel otherwise. */
static enum harness_client_kind
resolve_client_kind(const struct harness_options *o,
		    const struct harness_run *run)
{
	if (o->client_kind != HARNESS_CLIENT_AUTO)
		return o->client_kind;
	if (has_netns(run) && access("/dev/net/tun", R_OK | W_OK) == 0)
		return HARNESS_CLIENT_TUN;
	return HARNESS_CLIENT_KERNEL;
}

/* Leave and remove the sweep's namespace; say so if that fails. */
static void remove_private_netns(struct harness_run *run)
{
	char why[400];
	if (harness_netns_remove(&run->netns, why, sizeof(why)))
		fprintf(stderr,
			"harness: warning: %s; remove it with ip netns delete "
			"%s\n",
			why, run->netns.name);
}

/* Load the backend, check it works here, plan the run and check the
 * machine can hold it. Nothing is written or started if this fails.
 * Returns 0, or the exit status the run deserves (with the message
 * printed). */
static int preflight(const struct harness_options *o, const char *backend,
		     struct harness_run *run)
{
	char why[640] = "";
	struct mcs_backend_handle handle;
	int err = mcs_backend_load(NULL, backend, &handle, why, sizeof(why));
	if (err) {
		fprintf(stderr, "harness: %s\n", why);
		return err == -ENOENT || err == -EINVAL ? 2 : 1;
	}
	if (harness_backend_options_json(o, handle.ops, &run->backend_options,
					 why, sizeof(why))) {
		fprintf(stderr, "harness: %s\n", why);
		mcs_backend_unload(&handle);
		return 2;
	}
	if (handle.ops->probe && handle.ops->probe(why, sizeof(why)) != 0) {
		fprintf(stderr, "harness: backend %s is unavailable here: %s\n",
			backend, why);
		mcs_backend_unload(&handle);
		return 1;
	}
	if (enter_private_netns(o, run)) {
		mcs_backend_unload(&handle);
		return 1;
	}
	run->client_kind = resolve_client_kind(o, run);
	if (run->client_kind == HARNESS_CLIENT_TUN && !has_netns(run)) {
		fprintf(stderr,
			"harness: %s: --client tun needs the sweep's own "
			"network namespace, which needs root (%s): run as "
			"root or use --client kernel\n",
			backend, run->netns_off_reason);
		mcs_backend_unload(&handle);
		return 1;
	}
	err = harness_plan_make(o, handle.ops,
				run->client_kind == HARNESS_CLIENT_TUN,
				&run->plan, why, sizeof(why));
	mcs_backend_unload(&handle);
	if (!err)
		err =
		    harness_preflight(o, &run->plan, stdout, why, sizeof(why));
	if (err) {
		fprintf(stderr, "harness: %s: preflight: %s\n", backend, why);
		return 1;
	}
	run->planned_step_count = harness_step_list(
	    o, run->plan.target, run->planned_steps, HARNESS_MAX_STEPS);
	if (o->dry_run)
		return 0; /* harness_print_dry_run() says the rest */
	for (size_t i = 0; i < run->plan.warning_count; i++)
		fprintf(stderr, "harness: warning: %s\n",
			run->plan.warnings[i]);
	if (run->plan.limited)
		printf("harness: %s: %s; sweeping to that limit\n", backend,
		       run->plan.limit_reason);
	err = harness_make_run_dir(run, o->out);
	if (err) {
		fprintf(stderr, "harness: cannot create %s: %s\n", run->dir,
			strerror(-err));
		return 1;
	}
	return 0;
}

static void print_plan(const struct harness_run *run)
{
	char target[32];
	harness_format_count(run->plan.target, target, sizeof(target));
	char files[32], memory[32], available[32];
	harness_format_count(run->plan.files_needed, files, sizeof(files));
	harness_format_bytes(run->plan.memory_needed, memory, sizeof(memory));
	harness_format_bytes(run->plan.memory_available, available,
			     sizeof(available));
	printf("harness: %s to %s connections: %u server workers (ports "
	       "%u-%u, up to %u each), about %u client processes, sources "
	       "%s; needs %s open files and about %s of memory (%s "
	       "available); results in %s\n",
	       run->backend, target, run->plan.workers, run->plan.port_first,
	       run->plan.port_last, run->plan.capacity_per_worker,
	       run->plan.client_procs, run->plan.sources, files, memory,
	       available, run->dir);
	char kernel[32];
	harness_format_count(run->plan.kernel_bytes_per_connection, kernel,
			     sizeof(kernel));
	int tun = run->client_kind == HARNESS_CLIENT_TUN;
	printf("harness: %s: kernel memory planned per %s: %s B (%s)\n",
	       run->backend,
	       tun ? "connection (server side only: the TUN client holds no "
		     "sockets)"
		   : "loopback connection",
	       kernel, run->plan.kernel_estimate_source);
	char most[32];
	harness_format_count(run->plan.most, most, sizeof(most));
	printf("harness: %s: the %s client; the most connections here: %s, "
	       "capped by %s (memory %" PRIu64 ", workers %" PRIu64 "%s)\n",
	       run->backend, tun ? "TUN" : "kernel", most,
	       run->plan.capped_by ? run->plan.capped_by : "memory",
	       run->plan.most_by_memory, run->plan.most_by_workers,
	       tun ? ", source space far above" : "");
	if (run->netns.active)
		printf("harness: %s runs in network namespace %s (its own "
		       "loopback, sysctls and counters; established hash "
		       "%" PRIu64 " buckets)\n",
		       run->backend, run->netns.name, run->netns.ehash_entries);
	fflush(stdout);
}

/* Before the server starts: a quiet kernel, the memory guard armed, the
 * system-wide baseline read. */
static void read_kernel_baseline(struct sweep *s)
{
	struct harness_run *run = s->run;
	harness_remove_stale_stats();
	wait_for_quiet_slab();
	harness_memory_start(&s->memory);
	run->memory_headroom_min = UINT64_MAX;
	run->memory_floor = harness_memory_floor(&s->memory, s->o);
	struct harness_memory_now memory_now;
	if (harness_memory_read(&s->memory, &memory_now) == 0)
		harness_note_memory(s, &memory_now);
	s->started = mcs_now_seconds();
	harness_sample_system(&run->before);
	if (run->before.tcp_inuse > 10000) {
		/* Kernel figures are system-wide: say when others share them.
		 */
		char text[384];
		snprintf(text, sizeof(text),
			 "%" PRIu64 " TCP sockets were already in use before "
			 "the server started: kernel memory figures are "
			 "system-wide and include whatever else runs here",
			 run->before.tcp_inuse);
		harness_run_warn(run, text);
		fprintf(stderr, "harness: warning: %s\n", text);
	}
}

/* Stop everything and record how the run ended. Returns the exit
 * status. */
static int teardown(struct sweep *s, int err, char *why, size_t why_size)
{
	struct harness_run *run = s->run;
	if (!err)
		run->sweep_s = mcs_now_seconds() - s->started;
	harness_sweep_phase(s, "teardown");
	double teardown_started = mcs_now_seconds();
	harness_stop_children(s, err != 0);
	remove_private_netns(run); /* its TIME_WAIT sockets go with it */
	if (s->tty)
		printf("\r\033[K");
	run->teardown_s = mcs_now_seconds() - teardown_started;
	run->duration_s = mcs_now_seconds() - s->started;
	double ramp_cpu = 0;
	for (size_t i = 0; i < run->step_count; i++) {
		run->ramp_s += run->steps[i].elapsed_s;
		ramp_cpu += run->steps[i].server_ramp_cpu_s +
			    run->steps[i].client_ramp_cpu_s;
	}
	if (run->plan.cores)
		run->ramp_cpu_bound_s = ramp_cpu / run->plan.cores;

	/* The OOM kills and the limit as they are now, once all is down. */
	struct harness_memory_now memory_now;
	int memory_read = harness_memory_read(&s->memory, &memory_now) == 0;
	if (memory_read)
		harness_note_memory(s, &memory_now);
	/* A process gone, a step short, a timeout: say when memory ran out
	 * meanwhile (the guard's own stop says so already). */
	if (err && !harness_stop_signal() && err != -ENOMEM && memory_read)
		harness_memory_explain(&s->memory, &memory_now, why, why_size);
	return harness_run_record_end(run, err, s->step_index, why);
}

/* Fit, write sweep.json and sweep.csv, point <backend>/latest at the run
 * and draw its plots. */
static void write_results(struct sweep *s)
{
	struct harness_run *run = s->run;
	const struct harness_options *o = s->o;
	harness_run_fit(run);
	harness_fit_kernel_caches(s);
	warn_client_bound(run);
	harness_results_save(run, o->out, !o->no_plot);
}

/* The end of the run, as the console shows it: warnings, then the
 * summary or the failure. */
static void print_end(const struct harness_run *run, int err, const char *why,
		      FILE *out, FILE *err_out)
{
	harness_print_warnings(run, err_out);
	if (!err) {
		harness_print_summary(run, out);
		return;
	}
	harness_print_failure(run, why, err_out);
	harness_soak_print_summary(&run->soak, run->backend, err_out);
}

/* On the console, and the same text in <run>/summary.txt, so the folder
 * says how the run ended without its console. */
static void report(const struct harness_run *run, int err, const char *why)
{
	print_end(run, err, why, stdout, stderr);
	if (!run->dir[0])
		return;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/summary.txt", run->dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "harness: cannot write %s: %s\n", path,
			strerror(errno));
		return;
	}
	print_end(run, err, why, f, f);
	fclose(f);
}

int harness_sweep(const struct harness_options *o, const char *backend,
		  struct harness_run *run)
{
	memset(run, 0, sizeof(*run));
	run->options = o;
	snprintf(run->backend, sizeof(run->backend), "%s", backend);
	int status = preflight(o, backend, run);
	if (status) {
		remove_private_netns(run);
		json_decref(run->backend_options);
		run->backend_options = NULL;
		return status;
	}
	if (o->dry_run) {
		harness_print_dry_run(run, stdout);
		json_decref(run->backend_options);
		run->backend_options = NULL;
		return 0;
	}
	print_plan(run);

	static struct sweep s;
	memset(&s, 0, sizeof(s));
	s.server.stdin_fd = s.server.stdout_fd = -1;
	s.client.child.stdin_fd = s.client.child.stdout_fd = -1;
	s.run = run;
	s.o = o;
	s.tty = isatty(STDOUT_FILENO);
	char why[640] = "";
	read_kernel_baseline(&s);
	int err = sweep_steps(&s, why, sizeof(why));
	status = teardown(&s, err, why, sizeof(why));
	write_results(&s);
	report(run, err, why);
	harness_release_kernel_caches(&s);
	for (size_t i = 0; i < run->step_count; i++) {
		json_decref(run->steps[i].failures);
		json_decref(run->steps[i].histograms);
	}
	json_decref(run->baseline.failures);
	json_decref(run->backend_options);
	run->backend_options = NULL;
	harness_soak_release(&run->soak);
	return status;
}
