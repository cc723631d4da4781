#!/usr/bin/env bash
# echo-bench.sh - the echo benchmark of every backend from one command:
# for each backend, a 2-worker server and 10,000 client connections, each
# with one 64-byte message in flight at a time (closed loop: the next is
# sent as soon as the echo is back and verified), for SECONDS. Reports
# messages/s and round-trip percentiles per backend, and writes
# results/echo/<run-id>/{<backend>.json,summary.md}.
#
# usage: scripts/echo-bench.sh [--backends a,b,...] [--connections N]
#                              [--seconds S] [--first-port P]
# Every backend runs with 2 worker processes (one per core), except
# thread-per-core (1 worker with a thread per core) and select, which needs
# a worker per ~1,000 connections (FD_SETSIZE). In a closed loop the RTT is
# queueing (Little's law: RTT ~ connections / msg/s); msg/s is the figure
# of merit. Client and server share the machine's cores.
# Builds on first use like ./harness (needs the build in ./build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
backends=""
connections=10000
seconds=10
port_first=3600
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--backends) backends=${2:?--backends needs a value}; shift 2 ;;
	--connections) connections=${2:?--connections needs a value}; shift 2 ;;
	--seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
	--first-port) port_first=${2:?--first-port needs a value}; shift 2 ;;
	--help | -h) usage; exit 0 ;;
	*) echo "echo-bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $connections$seconds$port_first in *[!0-9]*) echo "echo-bench: --connections and --seconds take whole numbers" >&2; exit 2 ;; esac

"$root/scripts/install-deps.sh"
if [ ! -f "$root/build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$root/build" -j"$(nproc)" --target server client >/dev/null
bin=$root/build/bin
if [ -z "$backends" ]; then
	backends=$("$bin/server" --list-backends | awk '$2 == "available" {print $1}' | paste -sd, -)
fi

run_id=$(date -u +%Y%m%d-%H%M%S)
out=$root/results/echo/$run_id
mkdir -p "$out"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for backend in ${backends//,/ }; do
	workers=2
	case $backend in
	select) workers=$((connections / 1000 + 1)) ;; # FD_SETSIZE per worker
	thread-per-core) workers=1 ;;                  # one thread per core inside
	esac
	ports=$port_first-$((port_first + workers - 1))
	echo "$workers" >"$out/$backend.workers"
	echo "echo-bench: $backend: $connections connections x 64 B, one in flight, ${seconds}s, $workers workers" >&2
	"$bin/server" --backend "$backend" --ports "$ports" --workers "$workers" \
		--interval 0 >"$out/$backend.server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		grep -q listening "$out/$backend.server.log" && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q listening "$out/$backend.server.log"; then
		echo "echo-bench: $backend: server did not start: $(tail -1 "$out/$backend.server.log")" >&2
		exit 1
	fi
	# --interval 1 asks for far more than the machine can echo, so every
	# connection always has its one message in flight: a closed loop.
	if ! "$bin/client" --ports "$ports" --connections "$connections" \
		--payload 64 --interval 1 --hold "$seconds" --json \
		>"$out/$backend.json" 2>"$out/$backend.client.log"; then
		echo "echo-bench: $backend: client failed: $(tail -1 "$out/$backend.client.log")" >&2
		exit 1
	fi
	cleanup
	server_pid=""
	sleep 1 # let the closed connections leave the port range
done

python3 - "$out" "$connections" "$seconds" <<'PY'
import json, os, sys
out, connections, seconds = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
for name in sorted(f for f in os.listdir(out) if f.endswith(".json")):
    echo = [json.loads(l) for l in open(os.path.join(out, name)) if '"echo"' in l]
    if not echo:
        continue
    e = echo[-1]
    r = e["rtt_us"]
    workers = open(os.path.join(out, name[:-5] + ".workers")).read().strip()
    rows.append((name[:-5], workers, e["msgs_per_s"], r["p50"], r["p90"], r["p99"], r["p999"],
                 r["max"], e["messages"], e["mismatches"], e["errors"]))
head = ("| backend | workers | msg/s | RTT p50 µs | p90 | p99 | p99.9 | max | messages | mismatches | errors |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
body = "".join("| %s | %s | %.0f | %d | %d | %d | %d | %d | %d | %d | %d |\n" % row for row in rows)
text = (f"Echo benchmark: {connections} connections, 64-byte messages, one in flight "
        f"per connection (closed loop), {seconds} s per backend.\n\n" + head + body)
open(os.path.join(out, "summary.md"), "w").write(text)
print(text)
PY
echo "echo-bench: results in $out" >&2
