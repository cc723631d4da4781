#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages MillionConcurrentServer
# builds, tests and plots with, if any are missing. Used by .ci/run, ./test
# and ./harness. As root it installs them (apt-get update first); otherwise
# it prints the exact command to run and fails.
set -euo pipefail

packages=(
	gcc make cmake pkg-config        # build
	liburing-dev libuv1-dev          # io_uring and libuv backends
	libjansson-dev                   # JSON in server, client, harness
	libcmocka-dev                    # tests
	gnuplot-nox                      # harness plots
	python3-matplotlib               # scripts/report.py (reporting only)
	valgrind procps iproute2         # reliability suite: memcheck, pgrep, ss
	clang libclang-rt-14-dev         # libFuzzer targets (tests/fuzz/run-fuzz.sh)
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
