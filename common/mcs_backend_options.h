/* mcs_backend_options.h - the options a backend declares (its table in
 * struct mcs_backend_ops, see mcs_backend.h) and the core's side of them:
 * check a table as the loader does, parse `--backend-opt NAME=VALUE`
 * settings into the backend's option struct, show a value or what an
 * option takes, and list a backend's options for --list-backends.
 *
 * Nothing here prints except mcs_backend_options_print(); every failure is
 * -EINVAL with one line in why that names the setting or the table entry
 * and says what was wanted.
 */
#ifndef MCS_BACKEND_OPTIONS_H
#define MCS_BACKEND_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "mcs_backend.h"

/* The most --backend-opt settings one command line may carry, and the
 * longest one (NAME=VALUE, without the NUL). */
#define MCS_BACKEND_SETTINGS_MAX    32u
#define MCS_BACKEND_SETTING_MAX_LEN 255u

/* Check ops' option table (the three fields and every entry, defaults
 * included). 0, or -EINVAL with "backend 'NAME': options[I] ('x'): ..." in
 * why. mcs_backend_check() calls it, so a loaded backend passed it. */
int mcs_backend_options_check(const struct mcs_backend_ops *ops, char *why,
			      size_t why_size);

/* Whether setting has the form NAME=VALUE (a plain option name, '=', then
 * anything, at most MCS_BACKEND_SETTING_MAX_LEN bytes), before any backend
 * is known. 0, or -EINVAL with "bad --backend-opt '...': expected ...". */
int mcs_backend_setting_check(const char *setting, char *why, size_t why_size);

/* Fill values with the default of every option ops declares, then apply
 * settings[0..count) in order (a later one wins). 0, or -EINVAL with one
 * line naming the setting: malformed, an option ops does not declare, or a
 * value outside what the option takes. */
int mcs_backend_options_parse(const struct mcs_backend_ops *ops,
			      const char *const *settings, size_t count,
			      struct mcs_backend_option_values *values,
			      char *why, size_t why_size);

/* The option's value in values as a user would type it: "true", "256",
 * "16384", a choice, the text. */
void mcs_backend_option_format(const struct mcs_backend_option *option,
			       const struct mcs_backend_option_values *values,
			       char *text, size_t text_size);

/* What the option takes, in words: "true or false", "an integer from 1 to
 * 32768, a power of two", "one of regular|direct", ... */
void mcs_backend_option_describe(const struct mcs_backend_option *option,
				 char *text, size_t text_size);

/* One line per option of ops on out, indented under its backend's line:
 * "  --backend-opt NAME (WHAT IT TAKES; default D): HELP". Nothing if it
 * has none. */
void mcs_backend_options_print(const struct mcs_backend_ops *ops, FILE *out);

#endif /* MCS_BACKEND_OPTIONS_H */
