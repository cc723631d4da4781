#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages MillionConcurrentServer
# needs, if any are missing, and only those the job needs:
#   scripts/install-deps.sh           what ./harness builds, runs and plots
#                                      with (compiler, cmake, liburing, libuv,
#                                      jansson, gnuplot)
#   scripts/install-deps.sh --tests   the same plus what ./test and .ci/run
#                                      need (cmocka, valgrind, procps,
#                                      iproute2, clang for libFuzzer,
#                                      matplotlib for scripts/report.py,
#                                      openssh-server for tests/multihost)
# Idempotent and silent when everything is there. As root it installs what
# is missing (apt-get update first, only then); otherwise it prints the
# exact command to run and fails. openssh-server is installed with its
# service kept from starting (a policy-rc.d that refuses every start, for
# the length of the install, unless one is there already) and disabled
# afterwards: tests/multihost starts its own sshd inside test namespaces,
# and the machine is never left with an sshd listening on port 22.
set -euo pipefail

main_packages=(
	gcc make cmake pkg-config        # build
	liburing-dev libuv1-dev          # io_uring and libuv backends
	iproute2                         # ip netns: each sweep's own namespace
	libjansson-dev                   # JSON in server, client, harness
	gnuplot-nox                      # harness plots
)
test_packages=(
	libcmocka-dev                    # the test suites
	valgrind procps iproute2         # reliability suite: memcheck, pgrep, ss
	clang libclang-rt-14-dev         # libFuzzer targets (tests/fuzz/run-fuzz.sh)
	python3-matplotlib               # scripts/report.py (reporting only)
	openssh-server                   # tests/multihost: sshd in test namespaces
	chromium                         # tests/report: report.html in headless Chromium
)

packages=("${main_packages[@]}")
case "${1:-}" in
"") ;;
--tests) packages+=("${test_packages[@]}") ;;
--help | -h)
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "install-deps.sh: unknown argument '$1': use --tests or nothing" >&2
	exit 2
	;;
esac

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
log=$(mktemp)
policy=""
trap 'rm -f "$log" $policy' EXIT
if [ ! -e /usr/sbin/policy-rc.d ]; then
	# invoke-rc.d (and deb-systemd-invoke) start no service while this
	# exits 101: no package's postinst starts a daemon, sshd included.
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	policy=/usr/sbin/policy-rc.d
fi
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "install-deps.sh: apt-get install ${missing[*]} failed (output above)" >&2
	exit 1
fi
case " ${missing[*]} " in
*" openssh-server "*)
	# Not at boot either: the tests start their own sshd, never this one.
	if [ -d /run/systemd/system ]; then
		systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
	else
		/etc/init.d/ssh stop >/dev/null 2>&1 || true
		update-rc.d ssh disable >/dev/null 2>&1 || true
	fi
	;;
esac
