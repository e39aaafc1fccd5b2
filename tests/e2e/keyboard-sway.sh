#!/usr/bin/env bash
# Keyboard input from the host reaches the app in the guest: text typed
# with wtype into headless sway appears in foot inside the guest, keymap
# and modifiers included (wtype uploads its own keymap).
# Pointer input: pointer-sway.sh.
set -uo pipefail
. "$SESSION_SH"
session_init keyboard-sway
start_host_sway
start_daemon

typed=$XDG_RUNTIME_DIR/typed.txt
start_agent -- foot --title typing sh -c \
	'IFS= read -r line; printf "%s" "$line" > "$XDG_RUNTIME_DIR/typed.txt.part"; mv "$XDG_RUNTIME_DIR/typed.txt.part" "$XDG_RUNTIME_DIR/typed.txt"; sleep 60'
wait_window '^\[work\] typing$'
sleep 1
# Headless sway has no keyboard until wtype makes its virtual one, and a
# client that binds the keyboard only when it appears can miss the first
# press (it arrives in enter's held keys). A real desktop always has a
# keyboard: let it appear first (-s), then type.
run_fg env WAYLAND_DISPLAY="$HOST_DISPLAY" wtype -s 1000 'Hello, guest 42!' -k Return ||
	fail "wtype failed"
wait_for 10 test -s "$typed" || fail "nothing typed reached foot in the guest"
got=$(cat "$typed")
[ "$got" = 'Hello, guest 42!' ] || fail "foot in the guest read '$got'"
echo "ok: keyboard: foot in the guest read '$got'"

