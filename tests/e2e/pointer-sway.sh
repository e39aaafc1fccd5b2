#!/usr/bin/env bash
# Pointer input from the host reaches the app in the guest: clicks driven
# with `swaymsg seat - cursor` into headless sway arrive in
# weston-eventdemo inside the guest as BTN_LEFT press and release at the
# surface coordinates under the host's cursor; clicks on the daemon's
# frame and on sway's title bar never do, and a press keeps the side it
# began on (a drag from the content out over the frame is the app's, one
# from the frame into the content is not).
#
# Headless sway has no pointer device, so its seat offers clients no
# pointer. wayvnc, started with no VNC client, makes a virtual pointer
# (and keyboard) on the seat at once; swaymsg's seat cursor commands drive
# that pointer, and so does a VNC client (tests/lib/vnc-pointer.py).
set -uo pipefail
. "$SESSION_SH"
session_init pointer-sway
start_host_sway 'for_window [title=".*"] floating enable'

run_bg wayvnc env WAYLAND_DISPLAY="$HOST_DISPLAY" wayvnc --unix-socket "$XDG_RUNTIME_DIR/wayvnc.sock"
seat_has_pointer() {
	local caps
	caps=$(swaymsg_user -t get_seats -r | python3 -c 'import json,sys
print(json.load(sys.stdin)[0]["capabilities"])') || return 1
	[ $((caps & 1)) -eq 1 ]
}
wait_for 10 seat_has_pointer || fail "wayvnc gave sway's seat no pointer"

start_daemon
# -b: no toytoolkit frame, so the app's widget covers its whole surface and
# it logs a click anywhere on it (and no title: the daemon's "[work]" alone)
events=$XDG_RUNTIME_DIR/events.txt
start_agent -- sh -c 'exec stdbuf -oL weston-eventdemo -b --width=300 --height=200 \
	--log-button --log-motion >"$XDG_RUNTIME_DIR/events.txt"'
wait_window '^\[work\]'
sleep 1
read -r wx wy ww wh <<<"$(sway_window rect '^\[work\]')"
# the daemon's 2 px frame is the outer ring of the surface sway shows
shot "$SESSION_DIR/pointer.png"
expect_frame "$wx" "$wy" "$ww" "$wh" e53935
cx=$((wx + 2)) cy=$((wy + 2))
echo "surface ${ww}x${wh} at $wx,$wy; content at $cx,$cy"

cursor() { swaymsg_user seat - cursor "$@" >/dev/null || fail "swaymsg seat - cursor $* failed"; }
click() { # X Y in the layout
	cursor set "$1" "$2"
	cursor press button1
	cursor release button1
}
# "pressed X Y" / "released X Y" for each button line the app logged
buttons() {
	sed -n 's/^button time: [0-9]*, button: \([0-9]*\), state: \([a-z]*\), x: \(-\?[0-9]*\), y: \(-\?[0-9]*\)$/\1 \2 \3 \4/p' \
		"$events"
}
# until the app has logged N button events
wait_buttons() {
	wait_for 10 sh -c '[ "$(sed -n "/^button /p" "$1" | wc -l)" -ge "$2" ]' - "$events" "$1" ||
		fail "the app logged $(buttons | wc -l) button events, expected $1"
}

# 1: a click in the content, then one elsewhere after a move
click $((cx + 100)) $((cy + 60))
wait_buttons 2
cursor set $((cx + 37)) $((cy + 141))
cursor press button1
cursor release button1
wait_buttons 4
grep -q '^motion time: [0-9]*, x: 37\.0*, y: 141\.0*$' "$events" ||
	fail "the app saw no motion to 37,141"

# 2: clicks on the frame, all four sides, and on sway's title bar: none
# is the app's
click "$wx" $((wy + 50))
click $((wx + 1)) $((wy + 50))
click $((wx + 60)) $((wy + 1))
click $((wx + ww - 1)) $((wy + 40))
click $((wx + ww / 2)) $((wy + wh - 2))
click $((wx + 60)) $((wy - 5))

# 3 and 4: drags. swaymsg's cursor commands move no held pointer (sway
# sends no motion during a press), so these go through wayvnc as a VNC
# client would: motion with the left button held.
vnc() { python3 "$VNC_POINTER" "$XDG_RUNTIME_DIR/wayvnc.sock" "$@" || fail "vnc-pointer $* failed"; }
# 3: from the content out over the frame: the app's, released at its
# content's nearest edge
vnc $((cx + 150)),$((cy + 150)),0 $((cx + 150)),$((cy + 150)),1 \
	$((wx + 1)),$((cy + 150)),1 $((wx + 1)),$((cy + 150)),0
# 4: from the frame into the content: not the app's
vnc $((wx + 1)),$((cy + 100)),0 $((wx + 1)),$((cy + 100)),1 \
	$((cx + 80)),$((cy + 100)),1 $((cx + 80)),$((cy + 100)),0

# 5: a last click: once the app has it, it has seen all of the above
click $((cx + 200)) $((cy + 90))
wait_buttons 8
sleep 0.5

expected=(
	"272 pressed 100 60" "272 released 100 60"
	"272 pressed 37 141" "272 released 37 141"
	"272 pressed 150 150" "272 released 0 150"
	"272 pressed 200 90" "272 released 200 90"
)
mapfile -t got < <(buttons)
[ ${#got[@]} -eq ${#expected[@]} ] ||
	fail "the app logged ${#got[@]} button events, expected ${#expected[@]}: $(printf '[%s] ' "${got[@]}")"
for i in "${!expected[@]}"; do
	read -r eb es ex ey <<<"${expected[$i]}"
	read -r gb gs gx gy <<<"${got[$i]}"
	[ "$gb" = "$eb" ] && [ "$gs" = "$es" ] && [ $((gx - ex)) -ge -1 ] && [ $((gx - ex)) -le 1 ] &&
		[ $((gy - ey)) -ge -1 ] && [ $((gy - ey)) -le 1 ] ||
		fail "button event $((i + 1)): the app saw '${got[$i]}', expected '${expected[$i]}' (±1 px)"
done
echo "ok: pointer: the app saw $(printf '[%s] ' "${got[@]}")"
echo "ok: no click on the frame, the title bar or begun on the frame reached the app"

kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"
json_equals "$DAEMON_STATS" protocol_errors 0 || fail "the daemon saw protocol errors"
json_equals "$DAEMON_STATS" links_dropped 0 || fail "the daemon dropped the link"
