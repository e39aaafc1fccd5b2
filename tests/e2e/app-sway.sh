#!/usr/bin/env bash
# app-sway.sh TITLE_REGEX [--no-compare] -- APP ARGS...
#
# A real app straight into headless sway, then the same app through the
# bridge: the bridged window is the app's size plus the daemon's frame in
# the VM's label color, its title carries the VM's name, and (unless
# --no-compare, for apps that animate) the content inside the frame is
# the app's own pixels, identical to the direct run. Pixels the app
# animates by itself (seen changing across direct shots 0.6 s apart) are
# left out of the comparison; they may be at most 2 %.
set -uo pipefail
. "$SESSION_SH"
title=$1
shift
compare=1
if [ "$1" = "--no-compare" ]; then
	compare=0
	shift
fi
[ "$1" = "--" ] && shift
name=$(basename "${APP_NAME:-$1}")
session_init "app-$name"
start_host_sway 'for_window [title=".*"] floating enable'

run_bg direct env WAYLAND_DISPLAY="$HOST_DISPLAY" "$@"
direct_pid=$last_pid
wait_window "^$title\$" 20
sleep "${SETTLE:-2}"
shot "$SESSION_DIR/direct.png"
shoot_animation direct
read -r dx dy dw dh <<<"$(sway_window rect "^$title\$")"
kill "$direct_pid"
wait_for 5 sway_lacks_window "^$title\$" || fail "the direct $name did not go"

start_daemon
start_agent -- "$@"
wait_window "^\\[work\\] $title\$" 20
sleep "${SETTLE:-2}"
shot "$SESSION_DIR/bridged.png"
read -r bx by bw bh <<<"$(sway_window rect "^\\[work\\] $title\$")"
echo "direct ${dw}x${dh}; bridged ${bw}x${bh}"
[ "$bw" -eq $((dw + 4)) ] && [ "$bh" -eq $((dh + 4)) ] ||
	fail "bridged $name is ${bw}x${bh}, expected ${dw}x${dh} plus the 2 px frame"
cp "$SESSION_DIR/bridged.png" "$SESSION_DIR/shot.png"
expect_frame "$bx" "$by" "$bw" "$bh" e53935
if [ $compare -eq 1 ]; then
	diff_png=${WGB_SHOT_DIR:-$SESSION_DIR}/$name-diff.png
	n=$("$IMGTOOL" compare "$SESSION_DIR/bridged.png" $((bx + 2)) $((by + 2)) \
		"$SESSION_DIR/direct.png" "$dx" "$dy" "$dw" "$dh" "$diff_png" \
		$(mask_args "$dx" "$dy") 2>"$SESSION_DIR/compare.txt") ||
		fail "$n pixels of $name differ between bridged and direct (see $diff_png)"
	animated=$(grep -o '[0-9]* pixels animate' "$SESSION_DIR/compare.txt" | cut -d' ' -f1)
	[ "${animated:-0}" -le $((dw * dh / 50)) ] ||
		fail "$name animates $animated of $((dw * dh)) pixels: too many to compare"
	echo "ok: $name ${dw}x${dh} identical through the bridge (${animated:-0} animated pixels left out)"
else
	echo "ok: $name ${dw}x${dh} through the bridge, framed (content animates: not compared)"
fi
json_equals "$AGENT_STATS" deferred 0 || fail "the agent's deferred count is not 0"
