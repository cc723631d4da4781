/* harness_plan.h - preflight: what a target needs, and whether this machine
 * gives it.
 *
 * The plan says how many server workers (one port each) the backend needs
 * under RLIMIT_NOFILE, how many client processes and source addresses, how
 * many open files and how much memory: kernel memory per loopback
 * connection (both ends) is estimated from this kernel's /proc/slabinfo
 * object sizes (harness_kernel_estimate.h; a 9,600 B constant when
 * slabinfo cannot be read), plus a guess at user memory. The preflight
 * compares that with the sysctls and free memory, raises what it must when
 * allowed (root), and otherwise stops with one line and the command that
 * fixes it.
 */
#ifndef HARNESS_PLAN_H
#define HARNESS_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_kernel_estimate.h"
#include "harness_options.h"
#include "mcs_backend.h"

#include "harness_plan-t.h"

/* How likely a client socket (or its TIME_WAIT) holds a listening port
 * when a server binds it: for WARN and REFUSE, why says so and how to
 * avoid it. Pure: the caller reads the sysctls. */
enum harness_port_risk harness_port_risk(const struct harness_port_check *c,
					 char *why, size_t why_size);

/* The line for a sysctl below what the run needs (have < want) that the
 * harness may not raise: not root ("run as root: sysctl -w ..."), or root
 * with --no-tune ("--no-tune left it: ..."). Pure. */
void harness_sysctl_short_text(const char *name, uint64_t have, uint64_t want,
			       const char *reason, int root, int no_tune,
			       char *text, size_t text_size);

/* 1 when needed, plus a tenth for what the plan cannot foresee, does not
 * fit in headroom above the floor. Pure. */
int harness_memory_short(const struct harness_memory_shortfall *s);

/* The connections that would fit by the same test (the run's needs scale
 * with its connections), rounded down to two significant digits; 0 if
 * none. Pure. */
uint64_t harness_memory_fits(const struct harness_memory_shortfall *s);

/* The refusal line: the figures, where the kernel estimate came from, and
 * "lower --target to about N" naming harness_memory_fits(). Pure. */
void harness_memory_refusal(const struct harness_memory_shortfall *s, char *why,
			    size_t why_size);

/* The target is above memory's cap (memory_why: its refusal, or NULL),
 * the server workers' (plan->workers_refusal, or ""), or both: one line
 * with the count that fits and the tightest cap first (by
 * plan->most_by_memory and most_by_workers), the next cap's count, then
 * the tightest cap's own message. Returns -ENOMEM when memory caps first,
 * else -ERANGE. Pure. */
int harness_plan_refusal(const struct harness_plan *plan,
			 const char *memory_why, char *why, size_t why_size);

/* Work out the plan for one backend. Returns 0, or -EINVAL/-ERANGE with a
 * one-line reason (naming the fix) in why. */
int harness_plan_make(const struct harness_options *o,
		      const struct mcs_backend_ops *ops, int tun_client,
		      struct harness_plan *plan, char *why, size_t why_size);

/* Check the machine against the plan; tune sysctls as allowed (see
 * harness_options: --tune, --no-tune, root). Each change is printed to
 * log and recorded in plan->changes. With o->dry_run nothing is written:
 * the changes it would make are only recorded (the same checks, the same
 * refusals). Returns 0 to go ahead, or -EPERM / -ENOMEM / -errno with one
 * line and the fixing command in why. */
int harness_preflight(const struct harness_options *o,
		      struct harness_plan *plan, FILE *log, char *why,
		      size_t why_size);

#endif /* HARNESS_PLAN_H */
