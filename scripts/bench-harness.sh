#!/usr/bin/env bash
# bench-harness.sh - how long a whole 1M run takes, and where the time
# goes: runs `./harness --backend B --target N --client K` R times for
# each client kind (default epoll, 1M, 3 runs, both kinds, alternating
# tun and kernel so both see the same hour) into a scratch folder and
# prints, per run and as the median of each kind side by side, the ramp
# (ramp_s), the ramp over its CPU bound (ramp_cpu_bound_s: server + client
# CPU seconds of the ramps over the cores; 1.0 means CPU-bound), at the
# last step the server's CPU per accept, its kernel's receive path (the TUN
# client's device writes; 0 with the kernel client, where each side's
# sends carry the other's) and the client's own CPU per connect, how many
# steps the harness found client-bound, the liveness check (verify), the
# teardown and the total.
#   scripts/bench-harness.sh [--backend B] [--target N] [--runs R]
#                            [--client tun|kernel|both] [--out DIR]
#                            [-- HARNESS-OPTIONS...]
# Options after -- go to every ./harness run (e.g. -- --rate 20k).
# A benchmark, not a test: it asserts nothing. Needs root for the sysctls
# the target needs (as ./harness does) and for the TUN client, and
# python3 to read the JSON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
backend=epoll target=1000000 runs=3 out="" client=both
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--backend) backend=${2:?--backend needs a name}; shift 2 ;;
	--target) target=${2:?--target needs a count}; shift 2 ;;
	--runs) runs=${2:?--runs needs a number}; shift 2 ;;
	--client) client=${2:?--client needs tun, kernel or both}; shift 2 ;;
	--out) out=${2:?--out needs a folder}; shift 2 ;;
	--help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "bench-harness.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
case $runs in '' | *[!0-9]* | 0) echo "bench-harness.sh: --runs takes a number from 1" >&2; exit 2 ;; esac
case $client in
tun | kernel) kinds=$client ;;
both) kinds="tun kernel" ;;
*) echo "bench-harness.sh: --client takes tun, kernel or both, not '$client'" >&2; exit 2 ;;
esac
[ -n "$out" ] || out=$(mktemp -d /tmp/mcs-bench-XXXXXX)
mkdir -p "$out"
# Each kind's runs go to $out/KIND/; the kinds alternate, run by run.
for i in $(seq 1 "$runs"); do
	for kind in $kinds; do
		echo "bench-harness.sh: run $i/$runs, $kind: ./harness --backend $backend --target $target --client $kind --out $out/$kind $*" >&2
		"$root/harness" --backend "$backend" --target "$target" --client "$kind" --out "$out/$kind" --no-plot "$@" >"$out/$kind-run-$i.log" 2>&1 || {
			echo "bench-harness.sh: run $i ($kind) failed: see $out/$kind-run-$i.log" >&2
			exit 1
		}
	done
done
python3 - "$out" "$backend" $kinds <<'EOF'
import json, os, statistics, sys
out, backend, kinds = sys.argv[1], sys.argv[2], sys.argv[3:]
def rows_of(kind):
    folder = os.path.join(out, kind, backend)
    rows = []
    for r in sorted(d for d in os.listdir(folder) if d != "latest"):
        d = json.load(open(os.path.join(folder, r, "sweep.json")))
        steps = d["steps"]
        last = steps[-1]
        # the TUN client's device writes: the server kernel's receive path
        rx = last.get("device_write_cpu_us_per_connect") or 0.0
        bound = d.get("ramp_cpu_bound_s") or float("nan")
        rows.append({
            "run": r,
            "ramp_s": d["ramp_s"],
            "ramp / cpu bound": d["ramp_s"] / bound,
            "server us/accept last": last["server_cpu_us_per_accept"],
            "its rx path us/conn last": rx,
            "client own us/conn last": last["client_cpu_us_per_connect"] - rx,
            "client-bound steps": sum(1 for s in steps if s.get("client_bound")),
            "verify_s": d.get("verify", {}).get("elapsed_s", float("nan")),
            "teardown_s": d["teardown_s"],
            "total_s": d["duration_s"],
        })
    return rows
table = {kind: rows_of(kind) for kind in kinds}
keys = [k for k in table[kinds[0]][0] if k != "run"]
print("| client | run | " + " | ".join(keys) + " |")
print("|---" * (len(keys) + 2) + "|")
for kind in kinds:
    for row in table[kind]:
        print("| %s | %s | %s |" % (kind, row["run"], " | ".join("%.2f" % row[k] for k in keys)))
print()
print("| median of the runs | " + " | ".join(kinds) + " |")
print("|---" * (len(kinds) + 1) + "|")
for k in keys:
    print("| %s | %s |" % (k, " | ".join(
        "%.2f" % statistics.median(row[k] for row in table[kind]) for kind in kinds)))
EOF
