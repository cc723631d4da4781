/* harness_kernel_caches.c - kernel memory by slab cache over one sweep: a
 * /proc/slabinfo snapshot at every measurement (the baseline and each
 * step), fitted per cache once the sweep is over (harness_slab.h). Reading
 * slabinfo needs root; without it the run keeps the whole-Slab figure and
 * says why the breakdown is missing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_sweep_internal.h"

/* Caches growing less than this per connection are summed as "rest". */
#define KERNEL_CACHE_MIN_SLOPE_BYTES 16.0

void harness_take_slab_point(struct sweep *s, size_t index)
{
	if (s->slab_error || index > HARNESS_MAX_STEPS)
		return;
	if (!s->slab_points) {
		s->slab_points =
		    calloc(HARNESS_MAX_STEPS + 1, sizeof(*s->slab_points));
		if (!s->slab_points) {
			s->slab_error = -ENOMEM;
			return;
		}
	}
	/* The snapshot measure() just read for slab_objects: the same
	 * instant as the step's other kernel figures, and no second read. */
	int err;
	const struct mcs_slab_snapshot *snap = harness_sample_slab(&err);
	if (!err)
		s->slab_points[index] = *snap;
	if (err)
		s->slab_error = err;
	else if (index + 1 > s->slab_point_count)
		s->slab_point_count = index + 1;
}

static const struct mcs_slab_cache *tcp_cache(const struct mcs_slab_snapshot *p)
{
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->caches[i].name, "TCP") == 0)
			return &p->caches[i];
	return NULL;
}

int harness_tcp_objects_now(uint64_t *objects)
{
	static struct mcs_slab_snapshot snap; /* 50 KB: not on the stack */
	int err = mcs_slab_read(&snap);
	if (err)
		return err;
	const struct mcs_slab_cache *tcp = tcp_cache(&snap);
	if (!tcp)
		return -ENOENT;
	*objects = tcp->active_objs;
	return 0;
}

double harness_tcp_objects_per_conn(const struct sweep *s, size_t index,
				    uint64_t before, uint64_t connections)
{
	if (s->slab_error || !connections || index >= s->slab_point_count)
		return 0;
	const struct mcs_slab_cache *now = tcp_cache(&s->slab_points[index]);
	if (!now)
		return 0;
	return ((double)now->active_objs - (double)before) /
	       (double)connections;
}

/* proc_inode_cache growing with the connections: something on the
 * machine lists /proc/PID/fd of the benchmark's processes (the harness
 * does not during a sweep), which instantiates an inode and a dentry per
 * socket fd. That memory is real but it is not the backend's: say so. */
static void warn_proc_inodes(struct harness_run *run)
{
	const struct harness_slab_fit *fit = &run->kernel_cache_fit;
	for (size_t i = 0; i < fit->count; i++) {
		const struct harness_slab_slope *c = &fit->caches[i];
		if (strcmp(c->name, "proc_inode_cache") != 0 ||
		    c->objects_per_conn < 0.1)
			continue;
		char text[384];
		snprintf(text, sizeof(text),
			 "proc_inode_cache grew by %.2f objects (%.0f B) per "
			 "connection: another process on this machine lists "
			 "/proc/PID/fd of the benchmark's processes, and the "
			 "inodes and dentries it makes count in the kernel "
			 "figures; read fit.kernel_by_cache for the sockets' "
			 "own cost",
			 c->objects_per_conn, c->slope_bytes);
		harness_run_warn(run, text);
		return;
	}
}

void harness_fit_kernel_caches(struct sweep *s)
{
	struct harness_run *run = s->run;
	double x[HARNESS_MAX_STEPS + 1];
	size_t n = s->slab_point_count;
	if (s->slab_error) {
		snprintf(run->kernel_cache_unavailable,
			 sizeof(run->kernel_cache_unavailable),
			 "/proc/slabinfo could not be read (%s)%s: only the "
			 "whole-Slab figure is reported",
			 strerror(-s->slab_error),
			 s->slab_error == -EACCES
			     ? "; it is readable by root only, run as root"
			     : "");
		return;
	}
	if (!run->have_baseline || n != run->step_count + 1 || n < 3) {
		snprintf(run->kernel_cache_unavailable,
			 sizeof(run->kernel_cache_unavailable),
			 "too few measurements for a fit per cache (%zu; "
			 "the baseline and at least 2 steps are needed)",
			 n);
		return;
	}
	x[0] = (double)run->baseline.server_live;
	for (size_t i = 1; i < n; i++)
		x[i] = (double)run->steps[i - 1].server_live;
	if (harness_slab_fit(s->slab_points, x, n, KERNEL_CACHE_MIN_SLOPE_BYTES,
			     &run->kernel_cache_fit) != 0) {
		snprintf(run->kernel_cache_unavailable,
			 sizeof(run->kernel_cache_unavailable),
			 "the fit per cache failed (every step at one count?)");
		return;
	}
	harness_slab_note_merges(&run->kernel_cache_fit, NULL);
	run->have_kernel_cache_fit = 1;
	warn_proc_inodes(run);
}

void harness_release_kernel_caches(struct sweep *s)
{
	free(s->slab_points);
	s->slab_points = NULL;
	s->slab_point_count = 0;
}
