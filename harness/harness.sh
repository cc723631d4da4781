#!/usr/bin/env bash
# harness - the product's main command: measure what it costs to hold N
# concurrent loopback TCP connections with an I/O backend.
#   ./harness --backend epoll --target 1000000
#   ./harness --backend all --target 250k
#   ./harness --list-backends | --help
# Works from a fresh clone: installs missing Debian packages when run as
# root (otherwise prints the exact apt-get line), configures ./build
# (Release) on first use, builds what a sweep runs, then runs
# build/bin/mcs-harness with the same arguments. See docs/HARNESS.md.
#
# Meant to live at the repository root as ./harness; it finds the root
# from wherever it is (the root is the directory whose CMakeLists.txt
# declares the project), so it also runs from inside the tree.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
while ! grep -qs '^project(MillionConcurrentServer' "$root/CMakeLists.txt"; do
	if [ "$root" = / ]; then
		echo "harness: cannot find the MillionConcurrentServer source tree above $0" >&2
		exit 1
	fi
	root=$(dirname "$root")
done
build="$root/build"

"$root/scripts/install-deps.sh"

mkdir -p "$build"
log="$build/harness-build.log"
if [ ! -f "$build/CMakeCache.txt" ]; then
	echo "harness: configuring $build (Release, first use)" >&2
	if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		echo "harness: cmake configure failed (full log: $log)" >&2
		exit 1
	fi
fi

# Build only what a sweep runs: the harness, server, client and every
# backend plugin (the test suites are ./test's business). Incremental, so
# this is quick when nothing changed.
targets=(mcs-harness server client)
for dir in "$root"/backends/*/; do
	[ -f "$dir/CMakeLists.txt" ] && targets+=("backend_$(basename "$dir")")
done
if ! cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "harness: build failed (full log: $log)" >&2
	exit 1
fi
exec "$build/bin/mcs-harness" "$@"
