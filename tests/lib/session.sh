# Shell harness for end-to-end tests: a private runtime dir, a headless host
# compositor standing in for dom0's, bridge-daemon, bridge-agent with an app,
# waits on the JSON counters, screenshots, and a clean-up that always runs.
#
# Source it, then: session_init NAME; start_host_sway; start_daemon; ...
# The graphical processes run as an unprivileged user when the tests run as
# root (sway refuses root). Needs BRIDGE_AGENT and BRIDGE_DAEMON set to the
# built binaries (meson passes them).

SESSION_USER=${SESSION_USER:-wgb-test}
session_pids=()

fail() {
	echo "FAIL: $*" >&2
	session_dump_logs >&2
	exit 1
}

session_dump_logs() {
	local f
	for f in "$SESSION_DIR"/*.log; do
		[ -s "$f" ] || continue
		echo "--- $(basename "$f") (last 15 lines)"
		tail -n 15 "$f"
	done
}

session_cleanup() {
	local pid
	# processes already gone are fine (and must not end the clean-up of a
	# caller running under set -e)
	for pid in "${session_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for _ in 1 2 3 4 5; do
		local alive=0
		for pid in "${session_pids[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive -eq 0 ] && break
		sleep 0.2
	done
	for pid in "${session_pids[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	[ -n "${SESSION_KEEP:-}" ] || rm -rf "$SESSION_DIR"
}

# session_init NAME: a work dir with a runtime dir (0700) and bin/ holding
# copies of the binaries the unprivileged user can reach.
session_init() {
	SESSION_DIR=$(mktemp -d "/tmp/wgb-$1.XXXXXX")
	chmod 755 "$SESSION_DIR"
	export XDG_RUNTIME_DIR=$SESSION_DIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	mkdir "$SESSION_DIR/bin"
	cp "$BRIDGE_AGENT" "$BRIDGE_DAEMON" "$SESSION_DIR/bin/"
	as_user=()
	if [ "$(id -u)" -eq 0 ]; then
		id "$SESSION_USER" >/dev/null 2>&1 || useradd --system --create-home "$SESSION_USER"
		chown "$SESSION_USER" "$XDG_RUNTIME_DIR"
		# setpriv execs in place (runuser forks), so $! is the program
		as_user=(setpriv --reuid="$SESSION_USER" --regid="$SESSION_USER" --init-groups
			env HOME="$(getent passwd "$SESSION_USER" | cut -d: -f6)")
	fi
	export PATH=$SESSION_DIR/bin:$PATH
	[ -z "${WGB_SHOT_DIR:-}" ] || mkdir -p "$WGB_SHOT_DIR"
	trap session_cleanup EXIT
}

# run_bg LOG CMD...: starts CMD as the session user; its pid in $last_pid.
run_bg() {
	local log=$1
	shift
	"${as_user[@]}" env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" PATH="$PATH" LANG=C.UTF-8 "$@" \
		>"$SESSION_DIR/$log.log" 2>&1 &
	last_pid=$!
	session_pids+=("$last_pid")
}

# run_fg CMD...: runs CMD as the session user and waits for it.
run_fg() {
	"${as_user[@]}" env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" PATH="$PATH" LANG=C.UTF-8 "$@"
}

wait_for() { # TIMEOUT_S CMD...: polls CMD until it succeeds
	local timeout=$1
	shift
	local i
	for ((i = 0; i < timeout * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# json_get FILE KEY: a number from a stats file (0 when absent).
json_get() {
	python3 -c 'import json,sys
try: print(int(json.load(open(sys.argv[1])).get(sys.argv[2], 0)))
except Exception: print(0)' "$1" "$2"
}

json_at_least() { [ "$(json_get "$1" "$2")" -ge "$3" ]; }
json_equals() { [ "$(json_get "$1" "$2")" -eq "$3" ]; }

# start_host_sway [CONFIG_LINE...]: headless sway (pixman) as the host.
start_host_sway() {
	{
		echo "xwayland disable"
		echo "output HEADLESS-1 resolution ${HOST_SIZE:-1280x800} bg #1d3557 solid_color"
		echo "default_border normal 2"
		printf '%s\n' "$@"
	} >"$SESSION_DIR/sway.conf"
	chmod 644 "$SESSION_DIR/sway.conf"
	# a killed host leaves its sockets behind
	rm -f "$XDG_RUNTIME_DIR"/sway-ipc.*.sock
	run_bg sway env WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
		sway -c "$SESSION_DIR/sway.conf"
	HOST_PID=$last_pid
	wait_for 10 test -S "$XDG_RUNTIME_DIR/wayland-1" || fail "sway did not start"
	export HOST_DISPLAY=wayland-1
	export SWAYSOCK
	SWAYSOCK=$(ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock 2>/dev/null | head -n1)
	HOST_KIND=sway
}

# start_host_weston: headless weston (pixman, desktop shell) as the host.
start_host_weston() {
	run_bg weston weston --backend=headless-backend.so --use-pixman --idle-time=0 \
		--socket=wayland-1 --width=1280 --height=800 --debug
	HOST_PID=$last_pid
	wait_for 10 test -S "$XDG_RUNTIME_DIR/wayland-1" || fail "weston did not start"
	export HOST_DISPLAY=wayland-1
	HOST_KIND=weston
}

swaymsg_user() {
	run_fg env SWAYSOCK="$SWAYSOCK" swaymsg "$@"
}

# shot FILE: a screenshot of the host's output.
shot() {
	case $HOST_KIND in
	sway)
		run_fg env WAYLAND_DISPLAY="$HOST_DISPLAY" grim "$XDG_RUNTIME_DIR/shot.png" ||
			fail "grim failed"
		mv "$XDG_RUNTIME_DIR/shot.png" "$SESSION_DIR/shot.png"
		;;
	weston)
		(cd "$XDG_RUNTIME_DIR" && rm -f wayland-screenshot-*.png &&
			run_fg env WAYLAND_DISPLAY="$HOST_DISPLAY" weston-screenshooter) ||
			fail "weston-screenshooter failed"
		mv "$XDG_RUNTIME_DIR"/wayland-screenshot-*.png "$SESSION_DIR/shot.png"
		;;
	esac
	cp "$SESSION_DIR/shot.png" "$1"
}

# start_daemon [ARGS...]: bridge-daemon on the local backend, client of the
# host; DAEMON_WRAPPER (e.g. valgrind and its options) goes before it.
start_daemon() {
	DAEMON_STATS=$XDG_RUNTIME_DIR/daemon.json
	LINK=$XDG_RUNTIME_DIR/wgb-link
	run_bg daemon env WAYLAND_DISPLAY="$HOST_DISPLAY" ${DAEMON_WRAPPER:-} bridge-daemon --transport local \
		--listen "$LINK" --vm-name "${VM_NAME:-work}" --label "${VM_LABEL:-#e53935}" \
		--stats-file "$DAEMON_STATS" "$@"
	DAEMON_PID=$last_pid
	wait_for 10 test -S "$LINK" || fail "bridge-daemon did not listen"
}

# start_agent [ARGS...] -- APP ARGS...: bridge-agent running an app;
# AGENT_WRAPPER goes before it.
start_agent() {
	AGENT_STATS=$XDG_RUNTIME_DIR/agent.json
	# a killed agent leaves its socket behind
	rm -f "$XDG_RUNTIME_DIR"/wgb-guest "$XDG_RUNTIME_DIR"/wgb-guest.lock
	run_bg agent env -u WAYLAND_DISPLAY ${AGENT_WRAPPER:-} bridge-agent --transport local --connect "$LINK" \
		--socket wgb-guest --stats-file "$AGENT_STATS" "$@"
	AGENT_PID=$last_pid
}

# sway_window FIELD TITLE_REGEX: rect ("X Y W H" of the content), title, or count.
sway_window() {
	swaymsg_user -t get_tree >"$SESSION_DIR/tree.json" || fail "swaymsg failed"
	python3 "$SWAY_TREE" "$SESSION_DIR/tree.json" "$1" "$2"
}

sway_has_window() { [ "$(sway_window count "$1")" -ge 1 ]; }
sway_lacks_window() { [ "$(sway_window count "$1")" -eq 0 ]; }

# wait_window TITLE_REGEX: until sway maps a window whose title matches.
wait_window() {
	wait_for "${2:-15}" sway_has_window "$1" || fail "no window titled /$1/ appeared"
}

# expect_frame X Y W H COLOR: the border of the rectangle is COLOR all round
# (the daemon's frame: 2 px by default).
expect_frame() {
	local x=$1 y=$2 w=$3 h=$4 color=$5 n
	for edge in "$x $y $w 2" "$x $((y + h - 2)) $w 2" "$x $y 2 $h" "$((x + w - 2)) $y 2 $h"; do
		# shellcheck disable=SC2086
		n=$("$IMGTOOL" count "$SESSION_DIR/shot.png" $edge "$color")
		set -- $edge
		[ "$n" -eq $(($3 * $4)) ] || fail "frame edge ($edge) has $n of $(($3 * $4)) pixels of #$color"
	done
}

# shoot_animation PREFIX: ANIMATION_SHOTS (default 6) more shots 0.6 s
# apart, named PREFIX-N.png, for imgtool compare to learn what the app
# animates by itself; their paths in masks[].
shoot_animation() {
	masks=()
	local i
	for ((i = 1; i <= ${ANIMATION_SHOTS:-6}; i++)); do
		sleep 0.6
		shot "$SESSION_DIR/$1-$i.png"
		masks+=("$SESSION_DIR/$1-$i.png")
	done
}

# mask_args X Y: the "MASK.png X Y" arguments of imgtool compare for masks[].
mask_args() {
	local m
	for m in "${masks[@]}"; do
		echo "$m $1 $2"
	done
}
