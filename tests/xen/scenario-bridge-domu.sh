# Guest part of the bridge scenario (the dom0 part is scenario-bridge-dom0.sh):
# bridge-agent over the xen backend with real apps, window churn, kill -9 of
# the agent, and the agent's life through a kill -9 of the daemon. Every
# step waits for dom0's go on data/xen-tier/step in our xenstore tree and
# ends with the agent's counters ("GUEST: STEP agent ...") and the kernel's
# deferral figures ("GUEST: STEP deferring=..."; dynamic debug is on for
# drivers/xen/grant-table.c).
# domu-from-root: /usr/bin/xenstore-read /usr/bin/weston-simple-shm /usr/bin/foot
# domu-from-root: /etc/fonts /usr/share/fonts/truetype/dejavu /var/cache/fontconfig
# domu-from-root: /usr/share/X11/xkb /usr/lib/locale/C.utf8
B=$XEN_TIER/bin
. "$XEN_TIER/lib.sh" # json_vars, wait_json, report, wait_drained
export PATH=$PATH:/usr/bin XDG_RUNTIME_DIR=/tmp/run WAYLAND_DISPLAY=wgb HOME=/tmp LANG=C.UTF-8
mkdir -p /tmp/run /dev/shm /dev/pts
chmod 700 /tmp/run
mount -t tmpfs tmpfs /dev/shm # wlroots' keymaps
mount -t devpts devpts /dev/pts # foot's terminal
STATS=/tmp/agent.json

start_agent() {
	rm -f /tmp/run/wgb /tmp/run/wgb.lock
	"$B"/bridge-agent --transport xen --socket wgb --stats-file "$STATS" \
		--log-level info >>/tmp/agent.log 2>&1 &
	agent=$!
	wait_until 30 '[ -S /tmp/run/wgb ]'
}
start_shm() {
	weston-simple-shm >/tmp/shm.log 2>&1 &
	app=$!
}
# agent STEP: the agent's counters on the console
agent() {
	eval "$(json_vars "$STATS" a)"
	echo "GUEST: $1 agent windows=$a_windows shared=$a_grants_shared" \
		"peer_mapped=$a_grants_peer_mapped awaiting=$a_grants_awaiting_ack" \
		"freed=$a_grants_freed deferred=$a_deferred leaked=$a_leaked" \
		"reconnects=$a_reconnects link_up=$a_link_up"
}
fail() {
	echo "GUEST: FAIL $*"
	tail -n 5 /tmp/agent.log
}
# wait_step NAME: until dom0 says so (at most 300 s)
wait_step() {
	wait_until 300 "[ \"\$(xenstore-read data/xen-tier/step 2>/dev/null)\" = $1 ]" ||
		fail "no step $1 from dom0"
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# 1. weston-simple-shm in a window of dom0 (dom0 checks the screenshot)
start_agent
start_shm
wait_json "$STATS" a 120 '[ "${a_windows_on_link:-0}" -ge 1 ] && [ "${a_grants_shared:-0}" -gt 0 ]' ||
	fail "simple-shm's window did not reach dom0"
agent showing

# 2. window churn: open, show (its frame callback came), close
wait_step churn
kill "$app"
wait "$app"
wait_json "$STATS" a 60 '[ "${a_grants_shared:--1}" -eq 0 ]' || fail "grants left after simple-shm"
cycles=${XEN_TIER_CHURN:-200}
t0=$(uptime_s)
"$B"/agent-test-client churn "$cycles" >/tmp/churn.log 2>&1 || fail "churn client: $(cat /tmp/churn.log)"
echo "GUEST: churn $cycles windows in $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s"
wait_json "$STATS" a 60 '[ "${a_windows:-1}" -eq 0 ] && [ "${a_grants_shared:--1}" -eq 0 ]' ||
	fail "grants left after the churn"
agent after-churn
report after-churn

# 3. foot (fonts from the root)
wait_step foot
foot sh -c 'echo wl-grant-bridge on real Xen; sleep 600' >/tmp/foot.log 2>&1 &
app=$!
wait_json "$STATS" a 120 '[ "${a_windows_on_link:-0}" -ge 1 ] && [ "${a_grants_shared:-0}" -gt 0 ]' ||
	fail "foot's window did not reach dom0: $(tail -n 3 /tmp/foot.log)"
agent foot
wait_step foot-done
kill "$app"
wait "$app"
wait_json "$STATS" a 60 '[ "${a_grants_shared:--1}" -eq 0 ]' || fail "grants left after foot"
report after-foot

# 4. kill -9 of the agent while dom0 maps its window
wait_step kill-agent
start_shm
wait_json "$STATS" a 120 '[ "${a_windows_on_link:-0}" -ge 1 ] && [ "${a_grants_shared:-0}" -gt 0 ]' ||
	fail "simple-shm's window did not come back"
agent before-kill
wait_step kill-agent-now
kill -9 "$agent"
wait "$agent"
echo "GUEST: killed bridge-agent with SIGKILL, exit status $?"
wait "$app"
report after-kill-agent
wait_drained
report drained-kill-agent

# 5. kill -9 of the daemon: the agent frees its grants on the notify,
# reconnects to the restarted daemon and shows the window again
rm -f "$STATS"
start_agent
start_shm
wait_json "$STATS" a 120 '[ "${a_windows_on_link:-0}" -ge 1 ] && [ "${a_grants_shared:-0}" -gt 0 ]' ||
	fail "simple-shm's window did not reach the daemon"
agent agent-restarted
wait_step daemon-killed
wait_json "$STATS" a 60 '[ "${a_link_up:-1}" -eq 0 ] && [ "${a_grants_shared:--1}" -eq 0 ]' ||
	fail "the agent kept grants after the daemon died"
agent after-kill-daemon
report after-kill-daemon
wait_json "$STATS" a 120 '[ "${a_link_up:-0}" -eq 1 ] && [ "${a_windows_on_link:-0}" -ge 1 ] && [ "${a_grants_shared:-0}" -gt 0 ]' ||
	fail "no reconnection to the restarted daemon"
agent reconnected

# 6. the end: every grant back
wait_step finish
kill "$app"
wait "$app"
wait_json "$STATS" a 60 '[ "${a_grants_shared:--1}" -eq 0 ]' || fail "grants left at the end"
agent end
wait_step stop
kill "$agent"
wait "$agent"
echo "GUEST: bridge-agent exit status $?"
wait_drained
report drained
