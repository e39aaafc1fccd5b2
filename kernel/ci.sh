#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CI for the kernel/ patch series, as root on Debian 12:
#   kernel/ci.sh [CACHE_DIR]        (default: build-kernel/ at the repo root)
#
# Stages: install Debian packages (only if missing), extract the pristine
# linux-source-6.1 tree into CACHE_DIR (reused while the version matches),
# checkpatch --strict every patch, apply the series one patch at a time with
# git am and build drivers/xen/, xen-blkfront.o and xen-netfront.o after
# each (warnings are errors), build the small bzImage the Xen tier boots
# (tests/xen --kernel), run the KUnit suite under QEMU, compile
# kernel/tests/. Prints each stage's duration and ends with
# "N passed, N failed"; exits 0 only if nothing failed.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=${1:-$REPO/build-kernel}
PKG=linux-source-6.1
JOBS=${JOBS:-$(nproc)}
PATCHES=("$HERE"/patches/*.patch)

passed=0
failed=0
T_ALL=$(date +%s)

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

finish() {
	echo "ci.sh: total $(( $(date +%s) - T_ALL ))s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# stage NAME CMD...: runs CMD, prints its duration, counts it.
stage() {
	local name=$1 t0 rc
	shift
	echo "=== stage: $name"
	t0=$(date +%s)
	"$@"
	rc=$?
	echo "=== stage: $name: $(( $(date +%s) - t0 ))s, exit $rc"
	if [ "$rc" -eq 0 ]; then pass "$name"; else fail "$name"; fi
	return "$rc"
}

install_deps() {
	local need=() p
	for p in build-essential bc bison flex libelf-dev libssl-dev \
		 python3 perl git xz-utils qemu-system-x86 "$PKG"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || need+=("$p")
	done
	[ ${#need[@]} -eq 0 ] && { echo "all packages present"; return 0; }
	echo "installing: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq "${need[@]}"
}

SRC=$CACHE/src
VERSION=

extract_source() {
	VERSION=$(dpkg-query -W -f='${Version}' "$PKG") || return 1
	echo "base: Debian $PKG $VERSION"
	if [ -f "$CACHE/version" ] && [ "$(cat "$CACHE/version")" = "$VERSION" ] &&
	   git -C "$SRC" rev-parse -q --verify pristine >/dev/null; then
		echo "reusing $SRC"
		return 0
	fi
	rm -rf "$SRC" "$CACHE/version" "$CACHE/build-xen" "$CACHE/build-kunit"
	mkdir -p "$CACHE" || return 1
	tar -C "$CACHE" -xf /usr/src/$PKG.tar.xz || return 1
	mv "$CACHE/$PKG" "$SRC" || return 1
	# Debian's .gitignore ignores the whole top level: add with -f.
	git -C "$SRC" init -q &&
	git -C "$SRC" add -A -f &&
	git -C "$SRC" -c user.name=ci -c user.email=ci@invalid \
		commit -q -m "Debian $PKG $VERSION" &&
	git -C "$SRC" tag pristine &&
	echo "$VERSION" > "$CACHE/version"
}

reset_source() {
	git -C "$SRC" am --abort >/dev/null 2>&1
	git -C "$SRC" reset -q --hard pristine && git -C "$SRC" clean -q -f -d -x
}

checkpatch_one() {
	local out
	out=$(cd "$SRC" && scripts/checkpatch.pl --strict -q "$1" 2>&1)
	local rc=$?
	[ -n "$out" ] && echo "$out"
	# --strict: any ERROR, WARNING or CHECK counts.
	[ "$rc" -eq 0 ] && ! grep -qE '^(ERROR|WARNING|CHECK):' <<<"$out"
}

BX=$CACHE/build-xen
KMAKE=(make -s -C "$SRC" O="$BX" -j"$JOBS" KCFLAGS=-Werror)

configure_xen() {
	mkdir -p "$BX"
	[ -f "$BX/.config" ] && [ -f "$BX/.ci-configured" ] && return 0
	"${KMAKE[@]}" x86_64_defconfig >/dev/null &&
	"${KMAKE[@]}" xen.config >/dev/null &&
	"$SRC/scripts/config" --file "$BX/.config" -e KUNIT &&
	"${KMAKE[@]}" olddefconfig >/dev/null &&
	touch "$BX/.ci-configured"
}

# Build what the series touches; the KUnit symbol is switched on once the
# patch that adds it is in (unknown symbols are dropped by olddefconfig).
build_step() {
	"$SRC/scripts/config" --file "$BX/.config" \
		-e XEN_GRANT_TABLE_KUNIT_TEST &&
	"${KMAKE[@]}" olddefconfig >/dev/null &&
	"${KMAKE[@]}" drivers/xen/ drivers/block/xen-blkfront.o \
		drivers/net/xen-netfront.o
}

apply_and_build() {
	local p name rc=0
	for p in "${PATCHES[@]}"; do
		name=$(basename "$p" .patch)
		if ! git -C "$SRC" -c user.name=ci -c user.email=ci@invalid \
			am -q --committer-date-is-author-date "$p"; then
			fail "apply $name (does not apply)"
			return 1
		fi
		stage "build after $name" build_step || rc=1
	done
	return $rc
}

run_kunit() {
	local log=$CACHE/kunit.log
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py run \
		--arch=x86_64 --jobs="$JOBS" --build_dir="$CACHE/build-kunit" \
		--kunitconfig="$HERE/kunitconfig" --timeout=600) 2>&1 |
		tee "$log"
	local rc=$?
	# Count each KUnit case as a test of its own.
	local ok nok
	ok=$(grep -cE '\[PASSED\] gt_test_' "$log")
	nok=$(grep -cE '\[(FAILED|CRASHED|SKIPPED)\] gt_test_' "$log")
	passed=$((passed + ok))
	failed=$((failed + nok))
	echo "KUnit cases: $ok passed, $nok not passed"
	[ "$rc" -eq 0 ] && [ "$ok" -gt 0 ] && [ "$nok" -eq 0 ]
}

# The kernel the Xen tier boots (tests/xen/run.sh --kernel), as dom0 and
# as the domU: tinyconfig plus kernel/xen-test.config, everything built in.
# Built in CACHE/build-tier from the patched tree and copied to
# CACHE/bzImage-xen-tier; reused while the series, the fragment, the base
# and this recipe are unchanged, else rebuilt incrementally.
BT=$CACHE/build-tier
TIER_KERNEL=$CACHE/bzImage-xen-tier
build_tier_kernel() {
	local want missing TIMEFORMAT
	local tmake=(make -s -C "$SRC" O="$BT" -j"$JOBS")

	if [ "$(git -C "$SRC" rev-list --count pristine..HEAD)" != "${#PATCHES[@]}" ]; then
		echo "the series is not fully applied"
		return 1
	fi
	want=$({ cat "${PATCHES[@]}" "$HERE/xen-test.config"; echo "$VERSION"
		 declare -f build_tier_kernel; } | sha256sum | cut -c1-64)
	if [ -f "$TIER_KERNEL" ] && [ "$(cat "$TIER_KERNEL.stamp" 2>/dev/null)" = "$want" ]; then
		echo "reusing $TIER_KERNEL (series and config unchanged)"
		return 0
	fi
	rm -f "$TIER_KERNEL" "$TIER_KERNEL.stamp"
	mkdir -p "$BT"
	"${tmake[@]}" tinyconfig >/dev/null &&
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$BT" "$BT/.config" \
		"$HERE/xen-test.config" >/dev/null 2>&1 &&
	"${tmake[@]}" olddefconfig >/dev/null 2>&1 || return 1
	# A symbol of the fragment that olddefconfig dropped is a failure.
	missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$HERE/xen-test.config" |
		  grep -vxF -f "$BT/.config")
	if [ -n "$missing" ]; then
		echo "not in the tier kernel's .config: $missing"
		return 1
	fi
	TIMEFORMAT='tier bzImage: %0Rs wall, %0Us user, %0Ss sys'
	time "${tmake[@]}" bzImage || return 1
	cp "$BT/arch/x86/boot/bzImage" "$TIER_KERNEL" &&
	echo "$want" >"$TIER_KERNEL.stamp" &&
	echo "$TIER_KERNEL: $(stat -c %s "$TIER_KERNEL") bytes"
}

build_tests() {
	make -C "$HERE/tests" OUT="$CACHE/tests" KSRC="$SRC"
}

[ "$(id -u)" -eq 0 ] || echo "warning: not root, apt-get may fail"
[ -e "${PATCHES[0]}" ] || { fail "no patches in $HERE/patches"; finish; }

stage "install packages" install_deps || finish
stage "extract $PKG" extract_source || finish
stage "reset tree" reset_source || finish
for p in "${PATCHES[@]}"; do
	stage "checkpatch $(basename "$p" .patch)" checkpatch_one "$p"
done
stage "configure x86_64_defconfig + xen.config" configure_xen || finish
stage "build base tree" "${KMAKE[@]}" drivers/xen/ \
	drivers/block/xen-blkfront.o drivers/net/xen-netfront.o || finish
stage "apply series" apply_and_build
stage "tier kernel (tinyconfig + xen-test.config)" build_tier_kernel
stage "kunit" run_kunit
stage "build kernel/tests" build_tests
finish
