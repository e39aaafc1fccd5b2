#!/usr/bin/env bash
# Build the images of the Xen test tier from Debian packages, nothing
# installed on the host but the tools (qemu, debootstrap, cpio, ...).
#
#   build-images.sh deps
#       install the host tools with apt-get (idempotent; only when missing)
#   build-images.sh build [--cache DIR] [--bin PATH]... [--scenario NAME]
#                         [--kernel BZIMAGE]
#       build or refresh, in DIR (default: build-xen/ at the repo root):
#         xen.elf        Xen 4.17 (multiboot, for qemu -kernel)
#         vmlinux        uncompressed Linux 6.1 (dom0 and domU)
#         dom0-base.cpio.zst  debootstrap'ed dom0 root (xen tools, wayland,
#                             wlroots, weston); changes only with packages
#         domu.cpio.gz   busybox-static, the project binaries + libraries,
#                        the xen modules, the guest /init
#         dom0-overlay.cpio.gz  dom0 /init, scenario, binaries, domU image
#                               (and --kernel's image as the domU kernel)
#         dom0.img       base + overlay concatenated (the kernel unpacks both)
#
# Every image has a stamp (sha256 of its inputs: package versions, the text
# of the function that builds it, the files copied in). It is rebuilt only
# when the stamp differs. Stage durations are printed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# Packages of the dom0 root: Xen's tools, and what the bridge needs there
# (wayland, pixman, xkbcommon, wlroots, a headless weston and its clients).
dom0_packages=(
  xen-utils-4.17 xenstore-utils busybox kmod procps
  libwayland-client0 libwayland-server0 libpixman-1-0 libxkbcommon0
  libwlroots10 weston foot fonts-dejavu-core
)
xen_pkg=xen-hypervisor-4.17-amd64
suite=bookworm

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Run a stage and print how long it took.
timed() {
  local name=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  awk -v n="$name" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "[build-images] stage %-14s %6.1f s\n", n, b - a }' >&2
}

host_tools=(qemu-system-x86 debootstrap eatmydata cpio zstd xz-utils libxen-dev
  pkg-config meson ninja-build gcc)

cmd_deps() {
  local missing=() p
  for p in "${host_tools[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing host packages (${missing[*]}) and not root"
  log "installing host packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# The first Debian mirror of the host's apt sources (deb822 or one-line).
mirror() {
  local m
  m=$(grep -hoE '^(URIs:|deb)\s+[^ ]*/debian/?(\s|$)' \
        /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
      awk '{print $2}' | head -n1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# candidates PKG...: "PKG=VERSION" per package, in one apt-cache call.
candidates() {
  apt-cache policy "$@" | awk '/^[^ ]/ {sub(":$", ""); p = $1} /Candidate:/ {print p "=" $2}'
}

newest_kernel_pkg() {
  apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
    awk '{print $1}' | sort -V | tail -n1
}

# stamp_ok NAME HASH: true when NAME was built from HASH and still exists.
stamp_ok() {
  [ -e "$cache/$1" ] && [ -f "$cache/$1.stamp" ] && [ "$(cat "$cache/$1.stamp")" = "$2" ]
}
stamp_set() { echo "$2" >"$cache/$1.stamp"; }

sha() { sha256sum | cut -c1-64; }

# --- Xen and the kernel ---------------------------------------------------
fetch_xen_kernel() {
  local dl=$cache/dl
  rm -rf "$dl"
  mkdir -p "$dl/x"
  ! id _apt >/dev/null 2>&1 || chown _apt "$dl" # apt downloads as _apt
  (cd "$dl" && apt-get download -qq "$xen_pkg=$xen_ver" "$kernel_pkg=$kernel_ver" \
    busybox-static="$busybox_ver" >/dev/null)
  local f
  for f in "$dl"/*.deb; do dpkg -x "$f" "$dl/x"; done
  zcat "$dl"/x/boot/xen-4.17-amd64.gz >"$cache/xen.elf.tmp"
  # The bzImage carries an xz stream: unpack it to the ELF vmlinux, which
  # libxl and Xen load without a slow in-guest decompression.
  local vmlinuz off
  vmlinuz=$(ls "$dl"/x/boot/vmlinuz-*)
  off=$(LC_ALL=C grep -obUaP -m1 '\xfd7zXZ\x00' "$vmlinuz" | cut -d: -f1)
  off=${off%%$'\n'*}
  [ -n "$off" ] || die "no xz stream in $vmlinuz"
  tail -c +$((off + 1)) "$vmlinuz" >"$dl/payload.xz"
  xz -dc --single-stream "$dl/payload.xz" >"$cache/vmlinux.tmp"
  file_is_elf "$cache/vmlinux.tmp" || die "vmlinux is not an ELF"
  rm -rf "$cache/modules" "$cache/busybox"
  mkdir -p "$cache/modules"
  cp "$dl"/x/lib/modules/*/kernel/drivers/xen/{xen-evtchn,xen-gntdev,xen-gntalloc,xen-privcmd}.ko \
    "$dl"/x/lib/modules/*/kernel/drivers/xen/xenfs/xenfs.ko "$cache/modules/"
  cp "$dl"/x/bin/busybox "$cache/busybox"
  mv "$cache/xen.elf.tmp" "$cache/xen.elf"
  mv "$cache/vmlinux.tmp" "$cache/vmlinux"
  rm -rf "$dl"
}

file_is_elf() { [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

# --- dom0 root ------------------------------------------------------------
build_dom0_root() {
  local root=$cache/root
  rm -rf "$root" "$root.tmp"
  local inc
  inc=$(IFS=,; echo "${dom0_packages[*]}")
  mkdir -p "$cache/debs"
  # Two stages, so that the second (dpkg inside the root) runs under the
  # host's libeatmydata: without its fsyncs it takes half the time.
  debootstrap --foreign --variant=minbase --cache-dir="$cache/debs" --include="$inc" \
    "$suite" "$root.tmp" "$(mirror)" >"$cache/debootstrap.log" 2>&1 &&
    cp /usr/lib/x86_64-linux-gnu/libeatmydata.so.1 "$root.tmp/tmp/" &&
    chroot "$root.tmp" env LD_PRELOAD=/tmp/libeatmydata.so.1 \
      /debootstrap/debootstrap --second-stage >>"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log" >&2; die "debootstrap failed"; }
  rm -f "$root.tmp/tmp/libeatmydata.so.1"
  mv "$root.tmp" "$root"
}

# Keep, of the root's shared libraries, only the closure the programs need:
# every executable, weston's headless backend and shells. Weston's Debian
# build drags in ffmpeg, FreeRDP, gstreamer, ... for backends a test never
# loads; without them the initramfs is less than half the size and the
# dom0 kernel unpacks it that much faster under TCG.
prune_libs() {
  local stage=$1 lib=usr/lib/x86_64-linux-gnu keep f
  rm -rf "$stage/$lib"/{dri,mfx,gstreamer-1.0,vdpau,pipewire-0.3,spa-0.2,gdk-pixbuf-2.0}
  find "$stage/$lib/libweston-10" -name '*.so' ! -name headless-backend.so \
    ! -name color-lcms.so -delete
  keep=$(cd "$stage" &&
    { find usr/bin usr/sbin usr/lib/xen-4.17/bin -type f; ls "$lib"/libweston-10/*.so "$lib"/weston/*.so; } |
    while read -r f; do [ "$(head -c4 "$f")" = $'\x7fELF' ] && echo "/$f"; done |
    chroot "$stage" xargs -r -n 64 ldd 2>/dev/null |
    awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
    while read -r f; do echo "${f##*/}"; f=$(chroot "$stage" readlink -f "$f"); echo "${f##*/}"; done |
    sort -u)
  for f in "$stage/$lib"/lib*.so*; do
    grep -qxF "${f##*/}" <<<"$keep" || rm -f "$f"
  done
}

# Trim the root to what a test boot needs and pack it, with the kernel the
# domU boots, as the first (large, rarely changing) initramfs part. zstd:
# the dom0 kernel unpacks it under TCG ~2 s faster than gzip, and it packs
# in half the time.
build_dom0_base() {
  local stage=$cache/dom0-base.d
  rm -rf "$stage"
  cp -a "$cache/root" "$stage"
  rm -rf "$stage"/usr/share/{doc,man,info,locale,i18n,zoneinfo,lintian,bug} \
    "$stage"/usr/share/python3 "$stage"/usr/lib/python3* "$stage"/usr/bin/python3* \
    "$stage"/var/cache/apt "$stage"/var/lib/apt/lists \
    "$stage"/usr/lib/udev/hwdb.d "$stage"/usr/lib/udev/hwdb.bin "$stage"/etc/udev/hwdb.bin
  prune_libs "$stage"
  mkdir -p "$stage/opt/xen-tier/modules" "$stage/proc/xen" "$stage/var/log/xen/console" \
    "$stage/run/xenstored"
  cp "$cache"/modules/*.ko "$stage/opt/xen-tier/modules/"
  cp "$cache/vmlinux" "$stage/opt/xen-tier/vmlinux"
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) |
    zstd -q -T0 -10 >"$cache/dom0-base.cpio.zst.tmp"
  mv "$cache/dom0-base.cpio.zst.tmp" "$cache/dom0-base.cpio.zst"
  rm -rf "$stage"
}

# Check that the dom0 root has FILE's shared libraries; with DEST, copy
# them (resolved inside the root, symlinks followed there) into DEST.
copy_libs() {
  local file=$1 dest=${2:-} tmp out lib real
  tmp=$(mktemp -d "$cache/root/tmp/ldd.XXXXXX")
  cp "$file" "$tmp/bin"
  out=$(chroot "$cache/root" /usr/bin/ldd "/tmp/${tmp##*/}/bin" 2>&1) || true
  rm -rf "$tmp"
  grep -q 'not a dynamic executable' <<<"$out" && return 0
  if grep -q 'not found' <<<"$out"; then
    die "${file##*/} needs libraries the dom0 root lacks: $(grep 'not found' <<<"$out" | tr -s '\t\n' ' ')"
  fi
  [ -n "$dest" ] || return 0
  for lib in $(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$out"); do
    real=$(chroot "$cache/root" readlink -f "$lib")
    mkdir -p "$dest$(dirname "$lib")"
    cp "$cache/root$real" "$dest$lib"
  done
}

# The guest: busybox-static, the project binaries and their libraries, the
# grant modules and the guest /init.
build_domu() {
  local stage=$cache/domu.d b
  rm -rf "$stage"
  mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,run,etc,opt/xen-tier/bin,opt/xen-tier/modules}
  cp "$cache/busybox" "$stage/bin/busybox"
  for b in sh mount umount insmod dmesg cat grep sed awk sleep echo ls mkdir poweroff \
    kill ps head tail wc timeout date seq tr cut sync; do
    ln -s busybox "$stage/bin/$b"
  done
  cp "$cache"/modules/{xen-evtchn,xen-gntdev,xen-gntalloc}.ko "$stage/opt/xen-tier/modules/"
  install -m 0755 "$here/domu-init.sh" "$stage/init"
  install -m 0644 "$scenario-domu.sh" "$stage/opt/xen-tier/guest.sh"
  install -m 0644 "$here/lib.sh" "$stage/opt/xen-tier/lib.sh"
  for b in ${bins[@]+"${bins[@]}"}; do
    install -m 0755 "$b" "$stage/opt/xen-tier/bin/"
    copy_libs "$b" "$stage"
  done
  # What the guest script takes from the dom0 root (apps, fonts), named on
  # its lines "# domu-from-root: PATH...": copied with symlinks followed
  # inside the root, programs with their libraries.
  local from_root
  from_root=$(sed -n 's/^# domu-from-root://p' "$scenario-domu.sh")
  if [ -n "$from_root" ]; then
    # shellcheck disable=SC2046 # one word a path
    chroot "$cache/root" tar -C / -chf - $(sed 's|^/||; s| /| |g' <<<$from_root) |
      tar -xf - -C "$stage"
    for b in $from_root; do
      if [ -f "$cache/root$b" ] && file_is_elf "$cache/root$b"; then
        copy_libs "$cache/root$b" "$stage"
      fi
    done
  fi
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) |
    gzip -6 >"$cache/domu.cpio.gz.tmp"
  mv "$cache/domu.cpio.gz.tmp" "$cache/domu.cpio.gz"
  rm -rf "$stage"
}

# The small dom0 part that changes with the project: /init, the scenario,
# the binaries and the guest image.
build_dom0_overlay() {
  local stage=$cache/dom0-overlay.d b
  rm -rf "$stage"
  mkdir -p "$stage/opt/xen-tier/bin"
  install -m 0755 "$here/dom0-init.sh" "$stage/init"
  install -m 0644 "$scenario-dom0.sh" "$stage/opt/xen-tier/scenario.sh"
  install -m 0644 "$here/guest.cfg" "$stage/opt/xen-tier/guest.cfg"
  install -m 0644 "$here/lib.sh" "$stage/opt/xen-tier/lib.sh"
  cp "$cache/domu.cpio.gz" "$stage/opt/xen-tier/domu.cpio.gz"
  # --kernel: unpacked after the base, it replaces Debian's domU kernel.
  [ -z "$kernel" ] || install -m 0644 "$kernel" "$stage/opt/xen-tier/vmlinux"
  for b in ${bins[@]+"${bins[@]}"}; do
    install -m 0755 "$b" "$stage/opt/xen-tier/bin/"
    copy_libs "$b" # fails the build when dom0 lacks a library
  done
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) |
    gzip -1 >"$cache/dom0-overlay.cpio.gz.tmp"
  mv "$cache/dom0-overlay.cpio.gz.tmp" "$cache/dom0-overlay.cpio.gz"
  rm -rf "$stage"
}

files_hash() {
  local f
  for f in "$@"; do printf '%s ' "${f##*/}"; sha256sum <"$f"; done | sha
}

cmd_build() {
  cache=$repo/build-xen
  bins=()
  scenario=$here/scenario-smoke
  kernel=
  while [ $# -gt 0 ]; do
    case $1 in
      --cache) cache=$2; shift 2 ;;
      --kernel) kernel=$(realpath "$2"); shift 2 ;;
      --bin) bins+=("$(realpath "$2")"); shift 2 ;;
      --scenario) scenario=$here/scenario-$2; shift 2 ;;
      *) die "unknown argument $1" ;;
    esac
  done
  mkdir -p "$cache"
  cache=$(realpath "$cache")
  local b
  for b in ${bins[@]+"${bins[@]}"} ${kernel:+"$kernel"} "$scenario-dom0.sh" "$scenario-domu.sh"; do
    [ -f "$b" ] || die "no such file: $b"
  done

  timed deps cmd_deps
  # Package lists that are missing or a week old may name versions the
  # mirror no longer has: refresh them then (and only then).
  # (apt-get update leaves unchanged lists' times alone: our stamp says
  # when we last refreshed.)
  kernel_pkg=$(newest_kernel_pkg)
  if [ -z "$kernel_pkg" ] || [ -z "$(find /var/lib/apt/lists "$cache/apt-update.stamp" \
      -maxdepth 1 \( -name '*_Packages*' -o -name apt-update.stamp \) -mtime -7 2>/dev/null)" ]; then
    log "refreshing apt's package lists"
    apt-get update -qq
    touch "$cache/apt-update.stamp"
    kernel_pkg=$(newest_kernel_pkg)
  fi
  [ -n "$kernel_pkg" ] || die "no linux-image-6.1.0-NN-amd64 in apt"
  local versions all
  all=$(candidates "$kernel_pkg" "$xen_pkg" busybox-static "${dom0_packages[@]}")
  ver() { awk -F= -v p="$1" '$1 == p {print $2}' <<<"$all"; }
  kernel_ver=$(ver "$kernel_pkg")
  xen_ver=$(ver "$xen_pkg")
  busybox_ver=$(ver busybox-static)
  versions="$kernel_pkg=$kernel_ver $xen_pkg=$xen_ver busybox-static=$busybox_ver"
  log "using $versions"

  local h_kernel h_root h_base h_domu h_overlay
  h_kernel=$(printf '%s\n' "$versions" "$(declare -f fetch_xen_kernel)" | sha)
  stamp_ok vmlinux "$h_kernel" && stamp_ok xen.elf "$h_kernel" ||
    { timed xen+kernel fetch_xen_kernel; stamp_set vmlinux "$h_kernel"; stamp_set xen.elf "$h_kernel"; }

  h_root=$(printf '%s\n' "$all" "$suite $(mirror)" "$(declare -f build_dom0_root)" | sha)
  stamp_ok root "$h_root" || { timed debootstrap build_dom0_root; stamp_set root "$h_root"; }

  h_base=$(printf '%s\n' "$h_root" "$h_kernel" "$(declare -f build_dom0_base prune_libs)" | sha)
  stamp_ok dom0-base.cpio.zst "$h_base" ||
    { timed dom0-base build_dom0_base; stamp_set dom0-base.cpio.zst "$h_base"; }

  h_domu=$(printf '%s\n' "$h_root" "$h_kernel" "$(declare -f build_domu copy_libs file_is_elf)" \
    "$(files_hash "$here/domu-init.sh" "$here/lib.sh" "$scenario-domu.sh" ${bins[@]+"${bins[@]}"})" | sha)
  stamp_ok domu.cpio.gz "$h_domu" || { timed domu build_domu; stamp_set domu.cpio.gz "$h_domu"; }

  h_overlay=$(printf '%s\n' "$h_domu" "$(declare -f build_dom0_overlay)" \
    "$(files_hash "$here/dom0-init.sh" "$here/guest.cfg" "$here/lib.sh" "$scenario-dom0.sh" ${bins[@]+"${bins[@]}"} ${kernel:+"$kernel"})" | sha)
  if ! stamp_ok dom0-overlay.cpio.gz "$h_overlay" || ! stamp_ok dom0.img "$h_base$h_overlay"; then
    timed dom0-overlay build_dom0_overlay
    stamp_set dom0-overlay.cpio.gz "$h_overlay"
    cat "$cache/dom0-base.cpio.zst" "$cache/dom0-overlay.cpio.gz" >"$cache/dom0.img.tmp"
    mv "$cache/dom0.img.tmp" "$cache/dom0.img"
    stamp_set dom0.img "$h_base$h_overlay"
  fi
  log "images in $cache: $(cd "$cache" && du -h --apparent-size xen.elf vmlinux dom0.img domu.cpio.gz | awk '{printf "%s %s  ", $2, $1}')"
}

case ${1:-} in
  deps) shift; cmd_deps "$@" ;;
  build) shift; cmd_build "$@" ;;
  *) echo "usage: $0 deps | build [--cache DIR] [--bin PATH]... [--scenario NAME] [--kernel BZIMAGE]" >&2; exit 2 ;;
esac
