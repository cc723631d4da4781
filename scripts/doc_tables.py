#!/usr/bin/env python3
"""doc_tables.py - the numbers in the docs' tables, made from the committed
JSON they cite, so a table cannot drift from the data.

Usage: scripts/doc_tables.py check [--root DIR] DOC...
       scripts/doc_tables.py write [--root DIR] DOC...
       scripts/doc_tables.py show  [--root DIR] KIND SOURCE... [OPTION=VALUE...]
       scripts/doc_tables.py columns
       scripts/doc_tables.py self-test [--root DIR] [DOC...]

`write` regenerates every marked table and number of each DOC from the JSON
it cites; `check` regenerates them and exits 1 when the doc differs, naming
the file, the table (its line and marker) and the first differing cell;
`show` prints a marked table to paste into a doc; `columns` lists the
column names of each kind; `self-test` shows that `check` fails when one
number in a cited JSON changes, and when one character of a marked number
in a doc's running text changes (and passes unchanged), on a doc of its own
(tests/docs/fixtures/) and on each DOC given. Paths in markers are relative
to the repository (--root; default: the directory above scripts/).
Exit status: 0 good, 1 a doc differs or cites what is not there, 2 bad usage.

Markers (HTML comments: markdown shows none of them)

  <!-- table: KIND SOURCE... [OPTION=VALUE...] -->
  | generated | table |
  |---|---|
  <!-- end table -->

  The marker may span lines. KIND, what it shows, and its SOURCE:
    summary  a comparison (./harness --backend a,b --repeat N):
             results/compare/<id>/summary.json (or that directory). One row
             per backend: its runs, then per figure "median [min–max] (n)"
             as summary.md writes it and "vs epoll" (ratio of medians,
             within or beyond the spread). Options: figures=KEY,KEY (keys of
             summary.json's figures; default all), backends=A,B,
             versus=yes|no, rows=figures (one row per figure, a column per
             backend; the ratio to epoll follows, bold when beyond the
             spread).
    runs     one row per run: results/<backend>/<run-id> (or its
             sweep.json), as many as wanted; a summary.json stands for every
             run it lists. Options: columns=, echo=results/echo/<id> (for
             the echo_bench column, that directory's <backend>.json).
    steps    one row per step of one run (results/<backend>/<run-id>).
    caches   kernel memory per connection by slab cache of one run
             (fit.kernel_by_cache): one row per cache, then the caches under
             its threshold, their sum and the whole-Slab slope (totals=no
             drops those three).
    categories  the same by category (fit.kernel_by_cache.by_category) and
             the whole-Slab slope.
    echo     scripts/echo-bench.sh's results/echo/<id>: one row per backend
             (backends=A,B sets which and their order).

  columns=NAME,NAME picks the columns (`doc_tables.py columns` lists each
  kind's names; default: a few). A name may also be a JSON path with a dot
  (fit.user_r2, steps[-1].load.late, .accepted for a top-level key), and
  either may be followed by :FORMAT. headers="a|b|c" replaces the headers,
  one per column. FORMAT is printf-like (%d, %.1f, %.3g) with an optional
  suffix; a path may end in /K or *K to scale it
  ("fit.user_base_bytes/1048576:%.1f"). Numbers are grouped by thousands
  (1,000,000); a value that is missing prints "-", and a memory slope whose
  fit is marked not meaningful (fit.meaningful false) too. Units belong in
  the headers, so a cell holds only its number.

  <!-- n: SOURCE EXPR [FORMAT] -->1,234

  One number in running text: the value is the text right after the marker
  (digits, commas, a point, a sign; true or false for a flag; never "-",
  which check refuses: the value is missing). SOURCE is a JSON file (or a run
  directory, for its sweep.json). EXPR is a JSON path; for a sweep.json also
  a runs column name (ramp_s, kernel_slope); for a summary.json also
  KEY.BACKEND.STAT (kernel_slope_bytes.epoll.median). Example:
  <!-- n: results/epoll/20261125-211711 kernel_slope -->9,783 B per
  connection.
"""
import copy
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile


class DocError(Exception):
    """A marker that cannot be made: unknown kind, column, or source."""


# ---- Sources: JSON (or JSONL, or a number in a text file) that remember
# which value each cell read, so the self-test can change exactly that one.

class Source:
    def __init__(self, root, rel):
        self.rel = rel
        self.path = os.path.join(root, rel)
        self.kind = "json"
        try:
            with open(self.path) as f:
                text = f.read()
        except OSError as e:
            raise DocError(f"cannot read {rel}: {e.strerror}")
        try:
            self.data = json.loads(text)
        except ValueError:
            try:
                self.data = [json.loads(line) for line in text.splitlines() if line.strip()]
                self.kind = "jsonl"
            except ValueError:
                try:
                    self.data = float(text.strip())
                    self.kind = "number"
                except ValueError:
                    raise DocError(f"{rel} is neither JSON, JSON lines nor a number")
        self.read = []  # (source, path) of each value read since reset

    def get(self, path):
        """The value at path ("a.b[2].c", "[-1].x", "" for the root), or None."""
        node = self.data
        resolved = []
        for key in split_path(path):
            if isinstance(key, int):
                if not isinstance(node, list) or not -len(node) <= key < len(node):
                    return None
                key = key % len(node)
            elif not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
            resolved.append(key)
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            LOG.append((self, resolved))
        return node


LOG = []  # provenance of the cell being made


def split_path(path):
    keys = []
    for part in re.findall(r"[^.\[\]]+|\[-?\d+\]", path):
        keys.append(int(part[1:-1]) if part.startswith("[") else part)
    return keys


def set_path(data, keys, value):
    node = data
    for key in keys[:-1]:
        node = node[key]
    if keys:
        node[keys[-1]] = value
        return data
    return value


def save(source, data):
    with open(source.path, "w") as f:
        if source.kind == "jsonl":
            f.write("".join(json.dumps(o) + "\n" for o in data))
        elif source.kind == "number":
            f.write(f"{data:g}\n")
        else:
            json.dump(data, f, indent=1)


class Sources:
    def __init__(self, root):
        self.root = root
        self.cache = {}

    def load(self, rel):
        rel = os.path.normpath(rel)
        if rel not in self.cache:
            self.cache[rel] = Source(self.root, rel)
        return self.cache[rel]

    def sweep(self, rel):
        """A run directory or its sweep.json."""
        if os.path.isdir(os.path.join(self.root, rel)):
            rel = os.path.join(rel, "sweep.json")
        return self.load(rel)

    def summary(self, rel):
        if os.path.isdir(os.path.join(self.root, rel)):
            rel = os.path.join(rel, "summary.json")
        return self.load(rel)


# ---- Numbers for people.

def group(text):
    """'-1234567.89' -> '-1,234,567.89'"""
    sign = "-" if text.startswith("-") else ""
    whole, dot, frac = text.lstrip("-").partition(".")
    if not whole.isdigit():
        return text
    whole = f"{int(whole):,}"
    out = sign + whole + dot + frac
    return out[1:] if out.startswith("-") and not re.search(r"[1-9]", out) else out


def fmt(value, spec):
    """value formatted by a printf-like spec ('%.1f', '%d', '%.3g s')."""
    if value is None or isinstance(value, bool):
        return "-" if value is None else str(value).lower()
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if spec == "auto":
        return auto(value)
    m = re.fullmatch(r"%(\.\d+)?([dfeg])(.*)", spec, re.S)
    if not m:
        raise DocError(f"format '{spec}': use %d, %.Nf, %.Ne or %.Ng")
    precision, conv, suffix = m.group(1) or "", m.group(2), m.group(3)
    if conv == "d":
        text = str(int(round(value)))
    else:
        text = ("%" + precision + conv) % value
    return (group(text) if conv in "df" else text) + suffix


def auto(value):
    """harness_summary_format(): 0 decimals from 100, 1 from 10, 2 from 1."""
    a = abs(value)
    decimals = 0 if a >= 100 or a == 0 else 1 if a >= 10 else 2 if a >= 1 else 3
    text = "%.*f" % (decimals, value)
    if set(text) <= set("-0."):
        text = "0"
    return group(text)


def scaled(source, expr):
    """A JSON path with an optional /K or *K."""
    m = re.fullmatch(r"(.*?)([/*])([0-9.e+]+)", expr)
    path, op, k = (m.group(1), m.group(2), float(m.group(3))) if m else (expr, None, 1)
    value = source.get(path)
    if op and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = value / k if op == "/" else value * k
    return value


# ---- Columns: name -> (header, how to read it from a source, format).

def ramp(s):
    value = s.get("ramp_s")
    if value is not None:
        return value
    steps = s.get("steps") or []
    return sum(s.get(f"steps[{i}].elapsed_s") or 0 for i in range(len(steps))) or None


def ratio(a, b):
    return a / b if isinstance(a, (int, float)) and b else None


def difference(a, b):
    return a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None


def bound_steps(s):
    """'k of n': the steps the harness found client-bound (client_bound)."""
    steps = s.get("steps") or []
    bound = sum(1 for i in range(len(steps)) if s.get(f"steps[{i}].client_bound") is True)
    return f"{bound} of {len(steps)}" if steps else None


def teardown(s):
    value = s.get("teardown_s")
    if value is None:
        d, w = s.get("duration_s"), s.get("sweep_s")
        value = d - w if d is not None and w is not None else None
    return value


def slope(key):
    def read(s):
        if s.get("fit.meaningful") is False:
            return None
        return s.get("fit." + key)
    return read


def path(p):
    return lambda s: scaled(s, p)


RUN_COLUMNS = {
    "backend": ("backend", path("backend"), "auto"),
    "run": ("results", None, "auto"),  # the run's directory, made below
    "status": ("status", path("status"), "auto"),
    "target": ("target", path("target"), "%d"),
    "held": ("held at the last step", path("steps[-1].established"), "%d"),
    "verified": ("held and verified", path("verify.alive"), "%d"),
    "dead": ("dead at the check", path("verify.dead"), "%d"),
    "failed": ("failed connects (last step)", path("steps[-1].failed"), "%d"),
    "ramp_s": ("time to target (s)", ramp, "%.1f"),
    "mean_rate": ("mean connect rate (conn/s)",
                  lambda s: ratio(s.get("steps[-1].connections"), ramp(s)), "%.0f"),
    "last_rate": ("connect rate, last step (conn/s)", path("steps[-1].connect_rate"), "%.0f"),
    "sweep_s": ("sweep (s)", path("sweep_s"), "%.1f"),
    "teardown_s": ("teardown (s)", teardown, "%.1f"),
    "duration_s": ("in all (s)", path("duration_s"), "%.1f"),
    "verify_s": ("liveness check (s)", path("verify.elapsed_s"), "%.1f"),
    "user_slope": ("server user B/conn (fit)", slope("user_slope_bytes"), "%.0f"),
    "user_base_mib": ("server fixed (MiB)", path("fit.user_base_bytes/1048576"), "%.1f"),
    "client_slope": ("client user B/conn (fit)", slope("client_slope_bytes"), "%.0f"),
    "kernel_slope": ("kernel B/conn, both ends (fit)", slope("kernel_slope_bytes"), "%.0f"),
    "kernel_objects_slope": ("kernel slab objects B/conn (fit)",
                             slope("kernel_objects_slope_bytes"), "%.0f"),
    "kernel_gib": ("kernel memory at the last step (GiB)",
                   path("steps[-1].kernel_bytes/1073741824"), "%.1f"),
    "server_procs": ("server processes", path("baseline.server_processes"), "%d"),
    "client_procs": ("client processes", path("baseline.client_processes"), "%d"),
    "cpu_us_per_accept": ("server CPU per accept, last step (µs)",
                          path("steps[-1].server_cpu_us_per_accept"), "%.1f"),
    "client_cpu_us_per_connect": ("client CPU per connect, last step (µs)",
                                  path("steps[-1].client_cpu_us_per_connect"), "%.1f"),
    "rx_us_per_connect": ("its receive path per connect, last step (µs)",
                          lambda s: s.get("steps[-1].device_write_cpu_us_per_connect")
                          if s.get("client_kind") == "tun" else None, "%.1f"),
    "client_own_us_per_connect": ("client's own CPU per connect, last step (µs)",
                                  lambda s: difference(
                                      s.get("steps[-1].client_cpu_us_per_connect"),
                                      s.get("steps[-1].device_write_cpu_us_per_connect") or 0),
                                  "%.1f"),
    "client_bound_steps": ("client-bound steps", bound_steps, "auto"),
    "server_exit_s": ("the server's exit after the client's (s)",
                      lambda s: difference(s.get("teardown.server_reaped_s"),
                                           s.get("teardown.client_reaped_s")), "%.2f"),
    "echo_msgs_per_s": ("echo msg/s, last step", path("steps[-1].echo.msgs_per_s"), "%.0f"),
    "echo_p99_ms": ("echo RTT p99, last step (ms)", path("steps[-1].echo.rtt_us.p99/1000"), "%.1f"),
    "load_p99_ms": ("load RTT p99, last step (ms)", path("steps[-1].load.rtt_us.p99/1000"), "%.1f"),
    "load_server_us_per_msg": ("server CPU per message under load (µs)",
                               path("steps[-1].load.server_cpu_us_per_msg"), "%.1f"),
    "echo_bench": ("echo msg/s (echo-bench)", None, "%.0f"),  # echo=DIR
}
RUN_DEFAULT = "backend,verified,ramp_s,user_slope,kernel_slope,cpu_us_per_accept"

STEP_COLUMNS = {
    "connections": ("connections", path("connections"), "%d"),
    "established": ("established", path("established"), "%d"),
    "server_live": ("server held", path("server_live"), "%d"),
    "failed": ("failed connects", path("failed"), "%d"),
    "ramp_s": ("ramp (s)", path("elapsed_s"), "%.1f"),
    "rate": ("connect rate (conn/s)", path("connect_rate"), "%.0f"),
    "p50_ms": ("connect p50 (ms)", path("connect_latency_us.p50/1000"), "%.1f"),
    "p99_ms": ("connect p99 (ms)", path("connect_latency_us.p99/1000"), "%.1f"),
    "user_per_conn": ("server user B/conn", path("user_bytes_per_conn"), "%.0f"),
    "client_per_conn": ("client user B/conn", path("client_user_bytes_per_conn"), "%.0f"),
    "kernel_per_conn": ("kernel B/conn", path("kernel_bytes_per_conn"), "%.0f"),
    "kernel_gib": ("kernel memory (GiB)", path("kernel_bytes/1073741824"), "%.2f"),
    "cpu_us_per_accept": ("server CPU per accept (µs)", path("server_cpu_us_per_accept"), "%.1f"),
    "echo_msgs_per_s": ("echo msg/s", path("echo.msgs_per_s"), "%.0f"),
    "echo_p99_ms": ("echo RTT p99 (ms)", path("echo.rtt_us.p99/1000"), "%.1f"),
    "load_achieved": ("load achieved (msg/s)", path("load.achieved_per_s"), "%.0f"),
    "load_p99_ms": ("load RTT p99 (ms)", path("load.rtt_us.p99/1000"), "%.1f"),
}
STEP_DEFAULT = "connections,rate,p99_ms,user_per_conn,kernel_per_conn,cpu_us_per_accept"

CACHE_COLUMNS = {
    "cache": ("slab cache", path("cache"), "auto"),
    "category": ("category", path("category"), "auto"),
    "ends": ("ends", path("ends"), "auto"),
    "slope": ("B/conn (fit)", path("slope_bytes"), "%.0f"),
    "objects": ("objects/conn", path("objects_per_conn"), "%.2f"),
    "objsize": ("object size (B)", path("objsize"), "%d"),
}
CACHE_DEFAULT = "cache,category,ends,slope,objects,objsize"

ECHO_COLUMNS = {
    "backend": ("backend", None, "auto"),
    "workers": ("server workers", None, "%d"),
    "msgs_per_s": ("msg/s", path("msgs_per_s"), "%.0f"),
    "p50_ms": ("RTT p50 (ms)", path("rtt_us.p50/1000"), "%.1f"),
    "p99_ms": ("p99 (ms)", path("rtt_us.p99/1000"), "%.1f"),
    "p999_ms": ("p99.9 (ms)", path("rtt_us.p999/1000"), "%.1f"),
    "mismatches": ("mismatches", path("mismatches"), "%d"),
    "errors": ("errors", path("errors"), "%d"),
}
ECHO_DEFAULT = "backend,workers,msgs_per_s,p50_ms,p99_ms,p999_ms,mismatches"


class Column:
    def __init__(self, spec, registry, kind):
        name, _, form = spec.partition(":")
        if name in registry:
            self.header, self.read, self.form = registry[name]
        elif re.search(r"[.\[]", name) or name in ("status", "backend"):
            self.header, self.read, self.form = name, path(name), "auto"
        else:
            raise DocError(f"unknown column '{name}' for {kind} (columns: "
                           f"{', '.join(registry)}; or a JSON path such as fit.user_r2)")
        self.name = name
        self.form = form or self.form


def columns_of(options, registry, default, kind):
    specs = [c for c in options.get("columns", default).split(",") if c]
    return [Column(c, registry, kind) for c in specs]


# ---- One cell: its text and the numbers it was made from.

class Cell:
    def __init__(self, text, read=()):
        self.text = text
        self.read = list(read)


def cell(make):
    del LOG[:]
    text = make()
    return Cell(text, LOG)


def headers_of(options, default):
    given = options.get("headers")
    if given is None:
        return default
    names = [h.strip() for h in given.split("|")]
    if len(names) != len(default):
        raise DocError(f"headers= names {len(names)} columns, the table has {len(default)}")
    return names


# ---- The kinds of table.

def table_runs(sources, args, options):
    rows_of = []
    for rel in args:
        src = sources.sweep(rel) if not rel.endswith("summary.json") else None
        if src is None:
            rows_of += runs_of_summary(sources, rel)
        else:
            rows_of.append(src)
    if not rows_of:
        raise DocError("runs: name at least one run (results/<backend>/<run-id>)")
    cols = columns_of(options, RUN_COLUMNS, RUN_DEFAULT, "runs")
    rows = []
    for src in rows_of:
        row = []
        for c in cols:
            if c.name == "run":
                row.append(Cell("`" + os.path.dirname(src.rel) + "`"))
            elif c.name == "echo_bench":
                row.append(echo_bench_cell(sources, src, options, c))
            else:
                row.append(cell(lambda: fmt(c.read(src), c.form)))
        rows.append(row)
    return headers_of(options, [c.header for c in cols]), rows


def runs_of_summary(sources, rel):
    summary = sources.summary(rel)
    out_dir = os.path.dirname(os.path.dirname(os.path.dirname(summary.rel)))
    runs = []
    for i, run in enumerate(summary.data.get("runs", [])):
        run_dir = os.path.join(out_dir, run.get("backend", "?"),
                               run.get("run_id") or os.path.basename(run.get("dir", "")))
        runs.append(sources.sweep(run_dir))
    return runs


def echo_bench_cell(sources, src, options, column):
    if "echo" not in options:
        raise DocError("the echo_bench column needs echo=results/echo/<id>")
    event = echo_event(sources, options["echo"], src.get("backend"))
    return cell(lambda: fmt(event.get("msgs_per_s"), column.form))


def echo_event(sources, directory, backend):
    """The "echo" event of an echo-bench backend's JSON lines."""
    src = sources.load(os.path.join(directory, f"{backend}.json"))
    for i, event in enumerate(src.data if src.kind == "jsonl" else [src.data]):
        if isinstance(event, dict) and event.get("event") == "echo":
            return Prefixed(src, f"[{i}]." if src.kind == "jsonl" else "")
    raise DocError(f"{src.rel} has no echo event")


def table_steps(sources, args, options):
    src = one_source(sources, args, "steps")
    cols = columns_of(options, STEP_COLUMNS, STEP_DEFAULT, "steps")
    rows = []
    for i in range(len(src.get("steps") or [])):
        step = Prefixed(src, f"steps[{i}].")
        rows.append([cell(lambda: fmt(c.read(step), c.form)) for c in cols])
    return headers_of(options, [c.header for c in cols]), rows


class Prefixed:
    """A source seen from inside it: get() under a prefix."""

    def __init__(self, source, prefix):
        self.source, self.prefix = source, prefix

    def get(self, p):
        return self.source.get(self.prefix + p)


def one_source(sources, args, kind):
    if len(args) != 1:
        raise DocError(f"{kind}: name exactly one sweep.json (or run directory)")
    return sources.sweep(args[0])


def table_caches(sources, args, options):
    src = one_source(sources, args, "caches")
    by_cache = src.get("fit.kernel_by_cache")
    if not isinstance(by_cache, dict):
        why = src.get("fit.kernel_by_cache_unavailable") or "it was written before them"
        raise DocError(f"{src.rel} has no per-cache kernel figures: {why}")
    cols = columns_of(options, CACHE_COLUMNS, CACHE_DEFAULT, "caches")
    rows = []
    for i in range(len(by_cache.get("caches", []))):
        entry = Prefixed(src, f"fit.kernel_by_cache.caches[{i}].")
        rows.append([cell(lambda: fmt(c.read(entry), c.form)) for c in cols])
    if options.get("totals", "yes") != "no":
        at = [c.name for c in cols].index("slope") if "slope" in [c.name for c in cols] else None
        minimum = src.get("fit.kernel_by_cache.min_slope_bytes")
        for label, key in ((f"caches under {fmt(minimum, '%.0f')} B/conn", "rest_slope_bytes"),
                           ("sum of the caches", "sum_slope_bytes"),
                           ("whole Slab", "whole_slab_slope_bytes")):
            row = [Cell("") for _ in cols]
            row[0] = Cell(label)
            if at is not None:
                row[at] = cell(lambda: fmt(src.get("fit.kernel_by_cache." + key), "%.0f"))
            rows.append(row)
    return headers_of(options, [c.header for c in cols]), rows


def table_categories(sources, args, options):
    src = one_source(sources, args, "categories")
    by_category = src.get("fit.kernel_by_cache.by_category")
    if not isinstance(by_category, dict):
        raise DocError(f"{src.rel} has no fit.kernel_by_cache.by_category")
    rows = [[Cell(name), cell(lambda: fmt(src.get(f"fit.kernel_by_cache.by_category.{name}"),
                                          "%.0f"))] for name in by_category]
    rows.append([Cell("whole Slab"),
                 cell(lambda: fmt(src.get("fit.kernel_by_cache.whole_slab_slope_bytes"), "%.0f"))])
    return headers_of(options, ["category", "B/conn (fit)"]), rows


def table_echo(sources, args, options):
    if len(args) != 1:
        raise DocError("echo: name one results/echo/<id> directory")
    directory = args[0]
    try:
        found = sorted(f[:-5] for f in os.listdir(os.path.join(sources.root, directory))
                       if f.endswith(".json"))
    except OSError as e:
        raise DocError(f"cannot read {directory}: {e.strerror}")
    backends = options["backends"].split(",") if "backends" in options else found
    cols = columns_of(options, ECHO_COLUMNS, ECHO_DEFAULT, "echo")
    rows = []
    for backend in backends:
        row = []
        for c in cols:
            if c.name == "backend":
                row.append(Cell(backend))
            elif c.name == "workers":
                src = sources.load(os.path.join(directory, f"{backend}.workers"))
                row.append(cell(lambda: fmt(src.get(""), c.form)))
            else:
                event = echo_event(sources, directory, backend)
                row.append(cell(lambda: fmt(c.read(event), c.form)))
        rows.append(row)
    return headers_of(options, [c.header for c in cols]), rows


# summary.json (harness_summary.c): figures[] of {key, name, unit,
# backends: {name: {median, min, max, n, ratio_to_epoll,
# within_spread_of_epoll}}}, runs[] of {backend, used, ...}.

def spread_text(src, at):
    median = src.get(at + ".median")  # first: the value the self-test changes
    n = src.get(at + ".n") or 0
    if not n or median is None:
        return "-"
    median = auto(median)
    if n == 1:
        return f"{median} (1)"
    return f"{median} [{auto(src.get(at + '.min'))}–{auto(src.get(at + '.max'))}] ({n})"


def versus_text(src, at, backend, has_epoll, short=False):
    n = src.get(at + ".n") or 0
    if not has_epoll or not n:
        return "-"
    if backend == "epoll":
        return "(baseline)"
    r = src.get(at + ".ratio_to_epoll")
    within = src.get(at + ".within_spread_of_epoll")
    if r is None:  # not both positive: no ratio means anything
        if short:
            return "-"
        return ("- (no ratio)" if within is None else
                "- (no ratio of a figure near 0; within spread)" if within else
                "- (no ratio of a figure near 0; **beyond spread**)")
    if short:
        return f"**×{auto(r)}**" if within is False else f"×{auto(r)}"
    note = " (n<2)" if within is None else ", within spread" if within else ", **beyond spread**"
    return f"×{auto(r)}{note}"


def table_summary(sources, args, options):
    if len(args) != 1:
        raise DocError("summary: name one results/compare/<id>/summary.json")
    src = sources.summary(args[0])
    figures = src.data.get("figures") if isinstance(src.data, dict) else None
    if not isinstance(figures, list):
        raise DocError(f"{src.rel} has no figures: is it a comparison's summary.json?")
    keys = [f.get("key") for f in figures]
    wanted = options["figures"].split(",") if "figures" in options else keys
    for key in wanted:
        if key not in keys:
            raise DocError(f"figure '{key}' is not in {src.rel} (figures: {', '.join(keys)})")
    backends = []
    for f in figures:
        backends += [b for b in f.get("backends", {}) if b not in backends]
    if "backends" in options:
        backends = options["backends"].split(",")
    has_epoll = "epoll" in backends
    versus = options.get("versus", "yes") != "no"
    picked = [(keys.index(k), figures[keys.index(k)]) for k in wanted]
    if options.get("rows", "backends") == "figures":
        return summary_by_figure(src, picked, backends, has_epoll, versus, options)
    header = ["backend", "runs"]
    for _, f in picked:
        header.append(f["name"] + (f" ({f['unit']})" if f.get("unit") else ""))
        if versus:
            header.append("vs epoll")
    rows = []
    for b in backends:
        runs = [r for r in src.data.get("runs", []) if r.get("backend") == b]
        row = [Cell(b), Cell(f"{sum(1 for r in runs if r.get('used'))} of {len(runs)}")]
        for i, _ in picked:
            at = f"figures[{i}].backends.{b}"
            row.append(cell(lambda: spread_text(src, at)))
            if versus:
                row.append(cell(lambda: versus_text(src, at, b, has_epoll)))
        rows.append(row)
    return headers_of(options, header), rows


def summary_by_figure(src, picked, backends, has_epoll, versus, options):
    rows = []
    for i, f in picked:
        row = [Cell(f["name"] + (f" ({f['unit']})" if f.get("unit") else ""))]
        for b in backends:
            at = f"figures[{i}].backends.{b}"

            def text():
                spread = spread_text(src, at)
                vs = versus_text(src, at, b, has_epoll, short=True)
                if not versus or b == "epoll" or vs == "-" or spread == "-":
                    return spread
                return f"{spread}, {vs}"
            row.append(cell(text))
        rows.append(row)
    return headers_of(options, ["figure"] + backends), rows


KINDS = {"summary": table_summary, "runs": table_runs, "steps": table_steps,
         "caches": table_caches, "categories": table_categories, "echo": table_echo}


def make_table(sources, spec):
    """(markdown lines, rows of Cells incl. header) for a marker's text."""
    try:
        words = shlex.split(spec)
    except ValueError as e:
        raise DocError(f"marker '{spec}': {e}")
    if not words or words[0] not in KINDS:
        raise DocError(f"marker '{spec}': the kind must be one of {', '.join(KINDS)}")
    args = [w for w in words[1:] if "=" not in w]
    options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    header, rows = KINDS[words[0]](sources, args, options)
    right = [any(re.fullmatch(r"[-\d,.×*()\[\]– ]+|-", r[k].text or "-") and r[k].text != ""
                 for r in rows) for k in range(len(header))]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if right[k] and k else "---" for k in range(len(header))) + "|"]
    lines += ["| " + " | ".join(c.text for c in r) + " |" for r in rows]
    return lines, [[Cell(h) for h in header]] + rows


def make_number(sources, spec):
    words = shlex.split(spec)
    if len(words) not in (2, 3):
        raise DocError(f"number marker '{spec}': SOURCE EXPR [FORMAT]")
    rel, expr = words[0], words[1]
    form = words[2] if len(words) == 3 else None
    src = sources.sweep(rel) if os.path.isdir(os.path.join(sources.root, rel)) else sources.load(rel)

    def value():
        if isinstance(src.data, dict) and "steps" in src.data and expr in RUN_COLUMNS \
                and RUN_COLUMNS[expr][1]:
            header, read, default = RUN_COLUMNS[expr]
            return fmt(read(src), form or default)
        if isinstance(src.data, dict) and isinstance(src.data.get("figures"), list):
            parts = expr.split(".")
            keys = [f.get("key") for f in src.data["figures"]]
            if len(parts) == 3 and parts[0] in keys:
                at = f"figures[{keys.index(parts[0])}].backends.{parts[1]}.{parts[2]}"
                return fmt(src.get(at), form or "auto")
        return fmt(scaled(src, expr), form or "auto")
    made = cell(value)
    if made.text == "-":  # a number in prose stands for a value: never "-"
        raise DocError(f"number marker '{spec.strip()}': {rel} has no value at "
                       f"'{expr}' (a format goes after the path, as a word)")
    return made


# ---- Docs: find the markers, compare or replace what follows them.

TABLE = re.compile(r"<!--\s*table:(.*?)-->\n(.*?)<!--\s*end table\s*-->", re.S)
NUMBER = re.compile(r"<!--\s*n:(.*?)-->(-?\d+(?:,\d{3})*(?:\.\d+)?|-inf|inf|true\b|false\b|-)?", re.S)
OPEN = re.compile(r"<!--\s*table:")


def cells_of(text):
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.strip().startswith("|")
            and not re.fullmatch(r"\|(\s*:?-{3,}:?\s*\|)+", line.strip())]


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def first_difference(have, want):
    """(row, column, doc's text, data's text) of the first differing cell."""
    for r in range(max(len(have), len(want))):
        hr = have[r] if r < len(have) else []
        wr = [c.text for c in want[r]] if r < len(want) else []
        for k in range(max(len(hr), len(wr))):
            h = hr[k] if k < len(hr) else "(missing)"
            w = wr[k] if k < len(wr) else "(missing)"
            if h != w:
                return r, k, h, w
    return None


def process(doc, root, mode):
    """Check or write one doc. Returns (problems, tables, numbers)."""
    name = os.path.relpath(doc, root) if doc.startswith(root) else doc
    with open(doc) as f:
        text = f.read()
    sources = Sources(root)
    problems = []
    if len(OPEN.findall(text)) != len(TABLE.findall(text)):
        problems.append(f"{name}: a '<!-- table: ... -->' marker has no '<!-- end table -->'")
    # Numbers first: replacing them keeps every line where it was.
    out, last, numbers = [], 0, 0
    for m in NUMBER.finditer(text):
        numbers += 1
        where = f"{name}: number at line {line_of(text, m.start())} ({m.group(1).strip()})"
        try:
            want = make_number(sources, m.group(1)).text
        except DocError as e:
            problems.append(f"{where}: {e}")
            continue
        if m.group(2) != want and mode == "check":
            problems.append(f"{where}: the doc has '{m.group(2) or ''}', the data gives '{want}'")
        out.append(text[last:m.end(1)] + "-->" + want)
        last = m.end()
    out.append(text[last:])
    text = "".join(out)
    out, last, tables = [], 0, 0
    for m in TABLE.finditer(text):
        tables += 1
        where = f"{name}: table at line {line_of(text, m.start())} ({m.group(1).strip()})"
        try:
            lines, want = make_table(sources, m.group(1))
        except DocError as e:
            problems.append(f"{where}: {e}")
            continue
        have = cells_of(m.group(2))
        diff = first_difference(have, want) if mode == "check" else None
        if diff and not have:
            problems.append(f"{where}: no table under the marker yet")
        elif diff:
            r, k, h, w = diff
            head = want[0][k].text if k < len(want[0]) else f"column {k + 1}"
            row = "header" if r == 0 else f"row {r} ({want[r][0].text if r < len(want) else '?'})"
            problems.append(f"{where}: {row}, column '{head}': the doc has '{h}', the data "
                            f"gives '{w}'")
        out.append(text[last:m.start(2)] + "\n".join(lines) + "\n")
        last = m.end(2)
    out.append(text[last:])
    new = "".join(out)
    if mode == "write":
        with open(doc) as f:
            if f.read() != new:
                with open(doc, "w") as g:
                    g.write(new)
    return problems, tables, numbers


# ---- The self-test: change one cited number, check must fail.

SELF_DOC = """# A doc of the self-test

<!-- table: summary compare/summary.json -->
<!-- end table -->

<!-- table: summary compare/summary.json rows=figures figures=kernel_slope_bytes -->
<!-- end table -->

<!-- table: runs epoll/run columns=backend,verified,ramp_s,mean_rate,user_slope,kernel_slope,echo_bench echo=echo -->
<!-- end table -->

<!-- table: steps epoll/run -->
<!-- end table -->

<!-- table: caches epoll/run -->
<!-- end table -->

<!-- table: categories epoll/run -->
<!-- end table -->

<!-- table: echo echo -->
<!-- end table -->

Kernel memory per connection: <!-- n: epoll/run/sweep.json fit.kernel_slope_bytes %.0f -->0 B.
"""


def cited(doc, root):
    """Every file the doc's markers read, and the cells they make."""
    with open(doc) as f:
        text = f.read()
    sources, cells = Sources(root), []
    for m in TABLE.finditer(text):
        _, rows = make_table(sources, m.group(1))
        cells += [(f"table at line {line_of(text, m.start())}", c) for r in rows[1:] for c in r]
    for m in NUMBER.finditer(text):
        cells.append((f"number at line {line_of(text, m.start())}", make_number(sources, m.group(1))))
    return sources, cells


def run_check(root, doc):
    return subprocess.run([sys.executable, os.path.abspath(__file__), "check", "--root", root, doc],
                          capture_output=True, text=True)


class Checked:
    """What `check` of one doc says, made in this process (the self-test
    runs it once per change: a process each would take minutes)."""

    def __init__(self, root, doc):
        try:
            problems, _, _ = process(doc, root, "check")
        except OSError as e:
            problems = [f"{doc}: {e.strerror}"]
        self.returncode = 1 if problems else 0
        self.stdout = "".join(f"doc_tables: {p}\n" for p in problems)
        self.stderr = ""


def check_changed(tmp, doc, src, keys):
    """Check doc with the number at keys of src's copy in tmp changed (and
    put back afterwards)."""
    node = src.data
    for key in keys:
        node = node[key]
    copied = Source.__new__(Source)
    copied.path, copied.kind = os.path.join(tmp, src.rel), src.kind
    save(copied, set_path(copy.deepcopy(src.data), keys, node * 1.5 + 7))
    try:
        return Checked(tmp, doc)
    finally:
        save(copied, src.data)


def self_test_doc(root, doc, label):
    """Copy doc and what it cites; check passes; each cited number changed
    (the first numeric cell of every table and number) makes check fail
    naming that place. Returns the failures (empty when good)."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        sources, cells = cited(doc, root)
        for rel in sources.cache:
            os.makedirs(os.path.join(tmp, os.path.dirname(rel)), exist_ok=True)
            shutil.copy(os.path.join(root, rel), os.path.join(tmp, rel))
        copy_doc = os.path.join(tmp, os.path.relpath(doc, root))
        os.makedirs(os.path.dirname(copy_doc), exist_ok=True)
        shutil.copy(doc, copy_doc)
        result = run_check(tmp, copy_doc)
        if result.returncode != 0:
            return [f"{label}: check fails on the unchanged copy: {result.stdout}{result.stderr}"]
        tried = set()
        for where, c in cells:
            if where in tried or not c.read:
                continue
            tried.add(where)
            src, keys = c.read[0]
            spot = f"{src.rel} {'.'.join(map(str, keys))}"
            result = check_changed(tmp, copy_doc, src, keys)
            output = result.stdout + result.stderr
            if result.returncode != 1 or where not in output:
                failures.append(f"{label}: {spot} changed, yet check did not fail at the "
                                f"{where} (exit {result.returncode}): {output}")
            else:
                print(f"doc_tables: self-test: {label}: {spot} changed: "
                      f"{output.splitlines()[0]}")
        if not tried:
            failures.append(f"{label}: no cited number to change")
        failures += self_test_prose(tmp, copy_doc, label)
    return failures


def one_character_off(value):
    """value with one character changed: its last digit, or "-" made "0"."""
    for i in range(len(value) - 1, -1, -1):
        if value[i].isdigit():
            return value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1:]
    return "0" if value == "-" else value + "0"


def self_test_prose(root, doc, label):
    """Each marked number in the doc's running text changed by one
    character makes check fail at that number. Returns the failures."""
    with open(doc) as f:
        text = f.read()
    failures = []
    try:
        for m in NUMBER.finditer(text):
            value = m.group(2) or ""
            where = f"number at line {line_of(text, m.start())}"
            edited = text[:m.start(2) if m.group(2) else m.end()] + one_character_off(value) + \
                text[m.end():]
            with open(doc, "w") as f:
                f.write(edited)
            result = Checked(root, doc)
            output = result.stdout + result.stderr
            if result.returncode != 1 or where not in output:
                failures.append(f"{label}: the {where} edited in the text ('{value}' made "
                                f"'{one_character_off(value)}'), yet check did not fail there "
                                f"(exit {result.returncode}): {output}")
            else:
                print(f"doc_tables: self-test: {label}: {where} '{value}' made "
                      f"'{one_character_off(value)}' in the text: check fails")
    finally:
        with open(doc, "w") as f:
            f.write(text)
    return failures


def self_test(root, docs):
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = os.path.join(os.path.dirname(here), "tests", "docs", "fixtures")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(fixtures, tmp, dirs_exist_ok=True)
        doc = os.path.join(tmp, "doc.md")
        with open(doc, "w") as f:
            f.write(SELF_DOC)
        problems, _, _ = process(doc, tmp, "write")
        if problems:
            failures += problems
        elif run_check(tmp, doc).returncode != 0:
            failures.append("the fixture doc fails check right after write")
        else:
            with open(doc) as f:
                written = f.read()
            edited = written.replace("| epoll | ", "| epoll | 1", 1)
            with open(doc, "w") as f:
                f.write(edited)
            if run_check(tmp, doc).returncode != 1:
                failures.append("a cell edited in the doc did not make check fail")
            with open(doc, "w") as f:
                f.write(written)
            failures += self_test_doc(tmp, doc, "fixture doc")
    for d in docs:
        with open(d) as f:
            text = f.read()
        if TABLE.search(text) or NUMBER.search(text):
            failures += self_test_doc(root, os.path.abspath(d), os.path.relpath(d, root))
        else:
            print(f"doc_tables: self-test: {os.path.relpath(d, root)} has no marker yet")
    for f in failures:
        print(f"doc_tables: self-test FAILED: {f}")
    return 1 if failures else 0


def show(root, words):
    spec = " ".join(shlex.quote(w) for w in words)
    lines, _ = make_table(Sources(root), spec)
    print(f"<!-- table: {spec} -->")
    print("\n".join(lines))
    print("<!-- end table -->")


def main(argv):
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    mode, rest = argv[1], argv[2:]
    root = default_root
    if rest[:1] == ["--root"] and len(rest) >= 2:
        root, rest = os.path.abspath(rest[1]), rest[2:]
    if mode not in ("check", "write", "show", "columns", "self-test"):
        print(f"doc_tables: unknown mode '{mode}': check, write, show, columns or self-test "
              "(see --help)", file=sys.stderr)
        return 2
    if mode == "columns":
        for kind, registry in (("runs", RUN_COLUMNS), ("steps", STEP_COLUMNS),
                               ("caches", CACHE_COLUMNS), ("echo", ECHO_COLUMNS)):
            print(f"{kind}:")
            for name, (header, _, form) in registry.items():
                print(f"  {name:26} {form:6} {header}")
        return 0
    docs = [d if os.path.isabs(d) else os.path.join(root, d) for d in rest]
    try:
        if mode == "show":
            show(root, rest)
            return 0
        if mode == "self-test":
            return self_test(root, docs)
    except DocError as e:
        print(f"doc_tables: {e}", file=sys.stderr)
        return 1
    if not docs:
        print(f"doc_tables: {mode}: name at least one doc", file=sys.stderr)
        return 2
    status = 0
    for doc in docs:
        try:
            problems, tables, numbers = process(doc, root, mode)
        except OSError as e:
            problems, tables, numbers = [f"{doc}: {e.strerror}"], 0, 0
        for p in problems:
            print(f"doc_tables: {p}")
        if problems:
            status = 1
            if mode == "check":
                print(f"doc_tables: {os.path.relpath(doc, root)}: scripts/doc_tables.py write "
                      "regenerates its tables and numbers from the data; when the data changed "
                      "on purpose, read the text around them too")
        elif mode == "write":
            print(f"doc_tables: {os.path.relpath(doc, root)}: {tables} tables, {numbers} numbers "
                  "written from their data")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
