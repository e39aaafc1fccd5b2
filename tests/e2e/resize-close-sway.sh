#!/usr/bin/env bash
# Resize and close from the host: sway resizes the guest's window, the app
# redraws at the new size and the host shows exactly that, frame included,
# with no stale pixels; sway closes the window, the app ends, the agent
# exits with it, and the daemon holds no mapping of the guest any more.
set -uo pipefail
. "$SESSION_SH"
session_init resize-close
start_host_sway 'for_window [title=".*"] floating enable'
text='printf "resize me\\n"; seq 1 40; sleep 120'

# the reference: foot straight into sway at the size the guest's foot gets
run_bg foot-direct env WAYLAND_DISPLAY="$HOST_DISPLAY" foot --title reference sh -c "$text"
direct_pid=$last_pid
wait_window '^reference$'
swaymsg_user '[title="^reference$"] resize set 496 296' >/dev/null
# foot picks a size near the one asked: take what it chose once it settles
settled() {
	local now
	now=$(sway_window rect "$1" | cut -d' ' -f3-)
	[ "$now" != "700 500" ] && [ "$now" = "${last_size:-}" ] && return 0
	last_size=$now
	sleep 0.3
	return 1
}
wait_for 10 settled '^reference$' || fail "direct foot did not resize"
read -r dx dy dw dh <<<"$(sway_window rect '^reference$')"
sleep 1
shot "$SESSION_DIR/direct.png"
kill "$direct_pid"

start_daemon
start_agent -- foot --title reference sh -c "$text"
wait_window '^\[work\] reference$'
swaymsg_user '[title="^\[work\] reference$"] resize set 500 300' >/dev/null
last_size=
wait_for 10 settled '^\[work\] reference$' || fail "the bridged window did not resize"
sleep 1.5
shot "$SESSION_DIR/bridged.png"
read -r bx by bw bh <<<"$(sway_window rect '^\[work\] reference$')"
[ "$bw" -eq $((dw + 4)) ] && [ "$bh" -eq $((dh + 4)) ] ||
	fail "after the resize the bridged window is ${bw}x${bh}, foot direct chose ${dw}x${dh}"
cp "$SESSION_DIR/bridged.png" "$SESSION_DIR/shot.png"
expect_frame "$bx" "$by" "$bw" "$bh" e53935
diff_png=${WGB_SHOT_DIR:-$SESSION_DIR}/resize-diff.png
n=$("$IMGTOOL" compare "$SESSION_DIR/bridged.png" $((bx + 2)) $((by + 2)) \
	"$SESSION_DIR/direct.png" "$dx" "$dy" "$dw" "$dh" "$diff_png") ||
	fail "$n pixels differ after the resize (see $diff_png)"
echo "ok: resized to ${bw}x${bh}, content identical to foot direct at ${dw}x${dh}"

swaymsg_user '[title="^\[work\] reference$"] kill' >/dev/null
wait_for 10 sh -c '! kill -0 '"$AGENT_PID" 2>/dev/null || fail "the agent did not exit with its app"
wait "$AGENT_PID"
echo "agent exit status: $?"
gone() { [ "$(sway_window count '^\[work\]')" -eq 0 ]; }
wait_for 10 gone || fail "the guest's window is still in sway"
wait_for 10 json_equals "$DAEMON_STATS" pages_mapped 0 || fail "the daemon still maps guest pages"
json_equals "$DAEMON_STATS" windows 0 || fail "the daemon still has windows"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"
echo "ok: closed from the host; agent gone, daemon up with nothing mapped"
