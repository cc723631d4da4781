/* harness_machine.h - describe the machine a run was measured on: kernel,
 * cores, memory, the sysctls that matter, library versions, git commit. */
#ifndef HARNESS_MACHINE_H
#define HARNESS_MACHINE_H

#include <jansson.h>

#include "harness_plan.h"

/* A new JSON object (caller owns it), never NULL unless out of memory. */
json_t *harness_machine_json(const struct harness_plan *plan);

#endif /* HARNESS_MACHINE_H */
