#!/usr/bin/env bash
# The nested demo on the local backend: a headless sway stands in for dom0's
# compositor; bridge-daemon shows the guest's windows in it; bridge-agent
# plays the guest's compositor; foot runs inside the agent. Ends with a
# screenshot, the counters of both sides, and a clean-up.
#
# Usage: tools/demo.sh [OUTPUT.png]   (default: demo-output/demo.png)
# Run as root on Debian 12 (installs what it needs); sway refuses to run
# as root, so the graphical processes run as the user wgb-demo.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/demo-output/demo.png}
vm_name=work
label='#e53935'
user=wgb-demo

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
	"$top/tools/deps.sh"
	id "$user" >/dev/null 2>&1 || useradd --system --create-home "$user"
fi

build=$top/build-demo
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" >/dev/null
fi
ninja -C "$build" >/dev/null
say "built in $build"

rt=$(mktemp -d /tmp/wgb-demo.XXXXXX)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	sleep 0.5
	for pid in "${pids[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	rm -rf "$rt"
}
trap cleanup EXIT

# the binaries go where the unprivileged user can run them
mkdir -p "$rt/bin" "$rt/run"
cp "$build/bridge-agent/bridge-agent" "$build/bridge-daemon/bridge-daemon" "$rt/bin/"
chmod 700 "$rt/run"
chmod 755 "$rt" "$rt/bin"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	chown -R "$user" "$rt/run"
	# setpriv execs in place (runuser forks), so the pids are the programs'
	as_user=(setpriv --reuid="$user" --regid="$user" --init-groups
		env HOME="$(getent passwd "$user" | cut -d: -f6)")
fi
env_common=(env XDG_RUNTIME_DIR="$rt/run" PATH="$rt/bin:$PATH" LANG=C.UTF-8)

cat >"$rt/sway.conf" <<CONF
xwayland disable
output HEADLESS-1 resolution 1280x800 bg #1d3557 solid_color
default_border normal 2
font monospace 11
CONF
chmod 644 "$rt/sway.conf"

"${as_user[@]}" "${env_common[@]}" WLR_BACKENDS=headless WLR_RENDERER=pixman \
	WLR_LIBINPUT_NO_DEVICES=1 sway -c "$rt/sway.conf" >"$rt/sway.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	[ -S "$rt/run/wayland-1" ] && break
	sleep 0.1
done
[ -S "$rt/run/wayland-1" ] || die "sway did not start: $(tail -3 "$rt/sway.log")"
say "host compositor: headless sway on wayland-1"

"${as_user[@]}" "${env_common[@]}" WAYLAND_DISPLAY=wayland-1 \
	bridge-daemon --transport local --listen "$rt/run/wgb-link" --vm-name "$vm_name" \
	--label "$label" --stats-file "$rt/run/daemon.json" >"$rt/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	[ -S "$rt/run/wgb-link" ] && break
	sleep 0.1
done
[ -S "$rt/run/wgb-link" ] || die "bridge-daemon did not start: $(tail -3 "$rt/daemon.log")"
say "bridge-daemon: VM '$vm_name', label $label"

"${as_user[@]}" "${env_common[@]}" \
	bridge-agent --transport local --connect "$rt/run/wgb-link" --socket wgb-guest \
	--stats-file "$rt/run/agent.json" -- \
	foot --title "foot in the guest" sh -c 'echo "Hello from the guest VM."; echo; uname -a; sleep 60' \
	>"$rt/agent.log" 2>&1 &
pids+=($!)
say "bridge-agent: running foot"

stat_of() { # FILE KEY
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$1" "$2" 2>/dev/null || echo 0
}
for _ in $(seq 150); do
	[ "$(stat_of "$rt/run/daemon.json" windows)" -ge 1 ] && break
	sleep 0.1
done
[ "$(stat_of "$rt/run/daemon.json" windows)" -ge 1 ] ||
	die "no guest window reached the host (agent: $(tail -3 "$rt/agent.log"); daemon: $(tail -3 "$rt/daemon.log"))"
sleep 1.5 # let foot draw its text

mkdir -p "$(dirname "$out")"
"${as_user[@]}" "${env_common[@]}" WAYLAND_DISPLAY=wayland-1 grim "$rt/run/demo.png"
cp "$rt/run/demo.png" "$out"
say "screenshot: $out"
say "bridge-agent counters:  $(cat "$rt/run/agent.json")"
say "bridge-daemon counters: $(cat "$rt/run/daemon.json")"
