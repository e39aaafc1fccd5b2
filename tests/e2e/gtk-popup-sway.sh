#!/usr/bin/env bash
# A GTK popup through the bridge: gtk4-widget-factory's combo box opened
# from the keyboard (Alt+Down) shows its list as a popup in sway, framed in
# the VM's color, at the very place GTK puts it when drawing straight into
# sway: the popup and 16 px around it match the direct run pixel for
# pixel, but for the popup's frame and what the app animates by itself.
set -uo pipefail
. "$SESSION_SH"
session_init gtk-popup
HOST_SIZE=1920x1200 start_host_sway 'for_window [title=".*"] floating enable'
app=(env GSK_RENDERER=cairo gtk4-widget-factory)

open_popup_and_shoot() { # PREFIX
	sleep 3
	run_fg env WAYLAND_DISPLAY="$HOST_DISPLAY" wtype -s 800 -M alt -k Down -m alt ||
		fail "wtype failed"
	sleep 1.5
	shot "$SESSION_DIR/$1.png"
}

run_bg direct env WAYLAND_DISPLAY="$HOST_DISPLAY" "${app[@]}"
direct_pid=$last_pid
wait_window '^GTK Widget Factory$' 20
open_popup_and_shoot direct
shoot_animation direct
read -r dx dy dw dh <<<"$(sway_window rect '^GTK Widget Factory$')"
kill "$direct_pid"
wait_for 5 sway_lacks_window 'Widget Factory' || fail "the direct app did not go"

start_daemon
start_agent -- "${app[@]}"
wait_window '^\[work\] GTK Widget Factory$' 20
open_popup_and_shoot bridged
read -r bx by bw bh <<<"$(sway_window rect '^\[work\] GTK Widget Factory$')"
json_equals "$DAEMON_STATS" windows 2 || fail "the daemon shows $(json_get "$DAEMON_STATS" windows) windows, not the toplevel and its popup"

# the popup's frame, inside the toplevel's content
read -r px1 py1 px2 py2 <<<"$("$IMGTOOL" bbox "$SESSION_DIR/bridged.png" e53935 \
	$((bx + 2)) $((by + 2)) $((bw - 4)) $((bh - 4)))" || fail "no popup frame inside the window"
pw=$((px2 - px1 + 1)) ph=$((py2 - py1 + 1))
echo "popup framed ${pw}x${ph} at $((px1 - bx - 2)),$((py1 - by - 2)) in the window"
cp "$SESSION_DIR/bridged.png" "$SESSION_DIR/shot.png"
expect_frame "$px1" "$py1" "$pw" "$ph" e53935
# the popup and a margin around it, clipped to the window's content; the
# same place relative to the content in the direct shot
margin=16
rx=$((px1 - margin > bx + 2 ? px1 - margin : bx + 2))
ry=$((py1 - margin > by + 2 ? py1 - margin : by + 2))
rx2=$((px2 + margin < bx + bw - 3 ? px2 + margin : bx + bw - 3))
ry2=$((py2 + margin < by + bh - 3 ? py2 + margin : by + bh - 3))
ox=$((rx - bx - 2 + dx)) oy=$((ry - by - 2 + dy))
diff_png=${WGB_SHOT_DIR:-$SESSION_DIR}/gtk-popup-diff.png
n=$("$IMGTOOL" compare "$SESSION_DIR/bridged.png" "$rx" "$ry" \
	"$SESSION_DIR/direct.png" "$ox" "$oy" $((rx2 - rx + 1)) $((ry2 - ry + 1)) "$diff_png" \
	ring "$px1" "$py1" "$pw" "$ph" \
	$(mask_args "$ox" "$oy") 2>"$SESSION_DIR/compare.txt") ||
	fail "$n pixels differ around the popup between bridged and direct (see $diff_png)"
cat "$SESSION_DIR/compare.txt"
echo "ok: the popup is where GTK puts it, framed, and its pixels are GTK's"
