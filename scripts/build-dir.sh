# build-dir.sh - sourced by ./harness and ./test: configure a CMake build
# directory when it needs it, so that a failed or interrupted configure
# (say `cmake -S . -B build` run before the packages were installed, which
# leaves CMakeCache.txt but no Makefile) never breaks every later run.
#
# mcs_configure WHO ROOT BUILD LOG ALWAYS [cmake arguments...]
#   Configures BUILD from ROOT (with the cmake arguments) when ALWAYS is 1,
#   when it was never configured, when an earlier
#   configure did not finish: CMakeCache.txt without a generator's output
#   (Makefile or build.ninja), or the marker this function writes before
#   configuring and removes after a configure that succeeded; or when a
#   backend folder (backends/<name>/CMakeLists.txt) is new to BUILD, whose
#   build files then have no target for it. Says why in
#   one line (prefixed WHO:), except when ALWAYS is 1 and nothing was wrong.
#   Output goes to LOG; on failure its tail is printed. Returns 0 or 1.
#
# mcs_changed_since ROOT STAMP
#   The launcher's fast path: prints what changed since STAMP (nothing when
#   the last build is still good).
# shellcheck shell=bash

# Why BUILD (configured from ROOT) must be configured before it can be
# built, or nothing.
mcs_configure_reason() {
	local build=$1 root=$2 dir
	if [ ! -f "$build/CMakeCache.txt" ]; then
		echo "first use"
	elif [ -e "$build/.mcs-configure-running" ]; then
		echo "an earlier configure was interrupted or failed"
	elif [ ! -f "$build/Makefile" ] && [ ! -f "$build/build.ninja" ]; then
		echo "an earlier configure did not finish (CMakeCache.txt but no Makefile or build.ninja)"
	else
		for dir in "$root"/backends/*/; do
			[ -f "$dir/CMakeLists.txt" ] || continue
			if [ ! -d "$build/backends/$(basename "$dir")" ]; then
				echo "backends/$(basename "$dir") is a backend it does not know yet"
				return
			fi
		done
	fi
}

mcs_configure() {
	local who=$1 root=$2 build=$3 log=$4 always=$5
	shift 5
	local reason
	reason=$(mcs_configure_reason "$build" "$root")
	[ -z "$reason" ] && [ "$always" != 1 ] && return 0

	local home=""
	if [ -f "$build/CMakeCache.txt" ]; then
		home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
	fi
	if [ -n "$home" ] && [ "$(cd "$home" 2>/dev/null && pwd -P)" != "$(cd "$root" && pwd -P)" ]; then
		echo "$who: $build was configured for another source tree ($home): remove it, or name another build directory with MCS_BUILD_DIR" >&2
		return 1
	fi

	if [ "$reason" = "first use" ]; then
		echo "$who: configuring $build (first use)" >&2
	elif [ -n "$reason" ]; then
		echo "$who: configuring $build again: $reason" >&2
	fi
	mkdir -p "$build"
	: >"$build/.mcs-configure-running"
	if ! cmake -S "$root" -B "$build" "$@" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		echo "$who: cmake configure of $build failed (full log: $log)" >&2
		return 1
	fi
	rm -f "$build/.mcs-configure-running"
}

# What a build from ROOT depends on that is newer than STAMP, or nothing:
# the first source, header or CMake file (or folder, for a file added or
# removed) changed since, or the package database. Prints one path.
# Build directories, results and .git are not looked at. Takes about
# 10 ms, so an unchanged tree costs the launcher no dpkg-query and no
# cmake.
mcs_changed_since() {
	local root=$1 stamp=$2
	if [ /var/lib/dpkg/status -nt "$stamp" ]; then
		echo "the installed packages (/var/lib/dpkg/status)"
		return
	fi
	find "$root" \( -path "$root/.git" -o -path "$root/build*" \
		-o -path "$root/results" -o -name '__pycache__' \) -prune -o \
		\( -type d -o -name '*.c' -o -name '*.h' -o -name 'CMakeLists.txt' \
		-o -name '*.cmake' -o -name '*.in' -o -name 'install-deps.sh' \
		-o -name 'build-dir.sh' \) -newer "$stamp" -print -quit 2>/dev/null
}
