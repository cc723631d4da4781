#!/usr/bin/python3
"""report.py - render a backend comparison as one figure for the docs.

Draws one 2x3 figure: server user and kernel memory per connection at each
step, the fitted per-connection slopes, the connect rate at each step, the
latency under the fixed-rate load (or the connect latency, for runs without
one), and what each run reached. With several runs of a backend (a
comparison with --repeat N) each line is the median over its runs and the
band around it their min-max; the bars are medians with min-max whiskers.
Reporting only: no benchmark ever needs it.

Usage: scripts/report.py --compare results/compare/<id> [--out docs/report.png]
       scripts/report.py --runs results/epoll/<id> results/io_uring/<id> ... [--out ...]
       scripts/report.py [--results results] [--out ...]   (latest run of each backend)

--compare reads a comparison's summary.json (./harness --backend a,b,...
--repeat N writes it) and draws every run it used; --runs draws the named
run directories; without either, the latest run of every backend under
--results. Needs python3-matplotlib (Debian); runs with the system python3.
"""
import argparse
import json
import os
import statistics
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import EngFormatter
except ImportError:
    sys.exit("report.py: matplotlib is missing: apt-get install -y python3-matplotlib "
             "(and run it with /usr/bin/python3)")

ORDER = ["epoll", "io_uring", "libuv", "thread-per-core", "select"]


def read_sweep(run_dir):
    path = os.path.join(run_dir, "sweep.json")
    try:
        with open(path) as f:
            sweep = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"report.py: cannot read {path}: {e}")
    sweep["_dir"] = run_dir
    return sweep


def compare_runs(compare):
    """The runs a comparison's summary.json used, with the summary."""
    path = compare if compare.endswith(".json") else os.path.join(compare, "summary.json")
    try:
        with open(path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"report.py: cannot read {path}: {e} (run ./harness --backend a,b --repeat N)")
    out = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(path))))
    runs = []
    for run in summary.get("runs", []):
        if not run.get("used"):
            continue
        run_dir = os.path.join(out, run["backend"], run.get("run_id") or os.path.basename(run["dir"]))
        runs.append(read_sweep(run_dir))
    if not runs:
        sys.exit(f"report.py: {path} names no usable run")
    return runs, summary, path


def latest_runs(results):
    """The newest run with steps, per backend."""
    if not os.path.isdir(results):
        sys.exit(f"report.py: no results directory {results}: run ./harness first")
    runs = []
    for backend in sorted(os.listdir(results)):
        folder = os.path.join(results, backend)
        if backend == "compare" or not os.path.isdir(folder):
            continue
        for run_id in sorted((d for d in os.listdir(folder) if d[:1].isdigit()), reverse=True):
            try:
                with open(os.path.join(folder, run_id, "sweep.json")) as f:
                    sweep = json.load(f)
            except (OSError, ValueError):
                continue
            if sweep.get("steps"):
                sweep["_dir"] = os.path.join(folder, run_id)
                runs.append(sweep)
                break
    return runs


def by_backend(runs):
    groups = {}
    for sweep in runs:
        groups.setdefault(sweep["backend"], []).append(sweep)
    return dict(sorted(groups.items(), key=lambda kv: (ORDER.index(kv[0]) if kv[0] in ORDER
                                                       else len(ORDER), kv[0])))


def value(step, key):
    node = step
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, (int, float)) and node == node else None


def per_step(sweeps, key):
    """x, median, min, max of key at each step index over the runs."""
    xs, med, lo, hi = [], [], [], []
    for i in range(max(len(s["steps"]) for s in sweeps)):
        steps = [s["steps"][i] for s in sweeps if i < len(s["steps"])]
        ys = [v for v in (value(st, key) for st in steps) if v is not None and v > 0]
        if not ys:
            continue
        xs.append(statistics.median(st["connections"] for st in steps))
        med.append(statistics.median(ys))
        lo.append(min(ys))
        hi.append(max(ys))
    return xs, med, lo, hi


def fit_values(sweeps, key):
    return [s["fit"][key] for s in sweeps
            if isinstance(s.get("fit", {}).get(key), (int, float)) and s["fit"].get("meaningful", True)]


def line_panels(axes, groups, colors, load):
    latency = ("load.rtt_us.p99", "p99 round trip under the fixed-rate load\n(from intended send times)") \
        if load else ("connect_latency_us.p99", "connect latency p99")
    panels = [
        (axes[0][0], "user_bytes_per_conn", "server user memory per connection\n(PSS / connections)",
         "bytes per connection", True),
        (axes[0][1], "kernel_bytes_per_conn",
         "kernel memory per connection\n(Slab growth / connections, both loopback ends)",
         "bytes per connection", True),
        (axes[1][0], "connect_rate", "connect rate during each step", "connections per second", False),
        (axes[1][1], latency[0], latency[1], "microseconds", True),
    ]
    count = EngFormatter(sep="")
    every_x = []
    for ax, key, title, ylabel, logy in panels:
        for backend, sweeps in groups.items():
            x, med, lo, hi = per_step(sweeps, key)
            if not x:
                continue
            every_x += x
            ax.plot(x, med, marker="o", color=colors[backend], label=backend)
            if len(sweeps) > 1:
                ax.fill_between(x, lo, hi, color=colors[backend], alpha=0.18, linewidth=0)
        ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
            low, high = ax.get_ylim()
            if high / low < 30:  # few decades: label the 2..9 ticks too
                ax.yaxis.set_major_formatter(count)
                ax.yaxis.set_minor_formatter(count)
        else:
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(count)
        ax.xaxis.set_major_formatter(count)
        ax.set_title(title)
        ax.set_xlabel("concurrent connections (log scale)")
        ax.set_ylabel(ylabel + (" (log scale)" if logy else ""))
        ax.grid(True, which="both", alpha=0.3)
    if every_x:  # the axis ends at the data, not at the next decade
        for ax, *_ in panels:
            ax.set_xlim(min(every_x) / 1.4, max(every_x) * 1.4)


def slope_panel(ax, groups, colors):
    """Fitted slopes: the honest per-connection cost, fixed overhead removed."""
    names = list(groups)
    series = [("user_slope_bytes", "server user", "#4c72b0"),
              ("client_slope_bytes", "client user", "#dd8452"),
              ("kernel_slope_bytes", "kernel (both ends)", "#55a868")]
    width = 0.27
    for k, (key, label, color) in enumerate(series):
        meds, errs = [], [[], []]
        for b in names:
            vals = fit_values(groups[b], key)
            m = statistics.median(vals) if vals else 0
            meds.append(m)
            errs[0].append(m - min(vals) if vals else 0)
            errs[1].append(max(vals) - m if vals else 0)
        pos = [p + (k - 1) * width for p in range(len(names))]
        bars = ax.bar(pos, meds, width, color=color, label=label,
                      yerr=errs if any(len(groups[b]) > 1 for b in names) else None, capsize=3)
        ax.bar_label(bars, labels=[f"{max(m, 0):.0f}" for m in meds], fontsize=8, padding=2)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_yscale("symlog", linthresh=100)
    ax.set_ylim(0, 1e5)
    ax.set_ylabel("bytes per connection (symlog scale)")
    ax.set_title("memory per connection: least-squares slope\n(median of the runs, whiskers min-max)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left", ncol=3, fontsize=8, frameon=False)


def spread(values, form):
    values = [v for v in values if isinstance(v, (int, float))]
    if not values:
        return "-"
    m = form.format(statistics.median(values))
    if len(values) == 1:
        return m
    return f"{m} [{form.format(min(values))}-{form.format(max(values))}]"


def text_panel(ax, groups, source):
    ax.axis("off")
    lines = [source, ""]
    for backend, sweeps in groups.items():
        held = spread([s["steps"][-1].get("established") for s in sweeps], "{:,.0f}")
        ramp = spread([s.get("ramp_s") or sum(st.get("elapsed_s", 0) for st in s["steps"])
                       for s in sweeps], "{:.0f}")
        teardown = spread([s.get("teardown_s") if s.get("teardown_s") is not None
                           else s.get("duration_s", 0) - s.get("sweep_s", 0) for s in sweeps], "{:.0f}")
        status = ", ".join(sorted({s.get("status", "?") for s in sweeps}))
        lines.append(f"{backend}: {len(sweeps)} run{'s' if len(sweeps) > 1 else ''}, {status}")
        lines.append(f"    held {held}; ramp {ramp} s; teardown {teardown} s")
    any_run = next(iter(groups.values()))[0]
    machine = any_run.get("machine", {})
    commits = sorted({str(s.get("machine", {}).get("git_commit", "?"))[:10]
                      for sweeps in groups.values() for s in sweeps})
    lines += ["", "median [min-max] over the runs", f"commit {', '.join(commits)}",
              f"kernel {machine.get('kernel', '?')}, {machine.get('cores', '?')} cores, "
              f"{machine.get('memory_bytes', 0) / 2**30:.0f} GiB, RLIMIT_NOFILE "
              f"{machine.get('rlimit_nofile', '?')}"]
    ax.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9)


def draw(runs, source, out):
    groups = by_backend(runs)
    colors = {b: plt.cm.tab10(i) for i, b in enumerate(groups)}
    load = any(value(st, "load.rtt_us.p99") for s in runs for st in s["steps"])
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    line_panels(axes, groups, colors, load)
    slope_panel(axes[0][2], groups, colors)
    text_panel(axes[1][2], groups, source)
    # One legend for the four line panels, below them: it covers no data.
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False,
               bbox_to_anchor=(0.36, 0.0), fontsize=11)
    fig.suptitle("MillionConcurrentServer: cost of holding concurrent loopback TCP connections, "
                 "per backend", fontsize=14)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    fig.savefig(out, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", help="results/compare/<id> (or its summary.json)")
    parser.add_argument("--runs", nargs="+", help="run directories, results/<backend>/<id>")
    parser.add_argument("--results", default="results")
    parser.add_argument("--out", default="docs/report.png")
    args = parser.parse_args()
    if args.compare:
        runs, summary, path = compare_runs(args.compare)
        rounds = len({r.get("round") for r in summary.get("runs", [])})
        source = f"comparison {os.path.relpath(path)} ({rounds} interleaved rounds)"
    elif args.runs:
        runs = [read_sweep(d) for d in args.runs]
        source = "runs: " + ", ".join(os.path.relpath(d) for d in args.runs)
    else:
        runs = latest_runs(args.results)
        if not runs:
            sys.exit(f"report.py: no runs with steps under {args.results}: run ./harness first")
        source = f"latest run of each backend under {args.results}"
    draw(runs, source, args.out)
    print(f"report.py: wrote {args.out} from {len(runs)} runs ({', '.join(by_backend(runs))})")


if __name__ == "__main__":
    main()
