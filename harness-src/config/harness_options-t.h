/* harness_options-t.h - the types of harness_options.h, without its functions,
 * so a header that only names them does not pull the functions in. */
#ifndef HARNESS_OPTIONS_T_H
#define HARNESS_OPTIONS_T_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness_hosts-t.h"

#define HARNESS_MAX_STEPS     64
#define HARNESS_MAX_BACKENDS  16
#define HARNESS_MAX_REPEAT    50
#define HARNESS_DEFAULT_STEPS "1k,10k,100k,250k,500k,1M"
/* --backend-opt: as many as the server takes, each with a BACKEND: */
#define HARNESS_MAX_BACKEND_SETTINGS 32
#define HARNESS_BACKEND_SETTING_SIZE (32 + 256)

/* --client tun|kernel: the kernel client (client/, a kernel socket per
 * connection, both ends on this kernel) or the TUN client (tun-client/,
 * hand-made packets through a TUN device in the sweep's namespace, so
 * the kernel figures are the server's side alone). */
enum harness_client_kind {
	HARNESS_CLIENT_AUTO,
	HARNESS_CLIENT_KERNEL,
	HARNESS_CLIENT_TUN,
};

struct harness_options {
	/* The command as typed (argv joined by spaces, cut at the size),
	 * for the record: sweep.json's command_line. */
	char command_line[1024];
	char backend[32]; /* the backend being swept (the first of a list) */
	int all_backends; /* --backend all */
	/* --backend a,b,c: the names as given, in order (1 for one name) */
	char backends[HARNESS_MAX_BACKENDS][32];
	size_t backend_count;
	unsigned repeat; /* --repeat N: runs of each backend (default 1) */
	/* --backend-opt [BACKEND:]NAME=VALUE as typed, in order; checked for
	 * form only (harness_backend_options.h checks the rest) */
	char backend_settings[HARNESS_MAX_BACKEND_SETTINGS]
			     [HARNESS_BACKEND_SETTING_SIZE];
	size_t backend_setting_count;
	int echo_last;	 /* a closed-loop echo round at the last step */
	uint64_t target; /* --target: connections at the last step */
	uint64_t steps[HARNESS_MAX_STEPS]; /* --steps as given, increasing */
	size_t step_count;		   /* 0: default steps */
	unsigned points;  /* --points K: K log-spaced steps (0: not given) */
	unsigned workers; /* --workers N (0: auto) */
	uint16_t port_first, port_last; /* --ports; first port when not given */
	int ports_given;
	int echo;	      /* --echo: a round of echo traffic per step */
	uint64_t echo_sample; /* --echo-sample: connections echoed per step */
	unsigned echo_size;   /* bytes per echo message */
	char out[PATH_MAX];   /* --out directory (default results) */
	int tune;	      /* --tune: apply every recommended sysctl */
	int no_tune;	      /* --no-tune: never change a sysctl */
	int no_plot;	      /* --no-plot */
	int no_netns;	      /* --no-netns: sweep on the host's namespace */
	int dry_run;	      /* --dry-run: print the plan, change nothing */
	/* --client: which client kind drives the connections (auto: tun when
	 * the sweep has a namespace of its own, kernel otherwise; the sweep
	 * resolves it, harness_client_kind_resolve). */
	enum harness_client_kind client_kind;
	uint64_t pause_at;    /* --pause-at N: stop at that step for checks */
	double step_timeout;  /* --step-timeout seconds per grow */
	uint64_t rate;	      /* --rate: client connects/s in all (0: no cap) */
	double load_rate;     /* --load: messages/s in all (0: no load) */
	unsigned load_size;   /* --load-size bytes (default 64) */
	double load_duration; /* --load-duration seconds (default 5) */
	double soak_s;	      /* --soak: hold the last step this long (0: no) */
	uint64_t min_free;    /* --min-free bytes (valid if min_free_given) */
	int min_free_given;   /* else the default floor (harness_memory_guard.h)
			       */
	/* Multi-host (docs/MULTIHOST.md): --server-host and --client-hosts
	 * both given, parsed into hosts; --transport, the command template
	 * every host's agent is started through (default OpenSSH in batch
	 * mode); --remote-dir, the folder of mcs-agent, server and client on
	 * every host ("": this harness's own folder). */
	int multihost;
	int server_host_given, client_hosts_given, transport_given;
	struct harness_hosts_spec hosts;
	char transport[512];
	char remote_dir[1024];
	int list_backends;
	int list_fields;	  /* --list-fields: the per-step measurements */
	char summarize[PATH_MAX]; /* --summarize DIR: redo a comparison's
				     summary and plots from its runs */
	char report[PATH_MAX];	  /* --report DIR: (re)write its report.html */
	/* Baselines (docs/HARNESS.md "Baselines and CI"): --save-baseline
	 * NAME keeps the comparison's summary under <out>/baselines/NAME;
	 * --baseline NAME judges the comparison against it;
	 * --fail-on-regression PCT (fail_on_regression set) exits 1 when a
	 * figure got worse beyond the noise and by more than PCT %. */
	char save_baseline[64];
	char baseline[64];
	int fail_on_regression;
	double fail_on_regression_pct;
	/* --reference NAME: ratios and calls against it (default epoll);
	 * --noise PCT: the verdicts' noise threshold (default 5). */
	char reference[32];
	double noise_pct;
	int help;
	int version; /* --version */
};

/* --soak's most seconds: a week. */
#define HARNESS_SOAK_MAX_S (7.0 * 86400.0)

#endif /* HARNESS_OPTIONS_T_H */
