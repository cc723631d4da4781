#!/bin/sh
# measure_idle.sh - kernel Slab and server PSS per idle connection for one
# backend, the method behind the numbers in docs/IO_URING.md.
#
# Starts `server --backend B --ports 2048-2111 --workers W`, reads Slab
# (/proc/meminfo) and the summed Pss of the server's processes
# (/proc/PID/smaps_rollup), opens N idle connections with uring_load
# (tools/uring_load.c, 4 shards), waits for the server to hold them all,
# reads both again, prints the growth per connection, stops everything.
# Slab covers both ends of each loopback connection (client and server
# sockets): compare backends under the same client, not absolute values.
#
# usage: measure_idle.sh BUILD_DIR BACKEND CONNECTIONS [WORKERS [NAME=VALUE...]]
#   PORT_FIRST/PORT_LAST (default 2048/2111) pick the 64 ports
#   NAME=VALUE: backend options, passed as --backend-opt (e.g. direct=false)
set -eu
build=$1 backend=$2 n=$3 workers=${4:-4}
shift $(($# < 4 ? $# : 4))
settings="$*"
first=${PORT_FIRST:-2048} last=${PORT_LAST:-2111}
load=${LOAD:-/tmp/uring_load}
slab() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
# bytes held per slab cache: active objects x object size
caches() { awk 'NR > 2 {print $1, $2 * $4}' /proc/slabinfo | sort; }
pss() {
	total=0
	for p in $server $(pgrep -P $server); do
		v=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup)
		total=$((total + v))
	done
	echo $total
}
live() { # connections the kernel shows established on the server ports
	ss -Htn state established "( sport >= :$first and sport <= :$last )" | wc -l
}
# Let the previous run's sockets be freed first: Slab steady for 2 s.
prev=0 cur=$(slab) waited=0
while [ $((cur - prev)) -gt 2048 ] || [ $((prev - cur)) -gt 2048 ]; do
	[ $waited -lt 60 ] || break
	sleep 2; waited=$((waited + 2)); prev=$cur cur=$(slab)
done
opts=
for setting in "$@"; do opts="$opts --backend-opt $setting"; done
# shellcheck disable=SC2086 # $opts is one word per option on purpose
$build/bin/server --backend $backend --ports $first-$last --workers $workers \
	--interval 0 --json $opts >/tmp/measure_idle.$$.json 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; kill $client 2>/dev/null || true' EXIT HUP INT TERM PIPE
client=
sleep 1.5
sync
caches >/tmp/measure_idle.$$.c0
slab0=$(slab) pss0=$(pss)
$load idle $first $last $n 4 600 >/tmp/measure_idle.$$.client &
client=$!
while ! grep -q ready /tmp/measure_idle.$$.client 2>/dev/null; do sleep 0.2; done
while [ "$(live)" -lt "$n" ]; do sleep 0.2; done
sleep 2
slab1=$(slab) pss1=$(pss)
caches >/tmp/measure_idle.$$.c1
echo "$backend${settings:+ ($settings)}: $(cat /tmp/measure_idle.$$.client), server holds $(live)"
echo "  Slab  $slab0 kB -> $slab1 kB: $(( (slab1 - slab0) * 1024 / n )) B per connection (both ends)"
echo "  PSS   $pss0 kB -> $pss1 kB: $(( (pss1 - pss0) * 1024 / n )) B per connection (server, user space)"
echo "  largest slab cache growth, bytes per connection:"
join /tmp/measure_idle.$$.c0 /tmp/measure_idle.$$.c1 |
	awk -v n=$n '{d = ($3 - $2) / n; if (d > 8 || d < -8) printf "    %-22s %6.0f\n", $1, d}' |
	sort -k2 -nr | head -12
kill $client; wait $client 2>/dev/null || true
kill -INT $server; wait $server 2>/dev/null || true
rm -f /tmp/measure_idle.$$.*
trap - EXIT
