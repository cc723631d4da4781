/* mcs_backend_options.c - check a backend's declared options, parse
 * --backend-opt NAME=VALUE settings into its option struct, and show them
 * (the model is fio's engine options: the backend declares, the core
 * parses and validates). */
#include "mcs_backend_options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdarg.h>
#include <string.h>

#include "mcs_parse.h"

#define OPTION_NAME_MAX 32u /* a name is shorter than this */
#define CHOICES_MAX	16u

static const char *const bool_true[] = {"true", "1", "yes", "on"};
static const char *const bool_false[] = {"false", "0", "no", "off"};

/* Put what is wrong with a table entry in problem; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) static int
refuse(char *problem, size_t size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(problem, size, format, args);
	va_end(args);
	return -EINVAL;
}

/* A lower-case letter, then lower-case letters, digits or '-'. */
static int name_is_plain(const char *name, size_t len)
{
	if (len == 0 || len >= OPTION_NAME_MAX || name[0] < 'a' ||
	    name[0] > 'z')
		return 0;
	for (size_t i = 1; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
	}
	return 1;
}

/* Bytes and alignment of the field an option stores; 0 for a bad type. */
static size_t field_size(const struct mcs_backend_option *option)
{
	switch (option->type) {
	case MCS_OPTION_BOOL: return sizeof(int);
	case MCS_OPTION_INTEGER:
	case MCS_OPTION_SIZE: return sizeof(uint64_t);
	case MCS_OPTION_ENUM: return sizeof(unsigned);
	case MCS_OPTION_STRING: return (size_t)option->max;
	default: return 0;
	}
}

static size_t field_align(const struct mcs_backend_option *option)
{
	switch (option->type) {
	case MCS_OPTION_BOOL: return alignof(int);
	case MCS_OPTION_INTEGER:
	case MCS_OPTION_SIZE: return alignof(uint64_t);
	case MCS_OPTION_ENUM: return alignof(unsigned);
	default: return 1;
	}
}

static int is_numeric(const struct mcs_backend_option *option)
{
	return option->type == MCS_OPTION_INTEGER ||
	       option->type == MCS_OPTION_SIZE;
}

/* The index of text[0..len) among choices ("a|b|c"), or -1. */
static int choice_index(const char *choices, const char *text, size_t len)
{
	int index = 0;
	for (const char *p = choices;; index++) {
		size_t n = strcspn(p, "|");
		if (n == len && memcmp(p, text, len) == 0)
			return index;
		if (!p[n])
			return -1;
		p += n + 1;
	}
}

static int parse_bool(const char *text, int *value)
{
	for (size_t i = 0; i < sizeof(bool_true) / sizeof(bool_true[0]); i++) {
		int yes = strcmp(text, bool_true[i]) == 0;
		if (yes || strcmp(text, bool_false[i]) == 0) {
			*value = yes;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_number(const struct mcs_backend_option *option,
			const char *text, uint64_t *value)
{
	int err = option->type == MCS_OPTION_SIZE
		      ? mcs_parse_size(text, option->max, value)
		      : mcs_parse_count(text, option->min, option->max, value);
	if (err)
		return err;
	if (*value < option->min)
		return -ERANGE;
	if ((option->flags & MCS_OPTION_POWER_OF_TWO) &&
	    (*value == 0 || (*value & (*value - 1))))
		return -ERANGE;
	return 0;
}

static int parse_choice(const struct mcs_backend_option *option,
			const char *text, unsigned *choice)
{
	int index = choice_index(option->choices, text, strlen(text));
	if (index < 0)
		return -EINVAL;
	*choice = (unsigned)index;
	return 0;
}

/* Any text shorter than max, without control characters (it goes into
 * one-line messages and JSON). */
static int check_text(const struct mcs_backend_option *option, const char *text)
{
	if (strlen(text) >= option->max)
		return -ERANGE;
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	return 0;
}

/* Parse text as option's value into its field in values. 0, or -EINVAL
 * or -ERANGE with values unchanged. */
static int parse_value(const struct mcs_backend_option *option,
		       const char *text,
		       struct mcs_backend_option_values *values)
{
	unsigned char *field = values->bytes + option->offset;
	int flag;
	uint64_t number;
	unsigned choice;
	switch (option->type) {
	case MCS_OPTION_BOOL:
		if (parse_bool(text, &flag))
			return -EINVAL;
		memcpy(field, &flag, sizeof(flag));
		return 0;
	case MCS_OPTION_INTEGER:
	case MCS_OPTION_SIZE:
		if (parse_number(option, text, &number))
			return -ERANGE;
		memcpy(field, &number, sizeof(number));
		return 0;
	case MCS_OPTION_ENUM:
		if (parse_choice(option, text, &choice))
			return -EINVAL;
		memcpy(field, &choice, sizeof(choice));
		return 0;
	case MCS_OPTION_STRING:
		if (check_text(option, text))
			return -EINVAL;
		memset(field, 0, (size_t)option->max);
		memcpy(field, text, strlen(text));
		return 0;
	}
	return -EINVAL;
}

void mcs_backend_option_describe(const struct mcs_backend_option *option,
				 char *text, size_t text_size)
{
	const char *pow2 =
	    (option->flags & MCS_OPTION_POWER_OF_TWO) ? ", a power of two" : "";
	switch (option->type) {
	case MCS_OPTION_BOOL: snprintf(text, text_size, "true or false"); break;
	case MCS_OPTION_INTEGER:
		snprintf(text, text_size,
			 "an integer from %" PRIu64 " to %" PRIu64 "%s",
			 option->min, option->max, pow2);
		break;
	case MCS_OPTION_SIZE:
		snprintf(text, text_size,
			 "a size from %" PRIu64 " to %" PRIu64
			 " bytes (K, M, G suffixes)%s",
			 option->min, option->max, pow2);
		break;
	case MCS_OPTION_ENUM:
		snprintf(text, text_size, "one of %s", option->choices);
		break;
	case MCS_OPTION_STRING:
		snprintf(text, text_size, "text under %" PRIu64 " characters",
			 option->max);
		break;
	default: snprintf(text, text_size, "nothing (bad type)"); break;
	}
}

/* Choice number index of choices ("a|b|c"), as "%.*s" wants it. */
static const char *choice_text(const char *choices, unsigned index, int *len)
{
	const char *p = choices;
	for (unsigned i = 0; i < index && strchr(p, '|'); i++)
		p = strchr(p, '|') + 1;
	*len = (int)strcspn(p, "|");
	return p;
}

void mcs_backend_option_format(const struct mcs_backend_option *option,
			       const struct mcs_backend_option_values *values,
			       char *text, size_t text_size)
{
	const unsigned char *field = values->bytes + option->offset;
	int flag, len;
	uint64_t number;
	unsigned choice;
	const char *p;
	switch (option->type) {
	case MCS_OPTION_BOOL:
		memcpy(&flag, field, sizeof(flag));
		snprintf(text, text_size, "%s", flag ? "true" : "false");
		return;
	case MCS_OPTION_INTEGER:
	case MCS_OPTION_SIZE:
		memcpy(&number, field, sizeof(number));
		snprintf(text, text_size, "%" PRIu64, number);
		return;
	case MCS_OPTION_ENUM:
		memcpy(&choice, field, sizeof(choice));
		p = choice_text(option->choices, choice, &len);
		snprintf(text, text_size, "%.*s", len, p);
		return;
	case MCS_OPTION_STRING:
		snprintf(text, text_size, "%.*s", (int)option->max - 1,
			 (const char *)field);
		return;
	}
	snprintf(text, text_size, "?");
}

/* Whether choices is "a|b|..." with 1..CHOICES_MAX plain, distinct names. */
static int choices_are_plain(const char *choices)
{
	unsigned count = 0;
	for (const char *p = choices;; p++) {
		size_t n = strcspn(p, "|");
		if (!name_is_plain(p, n) || ++count > CHOICES_MAX ||
		    choice_index(choices, p, n) != (int)count - 1)
			return 0;
		p += n;
		if (!*p)
			return 1;
	}
}

/* An entry's name, help, type, flags, range and choices. 0, or -EINVAL
 * with what is wrong in problem. */
static int check_entry_shape(const struct mcs_backend_option *o, char *problem,
			     size_t size)
{
	if (!o->help || !o->help[0] || strchr(o->help, '\n'))
		return refuse(problem, size, "needs one line of help");
	if (o->type < MCS_OPTION_BOOL || o->type > MCS_OPTION_STRING)
		return refuse(problem, size,
			      "type %u is not an mcs_backend_option_type",
			      o->type);
	if (o->flags & ~(uint32_t)MCS_OPTION_POWER_OF_TWO ||
	    (o->flags && !is_numeric(o)))
		return refuse(problem, size,
			      "flags 0x%x: only MCS_OPTION_POWER_OF_TWO, "
			      "and only on an integer or a size",
			      o->flags);
	if (is_numeric(o) && o->min > o->max)
		return refuse(problem, size,
			      "min %" PRIu64 " is above max %" PRIu64, o->min,
			      o->max);
	if (o->type == MCS_OPTION_STRING &&
	    (o->min || o->max < 2 || o->max > MCS_BACKEND_OPTIONS_SIZE_MAX))
		return refuse(problem, size,
			      "a string wants min 0 and max the size of "
			      "its char array, 2 to %u",
			      MCS_BACKEND_OPTIONS_SIZE_MAX);
	if ((o->type == MCS_OPTION_BOOL || o->type == MCS_OPTION_ENUM) &&
	    (o->min || o->max))
		return refuse(problem, size,
			      "min and max are for integers, sizes and "
			      "strings: leave them 0");
	if ((o->type == MCS_OPTION_ENUM) !=
	    (o->choices != NULL && choices_are_plain(o->choices)))
		return refuse(problem, size,
			      "choices are for an enum, and an enum needs "
			      "1 to %u plain, distinct ones like \"a|b\"",
			      CHOICES_MAX);
	return 0;
}

/* Entry i's field: inside options_size, aligned, overlapping no earlier
 * entry's. */
static int check_entry_field(const struct mcs_backend_ops *ops, uint32_t i,
			     char *problem, size_t size)
{
	const struct mcs_backend_option *o = &ops->options[i];
	size_t bytes = field_size(o);
	if ((size_t)o->offset + bytes > ops->options_size)
		return refuse(problem, size,
			      "its %zu-byte field at offset %u runs past "
			      "options_size %u",
			      bytes, o->offset, ops->options_size);
	if (o->offset % field_align(o))
		return refuse(problem, size,
			      "offset %u is not aligned for its type (use "
			      "offsetof)",
			      o->offset);
	for (uint32_t k = 0; k < i; k++) {
		const struct mcs_backend_option *e = &ops->options[k];
		if (o->offset < e->offset + field_size(e) &&
		    e->offset < o->offset + bytes)
			return refuse(problem, size,
				      "its field overlaps that of "
				      "options[%u] ('%s')",
				      k, e->name);
		if (strcmp(o->name, e->name) == 0)
			return refuse(problem, size, "the name is used twice");
	}
	return 0;
}

static int check_entry_default(const struct mcs_backend_option *o,
			       char *problem, size_t size)
{
	struct mcs_backend_option_values scratch;
	char wanted[128], shown[64];
	if (!o->default_value)
		return refuse(problem, size, "has no default_value");
	if (parse_value(o, o->default_value, &scratch) == 0)
		return 0;
	mcs_backend_option_describe(o, wanted, sizeof(wanted));
	snprintf(problem, size, "default '%s' is not %s",
		 mcs_printable(o->default_value, shown, sizeof(shown)), wanted);
	return -EINVAL;
}

/* The three table fields agree with each other. */
static int check_table_fields(const struct mcs_backend_ops *ops, char *why,
			      size_t why_size)
{
	if (ops->option_count == 0 && !ops->options && !ops->options_size)
		return 0;
	if (ops->option_count == 0 || !ops->options) {
		snprintf(why, why_size,
			 "backend '%s': options, option_count and "
			 "options_size go together (set them with "
			 "MCS_BACKEND_OPTIONS(table, type))",
			 ops->name);
		return -EINVAL;
	}
	if (ops->option_count > MCS_BACKEND_OPTIONS_MAX ||
	    ops->options_size == 0 ||
	    ops->options_size > MCS_BACKEND_OPTIONS_SIZE_MAX) {
		snprintf(why, why_size,
			 "backend '%s': %u options in a %u-byte struct (want "
			 "1 to %u options, 1 to %u bytes)",
			 ops->name, ops->option_count, ops->options_size,
			 MCS_BACKEND_OPTIONS_MAX, MCS_BACKEND_OPTIONS_SIZE_MAX);
		return -EINVAL;
	}
	return 0;
}

/* One entry, in the order its checks depend on each other. */
static int check_entry(const struct mcs_backend_ops *ops, uint32_t i,
		       char *problem, size_t size)
{
	const struct mcs_backend_option *o = &ops->options[i];
	if (!o->name || !name_is_plain(o->name, strlen(o->name)))
		return refuse(problem, size,
			      "the name is not a lower-case letter followed "
			      "by lower-case letters, digits or '-' (under "
			      "%u characters)",
			      OPTION_NAME_MAX);
	int err = check_entry_shape(o, problem, size);
	if (!err)
		err = check_entry_field(ops, i, problem, size);
	if (!err)
		err = check_entry_default(o, problem, size);
	return err;
}

int mcs_backend_options_check(const struct mcs_backend_ops *ops, char *why,
			      size_t why_size)
{
	int err = check_table_fields(ops, why, why_size);
	for (uint32_t i = 0; !err && i < ops->option_count; i++) {
		char problem[256], shown[48];
		err = check_entry(ops, i, problem, sizeof(problem));
		if (err)
			snprintf(
			    why, why_size,
			    "backend '%s': options[%u] ('%s'): %s: fix its "
			    "options table",
			    ops->name, i,
			    mcs_printable(ops->options[i].name, shown,
					  sizeof(shown)),
			    problem);
	}
	return err;
}

int mcs_backend_setting_check(const char *setting, char *why, size_t why_size)
{
	const char *equals = strchr(setting, '=');
	if (strlen(setting) > MCS_BACKEND_SETTING_MAX_LEN || !equals ||
	    !name_is_plain(setting, (size_t)(equals - setting)))
		return mcs_option_error(why, why_size, "--backend-opt", setting,
					"NAME=VALUE, NAME one of the backend's "
					"options (see --list-backends)");
	return 0;
}

static const struct mcs_backend_option *
find_option(const struct mcs_backend_ops *ops, const char *name, size_t len)
{
	for (uint32_t i = 0; i < ops->option_count; i++)
		if (strlen(ops->options[i].name) == len &&
		    memcmp(ops->options[i].name, name, len) == 0)
			return &ops->options[i];
	return NULL;
}

/* "an option of io_uring: direct, buffers or recv-limit", or that the
 * backend takes none. */
static void known_options(const struct mcs_backend_ops *ops, char *text,
			  size_t size)
{
	if (ops->option_count == 0) {
		snprintf(text, size, "none: backend %s takes no options",
			 ops->name);
		return;
	}
	size_t used =
	    (size_t)snprintf(text, size, "an option of %s: ", ops->name);
	for (uint32_t i = 0; i < ops->option_count && used < size; i++)
		used += (size_t)snprintf(text + used, size - used, "%s%s",
					 i == 0			      ? ""
					 : i + 1 == ops->option_count ? " or "
								      : ", ",
					 ops->options[i].name);
}

/* Apply one NAME=VALUE setting to values. */
static int apply_setting(const struct mcs_backend_ops *ops, const char *setting,
			 struct mcs_backend_option_values *values, char *why,
			 size_t why_size)
{
	int err = mcs_backend_setting_check(setting, why, why_size);
	if (err)
		return err;
	const char *equals = strchr(setting, '=');
	const struct mcs_backend_option *option =
	    find_option(ops, setting, (size_t)(equals - setting));
	char wanted[256], takes[160];
	if (!option) {
		known_options(ops, wanted, sizeof(wanted));
		return mcs_option_error(why, why_size, "--backend-opt", setting,
					wanted);
	}
	if (parse_value(option, equals + 1, values) == 0)
		return 0;
	mcs_backend_option_describe(option, takes, sizeof(takes));
	snprintf(wanted, sizeof(wanted), "%s of %s to be %s", option->name,
		 ops->name, takes);
	return mcs_option_error(why, why_size, "--backend-opt", setting,
				wanted);
}

int mcs_backend_options_parse(const struct mcs_backend_ops *ops,
			      const char *const *settings, size_t count,
			      struct mcs_backend_option_values *values,
			      char *why, size_t why_size)
{
	memset(values, 0, sizeof(*values));
	for (uint32_t i = 0; i < ops->option_count; i++) {
		const struct mcs_backend_option *o = &ops->options[i];
		if (parse_value(o, o->default_value, values)) {
			snprintf(why, why_size,
				 "backend %s: the default of option %s does "
				 "not parse: load backends with "
				 "mcs_backend_load(), which checks the table",
				 ops->name, o->name);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < count; i++) {
		int err =
		    apply_setting(ops, settings[i], values, why, why_size);
		if (err)
			return err;
	}
	return 0;
}

void mcs_backend_options_print(const struct mcs_backend_ops *ops, FILE *out)
{
	for (uint32_t i = 0; i < ops->option_count; i++) {
		const struct mcs_backend_option *o = &ops->options[i];
		char type[160];
		mcs_backend_option_describe(o, type, sizeof(type));
		fprintf(out, "  --backend-opt %s (%s; default %s): %s\n",
			o->name, type, o->default_value, o->help);
	}
}
