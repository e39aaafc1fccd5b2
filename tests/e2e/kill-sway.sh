#!/usr/bin/env bash
# kill -9 mid-frame of the app, then of the daemon, then of the agent, then
# of the host compositor, with weston-simple-shm drawing all the time: only
# the killed process dies, the survivors' counters come back to zero
# (nothing shared, mapped or deferred), and after a daemon restart, or a
# new host, the app's window comes back.
set -uo pipefail
. "$SESSION_SH"
session_init kill
start_host_sway

expect_agent_clean() {
	wait_for 10 json_equals "$AGENT_STATS" grants_shared 0 ||
		fail "the agent still shares $(json_get "$AGENT_STATS" grants_shared) grants"
	json_equals "$AGENT_STATS" deferred 0 || fail "the agent has deferred grants"
	json_equals "$AGENT_STATS" leaked 0 || fail "the agent leaked grants"
}

expect_daemon_clean() {
	wait_for 10 json_equals "$DAEMON_STATS" pages_mapped 0 ||
		fail "the daemon still maps $(json_get "$DAEMON_STATS" pages_mapped) pages"
	json_equals "$DAEMON_STATS" windows 0 || fail "the daemon still has windows"
}

# 1. the app: the agent and the daemon stay, with nothing left
start_daemon
start_agent --
wait_for 10 test -S "$XDG_RUNTIME_DIR/wgb-guest" || fail "the agent does not serve apps"
run_bg app env WAYLAND_DISPLAY=wgb-guest weston-simple-shm
app_pid=$last_pid
wait_window '^\[work\]'
wait_for 10 json_at_least "$AGENT_STATS" grants_shared 1 || fail "no grants shared"
sleep 0.5
kill -9 "$app_pid"
wait_for 10 sway_lacks_window '^\[work\]' || fail "the app's window is still in sway"
expect_agent_clean
expect_daemon_clean
kill -0 "$AGENT_PID" && kill -0 "$DAEMON_PID" || fail "a survivor died with the app"
echo "ok: app killed; agent and daemon clean"

# 2. the daemon: the agent frees its grants, the app keeps running, and a
# new daemon gets the window back
run_bg app env WAYLAND_DISPLAY=wgb-guest weston-simple-shm
app_pid=$last_pid
wait_window '^\[work\]'
sleep 0.5
kill -9 "$DAEMON_PID"
expect_agent_clean
kill -0 "$app_pid" && kill -0 "$AGENT_PID" || fail "the app or the agent died with the daemon"
reconnects=$(json_get "$AGENT_STATS" reconnects)
start_daemon
wait_window '^\[work\]' 20
wait_for 10 json_at_least "$AGENT_STATS" reconnects $((reconnects + 1)) ||
	fail "the agent did not count its reconnect"
echo "ok: daemon killed; agent clean; window back after restart"

# 3. the agent: the daemon unmaps everything and stays up
sleep 0.5
kill -9 "$AGENT_PID"
expect_daemon_clean
wait_for 10 json_equals "$DAEMON_STATS" guests 0 || fail "the daemon still counts the guest"
wait_for 10 sway_lacks_window '^\[work\]' || fail "the guest's window is still in sway"
kill -0 "$DAEMON_PID" || fail "the daemon died with the agent"
echo "ok: agent killed; daemon clean and up"

# 4. the host compositor: the daemon ends the guest's link and waits, the
# agent frees its grants and retries, and a new host gets the window back
start_agent --
wait_for 10 test -S "$XDG_RUNTIME_DIR/wgb-guest" || fail "the agent does not serve apps"
run_bg app env WAYLAND_DISPLAY=wgb-guest weston-simple-shm
app_pid=$last_pid
wait_window '^\[work\]'
sleep 0.5
kill -9 "$HOST_PID"
expect_agent_clean
wait_for 10 json_equals "$DAEMON_STATS" compositor_up 0 || fail "the daemon did not notice"
expect_daemon_clean
kill -0 "$DAEMON_PID" && kill -0 "$AGENT_PID" && kill -0 "$app_pid" ||
	fail "a survivor died with the host compositor"
# the new host is weston on the same socket (a sway restarted in the same
# runtime dir does not come up while the killed one's swaybg lives on)
start_host_weston
wait_for 30 json_equals "$DAEMON_STATS" windows 1 || fail "the window did not come back"
json_equals "$DAEMON_STATS" compositor_lost 1 || fail "the daemon did not count the loss"
framed_on_screen() {
	shot "$SESSION_DIR/new-host.png"
	"$IMGTOOL" bbox "$SESSION_DIR/new-host.png" e53935 >/dev/null
}
wait_for 10 framed_on_screen || fail "the guest's framed window is not on the new host's screen"
echo "ok: host killed; agent clean, daemon waited; window back in a new host"
