#!/usr/bin/env bash
# The agent and the daemon under valgrind through a whole session: foot
# through the bridge into sway, typed into, resized, closed from the host,
# then the daemon stopped. Neither may show an invalid access, and neither
# may leak (definitely or indirectly lost) at exit.
set -uo pipefail
. "$SESSION_SH"
session_init valgrind
vg() {
	echo "valgrind --suppressions=$VALGRIND_SUPP --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --log-file=$XDG_RUNTIME_DIR/vg-$1.log"
}
start_host_sway 'for_window [title=".*"] floating enable'
DAEMON_WRAPPER=$(vg daemon) start_daemon
AGENT_WRAPPER=$(vg agent) start_agent -- foot --title valgrind sh -c \
	'IFS= read -r line; echo "read: $line"; sleep 120'
wait_window '^\[work\] valgrind$' 90
run_fg env WAYLAND_DISPLAY="$HOST_DISPLAY" wtype -s 1000 'under valgrind' -k Return ||
	fail "wtype failed"
swaymsg_user '[title="^\[work\] valgrind$"] resize set 400 300' >/dev/null
sleep 3
swaymsg_user '[title="^\[work\] valgrind$"] kill' >/dev/null
wait_for 60 sh -c '! kill -0 '"$AGENT_PID" 2>/dev/null || fail "the agent did not end with foot"
kill -TERM "$DAEMON_PID"
wait_for 60 sh -c '! kill -0 '"$DAEMON_PID" 2>/dev/null || fail "the daemon did not stop"
for who in agent daemon; do
	log=$XDG_RUNTIME_DIR/vg-$who.log
	[ -s "$log" ] || fail "no valgrind log for the $who"
	summary=$(grep -a "ERROR SUMMARY" "$log" | tail -n1)
	echo "$who: $summary"
	case $summary in
	*"ERROR SUMMARY: 0 errors"*) ;;
	*) cat "$log" >&2; fail "valgrind found errors in the $who" ;;
	esac
	if grep -aE "(definitely|indirectly) lost: [1-9]" "$log"; then
		cat "$log" >&2
		fail "the $who leaks"
	fi
done
echo "ok: agent and daemon clean under valgrind"
