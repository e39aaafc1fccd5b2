#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Full kernel for the Xen tier (not part of ci.sh: about 18 minutes on
# 2 cores). Run kernel/ci.sh first; it leaves CACHE/src at the patched
# series. Output: CACHE/build-full/arch/x86/boot/bzImage and the modules
# installed under CACHE/full-root/lib/modules/.
#   kernel/build-bzimage.sh [CACHE_DIR]   (default: build-kernel/)
set -eu -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${1:-$(cd "$HERE/.." && pwd)/build-kernel}
SRC=$CACHE/src
OUT=$CACHE/build-full
N=$(ls "$HERE"/patches/*.patch | wc -l)

# The series must be applied: pristine tag plus one commit per patch.
if [ "$(git -C "$SRC" rev-list --count pristine..HEAD)" != "$N" ]; then
	echo "build-bzimage: $SRC is not at the series; run kernel/ci.sh" >&2
	exit 1
fi
mkdir -p "$OUT"
t0=$(date +%s)
make -s -C "$SRC" O="$OUT" x86_64_defconfig xen.config kvm_guest.config
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" \
	"$HERE/xen-test.config" >/dev/null
make -s -C "$SRC" O="$OUT" olddefconfig
make -s -C "$SRC" O="$OUT" -j"$(nproc)" bzImage modules
make -s -C "$SRC" O="$OUT" INSTALL_MOD_PATH="$CACHE/full-root" \
	modules_install
echo "bzImage: $OUT/arch/x86/boot/bzImage ($(( $(date +%s) - t0 ))s)"
