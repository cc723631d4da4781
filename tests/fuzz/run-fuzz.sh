#!/usr/bin/env bash
# run-fuzz.sh - bounded libFuzzer run over the command-line parsers and
# the TUN client's packet parser: builds tests/fuzz's fuzz_parse,
# fuzz_server_options and fuzz_tun_packet with clang (ASan+UBSan)
# in build-fuzz/, runs each for SECONDS (default 60) starting from
# tests/fuzz/corpus/, and exits non-zero if any crashed (the input is
# kept in build-fuzz/fuzz/artifacts/: add it to tests/fuzz/corpus/
# regressions/ with the fix, so fuzz_replay guards it from then on).
#
# usage: tests/fuzz/run-fuzz.sh [SECONDS]
# Needs: clang and libclang-rt-14-dev (Debian 12).
# MCS_FUZZ_SOURCE / MCS_FUZZ_BUILD override the source tree / build dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=${MCS_FUZZ_SOURCE:-$root}
build=${MCS_FUZZ_BUILD:-$root/build-fuzz}
seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
	echo "run-fuzz: SECONDS must be a whole number, not '$seconds'" >&2
	exit 2
	;;
esac
if ! command -v clang >/dev/null; then
	echo "run-fuzz: clang is not installed (apt-get install -y clang libclang-rt-14-dev)" >&2
	exit 2
fi

mkdir -p "$build"
CC=clang cmake -S "$src" -B "$build" -DMCS_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 || {
	cat "$build/configure.log" >&2
	exit 2
}
cmake --build "$build" -j"$(nproc)" --target fuzz_parse fuzz_server_options fuzz_tun_packet \
	>"$build/build.log" 2>&1 || {
	tail -40 "$build/build.log" >&2
	exit 2
}

status=0
mkdir -p "$build/fuzz/artifacts"
for target in parse server_options tun_packet; do
	work=$build/fuzz/corpus-$target
	log=$build/fuzz/$target.log
	mkdir -p "$work"
	echo "== fuzz_$target for $seconds s (log: $log)"
	if "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/artifacts/$target-" \
		"$work" "$root"/tests/fuzz/corpus/* >"$log" 2>&1; then
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$log" || true
		echo "fuzz_$target: no crash; corpus now $(ls "$work" | wc -l) inputs"
	else
		status=1
		grep -E 'ERROR|SUMMARY|contract broken|Test unit written' "$log" >&2 || tail -30 "$log" >&2
		echo "fuzz_$target: CRASHED (see $log and $build/fuzz/artifacts/)" >&2
	fi
done
exit $status
