/* harness_options.c - parse and validate the harness's command line, and
 * turn --steps/--points into the list of connection counts to visit. */
#include "harness_options.h"

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_backend_options.h"
#include "harness_baseline_options.h"
#include "harness_transport.h"
#include "mcs_parse.h"

#define TARGET_MAX 10000000ull
#define LOAD_MAX   10000000ull
/* getopt_long() values of the table's options: OPTION_BASE + index. */
#define OPTION_BASE 1000
#define LOAD_SIZE_MAX                                                          \
	65535ull /* the client counts a message's bytes in 16 bits */

/* --backend NAME, a,b,c or all into o. Returns 0, or -EINVAL for an empty
 * name, a name with '/', a repeated name, too many or too long names. */
static int parse_backends(const char *arg, struct harness_options *o)
{
	o->backend_count = 0;
	o->all_backends = strcmp(arg, "all") == 0;
	const char *p = arg;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len || len >= sizeof(o->backends[0]) ||
		    memchr(p, '/', len) ||
		    o->backend_count == HARNESS_MAX_BACKENDS)
			return -EINVAL;
		char *name = o->backends[o->backend_count];
		memcpy(name, p, len);
		name[len] = '\0';
		for (size_t i = 0; i < o->backend_count; i++)
			if (strcmp(o->backends[i], name) == 0)
				return -EEXIST; /* named twice */
		if (strcmp(name, "all") == 0 && (o->backend_count || comma))
			return -EINVAL; /* all stands alone */
		o->backend_count++;
		if (!comma)
			break;
		p = comma + 1;
	}
	snprintf(o->backend, sizeof(o->backend), "%s", o->backends[0]);
	return 0;
}

double harness_load_ceiling(uint64_t first_step)
{
	return (double)first_step * 1000.0;
}

/* --backend-opt: kept as typed once its form is right. */
static int add_backend_setting(const char *arg, struct harness_options *o,
			       char *why, size_t why_size)
{
	int err = harness_backend_setting_check(arg, why, why_size);
	if (err)
		return err;
	if (strlen(arg) >= sizeof(o->backend_settings[0]) ||
	    o->backend_setting_count == HARNESS_MAX_BACKEND_SETTINGS)
		return mcs_option_error(why, why_size, "--backend-opt", arg,
					"at most 32 settings, each under 288 "
					"characters");
	snprintf(o->backend_settings[o->backend_setting_count++],
		 sizeof(o->backend_settings[0]), "%s", arg);
	return 0;
}

/* A load the plan cannot offer: at the first step every connection would
 * have to send more than once a millisecond. */
static int check_load(const struct harness_options *o, char *why,
		      size_t why_size)
{
	if (o->load_rate <= 0)
		return 0;
	uint64_t steps[HARNESS_MAX_STEPS];
	harness_step_list(o, o->target, steps, HARNESS_MAX_STEPS);
	double ceiling = harness_load_ceiling(steps[0]);
	if (o->load_rate <= ceiling)
		return 0;
	snprintf(why, why_size,
		 "option --load: %.0f messages/s is more than this plan can "
		 "offer: its first step holds %llu connections, and each may "
		 "send at most once a millisecond (%.0f/s in all); lower "
		 "--load or start the steps higher (--steps)",
		 o->load_rate, (unsigned long long)steps[0], ceiling);
	return -EINVAL;
}

/* --server-host, --client-hosts, --transport, --remote-dir. */
static int parse_server_host(const char *arg, struct harness_options *o,
			     char *why, size_t why_size)
{
	o->server_host_given = 1;
	return harness_hosts_parse_server(arg, &o->hosts.server, why, why_size);
}

static int parse_client_hosts(const char *arg, struct harness_options *o,
			      char *why, size_t why_size)
{
	o->client_hosts_given = 1;
	return harness_hosts_parse_clients(arg, &o->hosts, why, why_size);
}

static int parse_transport(const char *arg, struct harness_options *o,
			   char *why, size_t why_size)
{
	o->transport_given = 1;
	if (strlen(arg) >= sizeof(o->transport))
		return mcs_option_error(why, why_size, "--transport", arg,
					"a template under 512 characters");
	snprintf(o->transport, sizeof(o->transport), "%s", arg);
	return harness_transport_check(arg, why, why_size);
}

static int parse_remote_dir(const char *arg, struct harness_options *o,
			    char *why, size_t why_size)
{
	if (harness_hosts_check_dir(arg, why, why_size))
		return -EINVAL;
	snprintf(o->remote_dir, sizeof(o->remote_dir), "%s", arg);
	return 0;
}

/* --client tun|kernel. */
static int parse_client(const char *arg, struct harness_options *o, char *why,
			size_t why_size)
{
	if (strcmp(arg, "tun") == 0)
		o->client_kind = HARNESS_CLIENT_TUN;
	else if (strcmp(arg, "kernel") == 0)
		o->client_kind = HARNESS_CLIENT_KERNEL;
	else
		return mcs_option_error(why, why_size, "--client", arg,
					"tun or kernel");
	return 0;
}

/* --client tun needs the sweep's own namespace: the TUN device and the
 * server's address live there and nowhere else. */
static int check_client(const struct harness_options *o, char *why,
			size_t why_size)
{
	if (o->client_kind != HARNESS_CLIENT_TUN)
		return 0;
	const char *not_with = o->no_netns    ? "--no-netns"
			       : o->multihost ? "a multi-host run"
					      : NULL;
	if (!not_with)
		return 0;
	snprintf(why, why_size,
		 "option --client tun: not with %s: the TUN device and the "
		 "server's 198.18.0.1 live only in the sweep's own network "
		 "namespace; use --client kernel",
		 not_with);
	return -EINVAL;
}

/* --backend NAME|a,b|all. */
static int parse_backend_option(const char *arg, struct harness_options *o,
				char *why, size_t why_size)
{
	int err = parse_backends(arg, o);
	if (err == -EEXIST) {
		char shown[64];
		snprintf(why, why_size,
			 "bad --backend '%s': %s is named twice (each backend "
			 "runs once a round; --repeat N runs them N times)",
			 mcs_printable(arg, shown, sizeof(shown)),
			 o->backends[o->backend_count]);
		return -EINVAL;
	}
	if (err)
		return mcs_option_error(why, why_size, "--backend", arg,
					"a backend name (see --list-backends), "
					"a comma list of names, or all");
	return 0;
}

static int parse_steps(const char *arg, struct harness_options *o, char *why,
		       size_t why_size)
{
	if (mcs_parse_count_list(arg, 1, TARGET_MAX, o->steps,
				 HARNESS_MAX_STEPS, &o->step_count))
		return mcs_option_error(why, why_size, "--steps", arg,
					"increasing counts like 1k,10k,100k "
					"(at most 64)");
	return 0;
}

/* --workers N|auto (auto: 0, the plan's choice). */
static int parse_workers(const char *arg, struct harness_options *o, char *why,
			 size_t why_size)
{
	uint64_t v = 0;
	if (strcmp(arg, "auto") != 0 && mcs_parse_count(arg, 1, 4096, &v))
		return mcs_option_error(why, why_size, "--workers", arg,
					"a number from 1 to 4096, or auto");
	o->workers = (unsigned)v;
	return 0;
}

static int parse_ports(const char *arg, struct harness_options *o, char *why,
		       size_t why_size)
{
	if (mcs_parse_port_range(arg, &o->port_first, &o->port_last))
		return mcs_option_error(why, why_size, "--ports", arg,
					"A-B with 1 <= A <= B <= 65535");
	o->ports_given = 1;
	return 0;
}

/* --min-free SIZE|0|auto. */
static int parse_min_free(const char *arg, struct harness_options *o, char *why,
			  size_t why_size)
{
	o->min_free_given = strcmp(arg, "auto") != 0;
	if (o->min_free_given && mcs_parse_size(arg, 1ull << 50, &o->min_free))
		return mcs_option_error(why, why_size, "--min-free", arg,
					"a size like 512M or 2G, 0 (no guard) "
					"or auto");
	return 0;
}

/* A multi-host run needs both host options, one backend, one run. */
static int check_multihost(struct harness_options *o, char *why,
			   size_t why_size)
{
	o->multihost = o->server_host_given && o->client_hosts_given;
	const char *missing =
	    o->server_host_given && !o->client_hosts_given   ? "--client-hosts"
	    : !o->server_host_given && o->client_hosts_given ? "--server-host"
							     : NULL;
	if (missing) {
		snprintf(why, why_size,
			 "option %s is required with %s: a multi-host run "
			 "names the server's host and the client hosts",
			 missing,
			 o->server_host_given ? "--server-host"
					      : "--client-hosts");
		return -EINVAL;
	}
	const char *alone = o->transport_given ? "--transport"
			    : o->remote_dir[0] ? "--remote-dir"
					       : NULL;
	if (!o->multihost && alone) {
		snprintf(why, why_size,
			 "option %s: only with --server-host and "
			 "--client-hosts",
			 alone);
		return -EINVAL;
	}
	if (!o->multihost)
		return 0;
	const char *not_with = o->all_backends || o->backend_count > 1
				   ? "--backend (one backend per multi-host "
				     "run, not a list or all)"
			       : o->repeat > 1 ? "--repeat"
			       : o->pause_at   ? "--pause-at"
			       : o->soak_s > 0 ? "--soak"
			       : o->dry_run    ? "--dry-run (the plan is the "
						 "server host's to make)"
					       : NULL;
	if (not_with) {
		snprintf(why, why_size, "option %s: not with --server-host",
			 not_with);
		return -EINVAL;
	}
	return 0;
}

/* Every option of the harness, declared once (as fio's struct fio_option):
 * the parser and --help both come from this table. An option's value goes
 * into the field at offset, checked by its kind (a flag, a count in
 * [min, max], a duration in seconds in [min, max], a path shorter than the
 * field less min bytes), or through parse. */
enum option_kind { OPT_FLAG, OPT_COUNT, OPT_DURATION, OPT_PATH, OPT_CUSTOM };
enum option_type { T_U64, T_UNSIGNED, T_DOUBLE }; /* a count's field */

struct harness_option {
	const char *name; /* --NAME */
	const char *arg;  /* its value as --help shows it; NULL: a flag */
	enum option_kind kind;
	size_t offset, size; /* the field in struct harness_options */
	enum option_type type;
	double min, max;
	const char *expect; /* what a bad value should have been */
	int (*parse)(const char *arg, struct harness_options *o, char *why,
		     size_t why_size);
	const char *help; /* --help's text, a '\n' before each further line */
};

#define FIELD(f)                                                               \
	.offset = offsetof(struct harness_options, f),                         \
	.size = sizeof(((struct harness_options *)0)->f)

static const struct harness_option options[] = {
    {.name = "backend",
     .arg = "NAME|all",
     .kind = OPT_CUSTOM,
     .parse = parse_backend_option,
     .help = "backend to measure; a comma list (epoll,io_uring), or\n"
	     "all for every installed one"},
    {.name = "backend-opt",
     .arg = "[BACKEND:]NAME=VALUE",
     .kind = OPT_CUSTOM,
     .parse = add_backend_setting,
     .help = "set a backend option on the server (repeatable): for\n"
	     "every backend swept, or with BACKEND: for that one;\n"
	     "--list-backends lists them, sweep.json records every\n"
	     "value in backend_options"},
    {.name = "repeat",
     .arg = "N",
     .kind = OPT_COUNT,
     FIELD(repeat),
     .type = T_UNSIGNED,
     .min = 1,
     .max = HARNESS_MAX_REPEAT,
     .expect = "a number of runs from 1 to 50",
     .help = "run each backend N times, interleaved: round r runs\n"
	     "every backend, in an order rotated each round; with\n"
	     "more than one run, DIR/compare/<run-id>/ gets\n"
	     "summary.json, summary.md and plots of medians with\n"
	     "min-max bars (default 1)"},
    {.name = "load",
     .arg = "RATE",
     .kind = OPT_COUNT,
     FIELD(load_rate),
     .type = T_DOUBLE,
     .min = 1,
     .max = LOAD_MAX,
     .expect = "messages per second from 1 to 10M (20k forms accepted)",
     .help = "at every step, after the idle measurement, offer RATE\n"
	     "messages/s in all (20k forms accepted), open loop,\n"
	     "spread evenly over every held connection; latency\n"
	     "from each message's intended send time"},
    {.name = "load-size",
     .arg = "B",
     .kind = OPT_COUNT,
     FIELD(load_size),
     .type = T_UNSIGNED,
     .min = 1,
     .max = LOAD_SIZE_MAX,
     .expect = "bytes per message from 1 to 65535",
     .help = "bytes per load message (default 64)"},
    {.name = "load-duration",
     .arg = "S",
     .kind = OPT_DURATION,
     FIELD(load_duration),
     .min = 0.1,
     .max = 3600,
     .expect = "seconds from 0.1 to 3600 (90s, 10m, 1h forms accepted)",
     .help = "seconds of load per step (default 5)"},
    {.name = "soak",
     .arg = "DURATION",
     .kind = OPT_DURATION,
     FIELD(soak_s),
     .min = 1,
     .max = HARNESS_SOAK_MAX_S,
     .expect = "a duration from 1 s to 168h: seconds (600) or 90s, 10m, 1h",
     .help = "hold the last step for DURATION (600, 90s, 10m, 1h)\n"
	     "before the liveness check, sampling memory and live\n"
	     "counts every 10 s (with --load, the load runs all\n"
	     "along in 10 s windows); fails if a connection is lost\n"
	     "or an echo errs; reports the slope of server PSS over\n"
	     "time (sweep.json soak, soak.csv, soak.png)"},
    {.name = "target",
     .arg = "N",
     .kind = OPT_COUNT,
     FIELD(target),
     .type = T_U64,
     .min = 1,
     .max = TARGET_MAX,
     .expect = "a count from 1 to 10M (250k, 1M forms accepted)",
     .help = "connections at the last step (1k, 250k, 1M forms)"},
    {.name = "steps",
     .arg = "LIST",
     .kind = OPT_CUSTOM,
     .parse = parse_steps,
     .help = "counts to stop at on the way, increasing\n"
	     "(default " HARNESS_DEFAULT_STEPS "; those above N\n"
	     "are dropped and N is always the last step)"},
    {.name = "points",
     .arg = "K",
     .kind = OPT_COUNT,
     FIELD(points),
     .type = T_UNSIGNED,
     .min = 2,
     .max = HARNESS_MAX_STEPS,
     .expect = "a number of steps from 2 to 64 (one step is --steps N)",
     .help = "instead: K steps evenly spaced on a log scale"},
    {.name = "workers",
     .arg = "N|auto",
     .kind = OPT_CUSTOM,
     .parse = parse_workers,
     .help = "server worker processes (default auto: enough for\n"
	     "N at 90% of each worker's fd-capped capacity)"},
    {.name = "ports",
     .arg = "A-B",
     .kind = OPT_CUSTOM,
     .parse = parse_ports,
     .help = "listening ports, one per worker (default from 2048)"},
    {.name = "echo",
     .kind = OPT_FLAG,
     FIELD(echo),
     .help = "at every step, echo 64 bytes over a sample of the\n"
	     "connections and measure memory again after it"},
    {.name = "echo-sample",
     .arg = "N",
     .kind = OPT_COUNT,
     FIELD(echo_sample),
     .type = T_U64,
     .min = 1,
     .max = TARGET_MAX,
     .expect = "a count from 1 to 10M",
     .help = "connections in that sample (default 10k)"},
    {.name = "out",
     .arg = "DIR",
     .kind = OPT_PATH,
     FIELD(out),
     .min = 128,
     .expect = "a directory path",
     .help = "results directory (default runs, which git ignores)"},
    {.name = "tune",
     .kind = OPT_FLAG,
     FIELD(tune),
     .help = "(root) apply every recommended sysctl, even if the\n"
	     "target does not need it"},
    {.name = "no-tune",
     .kind = OPT_FLAG,
     FIELD(no_tune),
     .help = "never change a sysctl; stop if the target needs one\n"
	     "(default: as root, raise what the target needs and\n"
	     "say so; otherwise stop with the command to run)"},
    {.name = "no-plot",
     .kind = OPT_FLAG,
     FIELD(no_plot),
     .help = "skip the gnuplot PNGs"},
    {.name = "no-netns",
     .kind = OPT_FLAG,
     FIELD(no_netns),
     .help = "run on the host's network namespace (default as root:\n"
	     "each sweep in a namespace of its own, its hash sized\n"
	     "for the target, the host's sysctls untouched)"},
    {.name = "dry-run",
     .kind = OPT_FLAG,
     FIELD(dry_run),
     .help = "print the plan and change nothing: server workers and\n"
	     "ports, client kind and processes, sources, each sysctl\n"
	     "it would change (from -> to, why), memory per connection\n"
	     "and in all against what is available, what caps the\n"
	     "target, the namespace it would make; exit 0, or 1 with\n"
	     "the preflight's refusal"},
    {.name = "client",
     .arg = "tun|kernel",
     .kind = OPT_CUSTOM,
     .parse = parse_client,
     .help = "the client kind (default: tun when the sweep has a\n"
	     "network namespace of its own, as root without\n"
	     "--no-netns; kernel otherwise): tun holds connections\n"
	     "through a TUN device (docs/CLIENT-TUN.md), so kernel\n"
	     "figures are the server's side alone; kernel uses a\n"
	     "socket per connection, both ends on this kernel"},
    {.name = "pause-at",
     .arg = "N",
     .kind = OPT_COUNT,
     FIELD(pause_at),
     .type = T_U64,
     .min = 1,
     .max = TARGET_MAX,
     .expect = "a connection count from 1 to 10M",
     .help = "after measuring the step at N connections, wait for\n"
	     "Enter (or SIGUSR1) so the figures can be checked by\n"
	     "hand"},
    {.name = "step-timeout",
     .arg = "S",
     .kind = OPT_DURATION,
     FIELD(step_timeout),
     .min = 1,
     .max = 86400,
     .expect = "seconds from 1 to 86400 (90s, 10m, 1h forms accepted)",
     .help = "most seconds one step may take (default 300; 90s, 10m\n"
	     "forms accepted)"},
    {.name = "rate",
     .arg = "R",
     .kind = OPT_COUNT,
     FIELD(rate),
     .type = T_U64,
     .min = 1,
     .max = 100000000,
     .expect = "connects per second from 1 to 100M",
     .help = "cap the client's connects per second, in all\n"
	     "(default: as fast as it can; a slow ramp shows\n"
	     "memory and latency at a known rate)"},
    {.name = "min-free",
     .arg = "SIZE",
     .kind = OPT_CUSTOM,
     .parse = parse_min_free,
     .help = "stop the sweep (failed, results kept) when the memory\n"
	     "it may still take falls below SIZE: MemAvailable, or\n"
	     "the headroom under its memory cgroup's limit (default\n"
	     "auto: 5% of that bound, at least 4M; 0: no guard)"},
    {.name = "server-host",
     .arg = "[USER@]HOST[=ADDR]",
     .kind = OPT_CUSTOM,
     .parse = parse_server_host,
     .help = "multi-host run (docs/MULTIHOST.md): the server on HOST,\n"
	     "bound to ADDR (default: HOST's address; `local` is\n"
	     "this machine, 127.0.0.1)"},
    {.name = "client-hosts",
     .arg = "H1,H2,...",
     .kind = OPT_CUSTOM,
     .parse = parse_client_hosts,
     .help = "the client shards, one per host, each [USER@]HOST[=SRC]"},
    {.name = "transport",
     .arg = "TEMPLATE",
     .kind = OPT_CUSTOM,
     .parse = parse_transport,
     .help = "how each host's agent is started, {host} replaced\n"
	     "(default '" HARNESS_TRANSPORT_SSH "';\n"
	     "also 'ip netns exec {host}', 'docker exec -i {host}',\n"
	     "'kubectl exec -i {host} --')"},
    {.name = "remote-dir",
     .arg = "DIR",
     .kind = OPT_CUSTOM,
     .parse = parse_remote_dir,
     .help = "folder of mcs-agent, server and client on every host\n"
	     "(default: this harness's own folder)"},
    {.name = "list-backends",
     .kind = OPT_FLAG,
     FIELD(list_backends),
     .help = "list installed backends and whether they work here"},
    {.name = "list-fields",
     .kind = OPT_FLAG,
     FIELD(list_fields),
     .help = "list every per-step figure: JSON key, CSV column, unit"},
    {.name = "summarize",
     .arg = "DIR",
     .kind = OPT_PATH,
     FIELD(summarize),
     .min = 0,
     .expect = "a comparison folder, e.g. results/compare/<run-id>",
     .help = "write a comparison's summary and plots again from the\n"
	     "runs its summary.json lists (DIR: results/compare/<id>)"},
    {.name = "report",
     .arg = "DIR",
     .kind = OPT_PATH,
     FIELD(report),
     .min = 0,
     .expect = "a run's or a comparison's folder",
     .help = "write DIR/report.html again from the data there,\n"
	     "running nothing (DIR: a run's or a comparison's folder)"},
    {.name = "save-baseline",
     .arg = "NAME",
     .kind = OPT_CUSTOM,
     .parse = harness_parse_save_baseline,
     .help = "keep this comparison's summary as baseline NAME, in\n"
	     "DIR/baselines/NAME (DIR: --out); a lone backend with\n"
	     "--repeat 1 is made a comparison too"},
    {.name = "baseline",
     .arg = "NAME",
     .kind = OPT_CUSTOM,
     .parse = harness_parse_baseline,
     .help = "judge this comparison against baseline NAME: old and\n"
	     "new median, change and verdict per backend and figure\n"
	     "in summary.md and report.html (also with --summarize)"},
    {.name = "fail-on-regression",
     .arg = "PCT",
     .kind = OPT_CUSTOM,
     .parse = harness_parse_fail_on_regression,
     .help = "with --baseline: exit 1 when a figure got worse beyond\n"
	     "the noise (intervals apart, 3 runs a side) and by more\n"
	     "than PCT %, one line per such figure"},
    {.name = "reference",
     .arg = "NAME",
     .kind = OPT_CUSTOM,
     .parse = harness_parse_reference,
     .help = "the backend ratios and verdicts are against (default\n"
	     "epoll)"},
    {.name = "noise",
     .arg = "PCT",
     .kind = OPT_CUSTOM,
     .parse = harness_parse_noise,
     .help = "a difference below PCT % of the larger median is\n"
	     "called the same (default 5)"},
    {.name = "version",
     .kind = OPT_FLAG,
     FIELD(version),
     .help = "the commit this binary was built from"},
    {.name = "help", .kind = OPT_FLAG, FIELD(help)},
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))
#define HELP_COLUMN  22 /* where the help text starts */

/* "  --NAME ARG  help", the help's further lines under its first; a name
 * too long for the column puts all the help on the lines below. */
static void print_option(const struct harness_option *opt, FILE *out)
{
	char name[64];
	int len = snprintf(name, sizeof(name), "--%s%s%s", opt->name,
			   opt->arg ? " " : "", opt->arg ? opt->arg : "");
	if (len > HELP_COLUMN - 2)
		fprintf(out, "  %s\n%*s", name, HELP_COLUMN, "");
	else
		fprintf(out, "  %-*s  ", HELP_COLUMN - 4, name);
	for (const char *p = opt->help; *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		fprintf(out, "%.*s\n", (int)n, p);
		if (!end)
			break;
		p = end + 1;
		fprintf(out, "%*s", HELP_COLUMN, "");
	}
}

void harness_print_usage(FILE *out)
{
	fputs("usage: harness --backend NAME[,NAME...]|all --target N [--steps "
	      "LIST | --points K]\n"
	      "               [--backend-opt [BACKEND:]NAME=VALUE]...\n"
	      "               [--load RATE [--load-size B] [--load-duration "
	      "S]] [--repeat N]\n"
	      "               [--soak DURATION]\n"
	      "               [--workers N|auto] [--ports A-B] [--echo] [--out "
	      "DIR]\n"
	      "               [--tune | --no-tune] [--no-plot] [--no-netns] "
	      "[--dry-run]\n"
	      "               [--save-baseline NAME] [--baseline NAME "
	      "[--fail-on-regression PCT]]\n"
	      "               [--reference NAME] [--noise PCT]\n"
	      "               [--client tun|kernel]\n"
	      "               [--pause-at N] [--rate R] [--min-free SIZE] "
	      "[--step-timeout S]\n"
	      "               [--server-host [USER@]HOST[=ADDR] --client-hosts "
	      "H1,H2,...\n"
	      "                [--transport TEMPLATE] [--remote-dir DIR]]\n"
	      "       harness --list-backends | --list-fields | --summarize "
	      "DIR | --report DIR |\n"
	      "               --version | --help\n"
	      "\n"
	      "Measure what it costs to hold N concurrent loopback TCP "
	      "connections with\n"
	      "one I/O backend: grow the count step by step with one server "
	      "and one\n"
	      "client, measure connections, connect rate and latency, user and "
	      "kernel\n"
	      "memory at every step, prove all N alive at the end, fit memory "
	      "= base +\n"
	      "slope x connections, and write CSV, JSON and PNG plots.\n"
	      "\n",
	      out);
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (options[i].help)
			print_option(&options[i], out);
	fputs("\n"
	      "Results go to DIR/<backend>/<run-id>/ (sweep.csv, sweep.json, "
	      "*.png), a\n"
	      "comparison's to DIR/compare/<run-id>/ (DIR: --out, default "
	      "runs).\n"
	      "Exit status: 0 done, 1 a step or the preflight failed (results "
	      "so far are\n"
	      "kept), 2 bad usage, 128+signal when interrupted (130 for "
	      "Ctrl-C).\n",
	      out);
}

/* One option's value into o. 0, or -EINVAL with why naming the option. */
static int set_option(const struct harness_option *opt, const char *arg,
		      struct harness_options *o, char *why, size_t why_size)
{
	char *field = (char *)o + opt->offset;
	char option[40];
	snprintf(option, sizeof(option), "--%s", opt->name);
	uint64_t count;
	double seconds;
	switch (opt->kind) {
	case OPT_FLAG: *(int *)field = 1; return 0;
	case OPT_CUSTOM: return opt->parse(arg, o, why, why_size) ? -EINVAL : 0;
	case OPT_PATH:
		if (!arg[0] || strlen(arg) >= opt->size - (size_t)opt->min)
			return mcs_option_error(why, why_size, option, arg,
						opt->expect);
		snprintf(field, opt->size, "%s", arg);
		return 0;
	case OPT_DURATION:
		if (mcs_parse_duration(arg, opt->min, opt->max, &seconds))
			return mcs_option_error(why, why_size, option, arg,
						opt->expect);
		*(double *)field = seconds;
		return 0;
	case OPT_COUNT:
		if (mcs_parse_count(arg, (uint64_t)opt->min, (uint64_t)opt->max,
				    &count))
			return mcs_option_error(why, why_size, option, arg,
						opt->expect);
		if (opt->type == T_U64)
			*(uint64_t *)field = count;
		else if (opt->type == T_UNSIGNED)
			*(unsigned *)field = (unsigned)count;
		else
			*(double *)field = (double)count;
		return 0;
	}
	return -EINVAL;
}

static void set_defaults(struct harness_options *o)
{
	memset(o, 0, sizeof(*o));
	o->port_first = 2048;
	o->port_last = 2048;
	o->echo_sample = 10000;
	o->echo_size = 64;
	o->step_timeout = 300;
	o->repeat = 1;
	o->load_size = 64;
	o->load_duration = 5;
	snprintf(o->out, sizeof(o->out), "runs");
	snprintf(o->reference, sizeof(o->reference), "epoll");
	o->noise_pct = 5;
	snprintf(o->transport, sizeof(o->transport), "%s",
		 HARNESS_TRANSPORT_SSH);
}

/* What the options must say together: a backend and a target (unless
 * only listing or summarizing), no two that exclude each other. */
static int check_together(struct harness_options *o, char *why, size_t why_size)
{
	if (harness_baseline_options_check(o, why, why_size))
		return -EINVAL;
	if (o->help || o->version || o->list_backends || o->list_fields ||
	    o->summarize[0] || o->report[0])
		return 0;
	const char *error =
	    !o->backend[0] ? "option --backend is required: a name from "
			     "--list-backends, or all"
	    : !o->target   ? "option --target is required: the connection "
			     "count to reach, e.g. --target 1M"
	    : o->points && o->step_count
		? "options --steps and --points exclude each other: give one"
	    : o->tune && o->no_tune
		? "options --tune and --no-tune exclude each other"
		: NULL;
	if (error) {
		snprintf(why, why_size, "%s", error);
		return -EINVAL;
	}
	if (o->pause_at > o->target) {
		snprintf(why, why_size,
			 "bad --pause-at %" PRIu64 ": above --target %" PRIu64
			 ", so the sweep would never pause; give a step at or "
			 "below the target",
			 o->pause_at, o->target);
		return -EINVAL;
	}
	if (check_multihost(o, why, why_size) || check_client(o, why, why_size))
		return -EINVAL;
	return check_load(o, why, why_size);
}

/* argv joined by spaces into o->command_line, cut at its size. */
static void keep_command_line(struct harness_options *o, int argc, char **argv)
{
	size_t used = 0;
	o->command_line[0] = '\0';
	for (int i = 0; i < argc && used + 1 < sizeof(o->command_line); i++) {
		int n = snprintf(o->command_line + used,
				 sizeof(o->command_line) - used, "%s%s",
				 i ? " " : "", argv[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int harness_parse_options(int argc, char **argv, struct harness_options *o,
			  char *why, size_t why_size)
{
	struct option longs[OPTION_COUNT + 1];
	for (size_t i = 0; i < OPTION_COUNT; i++)
		longs[i] = (struct option){options[i].name,
					   options[i].arg ? required_argument
							  : no_argument,
					   NULL, OPTION_BASE + (int)i};
	longs[OPTION_COUNT] = (struct option){NULL, 0, NULL, 0};
	set_defaults(o);
	keep_command_line(o, argc, argv);
	why[0] = '\0';
	mcs_getopt_reset();
	int c;
	while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		if (c == 'h') {
			o->help = 1;
			continue;
		}
		if (c < OPTION_BASE)
			return mcs_getopt_error(c, argv, why, why_size);
		int err = set_option(&options[c - OPTION_BASE], optarg, o, why,
				     why_size);
		if (err)
			return err;
	}
	if (optind < argc)
		return mcs_unexpected_argument(argv[optind], why, why_size);
	return check_together(o, why, why_size);
}

size_t harness_step_list(const struct harness_options *o, uint64_t target,
			 uint64_t *steps, size_t max_steps)
{
	size_t n = 0;
	if (o->points > 1) {
		double low = (double)target / 1000.0;
		if (low < 100)
			low = target < 100 ? 1 : 100;
		double ratio = log((double)target / low);
		uint64_t last = 0;
		for (unsigned i = 0; i + 1 < o->points && n + 1 < max_steps;
		     i++) {
			double x = low * exp(ratio * i / (o->points - 1));
			uint64_t count = (uint64_t)llround(x);
			if (count > last && count < target)
				steps[n++] = last = count;
		}
	} else if (o->points != 1) {
		uint64_t defaults[HARNESS_MAX_STEPS];
		size_t count = 0;
		const uint64_t *list = o->steps;
		if (o->step_count) {
			count = o->step_count;
		} else {
			mcs_parse_count_list(HARNESS_DEFAULT_STEPS, 1,
					     TARGET_MAX, defaults,
					     HARNESS_MAX_STEPS, &count);
			list = defaults;
		}
		for (size_t i = 0; i < count && n + 1 < max_steps; i++)
			if (list[i] < target)
				steps[n++] = list[i];
	}
	steps[n++] = target;
	return n;
}
