/* harness_backend_options.h - the harness's --backend-opt: which settings
 * go to which backend's server, checked against every swept backend's
 * declared options before anything starts, and each run's effective
 * option values for sweep.json.
 *
 * A setting is NAME=VALUE, for every backend swept (each must declare
 * NAME), or BACKEND:NAME=VALUE, for that backend only (it must be among
 * those swept).
 */
#ifndef HARNESS_BACKEND_OPTIONS_H
#define HARNESS_BACKEND_OPTIONS_H

#include <jansson.h>
#include <stddef.h>

#include "harness_options.h"
#include "mcs_backend_options.h"
#include "mcs_loader.h"

/* Whether text has the form [BACKEND:]NAME=VALUE. 0, or -EINVAL with the
 * one-line reason naming --backend-opt. */
int harness_backend_setting_check(const char *text, char *why, size_t why_size);

/* The settings of o that apply to backend, as the server takes them
 * (NAME=VALUE, any BACKEND: prefix dropped), in order: pointers into o.
 * Returns how many (at most MCS_BACKEND_SETTINGS_MAX). */
size_t harness_backend_settings(const struct harness_options *o,
				const char *backend, const char **settings);

/* Check o's settings against the backends to sweep, names[0..count), each
 * loaded to read its options: a prefix names one of them, and every
 * setting is one its backends declare, with a value they take. 0, or
 * -EINVAL (bad usage) or another -errno (a backend did not load) with one
 * line in why. */
int harness_backend_options_check(const struct harness_options *o,
				  char names[][MCS_BACKEND_NAME_MAX],
				  size_t count, char *why, size_t why_size);

/* Every option ops declares with its effective value under o's settings,
 * defaults included: {"direct": true, "buffers": 256, ...} ({} for none).
 * 0 and a new reference in *options, or -EINVAL with one line in why. */
int harness_backend_options_json(const struct harness_options *o,
				 const struct mcs_backend_ops *ops,
				 json_t **options, char *why, size_t why_size);

#endif /* HARNESS_BACKEND_OPTIONS_H */
