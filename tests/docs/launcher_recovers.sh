#!/usr/bin/env bash
# launcher_recovers.sh SOURCE_DIR - ./harness is never left broken by a
# failed configure: make a build directory the way `cmake -S . -B build`
# leaves it when the packages are missing (CMakeCache.txt, no Makefile),
# then run `MCS_BUILD_DIR=<it> ./harness --list-backends` and check that it
# says it configures again, succeeds, and lists the backends; run it once
# more (no configure now); then leave the marker of an interrupted
# configure and check the helper ./test uses configures again too. Between
# them: an unchanged tree runs the binary without dpkg-query or cmake, and
# a changed one says so and builds.
# Exit 0 pass, 1 fail. Builds the harness targets once (about 15 s here).
set -uo pipefail
src=${1:?usage: launcher_recovers.sh SOURCE_DIR}
tmp=$(mktemp -d /tmp/mcs-launcher-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
build="$tmp/build"
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# 1. The broken directory: pkg-config finds nothing, as on a machine
# where liburing, libuv and jansson are not installed yet.
if PKG_CONFIG_LIBDIR=/nonexistent cmake -S "$src" -B "$build" >"$tmp/broken.log" 2>&1; then
	fail "the configure meant to fail succeeded"
fi
[ -f "$build/CMakeCache.txt" ] || fail "no CMakeCache.txt after the failed configure"
[ ! -f "$build/Makefile" ] || fail "a Makefile after the failed configure"
grep -q "A required package was not found" "$tmp/broken.log" ||
	fail "the failed configure did not fail for the missing package"

# 2. The launcher recovers, saying so in one line.
MCS_BUILD_DIR="$build" "$src/harness" --list-backends >"$tmp/out1" 2>"$tmp/err1"
status=$?
[ $status -eq 0 ] || fail "./harness --list-backends exited $status: $(cat "$tmp/err1")"
grep -q "^harness: configuring $build again: an earlier configure did not finish" "$tmp/err1" ||
	fail "no 'configuring again' line: $(cat "$tmp/err1")"
[ "$(grep -c configuring "$tmp/err1")" -eq 1 ] || fail "more than one configure line"
grep -q "^epoll " "$tmp/out1" || fail "no epoll in the backend list: $(cat "$tmp/out1")"
[ -f "$build/Makefile" ] || [ -f "$build/build.ninja" ] || fail "still no Makefile"
# Everything a sweep starts is built: the server and both client kinds.
for binary in mcs-harness server client tun-client mcs-agent; do
	[ -x "$build/bin/$binary" ] || fail "the launcher did not build $binary"
done

# 3. Once configured, it stays quiet.
MCS_BUILD_DIR="$build" "$src/harness" --list-backends >"$tmp/out2" 2>"$tmp/err2"
status=$?
[ $status -eq 0 ] || fail "second ./harness exited $status"
! grep -q configuring "$tmp/err2" || fail "configured again without need: $(cat "$tmp/err2")"

# 3b. Nothing changed since that build: the launcher runs the binary at
# once, with no dpkg-query and no cmake (both replaced here by stand-ins
# that leave a mark), for --help and for bad input alike.
mkdir -p "$tmp/bin"
for tool in cmake dpkg-query apt-get; do
	printf '#!/bin/sh\necho %s >>"%s/called"\nexit 1\n' "$tool" "$tmp" >"$tmp/bin/$tool"
	chmod +x "$tmp/bin/$tool"
done
PATH="$tmp/bin:$PATH" MCS_BUILD_DIR="$build" "$src/harness" --help >"$tmp/out5" 2>"$tmp/err5" ||
	fail "./harness --help on an unchanged tree failed: $(cat "$tmp/err5")"
grep -q -- "--target" "$tmp/out5" || fail "--help printed no usage"
PATH="$tmp/bin:$PATH" MCS_BUILD_DIR="$build" "$src/harness" --backend epoll --target -5 >/dev/null 2>"$tmp/err6"
status=$?
[ $status -eq 2 ] || fail "bad --target on an unchanged tree exited $status, not 2"
grep -q "bad --target" "$tmp/err6" || fail "bad --target said: $(cat "$tmp/err6")"
[ ! -e "$tmp/called" ] || fail "an unchanged tree still ran: $(tr '\n' ' ' <"$tmp/called")"

# 3c. Something changed since (here: the stamp made older than every
# source, which changes no tracked file): it says what, and builds.
touch -d '2000-01-01 00:00' "$build/.mcs-harness-built"
MCS_BUILD_DIR="$build" "$src/harness" --list-backends >"$tmp/out7" 2>"$tmp/err7" ||
	fail "./harness after a change failed: $(cat "$tmp/err7")"
grep -q "^harness: rebuilding: .* changed since the last build" "$tmp/err7" ||
	fail "no 'rebuilding' line after a change: $(cat "$tmp/err7")"
[ "$build/.mcs-harness-built" -nt "$src/CMakeLists.txt" ] || fail "the stamp was not renewed"

# 3d. mcs_changed_since on a small tree of its own: a changed source, an
# added file, and a changed file under build/ (not looked at).
. "$src/scripts/build-dir.sh"
mini="$tmp/mini"
mkdir -p "$mini/lib" "$mini/build"
touch -d '2001-01-01' "$mini/lib/a.c" "$mini/lib" "$mini/build" "$mini"
touch "$tmp/mini.stamp" # now: newer than the package database too
sleep 0.05
[ -z "$(mcs_changed_since "$mini" "$tmp/mini.stamp")" ] || fail "an old tree reads as changed"
touch "$mini/build/x.c" && touch -d '2001-01-01' "$mini/build" "$mini"
[ -z "$(mcs_changed_since "$mini" "$tmp/mini.stamp")" ] || fail "build/ was looked at"
touch "$mini/lib/a.c"
[ "$(mcs_changed_since "$mini" "$tmp/mini.stamp")" = "$mini/lib/a.c" ] || fail "a changed source was missed"
touch -d '2001-01-01' "$mini/lib/a.c"
touch "$mini/lib/new.h"
[ -n "$(mcs_changed_since "$mini" "$tmp/mini.stamp")" ] || fail "an added header was missed"

# 4. An interrupted configure (its marker left behind), through the helper
# as ./test calls it (configure every run, say why when something was
# wrong); then the same directory with no marker is left alone.
. "$src/scripts/build-dir.sh"
: >"$build/.mcs-configure-running"
mcs_configure test "$src" "$build" "$tmp/configure.log" 1 2>"$tmp/err3" ||
	fail "mcs_configure failed: $(cat "$tmp/err3")"
grep -q "^test: configuring $build again: an earlier configure was interrupted or failed" "$tmp/err3" ||
	fail "no 'interrupted' line: $(cat "$tmp/err3")"
[ ! -e "$build/.mcs-configure-running" ] || fail "marker left after a configure that succeeded"
mcs_configure harness "$src" "$build" "$tmp/configure.log" 0 2>"$tmp/err4" ||
	fail "mcs_configure on a good directory failed"
[ ! -s "$tmp/err4" ] || fail "a good directory was configured again: $(cat "$tmp/err4")"

if [ $failures -eq 0 ]; then
	echo "launcher recovered from a failed and an interrupted configure, ran an unchanged build at once and rebuilt a changed one"
	exit 0
fi
exit 1
