#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds the project three
# ways (plain with the xen backend, AddressSanitizer + UndefinedBehavior-
# Sanitizer, and without the xen backend), runs every meson suite, the
# library tests under valgrind, the kernel series checks and the Xen tier.
# Prints each stage's duration and a closing "N passed, N failed" line.
#
# Usage: tools/run-tests.sh [--quick]   (--quick: plain build, unit suite)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
builds=${BUILD_ROOT:-$top/build-ci}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

passed=0
failed=0
skipped=0
failures=()
t_start=$(date +%s)

stage_begin() {
	stage_name=$1
	stage_t0=$(date +%s)
	echo
	echo "=== stage: $stage_name"
}

stage_end() {
	local rc=$1
	local dt=$(($(date +%s) - stage_t0))
	if [ "$rc" -eq 0 ]; then
		echo "=== stage: $stage_name: ok (${dt} s)"
	else
		echo "=== stage: $stage_name: FAILED rc=$rc (${dt} s)"
		failures+=("$stage_name")
	fi
}

# Adds a meson run's results to the totals (meson names the log
# testlog-WRAPPER.json under --wrap).
count_results() {
	read -r p f s < <(python3 - "$1"/meson-logs/testlog*.json <<'PY'
import json, sys
p = f = s = 0
for name in sys.argv[1:]:
    for line in open(name):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
print(p, f, s)
PY
)
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

setup_build() {
	local dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
	else
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
	fi || { cat "$dir.setup.log"; return 1; }
	ninja -C "$dir"
}

run_suites() {
	local dir=$1
	shift
	rm -f "$dir"/meson-logs/testlog*.json
	meson test -C "$dir" --print-errorlogs "$@"
	local rc=$?
	count_results "$dir"
	return $rc
}

stage_begin deps
"$top/tools/deps.sh"
rc=$?
stage_end $rc
if [ $rc -ne 0 ]; then
	echo "0 passed, 1 failed"
	exit 1
fi

mkdir -p "$builds"

stage_begin "build (plain, xen backend on)"
setup_build "$builds/plain" -Dxen=enabled
stage_end $?

if [ $quick -eq 1 ]; then
	stage_begin "unit tests (plain)"
	run_suites "$builds/plain" --suite unit
	stage_end $?
else
	stage_begin "tests (plain)"
	run_suites "$builds/plain" --no-suite xen --no-suite kernel --no-suite valgrind-e2e
	stage_end $?

	stage_begin "build (address,undefined sanitizers)"
	setup_build "$builds/asan" -Db_sanitize=address,undefined -Db_lundef=false
	stage_end $?

	stage_begin "tests (address,undefined sanitizers)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_suites "$builds/asan" --no-suite xen --no-suite kernel --no-suite valgrind-e2e
	stage_end $?

	stage_begin "build and unit tests (xen backend off)"
	setup_build "$builds/noxen" -Dxen=disabled && run_suites "$builds/noxen" --suite unit
	stage_end $?

	# memcheck: the unit tests that are programs of ours (not scripts)
	stage_begin "valgrind (unit tests)"
	run_suites "$builds/plain" --suite memcheck \
		--wrap="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 -q"
	stage_end $?

	stage_begin "valgrind (an end-to-end session)"
	run_suites "$builds/plain" --suite valgrind-e2e
	stage_end $?

	for suite in kernel xen; do
		if meson test -C "$builds/plain" --list --suite "$suite" >/dev/null 2>&1; then
			stage_begin "$suite tier"
			run_suites "$builds/plain" --suite "$suite"
			stage_end $?
		fi
	done
fi

echo
echo "total time: $(($(date +%s) - t_start)) s"
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed stages: ${failures[*]}"
	[ "$failed" -eq 0 ] && failed=${#failures[@]}
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ ${#failures[@]} -eq 0 ] && [ "$failed" -eq 0 ]
