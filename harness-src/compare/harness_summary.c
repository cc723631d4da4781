/* harness_summary.c - the headline figures of a comparison run: the spread
 * math, reading the runs' sweep.json, and summary.json / summary.md, whose
 * intervals, ratios and calls follow the rules of harness_verdict.h.
 *
 * Every headline figure is one row of `figures` below: adding a figure is
 * adding a row. A figure is read from each usable run of a backend; its
 * median, min, max and n over those runs are what the summary reports. */
#include "harness_summary.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_file.h"
#include "harness_json.h"
#include "harness_verdict.h"

void harness_spread_of(const double *values, size_t count,
		       struct harness_spread *spread)
{
	double *sorted = count ? malloc(count * sizeof(*sorted)) : NULL;
	size_t n = 0;
	for (size_t i = 0; sorted && i < count; i++) {
		if (isnan(values[i]))
			continue;
		size_t j = n++;
		for (; j > 0 && sorted[j - 1] > values[i]; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = values[i];
	}
	spread->n = n;
	if (!n) {
		spread->median = spread->min = spread->max = NAN;
	} else {
		spread->min = sorted[0];
		spread->max = sorted[n - 1];
		spread->median = n % 2
				     ? sorted[n / 2]
				     : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	}
	free(sorted);
}

double harness_spread_ratio(const struct harness_spread *a,
			    const struct harness_spread *b)
{
	/* A ratio of costs means something only between two positive
	 * figures: a slope of -0.003 B (select's user memory, noise around
	 * 0) gives -2,289x, which says nothing. */
	if (!a->n || !b->n || !(b->median > 0) || !(a->median > 0))
		return NAN;
	return a->median / b->median;
}

int harness_spread_overlap(const struct harness_spread *a,
			   const struct harness_spread *b)
{
	if (a->n < 2 || b->n < 2)
		return -1;
	return a->min <= b->max && b->min <= a->max;
}

/* "-1234567.9" -> "-1,234,567.9" */
static void insert_separators(const char *plain, char *text, size_t size)
{
	size_t out = 0, i = 0;
	if (plain[0] == '-' && out + 1 < size)
		text[out++] = plain[i++];
	size_t digits = strspn(plain + i, "0123456789");
	for (size_t d = 0; d < digits && out + 1 < size; d++) {
		if (d && (digits - d) % 3 == 0 && out + 2 < size)
			text[out++] = ',';
		text[out++] = plain[i++];
	}
	for (; plain[i] && out + 1 < size; i++)
		text[out++] = plain[i];
	if (size)
		text[out] = '\0';
}

void harness_summary_format(double value, char *text, size_t text_size)
{
	if (isnan(value)) {
		snprintf(text, text_size, "-");
		return;
	}
	if (isinf(value)) {
		snprintf(text, text_size, value > 0 ? "inf" : "-inf");
		return;
	}
	double a = fabs(value);
	int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
	char plain[64];
	snprintf(plain, sizeof(plain), "%.*f", a == 0 ? 0 : decimals, value);
	if (strcmp(plain, "-0") == 0 || strspn(plain, "-0.") == strlen(plain))
		snprintf(plain, sizeof(plain), "0");
	insert_separators(plain, text, text_size);
}

/* One key of a path: "name" or "name[index]". */
static const json_t *json_step(const json_t *node, const char *key, size_t len)
{
	char name[64];
	const char *bracket = memchr(key, '[', len);
	size_t name_len = bracket ? (size_t)(bracket - key) : len;
	if (name_len >= sizeof(name))
		return NULL;
	memcpy(name, key, name_len);
	name[name_len] = '\0';
	node = json_object_get(node, name);
	if (!bracket || !node)
		return node;
	long index = strtol(bracket + 1, NULL, 10);
	long size = (long)json_array_size(node);
	if (index < 0)
		index += size;
	return index >= 0 && index < size ? json_array_get(node, index) : NULL;
}

double harness_json_number(const json_t *root, const char *path)
{
	const json_t *node = root;
	while (node && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		node = json_step(node, path, len);
		path += len + (dot != NULL);
	}
	return node && json_is_number(node) ? json_number_value(node) : NAN;
}

static int add_backend(struct harness_summary_set *set, const char *name)
{
	for (size_t b = 0; b < set->backend_count; b++)
		if (strcmp(set->backends[b], name) == 0)
			return 0;
	if (set->backend_count == HARNESS_COMPARE_MAX_BACKENDS)
		return -EINVAL;
	snprintf(set->backends[set->backend_count++], sizeof(set->backends[0]),
		 "%s", name);
	return 0;
}

/* Run i's sweep.json (harness_json_load: an object of a schema this
 * harness reads), or why not in set->errors[i]. */
static void load_sweep(struct harness_summary_set *set, size_t i)
{
	char path[PATH_MAX + 16], why[PATH_MAX + 256];
	snprintf(path, sizeof(path), "%s/sweep.json", set->runs[i].dir);
	set->sweeps[i] = harness_json_load(path, why, sizeof(why));
	if (!set->sweeps[i])
		set->errors[i] = strdup(why);
}

int harness_summary_load(const struct harness_summary_run *runs, size_t n,
			 struct harness_summary_set *set, char *why,
			 size_t why_size)
{
	memset(set, 0, sizeof(*set));
	if (!n) {
		snprintf(why, why_size, "no runs to compare");
		return -EINVAL;
	}
	set->runs = runs;
	set->run_count = n;
	snprintf(set->reference, sizeof(set->reference), "epoll");
	set->noise = HARNESS_VERDICT_NOISE;
	set->sweeps = calloc(n, sizeof(*set->sweeps));
	set->errors = calloc(n, sizeof(*set->errors));
	if (!set->sweeps || !set->errors) {
		harness_summary_free(set);
		snprintf(why, why_size, "out of memory loading %zu runs", n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(runs[i].backend, set->reference) == 0)
			add_backend(set, set->reference);
	for (size_t i = 0; i < n; i++) {
		if (add_backend(set, runs[i].backend) < 0) {
			harness_summary_free(set);
			snprintf(why, why_size,
				 "more than %d backends to compare",
				 HARNESS_COMPARE_MAX_BACKENDS);
			return -EINVAL;
		}
		load_sweep(set, i);
	}
	return 0;
}

void harness_summary_free(struct harness_summary_set *set)
{
	for (size_t i = 0; i < set->run_count; i++) {
		if (set->sweeps)
			json_decref(set->sweeps[i]);
		if (set->errors)
			free(set->errors[i]);
	}
	free(set->sweeps);
	free(set->errors);
	set->sweeps = NULL;
	set->errors = NULL;
	set->run_count = 0;
}

static const char *run_status(const struct harness_summary_set *set, size_t i)
{
	if (!set->sweeps[i])
		return "unreadable";
	const char *status =
	    json_string_value(json_object_get(set->sweeps[i], "status"));
	return status ? status : "unknown";
}

int harness_summary_usable(const struct harness_summary_set *set, size_t i)
{
	const char *status = run_status(set, i);
	return set->sweeps[i] && strcmp(status, "failed") != 0 &&
	       strcmp(status, "interrupted") != 0;
}

/* ---- The headline figures: one row each. ---- */

/* Time to reach the target: ramp_s, or for sweeps written before it
 * existed, the sum of the steps' ramps it stands for. */
static double read_time_to_target(const json_t *sweep)
{
	double ramp = harness_json_number(sweep, "ramp_s");
	if (!isnan(ramp))
		return ramp;
	const json_t *steps = json_object_get(sweep, "steps");
	if (!json_array_size(steps))
		return NAN;
	double sum = 0;
	size_t i;
	const json_t *step;
	json_array_foreach(steps, i, step)
	{
		sum += harness_json_number(step, "elapsed_s");
	}
	return sum;
}

struct summary_figure {
	const char *set;     /* the markdown table it appears in */
	const char *key;     /* its key in summary.json */
	const char *name;    /* for people */
	const char *unit;    /* "" for a plain count */
	const char *reading; /* how to read it */
	const char *path;    /* in sweep.json, unless read is set */
	double (*read)(const json_t *sweep);
	int higher_is_better; /* 1: more is better; 0: less is */
};

static const struct summary_figure figures[] = {
    {"Scale", "last_step_connections", "connections held at the last step", "",
     "where each run stopped (select stops at its own fd limit)",
     "steps[-1].connections", NULL, 1},
    {"Scale", "time_to_target_s", "time to target", "s",
     "sum of the steps' ramps; lower is better", NULL, read_time_to_target, 0},
    {"Memory", "server_user_slope_bytes", "server user memory per conn, idle",
     "B",
     "fitted slope of server PSS over what the ramps alone added (pages "
     "touched by echo or load left out); lower is better",
     "fit.user_slope_bytes", NULL, 0},
    {"Memory", "server_user_after_traffic_slope_bytes",
     "server user memory per conn, after traffic", "B",
     "fitted slope of server PSS after each step's echo or load; lower is "
     "better",
     "fit.user_after_traffic_slope_bytes", NULL, 0},
    {"Memory", "kernel_slope_bytes", "kernel memory per conn", "B",
     "fitted slope of Slab: the server's side alone with the TUN client, "
     "both loopback ends with the kernel client; lower is better",
     "fit.kernel_slope_bytes", NULL, 0},
    {"Server CPU", "server_us_per_accept_last", "server CPU per accept", "µs",
     "at the last step; lower is better", "steps[-1].server_cpu_us_per_accept",
     NULL, 0},
    {"Server CPU", "server_us_per_msg_last",
     "server CPU per message under load", "µs",
     "at the last step; lower is better",
     "steps[-1].load.server_cpu_us_per_msg", NULL, 0},
    {"Latency under fixed-rate load", "load_rtt_p99_first_us",
     "load RTT p99, first step", "µs",
     "from intended send time; lower is better", "steps[0].load.rtt_us.p99",
     NULL, 0},
    {"Latency under fixed-rate load", "load_rtt_p50_last_us",
     "load RTT p50, last step", "µs",
     "from intended send time; lower is better", "steps[-1].load.rtt_us.p50",
     NULL, 0},
    {"Latency under fixed-rate load", "load_rtt_p99_last_us",
     "load RTT p99, last step", "µs",
     "from intended send time; lower is better", "steps[-1].load.rtt_us.p99",
     NULL, 0},
    {"Latency under fixed-rate load", "load_rtt_p999_last_us",
     "load RTT p99.9, last step", "µs",
     "from intended send time; lower is better", "steps[-1].load.rtt_us.p999",
     NULL, 0},
    {"Throughput", "echo_msgs_per_s", "closed-loop echo", "msg/s",
     "last step's --echo saturation throughput; higher is better",
     "steps[-1].echo.msgs_per_s", NULL, 1},
};
#define FIGURE_COUNT (sizeof(figures) / sizeof(figures[0]))

static double figure_value(const struct summary_figure *figure,
			   const json_t *sweep)
{
	return figure->read ? figure->read(sweep)
			    : harness_json_number(sweep, figure->path);
}

/* The figure over backend b's usable runs, in run order (NaN if absent);
 * values must hold run_count. */
static void figure_spread(const struct harness_summary_set *set,
			  const struct summary_figure *figure, size_t b,
			  double *values, size_t *count,
			  struct harness_spread *spread)
{
	*count = 0;
	for (size_t i = 0; i < set->run_count; i++)
		if (strcmp(set->runs[i].backend, set->backends[b]) == 0 &&
		    harness_summary_usable(set, i))
			values[(*count)++] =
			    figure_value(figure, set->sweeps[i]);
	harness_spread_of(values, *count, spread);
}

/* Every backend's spread of one figure. */
struct figure_table {
	struct harness_spread spread[HARNESS_COMPARE_MAX_BACKENDS];
	/* The median's interval, by which differences are called
	 * (harness_verdict.h): bootstrap from 3 runs, min-max below. */
	struct harness_interval interval[HARNESS_COMPARE_MAX_BACKENDS];
	/* Connections each backend held at its last step (median), and
	 * whether this figure depends on it: such a figure is compared only
	 * between backends that stopped at the same count. */
	double held[HARNESS_COMPARE_MAX_BACKENDS];
	int per_count;
	double *values[HARNESS_COMPARE_MAX_BACKENDS];
	size_t count[HARNESS_COMPARE_MAX_BACKENDS];
	long epoll; /* index of the reference in the set, -1 when absent */
	const char *reference; /* its name (the set's) */
	double noise;	       /* the set's noise fraction */
};

/* Backends a and b may be set side by side on this figure: it does not
 * depend on the count, or both stopped at the same one. */
static int same_count(const struct figure_table *t, size_t a, size_t b)
{
	return !t->per_count || t->held[a] == t->held[b];
}

static void figure_table_free(struct figure_table *t)
{
	for (size_t b = 0; b < HARNESS_COMPARE_MAX_BACKENDS; b++)
		free(t->values[b]);
}

static int figure_table_fill(const struct harness_summary_set *set,
			     const struct summary_figure *figure,
			     struct figure_table *t)
{
	memset(t, 0, sizeof(*t));
	t->epoll = -1;
	t->reference = set->reference;
	t->noise = set->noise;
	t->per_count = figure != &figures[0]; /* all but the count itself */
	for (size_t b = 0; b < set->backend_count; b++) {
		t->values[b] = malloc(set->run_count * sizeof(double));
		if (!t->values[b]) {
			figure_table_free(t);
			return -ENOMEM;
		}
		struct harness_spread held;
		figure_spread(set, &figures[0], b, t->values[b], &t->count[b],
			      &held);
		t->held[b] = held.median;
		figure_spread(set, figure, b, t->values[b], &t->count[b],
			      &t->spread[b]);
		harness_interval_of(t->values[b], t->count[b], &t->interval[b]);
		if (strcmp(set->backends[b], set->reference) == 0)
			t->epoll = (long)b;
	}
	return 0;
}

/* ---- summary.json ---- */

static void set_number(json_t *object, const char *key, double value)
{
	if (isfinite(value))
		json_object_set_new(object, key, json_real(value));
}

static json_t *overlap_json(int overlap)
{
	return overlap < 0 ? json_null() : json_boolean(overlap);
}

static json_t *runs_json(const struct harness_summary_set *set)
{
	json_t *runs = json_array();
	for (size_t i = 0; i < set->run_count; i++) {
		const json_t *sweep = set->sweeps[i];
		json_t *run =
		    json_pack("{s:s, s:I, s:s, s:s, s:b}", "backend",
			      set->runs[i].backend, "round",
			      (json_int_t)set->runs[i].round, "dir",
			      set->runs[i].dir, "status", run_status(set, i),
			      "used", harness_summary_usable(set, i));
		const char *id =
		    json_string_value(json_object_get(sweep, "run_id"));
		if (id)
			json_object_set_new(run, "run_id", json_string(id));
		set_number(run, "last_step_connections",
			   harness_json_number(sweep, "steps[-1].connections"));
		set_number(run, "target", harness_json_number(sweep, "target"));
		const char *commit = json_string_value(json_object_get(
		    json_object_get(sweep, "machine"), "git_commit"));
		if (commit)
			json_object_set_new(run, "git_commit",
					    json_string(commit));
		if (set->errors[i])
			json_object_set_new(run, "error",
					    json_string(set->errors[i]));
		json_array_append_new(runs, run);
	}
	return runs;
}

/* Against the reference: the ratio (only where both sides stand clear of
 * zero), whether the min-max ranges overlap, and the call. Under the
 * *_reference keys; a summary against epoll repeats them under the
 * *_epoll keys that readers from before --reference know. */
static void versus_json(json_t *o, const struct figure_table *t, size_t b)
{
	const struct harness_spread *s = &t->spread[b];
	const struct harness_spread *e = &t->spread[t->epoll];
	const struct harness_interval *in = &t->interval[b];
	const struct harness_interval *ei = &t->interval[t->epoll];
	json_t *v = json_object();
	if (!same_count(t, b, (size_t)t->epoll)) {
		json_object_set_new(v, "verdict",
				    json_string("not compared: at another "
						"connection count"));
	} else {
		set_number(v, "ratio",
			   harness_ratio_means_something(in, ei, t->noise)
			       ? harness_spread_ratio(s, e)
			       : NAN);
		if (e->n) {
			json_object_set_new(
			    v, "within_spread",
			    overlap_json(harness_spread_overlap(s, e)));
			json_object_set_new(
			    v, "verdict",
			    json_string(harness_verdict_name(
				harness_verdict_of(in, ei, t->noise))));
		}
	}
	static const char *const keys[][2] = {
	    {"ratio", "ratio_to_"},
	    {"within_spread", "within_spread_of_"},
	    {"verdict", "verdict_vs_"},
	};
	int legacy = strcmp(t->reference, "epoll") == 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *value = json_object_get(v, keys[k][0]);
		char key[64];
		if (!value)
			continue;
		snprintf(key, sizeof(key), "%sreference", keys[k][1]);
		json_object_set(o, key, value);
		snprintf(key, sizeof(key), "%sepoll", keys[k][1]);
		if (legacy)
			json_object_set(o, key, value);
	}
	json_decref(v);
}

static json_t *spread_json(const struct figure_table *t, size_t b)
{
	const struct harness_spread *s = &t->spread[b];
	json_t *o = json_object();
	set_number(o, "median", s->median);
	set_number(o, "min", s->min);
	set_number(o, "max", s->max);
	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	json_t *values = json_array();
	for (size_t i = 0; i < t->count[b]; i++)
		if (isfinite(t->values[b][i]))
			json_array_append_new(values,
					      json_real(t->values[b][i]));
	json_object_set_new(o, "values", values);
	const struct harness_interval *in = &t->interval[b];
	set_number(o, "low", in->low);
	set_number(o, "high", in->high);
	json_object_set_new(o, "interval",
			    json_string(in->bootstrap ? "bootstrap 95% of the "
							"median"
						      : "min-max"));
	if (t->epoll >= 0 && s->n)
		versus_json(o, t, b);
	return o;
}

static json_t *figure_json(const struct harness_summary_set *set,
			   const struct summary_figure *figure,
			   const struct figure_table *t)
{
	json_t *backends = json_object();
	for (size_t b = 0; b < set->backend_count; b++)
		json_object_set_new(backends, set->backends[b],
				    spread_json(t, b));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "key", figure->key,
			 "name", figure->name, "unit", figure->unit, "reading",
			 figure->reading, "better",
			 figure->higher_is_better ? "higher" : "lower",
			 "backends", backends);
}

/* Every pair where both have the figure: a a later backend than b (in
 * backend order, epoll first), ratio a over b, as "vs epoll" reads. */
static void pairs_json(json_t *pairs, const struct harness_summary_set *set,
		       const struct summary_figure *figure,
		       const struct figure_table *t)
{
	for (size_t a = 1; a < set->backend_count; a++)
		for (size_t b = 0; b < a; b++) {
			if (!t->spread[a].n || !t->spread[b].n ||
			    !same_count(t, a, b))
				continue; /* figures at different counts */
			int overlap = harness_spread_overlap(&t->spread[a],
							     &t->spread[b]);
			enum harness_verdict v = harness_verdict_of(
			    &t->interval[a], &t->interval[b], set->noise);
			json_t *pair = json_pack(
			    "{s:s, s:s, s:s, s:o, s:s}", "figure", figure->key,
			    "a", set->backends[a], "b", set->backends[b],
			    "beyond_spread",
			    overlap < 0 ? json_null() : json_boolean(!overlap),
			    "verdict", harness_verdict_name(v));
			set_number(
			    pair, "ratio",
			    harness_ratio_means_something(
				&t->interval[a], &t->interval[b], set->noise)
				? harness_spread_ratio(&t->spread[a],
						       &t->spread[b])
				: NAN);
			json_array_append_new(pairs, pair);
		}
}

static int compare_rounds(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* The distinct rounds, ascending; returns how many (at most n). */
static size_t distinct_rounds(const struct harness_summary_set *set,
			      unsigned *rounds)
{
	size_t count = 0;
	for (size_t i = 0; i < set->run_count; i++) {
		size_t j = 0;
		while (j < count && rounds[j] != set->runs[i].round)
			j++;
		if (j == count)
			rounds[count++] = set->runs[i].round;
	}
	qsort(rounds, count, sizeof(*rounds), compare_rounds);
	return count;
}

static json_t *order_json(const struct harness_summary_set *set)
{
	json_t *order = json_array();
	unsigned *rounds = malloc(set->run_count * sizeof(*rounds));
	size_t count = rounds ? distinct_rounds(set, rounds) : 0;
	for (size_t r = 0; r < count; r++) {
		json_t *backends = json_array();
		for (size_t i = 0; i < set->run_count; i++)
			if (set->runs[i].round == rounds[r])
				json_array_append_new(
				    backends,
				    json_string(set->runs[i].backend));
		json_array_append_new(order, json_pack("{s:I, s:o}", "round",
						       (json_int_t)rounds[r],
						       "backends", backends));
	}
	free(rounds);
	return order;
}

static json_t *summary_json(const struct harness_summary_set *set)
{
	json_t *list = json_array(), *pairs = json_array();
	for (size_t f = 0; f < FIGURE_COUNT; f++) {
		struct figure_table t;
		if (figure_table_fill(set, &figures[f], &t) < 0) {
			json_decref(list);
			json_decref(pairs);
			return NULL;
		}
		json_array_append_new(list, figure_json(set, &figures[f], &t));
		pairs_json(pairs, set, &figures[f], &t);
		figure_table_free(&t);
	}
	return json_pack(
	    "{s:s, s:f, s:s, s:o, s:o, s:o, s:o}", "reference", set->reference,
	    "noise", set->noise, "note",
	    "Each figure per backend: median, min, max over that backend's "
	    "usable runs (sweep.json read, status neither failed nor "
	    "interrupted), n of them; values lists them. "
	    "ratio_to_reference, within_spread_of_reference and "
	    "verdict_vs_reference are against the reference backend "
	    "(repeated as *_epoll when it is epoll); "
	    "within_spread_of_reference / beyond_spread compare the min-max "
	    "ranges; null when either side has fewer than 2 runs.",
	    "runs", runs_json(set), "figures", list, "pairs", pairs, "order",
	    order_json(set));
}

/* ---- summary.md ---- */

static void md_cell(FILE *f, const struct harness_interval *s)
{
	char med[48], lo[48], hi[48];
	if (!s->n) {
		fprintf(f, " - |");
		return;
	}
	harness_summary_format(s->median, med, sizeof(med));
	harness_summary_format(s->low, lo, sizeof(lo));
	harness_summary_format(s->high, hi, sizeof(hi));
	if (s->n == 1)
		fprintf(f, " %s (1) |", med);
	else
		fprintf(f, " %s [%s–%s] (%zu) |", med, lo, hi, s->n);
}

/* The ratio to epoll where it means something, and the verdict by the
 * rules of harness_verdict.h: a difference is called only with 3 runs a
 * side, intervals apart and a gap beyond the noise. */
static void md_versus(FILE *f, const struct figure_table *t, size_t b)
{
	if (t->epoll < 0 || !t->spread[b].n || !t->spread[t->epoll].n) {
		fprintf(f, " - |");
		return;
	}
	if ((long)b == t->epoll) {
		fprintf(f, " (reference) |");
		return;
	}
	if (!same_count(t, b, (size_t)t->epoll)) {
		fprintf(f, " - (at another count) |");
		return;
	}
	const struct harness_interval *in = &t->interval[b];
	const struct harness_interval *e = &t->interval[t->epoll];
	enum harness_verdict v = harness_verdict_of(in, e, t->noise);
	const char *call = v == HARNESS_VERDICT_UNDECIDED ? "n < 3: no call"
			   : v == HARNESS_VERDICT_SAME	  ? "same"
			   : v == HARNESS_VERDICT_LOWER	  ? "**lower**"
							  : "**higher**";
	if (!harness_ratio_means_something(in, e, t->noise)) {
		fprintf(f, " - (no ratio of a figure near 0; %s) |", call);
		return;
	}
	char text[48];
	harness_summary_format(
	    harness_spread_ratio(&t->spread[b], &t->spread[t->epoll]), text,
	    sizeof(text));
	fprintf(f, " ×%s, %s |", text, call);
}

static size_t backend_runs(const struct harness_summary_set *set, size_t b,
			   size_t *usable)
{
	size_t all = 0;
	*usable = 0;
	for (size_t i = 0; i < set->run_count; i++)
		if (strcmp(set->runs[i].backend, set->backends[b]) == 0) {
			all++;
			*usable += harness_summary_usable(set, i) != 0;
		}
	return all;
}

static void md_table_head(FILE *f, const struct harness_summary_set *set,
			  size_t first, size_t last)
{
	fprintf(f, "| backend | runs |");
	for (size_t k = first; k < last; k++)
		fprintf(f, " %s%s%s%s | vs %s |", figures[k].name,
			*figures[k].unit ? " (" : "", figures[k].unit,
			*figures[k].unit ? ")" : "", set->reference);
	fprintf(f, "\n|---|---:|");
	for (size_t k = first; k < last; k++)
		fprintf(f, "---:|---|");
	fprintf(f, "\n");
}

static void md_table_rows(FILE *f, const struct harness_summary_set *set,
			  const struct figure_table *t, size_t first,
			  size_t last)
{
	for (size_t b = 0; b < set->backend_count; b++) {
		size_t usable, all = backend_runs(set, b, &usable);
		fprintf(f, "| %s | %zu of %zu |", set->backends[b], usable,
			all);
		for (size_t k = first; k < last; k++) {
			md_cell(f, &t[k].interval[b]);
			md_versus(f, &t[k], b);
		}
		fprintf(f, "\n");
	}
}

/* One table: the figures of one set, from first to one past last; a line
 * instead when no run recorded any of them. */
static int md_table(FILE *f, const struct harness_summary_set *set,
		    size_t first, size_t last)
{
	struct figure_table t[FIGURE_COUNT];
	size_t present = 0;
	for (size_t k = first; k < last; k++) {
		if (figure_table_fill(set, &figures[k], &t[k]) < 0) {
			while (k-- > first)
				figure_table_free(&t[k]);
			return -ENOMEM;
		}
		for (size_t b = 0; b < set->backend_count; b++)
			present += t[k].spread[b].n;
	}
	fprintf(f, "\n## %s\n\n", figures[first].set);
	if (present) {
		md_table_head(f, set, first, last);
		md_table_rows(f, set, t, first, last);
	} else {
		fprintf(f, "No run recorded these figures.\n");
	}
	fprintf(f, "\n");
	for (size_t k = first; k < last; k++) {
		fprintf(f, "- %s: %s.\n", figures[k].name, figures[k].reading);
		figure_table_free(&t[k]);
	}
	return 0;
}

static void md_pair(FILE *f, const struct summary_figure *figure,
		    const struct figure_table *t, const char *a_name,
		    const char *b_name, size_t a, size_t b, const char *call)
{
	const struct harness_interval *ia = &t->interval[a],
				      *ib = &t->interval[b];
	char ma[48], mb[48], ratio[64], la[48], ha[48], lb[48], hb[48];
	harness_summary_format(ia->median, ma, sizeof(ma));
	harness_summary_format(ib->median, mb, sizeof(mb));
	harness_summary_format(ia->low, la, sizeof(la));
	harness_summary_format(ia->high, ha, sizeof(ha));
	harness_summary_format(ib->low, lb, sizeof(lb));
	harness_summary_format(ib->high, hb, sizeof(hb));
	double r = harness_ratio_means_something(ia, ib, t->noise)
		       ? harness_spread_ratio(&t->spread[a], &t->spread[b])
		       : NAN;
	char number[48];
	harness_summary_format(r, number, sizeof(number));
	snprintf(ratio, sizeof(ratio), isnan(r) ? "%s" : "×%s; ",
		 isnan(r) ? "" : number);
	const char *space = *figure->unit ? " " : "";
	fprintf(f,
		"- %s: %s %s%s%s is %s than %s %s%s%s (%s[%s–%s] and "
		"[%s–%s])\n",
		figure->name, a_name, ma, space, figure->unit, call, b_name, mb,
		space, figure->unit, ratio, la, ha, lb, hb);
}

/* The differences called by the rules of harness_verdict.h. */
static int md_beyond(FILE *f, const struct harness_summary_set *set)
{
	size_t listed = 0, unjudged = 0;
	fprintf(f,
		"\n## Differences\n\nCalled only with at least %d runs a "
		"side, the 95%% intervals of the medians apart, and a gap "
		"above %g%% of the larger median.\n\n",
		HARNESS_VERDICT_MIN_N, set->noise * 100);
	for (size_t k = 0; k < FIGURE_COUNT; k++) {
		struct figure_table t;
		if (figure_table_fill(set, &figures[k], &t) < 0)
			return -ENOMEM;
		for (size_t a = 1; a < set->backend_count; a++)
			for (size_t b = 0; b < a; b++) {
				if (!t.spread[a].n || !t.spread[b].n ||
				    !same_count(&t, a, b))
					continue;
				enum harness_verdict v = harness_verdict_of(
				    &t.interval[a], &t.interval[b], set->noise);
				unjudged += v == HARNESS_VERDICT_UNDECIDED;
				if (v != HARNESS_VERDICT_LOWER &&
				    v != HARNESS_VERDICT_HIGHER)
					continue;
				md_pair(f, &figures[k], &t, set->backends[a],
					set->backends[b], a, b,
					v == HARNESS_VERDICT_LOWER ? "lower"
								   : "higher");
				listed++;
			}
		figure_table_free(&t);
	}
	if (!listed)
		fprintf(f, "None called.\n");
	if (unjudged)
		fprintf(f,
			"\n%zu comparisons had a side with fewer than %d runs: "
			"no call is made on them (use --repeat %d or more).\n",
			unjudged, HARNESS_VERDICT_MIN_N, HARNESS_VERDICT_MIN_N);
	return 0;
}

static void md_runs(FILE *f, const struct harness_summary_set *set)
{
	fprintf(f, "\n## Runs\n\n| round | backend | run | status | "
		   "connections at last step |\n|---:|---|---|---|---:|\n");
	for (size_t i = 0; i < set->run_count; i++) {
		const json_t *sweep = set->sweeps[i];
		const char *id =
		    json_string_value(json_object_get(sweep, "run_id"));
		char held[48];
		harness_summary_format(
		    harness_json_number(sweep, "steps[-1].connections"), held,
		    sizeof(held));
		fprintf(f, "| %u | %s | %s | %s%s | %s |\n", set->runs[i].round,
			set->runs[i].backend, id ? id : set->runs[i].dir,
			run_status(set, i),
			harness_summary_usable(set, i) ? "" : " (not used)",
			held);
	}
}

static int summary_md(FILE *f, const struct harness_summary_set *set)
{
	fprintf(
	    f,
	    "# Comparison: %zu backends, %zu runs, interleaved\n\n"
	    "Each cell is the median [interval] (n) over a backend's usable "
	    "runs: with 3 runs or more the interval is a 95%% bootstrap "
	    "interval of the median, below that the min-max. \"vs %s\" "
	    "is the ratio of medians to the reference backend, shown only "
	    "where both stand clear of zero, and the call: lower or higher "
	    "only with 3 runs a side, intervals apart and a gap above "
	    "%g%%; otherwise same, or no call. Figures \"at the last "
	    "step\" are at each run's own last step: see the connections "
	    "held there.\n",
	    set->backend_count, set->run_count, set->reference,
	    set->noise * 100);
	for (size_t first = 0; first < FIGURE_COUNT;) {
		size_t last = first + 1;
		while (last < FIGURE_COUNT &&
		       strcmp(figures[last].set, figures[first].set) == 0)
			last++;
		if (md_table(f, set, first, last) < 0)
			return -ENOMEM;
		first = last;
	}
	if (md_beyond(f, set) < 0)
		return -ENOMEM;
	md_runs(f, set);
	return ferror(f) ? -EIO : 0;
}

static int write_md(const char *compare_dir,
		    const struct harness_summary_set *set, char *why,
		    size_t why_size)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int err = harness_file_create(compare_dir, "summary.md", path,
				      sizeof(path), &f, why, why_size);
	if (err)
		return err;
	err = summary_md(f, set);
	if (fclose(f) != 0 && !err)
		err = -EIO;
	if (err)
		snprintf(why, why_size, "cannot write %s: %s", path,
			 strerror(-err));
	return err;
}

static int write_json(const char *compare_dir,
		      const struct harness_summary_set *set, char *why,
		      size_t why_size)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/summary.json", compare_dir);
	json_t *root = summary_json(set);
	if (!root) {
		snprintf(why, why_size, "out of memory building %s", path);
		return -ENOMEM;
	}
	int err = harness_json_save(root, path, why, why_size);
	json_decref(root);
	return err;
}

int harness_summary_write(const char *compare_dir,
			  const struct harness_summary_run *runs, size_t n,
			  const struct harness_summary_config *config,
			  char *why, size_t why_size)
{
	struct harness_summary_set set;
	int err = harness_summary_load(runs, n, &set, why, why_size);
	if (err)
		return err;
	if (config && config->reference && config->reference[0])
		snprintf(set.reference, sizeof(set.reference), "%s",
			 config->reference);
	if (config && config->noise > 0)
		set.noise = config->noise;
	err = write_json(compare_dir, &set, why, why_size);
	if (!err)
		err = write_md(compare_dir, &set, why, why_size);
	harness_summary_free(&set);
	return err;
}
