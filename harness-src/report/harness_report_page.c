/* harness_report_page.c - the parts of report.html both pages share: the
 * head and its style, escaping, provenance rows and relative links (see
 * harness_report_page.h), and --report DIR choosing the page. */
#include "harness_report_page.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_file.h"
#include "harness_report_html.h"
#include "harness_report_svg.h"
#include "harness_verdict.h"

static const char style[] =
    "body{font-family:system-ui,'DejaVu Sans',Arial,sans-serif;"
    "margin:24px auto;max-width:1180px;padding:0 16px;color:#222;"
    "line-height:1.4}\n"
    "h1{font-size:1.5em;margin-bottom:4px}h2{font-size:1.2em;"
    "margin-top:28px;border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;margin:8px 0}"
    "th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;"
    "vertical-align:top}\n"
    "th{text-align:left;font-weight:600}td.num,th.num{text-align:right;"
    "font-variant-numeric:tabular-nums}td.num{white-space:nowrap}\n"
    "table.prov th{color:#555;font-weight:normal;width:13em}\n"
    ".interval,.n,.hint,.reading{color:#666;font-size:.85em;"
    "font-weight:normal}\n"
    ".better{color:#1a7f37;font-weight:600}"
    ".worse{color:#c62828;font-weight:600}\n"
    ".alert{color:#c62828;font-weight:600}.muted{color:#777}\n"
    ".swatch{display:inline-block;width:.8em;height:.8em;"
    "margin-right:4px;border-radius:2px}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,"
    "minmax(520px,1fr));gap:12px}.bars{max-width:780px}\n"
    "table.matrix{width:100%}table.matrix th:first-child{width:16em}"
    "table.matrix td{font-size:.95em;white-space:normal}"
    ".n,.interval{white-space:nowrap}\n"
    "svg.chart{width:100%;height:auto;font-size:14px;"
    "font-family:inherit;background:#fff}\n"
    "svg .title{font-size:16px;font-weight:600}svg .label{font-size:14px;"
    "fill:#333}svg .plot{fill:none;stroke:#999}"
    "svg .grid{stroke:#eee}\n"
    "svg .mark{fill:none;stroke:#000;stroke-width:1.5;"
    "stroke-dasharray:2 2}\n"
    "code{font-size:.9em}\n";

int report_page_open(const char *dir, const char *title, FILE **f, char *why,
		     size_t why_size)
{
	char path[PATH_MAX + 32];
	int err = harness_file_create(dir, "report.html", path, sizeof(path), f,
				      why, why_size);
	if (err)
		return err;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<title>",
	      *f);
	report_text(*f, title);
	fprintf(*f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	return 0;
}

int report_page_close(FILE *f, const char *dir, char *why, size_t why_size)
{
	fputs("<p class=\"muted\">Written by mcs-harness. Self-contained: no "
	      "script, no network; the links point at files beside this "
	      "page.</p>\n</body>\n</html>\n",
	      f);
	int err = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && !err)
		err = -errno ? -errno : -EIO;
	if (err)
		snprintf(why, why_size, "cannot write %s/report.html: %s", dir,
			 strerror(-err));
	return err;
}

void report_text(FILE *f, const char *text)
{
	harness_svg_escape(f, text);
}

const char *report_string(const json_t *root, const char *a, const char *b)
{
	const json_t *v = json_object_get(root, a);
	if (b)
		v = json_object_get(v, b);
	return json_string_value(v);
}

const char *report_client_kind(const json_t *sweep)
{
	const char *kind = report_string(sweep, "client_kind", NULL);
	if (!kind)
		return NULL;
	if (!strcmp(kind, "tun"))
		return "tun: the TUN client, kernel figures are the server's "
		       "side alone";
	if (!strcmp(kind, "kernel"))
		return "kernel: a socket per connection, kernel figures cover "
		       "both ends";
	return kind;
}

void report_row(FILE *f, const char *name, const char *value)
{
	fputs("<tr><th>", f);
	report_text(f, name);
	fputs("</th><td>", f);
	report_text(f, value && value[0] ? value : "not recorded");
	fputs("</td></tr>\n", f);
}

const char *report_commit(const json_t *sweep, int *dirty)
{
	const json_t *machine = json_object_get(sweep, "machine");
	const json_t *where =
	    json_object_get(machine, "git_commit") ? machine : sweep;
	const json_t *d = json_object_get(where, "git_dirty");
	*dirty = json_is_boolean(d) ? json_is_true(d) : -1;
	return json_string_value(json_object_get(where, "git_commit"));
}

/* "liburing 2.3, libuv 1.44.2" from machine.libraries. */
static void libraries_text(const json_t *machine, char *text, size_t size)
{
	const char *key;
	const json_t *value;
	size_t used = 0;
	text[0] = '\0';
	json_object_foreach((json_t *)json_object_get(machine, "libraries"),
			    key, value)
	{
		if (!json_is_string(value) || used >= size)
			continue;
		used += (size_t)snprintf(text + used, size - used, "%s%s %s",
					 used ? ", " : "", key,
					 json_string_value(value));
	}
}

/* "fs.file-max 4503411 -> 5298477; ..." from plan.tuned. */
static void tuned_text(const json_t *sweep, char *text, size_t size)
{
	const json_t *tuned =
	    json_object_get(json_object_get(sweep, "plan"), "tuned");
	size_t i, used = 0;
	const json_t *t;
	snprintf(text, size, "%s", json_array_size(tuned) ? "" : "none");
	json_array_foreach((json_t *)tuned, i, t)
	{
		if (used >= size)
			break;
		used += (size_t)snprintf(text + used, size - used,
					 "%s%s %s \u2192 %s", used ? "; " : "",
					 report_string(t, "sysctl", NULL),
					 report_string(t, "before", NULL),
					 report_string(t, "after", NULL));
	}
}

void report_machine_rows(FILE *f, const json_t *sweep)
{
	const json_t *m = json_object_get(sweep, "machine");
	char text[1024], number[48];
	snprintf(text, sizeof(text), "%s %s",
		 report_string(m, "kernel", NULL)
		     ? report_string(m, "kernel", NULL)
		     : "",
		 report_string(m, "arch", NULL) ? report_string(m, "arch", NULL)
						: "");
	report_row(f, "kernel", text);
	report_row(f, "CPU model", report_string(m, "cpu_model", NULL));
	json_t *cores = json_object_get(m, "cores");
	snprintf(text, sizeof(text), "%lld",
		 (long long)json_integer_value(cores));
	report_row(f, "cores", json_is_integer(cores) ? text : NULL);
	json_t *memory = json_object_get(m, "memory_bytes");
	snprintf(text, sizeof(text), "%s GiB",
		 harness_round3(json_number_value(memory) / 1073741824.0,
				number, sizeof(number)));
	report_row(f, "memory", json_is_number(memory) ? text : NULL);
	json_t *nofile = json_object_get(m, "rlimit_nofile");
	snprintf(text, sizeof(text), "%lld",
		 (long long)json_integer_value(nofile));
	report_row(f, "RLIMIT_NOFILE", json_is_integer(nofile) ? text : NULL);
	libraries_text(m, text, sizeof(text));
	report_row(f, "libraries (build)", text);
	tuned_text(sweep, text, sizeof(text));
	report_row(f, "sysctls changed", text);
}

void report_relative(const char *from_dir, const char *path, char *out,
		     size_t size)
{
	char from[PATH_MAX], to[PATH_MAX];
	snprintf(out, size, "%s", path);
	if (!realpath(from_dir, from) || !realpath(path, to))
		return;
	/* common: where the rests start, after the last shared '/'. */
	size_t i = 0, common = 0;
	for (; from[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i + 1;
	if (!from[i] && (to[i] == '/' || !to[i]))
		common = to[i] ? i + 1 : i;
	size_t used = 0;
	out[0] = '\0';
	int in_name = 0;
	for (const char *c = from + common; *c; c++) {
		if (*c != '/' && !in_name && used < size)
			used +=
			    (size_t)snprintf(out + used, size - used, "../");
		in_name = *c != '/';
	}
	if (used < size)
		snprintf(out + used, size - used, "%s",
			 to[common] ? to + common
			 : used	    ? ""
				    : ".");
}

int harness_report_write(const char *dir, char *why, size_t why_size)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (access(path, R_OK) == 0)
		return harness_report_comparison(dir, NULL, 0, why, why_size);
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	if (access(path, R_OK) == 0)
		return harness_report_run(dir, why, why_size);
	snprintf(why, why_size,
		 "%s holds neither summary.json (a comparison) nor sweep.json "
		 "(a run)",
		 dir);
	return -ENOENT;
}
