#!/usr/bin/env bash
# foot through agent -> link -> daemon -> headless sway: the window shows
# the VM's name in its title, is framed in the VM's label color, and inside
# the frame the pixels are those foot draws straight into sway.
set -uo pipefail
. "$SESSION_SH"
session_init foot-sway

text='printf "Hello from the guest.\\n0123456789 abcdefghijklmnopqrstuvwxyz\\n"; sleep 120'
start_host_sway 'for_window [title=".*"] floating enable'

# the reference: foot drawn straight into the host
run_bg foot-direct env WAYLAND_DISPLAY="$HOST_DISPLAY" foot --title reference sh -c "$text"
direct_pid=$last_pid
wait_window '^reference$'
sleep 1
shot "$SESSION_DIR/direct.png"
read -r dx dy dw dh <<<"$(sway_window rect '^reference$')"
kill "$direct_pid"
wait_for 5 sh -c '! kill -0 '"$direct_pid" 2>/dev/null

# the same through the bridge
VM_NAME=work VM_LABEL='#e53935'
start_daemon
start_agent -- foot --title reference sh -c "$text"
wait_window '^\[work\] reference$'
sleep 1
shot "$SESSION_DIR/bridged.png"
read -r bx by bw bh <<<"$(sway_window rect '^\[work\] reference$')"

echo "direct content ${dw}x${dh} at $dx,$dy; bridged ${bw}x${bh} at $bx,$by"
[ "$bw" -eq $((dw + 4)) ] && [ "$bh" -eq $((dh + 4)) ] ||
	fail "bridged window is ${bw}x${bh}, expected foot's ${dw}x${dh} plus a 2 px frame"
cp "$SESSION_DIR/bridged.png" "$SESSION_DIR/shot.png"
expect_frame "$bx" "$by" "$bw" "$bh" e53935
diff_png=${WGB_SHOT_DIR:-$SESSION_DIR}/foot-sway-diff.png
n=$("$IMGTOOL" compare "$SESSION_DIR/bridged.png" $((bx + 2)) $((by + 2)) \
	"$SESSION_DIR/direct.png" "$dx" "$dy" "$dw" "$dh" "$diff_png") ||
	fail "$n pixels differ between foot through the bridge and foot direct (see $diff_png)"
json_equals "$AGENT_STATS" deferred 0 || fail "the agent's deferred count is not 0"
echo "ok: ${dw}x${dh} pixels identical, frame #e53935, title [work] reference"
