#!/usr/bin/python3
"""report.py - render the harness's backend comparison as one figure for docs.

Reads the latest run of every backend under a results directory
(<results>/<backend>/<run-id>/sweep.json, as ./harness writes them) and
draws one 2x3 figure: server user memory per connection, kernel memory per
connection, memory fitted per connection (least-squares slopes), connect
rate, connect latency p99, and what each run reached. Reporting only: no
benchmark ever needs it.

Usage: scripts/report.py [--results results] [--out docs/report.png]
Needs python3-matplotlib (Debian); runs with the system python3.
"""
import argparse
import json
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import EngFormatter
except ImportError:
    sys.exit("report.py: matplotlib is missing: apt-get install -y python3-matplotlib "
             "(and run it with /usr/bin/python3)")


def latest_runs(results):
    """{backend: sweep.json dict} for the newest run with steps, per backend."""
    runs = {}
    if not os.path.isdir(results):
        sys.exit(f"report.py: no results directory {results}: run ./harness first")
    for backend in sorted(os.listdir(results)):
        folder = os.path.join(results, backend)
        if not os.path.isdir(folder):
            continue
        for run_id in sorted((d for d in os.listdir(folder) if d[:1].isdigit()), reverse=True):
            path = os.path.join(folder, run_id, "sweep.json")
            try:
                with open(path) as f:
                    sweep = json.load(f)
            except (OSError, ValueError):
                continue
            if sweep.get("steps"):
                runs[backend] = sweep
                break
    return runs


def series(sweep, key):
    steps = [s for s in sweep["steps"] if s.get("connections")]
    return [s["connections"] for s in steps], [s.get(key, 0) or float("nan") for s in steps]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--out", default="docs/report.png")
    args = parser.parse_args()
    runs = latest_runs(args.results)
    if not runs:
        sys.exit(f"report.py: no runs with steps under {args.results}: run ./harness first")

    fig, axes = plt.subplots(2, 3, figsize=(17, 9.5))
    count = EngFormatter(sep="")
    panels = [
        (axes[0][0], "user_bytes_per_conn", "server user memory per connection\n(PSS / connections)",
         "bytes per connection", True),
        (axes[0][1], "kernel_bytes_per_conn", "kernel memory per connection\n(Slab growth / connections, both loopback ends)",
         "bytes per connection", True),
        (axes[1][0], "connect_rate", "connect rate during each step", "connections per second", False),
        (axes[1][1], None, "connect latency p99", "microseconds", True),
    ]
    for backend, sweep in runs.items():
        for ax, key, title, ylabel, logy in panels:
            if key:
                x, y = series(sweep, key)
            else:
                steps = [s for s in sweep["steps"] if s.get("connections")]
                x = [s["connections"] for s in steps]
                y = [s["connect_latency_us"]["p99"] or float("nan") for s in steps]
            ax.plot(x, y, marker="o", label=backend)
    for ax, key, title, ylabel, logy in panels:
        ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(count)
        ax.xaxis.set_major_formatter(count)
        ax.set_title(title)
        ax.set_xlabel("concurrent connections (log scale)")
        ax.set_ylabel(ylabel + (" (log scale)" if logy else ""))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()

    # Fitted slopes: the honest per-connection cost, fixed overhead removed.
    ax = axes[0][2]
    names = list(runs)
    user = [runs[b].get("fit", {}).get("user_slope_bytes", 0) for b in names]
    client = [runs[b].get("fit", {}).get("client_slope_bytes", 0) for b in names]
    kernel = [runs[b].get("fit", {}).get("kernel_slope_bytes", 0) for b in names]
    positions = range(len(names))
    width = 0.27
    bars = [
        ax.bar([p - width for p in positions], user, width, label="server user"),
        ax.bar(list(positions), client, width, label="client user"),
        ax.bar([p + width for p in positions], kernel, width, label="kernel (both ends)"),
    ]
    for group in bars:
        ax.bar_label(group, fmt="%.0f", fontsize=8)
    ax.set_xticks(list(positions), names)
    ax.set_yscale("symlog", linthresh=100)
    # Head room so the legend never covers a bar.
    ax.set_ylim(0, max(user + client + kernel + [100]) * 30)
    ax.set_ylabel("bytes per connection (symlog scale)")
    ax.set_title("memory per connection: least-squares slope\n(memory = base + slope x connections)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()

    ax = axes[1][2]
    ax.axis("off")
    lines = ["latest run of each backend", ""]
    for backend, sweep in runs.items():
        last = sweep["steps"][-1]
        machine = sweep.get("machine", {})
        lines.append(f"{backend}: {sweep.get('status')}, {last.get('established', 0):,} of "
                     f"{sweep.get('target', 0):,} connections in {sweep.get('sweep_s') or sweep.get('duration_s', 0):.0f} s "
                     f"({sweep.get('duration_s', 0):.0f} s with teardown)")
        lines.append(f"    run {sweep.get('run_id')}  commit {str(machine.get('git_commit', '?'))[:10]}")
    any_run = next(iter(runs.values()))
    machine = any_run.get("machine", {})
    lines += ["", f"kernel {machine.get('kernel', '?')}, {machine.get('cores', '?')} cores, "
                  f"{machine.get('memory_bytes', 0) / 2**30:.0f} GiB, RLIMIT_NOFILE {machine.get('rlimit_nofile', '?')}"]
    ax.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9)

    fig.suptitle("MillionConcurrentServer: cost of holding concurrent loopback TCP connections, per backend",
                 fontsize=14)
    fig.tight_layout()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(f"report.py: wrote {args.out} ({', '.join(runs)})")


if __name__ == "__main__":
    main()
