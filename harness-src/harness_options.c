/* harness_options.c - parse and validate the harness's command line, and
 * turn --steps/--points into the list of connection counts to visit. */
#include "harness_options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness_backend_options.h"
#include "harness_transport.h"
#include "mcs_parse.h"

#define TARGET_MAX 10000000ull
#define LOAD_MAX   10000000ull
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
				return -EINVAL;
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

int harness_parse_duration(const char *text, double min, double max,
			   double *seconds)
{
	static const struct {
		char suffix;
		double seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}};
	char number[32];
	size_t length = strlen(text);
	if (!length || length >= sizeof(number))
		return -EINVAL;
	double unit = 1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (text[length - 1] == units[i].suffix) {
			unit = units[i].seconds;
			length--;
			break;
		}
	memcpy(number, text, length);
	number[length] = '\0';
	double value;
	int err = mcs_parse_seconds(number, max / unit, &value);
	if (err)
		return err;
	value *= unit;
	if (value < min || value > max)
		return -ERANGE;
	*seconds = value;
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
static int parse_host_option(int c, const char *arg, struct harness_options *o,
			     char *why, size_t why_size)
{
	switch (c) {
	case 'H':
		o->server_host_given = 1;
		return harness_hosts_parse_server(arg, &o->hosts.server, why,
						  why_size);
	case 'C':
		o->client_hosts_given = 1;
		return harness_hosts_parse_clients(arg, &o->hosts, why,
						   why_size);
	case 'X':
		o->transport_given = 1;
		if (strlen(arg) >= sizeof(o->transport))
			return mcs_option_error(why, why_size, "--transport",
						arg,
						"a template under 512 "
						"characters");
		snprintf(o->transport, sizeof(o->transport), "%s", arg);
		return harness_transport_check(arg, why, why_size);
	default:
		if (harness_hosts_check_dir(arg, why, why_size))
			return -EINVAL;
		snprintf(o->remote_dir, sizeof(o->remote_dir), "%s", arg);
		return 0;
	}
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
					       : NULL;
	if (not_with) {
		snprintf(why, why_size, "option %s: not with --server-host",
			 not_with);
		return -EINVAL;
	}
	return 0;
}

void harness_print_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: harness --backend NAME[,NAME...]|all --target N [--steps "
	    "LIST | --points K]\n"
	    "               [--backend-opt [BACKEND:]NAME=VALUE]...\n"
	    "               [--load RATE [--load-size B] [--load-duration S]] "
	    "[--repeat N]\n"
	    "               [--soak DURATION]\n"
	    "               [--workers N|auto] [--ports A-B] [--echo] [--out "
	    "DIR]\n"
	    "               [--tune | --no-tune] [--no-plot] [--no-netns]\n"
	    "               [--pause-at N] [--rate R] [--min-free SIZE] "
	    "[--step-timeout S]\n"
	    "               [--server-host [USER@]HOST[=ADDR] --client-hosts "
	    "H1,H2,...\n"
	    "                [--transport TEMPLATE] [--remote-dir DIR]]\n"
	    "       harness --list-backends | --list-fields | --summarize DIR "
	    "| "
	    "--report DIR | --help\n"
	    "\n"
	    "Measure what it costs to hold N concurrent loopback TCP "
	    "connections with\n"
	    "one I/O backend: grow the count step by step with one server and "
	    "one\n"
	    "client, measure connections, connect rate and latency, user and "
	    "kernel\n"
	    "memory at every step, prove all N alive at the end, fit memory = "
	    "base +\n"
	    "slope x connections, and write CSV, JSON and PNG plots.\n"
	    "\n"
	    "  --backend NAME|all  backend to measure; a comma list "
	    "(epoll,io_uring), or\n"
	    "                      all for every installed one\n"
	    "  --backend-opt [BACKEND:]NAME=VALUE\n"
	    "                      set a backend option on the server "
	    "(repeatable): for\n"
	    "                      every backend swept, or with BACKEND: for "
	    "that one;\n"
	    "                      --list-backends lists them, sweep.json "
	    "records every\n"
	    "                      value in backend_options\n"
	    "  --repeat N          run each backend N times, interleaved: "
	    "round "
	    "r runs\n"
	    "                      every backend, in an order rotated each "
	    "round; with\n"
	    "                      more than one run, DIR/compare/<run-id>/ "
	    "gets\n"
	    "                      summary.json, summary.md and plots of "
	    "medians with\n"
	    "                      min-max bars (default 1)\n"
	    "  --load RATE         at every step, after the idle measurement, "
	    "offer RATE\n"
	    "                      messages/s in all (20k forms accepted), "
	    "open loop,\n"
	    "                      spread evenly over every held connection; "
	    "latency\n"
	    "                      from each message's intended send time\n"
	    "  --load-size B       bytes per load message (default 64)\n"
	    "  --load-duration S   seconds of load per step (default 5)\n"
	    "  --soak DURATION     hold the last step for DURATION (600, 90s, "
	    "10m, 1h)\n"
	    "                      before the liveness check, sampling memory "
	    "and live\n"
	    "                      counts every 10 s (with --load, the load "
	    "runs all\n"
	    "                      along in 10 s windows); fails if a "
	    "connection is lost\n"
	    "                      or an echo errs; reports the slope of "
	    "server PSS over\n"
	    "                      time (sweep.json soak, soak.csv, "
	    "soak.png)\n"
	    "  --target N          connections at the last step (1k, 250k, 1M "
	    "forms)\n"
	    "  --steps LIST        counts to stop at on the way, increasing\n"
	    "                      (default " HARNESS_DEFAULT_STEPS
	    "; those above N\n"
	    "                      are dropped and N is always the last step)\n"
	    "  --points K          instead: K steps evenly spaced on a log "
	    "scale\n"
	    "  --workers N|auto    server worker processes (default auto: "
	    "enough for\n"
	    "                      N at 90%% of each worker's fd-capped "
	    "capacity)\n"
	    "  --ports A-B         listening ports, one per worker (default "
	    "from 2048)\n"
	    "  --echo              at every step, echo 64 bytes over a sample "
	    "of the\n"
	    "                      connections and measure memory again after "
	    "it\n"
	    "  --echo-sample N     connections in that sample (default 10k)\n"
	    "  --out DIR           results directory (default results)\n"
	    "  --tune              (root) apply every recommended sysctl, even "
	    "if the\n"
	    "                      target does not need it\n"
	    "  --no-tune           never change a sysctl; stop if the target "
	    "needs one\n"
	    "                      (default: as root, raise what the target "
	    "needs and\n"
	    "                      say so; otherwise stop with the command to "
	    "run)\n"
	    "  --no-plot           skip the gnuplot PNGs\n"
	    "  --no-netns          run on the host's network namespace "
	    "(default as root:\n"
	    "                      each sweep in a namespace of its own, its "
	    "hash sized\n"
	    "                      for the target, the host's sysctls "
	    "untouched)\n"
	    "  --pause-at N        after measuring the step at N connections, "
	    "wait for\n"
	    "                      Enter (or SIGUSR1) so the figures can be "
	    "checked by\n"
	    "                      hand\n"
	    "  --step-timeout S    most seconds one step may take (default "
	    "300; 90s, 10m\n"
	    "                      forms accepted)\n"
	    "  --rate R            cap the client's connects per second, in "
	    "all\n"
	    "                      (default: as fast as it can; a slow ramp "
	    "shows\n"
	    "                      memory and latency at a known rate)\n"
	    "  --min-free SIZE     stop the sweep (failed, results kept) when "
	    "the memory\n"
	    "                      it may still take falls below SIZE: "
	    "MemAvailable, or\n"
	    "                      the headroom under its memory cgroup's "
	    "limit (default\n"
	    "                      auto: 5%% of that bound, at least 4M; 0: "
	    "no guard)\n"
	    "  --server-host [USER@]HOST[=ADDR]\n"
	    "                      multi-host run (docs/MULTIHOST.md): the "
	    "server on HOST,\n"
	    "                      bound to ADDR (default: HOST's address; "
	    "`local` is\n"
	    "                      this machine, 127.0.0.1)\n"
	    "  --client-hosts H1,H2,...\n"
	    "                      the client shards, one per host, each "
	    "[USER@]HOST[=SRC]\n"
	    "  --transport TEMPLATE  how each host's agent is started, "
	    "{host} replaced\n"
	    "                      (default '" HARNESS_TRANSPORT_SSH "';\n"
	    "                      also 'ip netns exec {host}', 'docker exec "
	    "-i {host}',\n"
	    "                      'kubectl exec -i {host} --')\n"
	    "  --remote-dir DIR    folder of mcs-agent, server and client on "
	    "every host\n"
	    "                      (default: this harness's own folder)\n"
	    "  --list-backends     list installed backends and whether they "
	    "work here\n"
	    "  --list-fields       list every per-step figure: JSON key, CSV "
	    "column, unit\n"
	    "  --summarize DIR     write a comparison's summary and plots "
	    "again "
	    "from the\n"
	    "                      runs its summary.json lists (DIR: "
	    "results/compare/<id>)\n"
	    "  --report DIR        write DIR/report.html again from the data "
	    "there, running\n"
	    "                      nothing (DIR: a run's or a comparison's "
	    "folder)\n"
	    "\n"
	    "Results go to DIR/<backend>/<run-id>/ (sweep.csv, sweep.json, "
	    "*.png), and\n"
	    "DIR/compare-*.png compares the latest run of every backend.\n"
	    "Exit status: 0 done, 1 a step or the preflight failed (results so "
	    "far are\n"
	    "kept), 2 bad usage, 128+signal when interrupted (130 for "
	    "Ctrl-C).\n");
}

int harness_parse_options(int argc, char **argv, struct harness_options *o,
			  char *why, size_t why_size)
{
	static const struct option longs[] = {
	    {"backend", required_argument, NULL, 'b'},
	    {"backend-opt", required_argument, NULL, 'O'},
	    {"target", required_argument, NULL, 'n'},
	    {"steps", required_argument, NULL, 's'},
	    {"points", required_argument, NULL, 'k'},
	    {"workers", required_argument, NULL, 'w'},
	    {"ports", required_argument, NULL, 'p'},
	    {"echo", no_argument, NULL, 'e'},
	    {"echo-sample", required_argument, NULL, 'E'},
	    {"out", required_argument, NULL, 'o'},
	    {"tune", no_argument, NULL, 't'},
	    {"no-tune", no_argument, NULL, 'T'},
	    {"no-plot", no_argument, NULL, 'P'},
	    {"no-netns", no_argument, NULL, 'N'},
	    {"pause-at", required_argument, NULL, 'a'},
	    {"step-timeout", required_argument, NULL, 'S'},
	    {"rate", required_argument, NULL, 'r'},
	    {"min-free", required_argument, NULL, 'm'},
	    {"load", required_argument, NULL, 'L'},
	    {"load-size", required_argument, NULL, 'Z'},
	    {"load-duration", required_argument, NULL, 'D'},
	    {"soak", required_argument, NULL, 'K'},
	    {"repeat", required_argument, NULL, 'R'},
	    {"list-fields", no_argument, NULL, 'F'},
	    {"summarize", required_argument, NULL, 'M'},
	    {"report", required_argument, NULL, 'J'},
	    {"server-host", required_argument, NULL, 'H'},
	    {"client-hosts", required_argument, NULL, 'C'},
	    {"transport", required_argument, NULL, 'X'},
	    {"remote-dir", required_argument, NULL, 'Y'},
	    {"list-backends", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->port_first = 2048;
	o->port_last = 2048;
	o->echo_sample = 10000;
	o->echo_size = 64;
	o->step_timeout = 300;
	o->repeat = 1;
	o->load_size = 64;
	o->load_duration = 5;
	snprintf(o->out, sizeof(o->out), "results");
	snprintf(o->transport, sizeof(o->transport), "%s",
		 HARNESS_TRANSPORT_SSH);
	why[0] = '\0';

	mcs_getopt_reset();
	int c;
	uint64_t v;
	while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		const char *arg = optarg;
		switch (c) {
		case 'b':
			if (parse_backends(arg, o))
				return mcs_option_error(
				    why, why_size, "--backend", arg,
				    "a backend name (see --list-backends), a "
				    "comma list of names, or all");
			break;
		case 'O':
			if (add_backend_setting(arg, o, why, why_size))
				return -EINVAL;
			break;
		case 'n':
			if (mcs_parse_count(arg, 1, TARGET_MAX, &o->target))
				return mcs_option_error(
				    why, why_size, "--target", arg,
				    "a count from 1 to 10M (250k, 1M "
				    "forms accepted)");
			break;
		case 's':
			if (mcs_parse_count_list(arg, 1, TARGET_MAX, o->steps,
						 HARNESS_MAX_STEPS,
						 &o->step_count))
				return mcs_option_error(
				    why, why_size, "--steps", arg,
				    "increasing counts like "
				    "1k,10k,100k (at most 64)");
			break;
		case 'k':
			if (mcs_parse_count(arg, 1, HARNESS_MAX_STEPS, &v))
				return mcs_option_error(
				    why, why_size, "--points", arg,
				    "a number of steps from 1 to 64");
			o->points = (unsigned)v;
			break;
		case 'w':
			if (strcmp(arg, "auto") == 0) {
				o->workers = 0;
				break;
			}
			if (mcs_parse_count(arg, 1, 4096, &v))
				return mcs_option_error(
				    why, why_size, "--workers", arg,
				    "a number from 1 to 4096, or auto");
			o->workers = (unsigned)v;
			break;
		case 'p':
			if (mcs_parse_port_range(arg, &o->port_first,
						 &o->port_last))
				return mcs_option_error(
				    why, why_size, "--ports", arg,
				    "A-B with 1 <= A <= B <= 65535");
			o->ports_given = 1;
			break;
		case 'e': o->echo = 1; break;
		case 'E':
			if (mcs_parse_count(arg, 1, TARGET_MAX,
					    &o->echo_sample))
				return mcs_option_error(
				    why, why_size, "--echo-sample", arg,
				    "a count from 1 to 10M");
			break;
		case 'o':
			if (!arg[0] || strlen(arg) >= sizeof(o->out) - 128)
				return mcs_option_error(why, why_size, "--out",
							arg,
							"a directory path");
			snprintf(o->out, sizeof(o->out), "%s", arg);
			break;
		case 't': o->tune = 1; break;
		case 'T': o->no_tune = 1; break;
		case 'P': o->no_plot = 1; break;
		case 'N': o->no_netns = 1; break;
		case 'a':
			if (mcs_parse_count(arg, 1, TARGET_MAX, &o->pause_at))
				return mcs_option_error(
				    why, why_size, "--pause-at", arg,
				    "a connection count from 1 to 10M");
			break;
		case 'S':
			if (harness_parse_duration(arg, 1, 86400,
						   &o->step_timeout))
				return mcs_option_error(
				    why, why_size, "--step-timeout", arg,
				    "seconds from 1 to 86400 (90s, 10m, 1h "
				    "forms accepted)");
			break;
		case 'r':
			if (mcs_parse_count(arg, 1, 100000000, &o->rate))
				return mcs_option_error(
				    why, why_size, "--rate", arg,
				    "connects per second from 1 to 100M");
			break;
		case 'm':
			if (strcmp(arg, "auto") == 0) {
				o->min_free_given = 0;
				break;
			}
			if (mcs_parse_size(arg, 1ull << 50, &o->min_free))
				return mcs_option_error(
				    why, why_size, "--min-free", arg,
				    "a size like 512M or 2G, 0 (no guard) "
				    "or auto");
			o->min_free_given = 1;
			break;
		case 'L':
			if (mcs_parse_count(arg, 1, LOAD_MAX, &v))
				return mcs_option_error(
				    why, why_size, "--load", arg,
				    "messages per second from 1 to 10M (20k "
				    "forms accepted)");
			o->load_rate = (double)v;
			break;
		case 'Z':
			if (mcs_parse_count(arg, 1, LOAD_SIZE_MAX, &v))
				return mcs_option_error(
				    why, why_size, "--load-size", arg,
				    "bytes per message from 1 to 65535");
			o->load_size = (unsigned)v;
			break;
		case 'D':
			if (harness_parse_duration(arg, 0.1, 3600,
						   &o->load_duration))
				return mcs_option_error(
				    why, why_size, "--load-duration", arg,
				    "seconds from 0.1 to 3600 (90s, 10m, 1h "
				    "forms accepted)");
			break;
		case 'K':
			if (harness_parse_duration(arg, 1, HARNESS_SOAK_MAX_S,
						   &o->soak_s))
				return mcs_option_error(
				    why, why_size, "--soak", arg,
				    "a duration from 1 s to 168h: seconds "
				    "(600) or 90s, 10m, 1h");
			break;
		case 'R':
			if (mcs_parse_count(arg, 1, HARNESS_MAX_REPEAT, &v))
				return mcs_option_error(
				    why, why_size, "--repeat", arg,
				    "a number of runs from 1 to 50");
			o->repeat = (unsigned)v;
			break;
		case 'F': o->list_fields = 1; break;
		case 'M':
			if (!arg[0] || strlen(arg) >= sizeof(o->summarize))
				return mcs_option_error(
				    why, why_size, "--summarize", arg,
				    "a comparison folder, e.g. "
				    "results/compare/<run-id>");
			snprintf(o->summarize, sizeof(o->summarize), "%s", arg);
			break;
		case 'J':
			if (!arg[0] || strlen(arg) >= sizeof(o->report))
				return mcs_option_error(
				    why, why_size, "--report", arg,
				    "a run's or a comparison's folder");
			snprintf(o->report, sizeof(o->report), "%s", arg);
			break;
		case 'H':
		case 'C':
		case 'X':
		case 'Y':
			if (parse_host_option(c, arg, o, why, why_size))
				return -EINVAL;
			break;
		case 'l': o->list_backends = 1; break;
		case 'h': o->help = 1; break;
		default: return mcs_getopt_error(c, argv, why, why_size);
		}
	}
	if (optind < argc)
		return mcs_unexpected_argument(argv[optind], why, why_size);
	if (o->help || o->list_backends || o->list_fields || o->summarize[0] ||
	    o->report[0])
		return 0;
	if (!o->backend[0]) {
		snprintf(why, why_size,
			 "option --backend is required: a name from "
			 "--list-backends, or all");
		return -EINVAL;
	}
	if (!o->target) {
		snprintf(why, why_size,
			 "option --target is required: the connection count "
			 "to reach, e.g. --target 1M");
		return -EINVAL;
	}
	if (o->points && o->step_count) {
		snprintf(why, why_size,
			 "options --steps and --points exclude each other: "
			 "give one");
		return -EINVAL;
	}
	if (o->tune && o->no_tune) {
		snprintf(why, why_size,
			 "options --tune and --no-tune exclude each other");
		return -EINVAL;
	}
	if (check_multihost(o, why, why_size))
		return -EINVAL;
	return check_load(o, why, why_size);
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
