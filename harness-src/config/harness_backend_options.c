/* harness_backend_options.c - route --backend-opt settings to the backends
 * they are for, check them against what each declares before a sweep
 * starts, and record each run's effective option values. */
#include "harness_backend_options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_backend_options.h"
#include "mcs_parse.h"

#define SETTING_FORM                                                           \
	"[BACKEND:]NAME=VALUE, NAME one of the backend's options (see "        \
	"--list-backends)"

/* The length of a BACKEND: prefix before NAME=VALUE, 0 if there is none. */
static size_t scope_length(const char *text)
{
	const char *colon = strchr(text, ':');
	const char *equals = strchr(text, '=');
	if (!colon || (equals && equals < colon))
		return 0;
	return (size_t)(colon - text);
}

static int backend_name_is_plain(const char *name, size_t len)
{
	if (len == 0 || len >= MCS_BACKEND_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int harness_backend_setting_check(const char *text, char *why, size_t why_size)
{
	size_t scope = scope_length(text);
	const char *setting = scope ? text + scope + 1 : text;
	char ignored[256];
	if ((scope && !backend_name_is_plain(text, scope)) || text[0] == ':' ||
	    mcs_backend_setting_check(setting, ignored, sizeof(ignored)))
		return mcs_option_error(why, why_size, "--backend-opt", text,
					SETTING_FORM);
	return 0;
}

/* Whether setting text is for backend (no prefix: for every backend). */
static int applies_to(const char *text, const char *backend)
{
	size_t scope = scope_length(text);
	return scope == 0 ||
	       (strlen(backend) == scope && memcmp(text, backend, scope) == 0);
}

size_t harness_backend_settings(const struct harness_options *o,
				const char *backend, const char **settings)
{
	size_t n = 0;
	for (size_t i = 0; i < o->backend_setting_count; i++) {
		const char *text = o->backend_settings[i];
		size_t scope = scope_length(text);
		if (applies_to(text, backend))
			settings[n++] = scope ? text + scope + 1 : text;
	}
	return n;
}

/* A BACKEND: prefix names a backend that is not swept. */
static int check_scopes(const struct harness_options *o,
			char names[][MCS_BACKEND_NAME_MAX], size_t count,
			char *why, size_t why_size)
{
	for (size_t i = 0; i < o->backend_setting_count; i++) {
		const char *text = o->backend_settings[i];
		int swept = scope_length(text) == 0;
		for (size_t k = 0; k < count && !swept; k++)
			swept = applies_to(text, names[k]);
		if (swept)
			continue;
		char wanted[64 + HARNESS_MAX_BACKENDS * MCS_BACKEND_NAME_MAX];
		size_t used = (size_t)snprintf(wanted, sizeof(wanted),
					       "a backend being swept before "
					       "':' (");
		for (size_t k = 0; k < count && used < sizeof(wanted); k++)
			used += (size_t)snprintf(wanted + used,
						 sizeof(wanted) - used, "%s%s",
						 k ? ", " : "", names[k]);
		if (used < sizeof(wanted))
			snprintf(wanted + used, sizeof(wanted) - used, ")");
		return mcs_option_error(why, why_size, "--backend-opt", text,
					wanted);
	}
	return 0;
}

int harness_backend_options_check(const struct harness_options *o,
				  char names[][MCS_BACKEND_NAME_MAX],
				  size_t count, char *why, size_t why_size)
{
	int err = check_scopes(o, names, count, why, why_size);
	for (size_t k = 0; !err && k < count; k++) {
		struct mcs_backend_handle h;
		err = mcs_backend_load(NULL, names[k], &h, why, why_size);
		if (err)
			return err;
		json_t *options = NULL;
		err = harness_backend_options_json(o, h.ops, &options, why,
						   why_size);
		json_decref(options);
		mcs_backend_unload(&h);
	}
	return err;
}

/* One option's value as JSON: a boolean, a number or a string. */
static json_t *option_json(const struct mcs_backend_option *option,
			   const struct mcs_backend_option_values *values)
{
	char text[MCS_BACKEND_OPTIONS_SIZE_MAX];
	mcs_backend_option_format(option, values, text, sizeof(text));
	switch (option->type) {
	case MCS_OPTION_BOOL: return json_boolean(strcmp(text, "true") == 0);
	case MCS_OPTION_INTEGER:
	case MCS_OPTION_SIZE: {
		uint64_t v = strtoull(text, NULL, 10);
		if (v <= INT64_MAX)
			return json_integer((json_int_t)v);
		return json_string(text);
	}
	default: return json_string(text);
	}
}

int harness_backend_options_json(const struct harness_options *o,
				 const struct mcs_backend_ops *ops,
				 json_t **options, char *why, size_t why_size)
{
	const char *settings[MCS_BACKEND_SETTINGS_MAX];
	size_t n = harness_backend_settings(o, ops->name, settings);
	struct mcs_backend_option_values values;
	*options = NULL;
	int err =
	    mcs_backend_options_parse(ops, settings, n, &values, why, why_size);
	if (err)
		return err;
	*options = json_object();
	for (uint32_t i = 0; i < ops->option_count; i++)
		json_object_set_new(*options, ops->options[i].name,
				    option_json(&ops->options[i], &values));
	return 0;
}
