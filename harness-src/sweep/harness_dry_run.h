/* harness_dry_run.h - `--dry-run`: one sweep's plan, as the preflight
 * worked it out, printed for a person; nothing made, changed, started or
 * written (docs/HARNESS.md, "Dry run"). */
#ifndef HARNESS_DRY_RUN_H
#define HARNESS_DRY_RUN_H

#include <stdio.h>

#include "harness_run.h"

/* Print the plan in run (filled by the sweep's preflight with
 * o->dry_run): server workers and ports, the client, its sources, every
 * sysctl it would change and why, memory per connection and in all
 * against what is available, what caps the target, the namespace it would
 * make, and the plan's warnings. Prints only. */
void harness_print_dry_run(const struct harness_run *run, FILE *out);

#endif /* HARNESS_DRY_RUN_H */
