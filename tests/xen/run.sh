#!/usr/bin/env bash
# The Xen test tier: build (or reuse) the images, boot Xen 4.17 under QEMU
# (TCG) with a Linux PV dom0 that starts one PV domU, run a scenario across
# them, and read the verdict from the serial console.
#
#   run.sh [--cache DIR] [--bin PATH]... [--scenario NAME] [--timeout SECONDS]
#          [--kernel BZIMAGE] [--expect-console REGEX]...
#   (XEN_TIER_CACHE, when set, overrides --cache)
#
# --kernel boots BZIMAGE as dom0 and as the domU kernel instead of Debian's.
# --expect-console: the verdict also needs a console line matching REGEX
# (grep -E), e.g. the Oops a scenario provokes on purpose.
#
# Exit 0 on "XEN-TIER: PASS", 1 on anything else, 77 (meson's skip) only
# when QEMU cannot run here at all. Prints the interesting console lines and
# every stage's duration; the whole console goes to DIR/console-NAME.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=$repo/build-xen
scenario=smoke
qemu_timeout=600
build_args=()
kernel=
expect=()
while [ $# -gt 0 ]; do
  case $1 in
    --cache) cache=$2; shift 2 ;;
    --bin) build_args+=(--bin "$2"); shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --timeout) qemu_timeout=$2; shift 2 ;;
    --kernel) kernel=$(realpath "$2"); build_args+=(--kernel "$kernel"); shift 2 ;;
    --expect-console) expect+=("$2"); shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -n "$kernel" ] && [ ! -f "$kernel" ]; then
  echo "run.sh: FAIL: no kernel image $kernel (kernel/ci.sh builds the tier's: run the meson suite 'kernel' first)"
  exit 1
fi

# XEN_TIER_CACHE overrides the cache folder: CI in a fresh clone can keep
# its images in a folder that outlives the clone.
cache=${XEN_TIER_CACHE:-$cache}

skip() { echo "run.sh: SKIP: $*"; exit 77; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# QEMU must be installable and able to start a TCG machine at all; that is
# the only reason to skip.
if ! command -v qemu-system-x86_64 >/dev/null; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    skip "qemu-system-x86_64 is missing and cannot be installed (need root and apt-get)"
  fi
fi
bash "$here/build-images.sh" deps || {
  command -v qemu-system-x86_64 >/dev/null || skip "installing qemu-system-x86 failed"
  echo "run.sh: FAIL: installing host tools failed"
  exit 1
}
# Start a machine-less TCG QEMU and quit it through its monitor.
if ! probe=$(echo quit | timeout 20 qemu-system-x86_64 -accel tcg -M none -nodefaults \
    -display none -no-user-config -monitor stdio 2>&1); then
  skip "qemu-system-x86_64 cannot start a TCG machine here: $(tail -n 3 <<<"$probe")"
fi

t_start=$EPOCHREALTIME
bash "$here/build-images.sh" build --cache "$cache" --scenario "$scenario" \
  ${build_args[@]+"${build_args[@]}"}
t_built=$EPOCHREALTIME
cache=$(realpath "$cache")
kernel=${kernel:-$cache/vmlinux}

log=$cache/console-$scenario.log
: >"$log"
echo "run.sh: booting Xen + dom0 + domU under QEMU (TCG), scenario $scenario, timeout ${qemu_timeout}s"
# Each console line is written to the log with the seconds since QEMU
# started; the interesting ones are echoed too.
t_qemu=$EPOCHREALTIME

set +e
timeout --kill-after=10 "$qemu_timeout" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -m 1280 -smp 2 \
  -nographic -nodefaults -no-reboot -no-user-config -serial stdio \
  -kernel "$cache/xen.elf" \
  -append 'dom0_mem=768M,max:768M dom0_max_vcpus=1 console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all smap=0 smep=0' \
  -initrd "$kernel console=hvc0 earlyprintk=xen loglevel=4,$cache/dom0.img" \
  </dev/null 2>&1 |
  while IFS= read -r line; do
    line=${line%$'\r'}
    t=$(secs "$t_qemu" "$EPOCHREALTIME")
    printf '%7s %s\n' "$t" "$line" >>"$log"
    case $line in
      *XEN-TIER:*|*domU\|*|*GUEST:*|*xen-smoke*|*xen-link-test*|*grantlink*|\
      *'Kernel panic'*|*'Hardware Dom0 crashed'*|*BUG:*|*Oops*|*'still pending'*|*'deferring g.e.'*)
        printf '%7s %s\n' "$t" "$line" ;;
    esac
  done
rcs=("${PIPESTATUS[@]}")
set -e
t_end=$EPOCHREALTIME

t_up=$(awk '/XEN-TIER: dom0 up/ {print $1; exit}' "$log")
t_verdict=$(awk '/XEN-TIER: (PASS|FAIL)/ {print $1; exit}' "$log")
echo "run.sh: stage images   $(secs "$t_start" "$t_built") s"
echo "run.sh: stage boot     ${t_up:-?} s (QEMU start to dom0 /init ready)"
if [ -n "$t_up" ] && [ -n "$t_verdict" ]; then
  echo "run.sh: stage scenario $(secs "$t_up" "$t_verdict") s"
fi
echo "run.sh: stage qemu     $(secs "$t_qemu" "$t_end") s in all (exit ${rcs[0]})"
echo "run.sh: stage total    $(secs "$t_start" "$t_end") s"

if [ "${rcs[0]}" -eq 124 ] || [ "${rcs[0]}" -eq 137 ]; then
  echo "run.sh: FAIL: QEMU hit the ${qemu_timeout}s timeout; last console lines:"
  tail -n 30 "$log"
  exit 1
fi
if grep -q 'XEN-TIER: FAIL' "$log" || ! grep -q 'XEN-TIER: PASS' "$log"; then
  echo "run.sh: FAIL: no PASS verdict; last console lines (all in $log):"
  tail -n 40 "$log"
  exit 1
fi
for re in ${expect[@]+"${expect[@]}"}; do
  if ! grep -qE -e "$re" "$log"; then
    echo "run.sh: FAIL: no console line matches '$re' (all in $log)"
    exit 1
  fi
  echo "run.sh: console has the expected '$re'"
done
echo "run.sh: PASS"
