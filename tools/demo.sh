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

say() { printf 'demo: %s\n' "$*"; }

[ "$(id -u)" -ne 0 ] || "$top/tools/deps.sh"

build=$top/build-demo
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" >/dev/null
fi
ninja -C "$build" >/dev/null
say "built in $build"

# the end-to-end tests' harness: an unprivileged user (sway refuses root),
# a private runtime dir, and a clean-up that always runs
export BRIDGE_AGENT=$build/bridge-agent/bridge-agent
export BRIDGE_DAEMON=$build/bridge-daemon/bridge-daemon
SESSION_USER=wgb-demo
. "$top/tests/lib/session.sh"
session_init demo

start_host_sway 'font monospace 11'
say "host compositor: headless sway on $HOST_DISPLAY"
VM_NAME=$vm_name VM_LABEL=$label start_daemon
say "bridge-daemon: VM '$vm_name', label $label"
start_agent -- foot --title "foot in the guest" \
	sh -c 'echo "Hello from the guest VM."; echo; uname -a; sleep 60'
say "bridge-agent: running foot"

wait_for 15 json_at_least "$DAEMON_STATS" windows 1 || fail "no guest window reached the host"
sleep 1.5 # let foot draw its text

mkdir -p "$(dirname "$out")"
shot "$out"
say "screenshot: $out"
say "bridge-agent counters:  $(cat "$AGENT_STATS")"
say "bridge-daemon counters: $(cat "$DAEMON_STATS")"
