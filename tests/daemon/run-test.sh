#!/bin/sh
# Runs one fake-agent scenario against bridge-daemon inside a headless
# compositor, then checks the daemon is still alive, stops it and checks it
# exited cleanly and wrote its stats at exit.
#
#   run-test.sh DAEMON FAKE_AGENT COMPOSITOR SCENARIO [CONFIG_LINE...]
#
# COMPOSITOR is weston or sway. Every process started here is stopped on
# exit, pass or fail. On failure the logs are printed; screenshots are kept
# in $WGB_SHOT_DIR when set.
set -u

daemon_bin=$1
agent_bin=$2
compositor=$3
scenario=$4
shift 4

label=e01bc4
tmp=$(mktemp -d /tmp/wgb-daemon-test.XXXXXX) || exit 1
chmod 0755 "$tmp"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
comp_pid=
daemon_pid=
status=1

cleanup() {
	for pid in $daemon_pid $comp_pid; do
		kill "$pid" 2>/dev/null
	done
	for pid in $daemon_pid $comp_pid; do
		wait "$pid" 2>/dev/null
	done
	if [ "$status" -ne 0 ]; then
		for log in "$tmp"/*.log; do
			[ -f "$log" ] || continue
			echo "---- $log"
			tail -n 60 "$log"
		done
	fi
	if [ -n "${WGB_SHOT_DIR:-}" ] && ls "$tmp"/shots/*.png >/dev/null 2>&1; then
		mkdir -p "$WGB_SHOT_DIR"
		for shot in "$tmp"/shots/*.png; do
			cp "$shot" "$WGB_SHOT_DIR/$compositor-$scenario-$(basename "$shot")"
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

mkdir "$tmp/shots"
socket=wgb-test-$$
case $compositor in
weston)
	# no map/unmap animations: a screenshot shows the settled window
	printf '[shell]\nanimation=none\nclose-animation=none\nstartup-animation=none\nfocus-animation=none\n' \
		>"$tmp/weston.ini"
	weston --backend=headless-backend.so --use-pixman --idle-time=0 \
		--socket="$socket" --width=1024 --height=768 --debug --config="$tmp/weston.ini" \
		>"$tmp/weston.log" 2>&1 &
	comp_pid=$!
	;;
sway)
	# sway refuses to run as root: run it as an unprivileged user, its
	# runtime directory and socket shared with us through the group
	if [ "$(id -u)" -eq 0 ]; then
		id wgbtest >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin wgbtest ||
			fail "cannot create user wgbtest"
		chown wgbtest "$XDG_RUNTIME_DIR"
		run_as="setpriv --reuid=wgbtest --regid=wgbtest --clear-groups"
	else
		run_as=
	fi
	printf 'output HEADLESS-1 resolution 1024x768 bg #202020 solid_color\ndefault_border none\nfor_window [title=".*"] floating enable\n' \
		>"$tmp/sway.conf"
	chmod 0644 "$tmp/sway.conf"
	env WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
		$run_as sway -d -c "$tmp/sway.conf" >"$tmp/sway.log" 2>&1 &
	comp_pid=$!
	;;
*)
	fail "unknown compositor $compositor"
	;;
esac

# the compositor's socket
i=0
while :; do
	if [ "$compositor" = sway ]; then
		s=$(ls "$XDG_RUNTIME_DIR" 2>/dev/null | grep '^wayland-[0-9]*$' | head -n 1)
		[ -n "$s" ] && socket=$s
	fi
	[ -S "$XDG_RUNTIME_DIR/$socket" ] && break
	kill -0 "$comp_pid" 2>/dev/null || fail "$compositor did not start"
	i=$((i + 1))
	[ $i -gt 200 ] && fail "$compositor socket did not appear"
	sleep 0.05
done
if [ "$compositor" = sway ]; then
	# for swaymsg in the scenarios
	SWAYSOCK=$(ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock 2>/dev/null | head -n 1)
	export SWAYSOCK
fi
export WAYLAND_DISPLAY="$socket"
"$agent_bin" --scenario wait-compositor || fail "$compositor does not answer"

: >"$tmp/daemon.conf"
for line in "$@"; do
	echo "$line" >>"$tmp/daemon.conf"
done

"$daemon_bin" --transport local --listen "$tmp/link" --vm-name testvm --label "#$label" \
	--config "$tmp/daemon.conf" --stats-file "$tmp/stats.json" --log-level debug \
	2>"$tmp/daemon.log" &
daemon_pid=$!

# The fake agent abandons the proxies of objects whose link it has broken on
# purpose; leak checking stays on for the daemon, where it matters.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	"$agent_bin" --connect "$tmp/link" --stats "$tmp/stats.json" --scenario "$scenario" \
	--shot-dir "$tmp/shots" --label "$label" --compositor "$compositor" \
	2>"$tmp/agent.log"
agent_status=$?
[ $agent_status -eq 0 ] || fail "fake-agent scenario $scenario failed ($agent_status)"

kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon died"
rm -f "$tmp/stats.json"
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_status=$?
daemon_pid=
[ $daemon_status -eq 0 ] || fail "the daemon exited with $daemon_status"
grep -q '"unmapped_acks"' "$tmp/stats.json" 2>/dev/null || fail "no stats written at exit"
status=0
exit 0
