/* test_backend_options.c - declared backend options: the loader's check of
 * an options table (every malformed shape refused, saying what it wanted),
 * and --backend-opt NAME=VALUE parsing against it: defaults, good values,
 * unknown names, malformed settings and values out of range, each refused
 * with one line naming the setting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcs_backend_options.h"
#include "mcs_loader.h"

/* The option struct of a pretend backend, one field of every type. */
struct fake_options {
	int direct;
	uint64_t buffers;
	uint64_t chunk;
	unsigned mode;
	char label[16];
};

#define FIELD(f) .offset = offsetof(struct fake_options, f)

static const struct mcs_backend_option fake_table[] = {
    {.name = "direct",
     .type = MCS_OPTION_BOOL,
     FIELD(direct),
     .default_value = "true",
     .help = "direct descriptors"},
    {.name = "buffers",
     .type = MCS_OPTION_INTEGER,
     .flags = MCS_OPTION_POWER_OF_TWO,
     FIELD(buffers),
     .default_value = "256",
     .min = 1,
     .max = 32768,
     .help = "shared buffers"},
    {.name = "chunk",
     .type = MCS_OPTION_SIZE,
     FIELD(chunk),
     .default_value = "16K",
     .min = 64,
     .max = 1 << 20,
     .help = "chunk bytes"},
    {.name = "mode",
     .type = MCS_OPTION_ENUM,
     FIELD(mode),
     .default_value = "level",
     .choices = "level|edge|one-shot",
     .help = "trigger mode"},
    {.name = "label",
     .type = MCS_OPTION_STRING,
     FIELD(label),
     .default_value = "none",
     .max = sizeof(((struct fake_options *)0)->label),
     .help = "a name"},
};

static unsigned fake_capacity(unsigned fd_limit)
{
	return fd_limit;
}

static int fake_init(const struct mcs_worker_config *config, void **state,
		     char *why, size_t why_size)
{
	(void)config, (void)state, (void)why, (void)why_size;
	return -ENOSYS;
}

static int fake_run(void *state, char *why, size_t why_size)
{
	(void)state, (void)why, (void)why_size;
	return 0;
}

static void fake_nothing(void *state)
{
	(void)state;
}

static const struct mcs_backend_ops fake_ops = {
    MCS_BACKEND_HEADER,
    .name = "fake",
    .capacity = fake_capacity,
    .init = fake_init,
    .run = fake_run,
    .stop = fake_nothing,
    .destroy = fake_nothing,
    MCS_BACKEND_OPTIONS(fake_table, struct fake_options),
};

static const struct mcs_backend_ops plain_ops = {
    MCS_BACKEND_HEADER,	     .name = "plain", .capacity = fake_capacity,
    .init = fake_init,	     .run = fake_run, .stop = fake_nothing,
    .destroy = fake_nothing,
};

static char why[512];

static const struct fake_options *parse(const struct mcs_backend_ops *ops,
					const char **settings, size_t count,
					int *err)
{
	static struct mcs_backend_option_values values;
	memset(why, 0, sizeof(why));
	*err = mcs_backend_options_parse(ops, settings, count, &values, why,
					 sizeof(why));
	return (const struct fake_options *)values.bytes;
}

/* The setting is refused with one line naming it and saying `needle`. */
static void expect_refused(const struct mcs_backend_ops *ops,
			   const char *setting, const char *needle)
{
	int err;
	const char *settings[] = {setting};
	parse(ops, settings, 1, &err);
	print_message("%-24s -> %s\n", setting, why);
	assert_int_equal(err, -EINVAL);
	assert_non_null(strstr(why, "bad --backend-opt '"));
	assert_non_null(strstr(why, needle));
	assert_null(strchr(why, '\n'));
}

static void test_good_table_passes_the_loader(void **state)
{
	(void)state;
	assert_int_equal(mcs_backend_check(&fake_ops, "fake", why, sizeof(why)),
			 0);
	assert_int_equal(
	    mcs_backend_check(&plain_ops, "plain", why, sizeof(why)), 0);
}

static void test_defaults(void **state)
{
	(void)state;
	int err;
	const struct fake_options *o = parse(&fake_ops, NULL, 0, &err);
	assert_int_equal(err, 0);
	assert_int_equal(o->direct, 1);
	assert_int_equal(o->buffers, 256);
	assert_int_equal(o->chunk, 16384);
	assert_int_equal(o->mode, 0);
	assert_string_equal(o->label, "none");
	parse(&plain_ops, NULL, 0, &err);
	assert_int_equal(err, 0);
}

static void test_good_values(void **state)
{
	(void)state;
	int err;
	const char *settings[] = {
	    "direct=false", "buffers=2",    "chunk=1M", "mode=one-shot",
	    "label=run 7",  "buffers=32768"}; /* a later one wins */
	const struct fake_options *o = parse(&fake_ops, settings, 6, &err);
	assert_int_equal(err, 0);
	assert_int_equal(o->direct, 0);
	assert_int_equal(o->buffers, 32768);
	assert_int_equal(o->chunk, 1 << 20);
	assert_int_equal(o->mode, 2);
	assert_string_equal(o->label, "run 7");
	const char *words[] = {"direct=0",     "direct=no",  "direct=off",
			       "direct=false", "direct=1",   "direct=yes",
			       "direct=on",    "direct=true"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *pair[] = {i < 4 ? "direct=true" : "direct=false",
				      words[i]};
		o = parse(&fake_ops, pair, 2, &err);
		assert_int_equal(err, 0);
		assert_int_equal(o->direct, i < 4 ? 0 : 1);
	}
	const char *empty[] = {"label="};
	o = parse(&fake_ops, empty, 1, &err);
	assert_int_equal(err, 0);
	assert_string_equal(o->label, "");
}

static void test_format_and_describe(void **state)
{
	(void)state;
	struct mcs_backend_option_values values;
	const char *settings[] = {"direct=off", "mode=edge"};
	assert_int_equal(mcs_backend_options_parse(&fake_ops, settings, 2,
						   &values, why, sizeof(why)),
			 0);
	const char *want[] = {"false", "256", "16384", "edge", "none"};
	for (size_t i = 0; i < 5; i++) {
		char text[64];
		mcs_backend_option_format(&fake_table[i], &values, text,
					  sizeof(text));
		assert_string_equal(text, want[i]);
	}
	char text[160];
	mcs_backend_option_describe(&fake_table[1], text, sizeof(text));
	assert_string_equal(text, "an integer from 1 to 32768, a power of two");
	mcs_backend_option_describe(&fake_table[3], text, sizeof(text));
	assert_string_equal(text, "one of level|edge|one-shot");
}

static void test_unknown_option(void **state)
{
	(void)state;
	expect_refused(&fake_ops, "nope=1",
		       "an option of fake: direct, buffers, chunk, mode or "
		       "label");
	expect_refused(&fake_ops, "directs=1", "an option of fake");
	expect_refused(&fake_ops, "dir=1", "an option of fake");
	expect_refused(&plain_ops, "direct=1",
		       "backend plain takes no options");
}

static void test_malformed_settings(void **state)
{
	(void)state;
	const char *bad[] = {"direct", "=1",	"",	"Direct=1",
			     "1x=2",   "a b=1", "-x=1", "dir\nect=1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_refused(&fake_ops, bad[i], "NAME=VALUE");
		assert_int_equal(
		    mcs_backend_setting_check(bad[i], why, sizeof(why)),
		    -EINVAL);
	}
	char long_setting[MCS_BACKEND_SETTING_MAX_LEN + 2];
	memset(long_setting, 'a', sizeof(long_setting) - 1);
	long_setting[0] = 'l', long_setting[1] = '=';
	long_setting[sizeof(long_setting) - 1] = '\0';
	expect_refused(&fake_ops, long_setting, "NAME=VALUE");
	assert_int_equal(mcs_backend_setting_check("a=", why, sizeof(why)), 0);
}

static void test_values_out_of_range(void **state)
{
	(void)state;
	const char *bad[][2] = {
	    {"direct=maybe", "direct of fake to be true or false"},
	    {"direct=", "true or false"},
	    {"buffers=0", "an integer from 1 to 32768, a power of two"},
	    {"buffers=3", "a power of two"},
	    {"buffers=65536", "from 1 to 32768"},
	    {"buffers=-1", "from 1 to 32768"},
	    {"buffers=lots", "from 1 to 32768"},
	    {"buffers=99999999999999999999999", "from 1 to 32768"},
	    {"chunk=63", "a size from 64 to 1048576 bytes"},
	    {"chunk=2M", "a size from 64"},
	    {"chunk=1KiB", "a size from 64"},
	    {"mode=both", "one of level|edge|one-shot"},
	    {"mode=", "one of level"},
	    {"label=0123456789abcdef", "text under 16 characters"},
	    {"label=a\tb", "text under 16"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(&fake_ops, bad[i][0], bad[i][1]);
}

/* The table of fake_ops with entry `index` replaced by `entry`. */
static struct mcs_backend_option table[8];
static struct mcs_backend_ops broken;

static void break_entry(size_t index, struct mcs_backend_option entry)
{
	memcpy(table, fake_table, sizeof(fake_table));
	table[index] = entry;
	broken = fake_ops;
	broken.options = table;
}

static void expect_table_refused(const char *needle)
{
	int err = mcs_backend_check(&broken, "fake", why, sizeof(why));
	print_message("%s\n", why);
	assert_int_equal(err, -EINVAL);
	assert_non_null(strstr(why, "backend 'fake'"));
	assert_non_null(strstr(why, needle));
}

static void test_malformed_tables(void **state)
{
	(void)state;
	struct mcs_backend_option e = fake_table[1];
	e.name = "Buffers";
	break_entry(1, e);
	expect_table_refused("options[1] ('Buffers'): the name is not");
	e.name = NULL;
	break_entry(1, e);
	expect_table_refused("options[1] (''): the name is not");
	e = fake_table[1], e.name = "direct";
	break_entry(1, e);
	expect_table_refused("the name is used twice");
	e = fake_table[1], e.help = NULL;
	break_entry(1, e);
	expect_table_refused("needs one line of help");
	e = fake_table[1], e.type = 99;
	break_entry(1, e);
	expect_table_refused("type 99");
	e = fake_table[0], e.flags = MCS_OPTION_POWER_OF_TWO;
	break_entry(0, e);
	expect_table_refused("only on an integer or a size");
	e = fake_table[1], e.min = 10, e.max = 5;
	break_entry(1, e);
	expect_table_refused("min 10 is above max 5");
	e = fake_table[1], e.default_value = "3";
	break_entry(1, e);
	expect_table_refused("default '3' is not an integer from 1 to 32768");
	e = fake_table[1], e.default_value = NULL;
	break_entry(1, e);
	expect_table_refused("has no default_value");
	e = fake_table[1], e.offset = offsetof(struct fake_options, chunk);
	break_entry(1, e);
	expect_table_refused("overlaps that of options[1]");
	e = fake_table[1], e.offset = 4;
	break_entry(1, e);
	expect_table_refused("offset 4 is not aligned");
	e = fake_table[4], e.max = 64;
	break_entry(4, e);
	expect_table_refused("runs past options_size");
	e = fake_table[3], e.choices = "level||edge";
	break_entry(3, e);
	expect_table_refused("an enum needs");
	e = fake_table[3], e.choices = "level|edge|level";
	break_entry(3, e);
	expect_table_refused("distinct");
	e = fake_table[0], e.choices = "a|b";
	break_entry(0, e);
	expect_table_refused("choices are for an enum");
	e = fake_table[0], e.max = 1;
	break_entry(0, e);
	expect_table_refused("leave them 0");
}

static void test_malformed_table_fields(void **state)
{
	(void)state;
	break_entry(0, fake_table[0]);
	broken.options = NULL;
	expect_table_refused("go together");
	break_entry(0, fake_table[0]);
	broken.option_count = 0;
	expect_table_refused("go together");
	break_entry(0, fake_table[0]);
	broken.options_size = MCS_BACKEND_OPTIONS_SIZE_MAX + 1;
	expect_table_refused("want 1 to 32 options, 1 to 1024 bytes");
	break_entry(0, fake_table[0]);
	broken.option_count = MCS_BACKEND_OPTIONS_MAX + 1;
	expect_table_refused("33 options");
	broken = plain_ops;
	broken.name = "fake";
	broken.options_size = 8;
	expect_table_refused("go together");
}

static void test_list_lines(void **state)
{
	(void)state;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	mcs_backend_options_print(&fake_ops, out);
	mcs_backend_options_print(&plain_ops, out);
	fclose(out);
	print_message("%s", text);
	assert_non_null(strstr(text, "  --backend-opt direct (true or false; "
				     "default true): direct descriptors\n"));
	assert_non_null(strstr(text, "  --backend-opt buffers (an integer from "
				     "1 to 32768, a power of two; default "
				     "256): shared buffers\n"));
	int lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 5); /* plain adds none */
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_table_passes_the_loader),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_good_values),
	    cmocka_unit_test(test_format_and_describe),
	    cmocka_unit_test(test_unknown_option),
	    cmocka_unit_test(test_malformed_settings),
	    cmocka_unit_test(test_values_out_of_range),
	    cmocka_unit_test(test_malformed_tables),
	    cmocka_unit_test(test_malformed_table_fields),
	    cmocka_unit_test(test_list_lines),
	};
	return cmocka_run_group_tests_name("backend_options", tests, NULL,
					   NULL);
}
