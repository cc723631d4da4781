#!/bin/sh
# measure_echo.sh - echo throughput and server CPU per message for one
# backend, the method behind the echo numbers in docs/IO_URING.md.
#
# One server worker on 64 ports, one uring_load shard (tools/uring_load.c)
# with 10,000 connections ping-ponging 64-byte messages, one in flight per
# connection. Reports the client's messages/s and the worker's CPU time
# (utime+stime from /proc/PID/stat) per message: on a shared 2-core machine
# the rate follows whoever else is running, CPU per message much less so.
#
# usage: measure_echo.sh BUILD_DIR BACKEND [SECONDS [NAME=VALUE...]]
#   PORT_FIRST/PORT_LAST (default 2048/2111), SERVER_CPU/CLIENT_CPU (pin
#   with taskset); NAME=VALUE: backend options, passed as --backend-opt
#   (e.g. direct=false)
set -eu
build=$1 b=$2 s=${3:-6}
shift $(($# < 3 ? $# : 3))
settings="$*"
opts=
for setting in "$@"; do opts="$opts --backend-opt $setting"; done
first=${PORT_FIRST:-2048} last=${PORT_LAST:-2111}
load=${LOAD:-/tmp/uring_load}
out=/tmp/measure_echo.$$
# Pin server and client to different cores if asked (SERVER_CPU/CLIENT_CPU),
# or the scheduler may stack them on one core for part of the run.
spin=${SERVER_CPU:+taskset -c $SERVER_CPU} cpin=${CLIENT_CPU:+taskset -c $CLIENT_CPU}
# shellcheck disable=SC2086 # $opts is one word per option on purpose
$spin $build/bin/server --backend $b --ports $first-$last --workers 1 \
	--interval 0 --json $opts >$out.json 2>&1 &
sp=$!
cp=
trap 'kill $sp 2>/dev/null || true; [ -z "$cp" ] || kill $cp 2>/dev/null || true' EXIT HUP INT TERM PIPE
sleep 1
w=$(pgrep -P $sp)
$cpin $load echo $first $last 10000 1 $s 64 >$out.client &
cp=$!
while ! grep -q ready $out.client 2>/dev/null; do sleep 0.1; done
t0=$(awk '{print $14 + $15}' /proc/$w/stat)
sleep $s
t1=$(awk '{print $14 + $15}' /proc/$w/stat)
wait $cp || true
cp=
kill -INT $sp; wait $sp || true
m=$(awk '/^echo/ {print $6}' $out.client)
echo "$b${settings:+ ($settings)}: $(tail -1 $out.client)"
echo "  worker CPU $(( (t1 - t0) * 10 )) ms: $(( (t1 - t0) * 10000000 / m )) ns per message; server $(grep -o '"bytes_in":[0-9]*,"bytes_out":[0-9]*' $out.json)"
rm -f $out.json $out.client
trap - EXIT
