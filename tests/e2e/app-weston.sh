#!/usr/bin/env bash
# app-weston.sh WIDTH HEIGHT -- APP ARGS...
#
# An animating app through the bridge into headless weston (pixman,
# desktop shell): the host shows a window of the app's WIDTHxHEIGHT inside
# the daemon's 2 px frame in the VM's label color, its content keeps
# changing (frames flow host -> daemon -> agent -> app and back), the
# frame never does, and the guest defers no grant.
set -uo pipefail
. "$SESSION_SH"
width=$1 height=$2
shift 2
[ "$1" = "--" ] && shift
name=$(basename "$1")
session_init "weston-$name"
start_host_weston
start_daemon
start_agent -- "$@"
wait_for 20 json_at_least "$DAEMON_STATS" windows 1 || fail "no window reached the daemon"
sleep 2
shot "$SESSION_DIR/one.png"
read -r x1 y1 x2 y2 <<<"$("$IMGTOOL" bbox "$SESSION_DIR/one.png" e53935)" ||
	fail "no frame of the label color on screen"
w=$((x2 - x1 + 1)) h=$((y2 - y1 + 1))
echo "frame ${w}x${h} at $x1,$y1"
[ "$w" -eq $((width + 4)) ] && [ "$h" -eq $((height + 4)) ] ||
	fail "the framed window is ${w}x${h}, expected ${width}x${height} plus the 2 px frame"
cp "$SESSION_DIR/one.png" "$SESSION_DIR/shot.png"
expect_frame "$x1" "$y1" "$w" "$h" e53935
sleep 0.5
shot "$SESSION_DIR/two.png"
expect_frame "$x1" "$y1" "$w" "$h" e53935
if n=$("$IMGTOOL" compare "$SESSION_DIR/one.png" $((x1 + 2)) $((y1 + 2)) \
	"$SESSION_DIR/two.png" $((x1 + 2)) $((y1 + 2)) "$width" "$height"); then
	fail "$name's content did not change in 0.5 s: frames do not flow"
fi
echo "ok: $name ${width}x${height} framed in weston; $n pixels changed in 0.5 s"
json_equals "$AGENT_STATS" deferred 0 || fail "the agent's deferred count is not 0"
