# dom0 part of the bridge scenario (the guest part is scenario-bridge-domu.sh):
# headless weston (pixman, desktop shell) as dom0's compositor, bridge-daemon
# for the guest over the xen backend, screenshots checked with imgtool. dom0
# gives the guest each step's go in the guest's xenstore tree
# (data/xen-tier/step) and reads the guest's reports on its console.
. "$XEN_TIER/lib.sh"
B=$XEN_TIER/bin
export XDG_RUNTIME_DIR=/run/wgb WAYLAND_DISPLAY=wayland-1
mkdir -p /run/wgb /tmp/shots
chmod 700 /run/wgb
DSTATS=/tmp/daemon.json
LABEL=e53935
on_fail() { tail -n 15 /tmp/weston.log /tmp/daemon.log; }

cat >/tmp/weston.ini <<'EOF'
[shell]
panel-position=none
background-color=0xff1d3557
EOF
weston --config=/tmp/weston.ini --backend=headless-backend.so --use-pixman --idle-time=0 \
	--socket=wayland-1 --width=1280 --height=800 --debug >/tmp/weston.log 2>&1 &
start_guest || exit 1
domid=$(guest_domid)
wait_until 120 '[ -S /run/wgb/wayland-1 ]' || { cat /tmp/weston.log; fail_now "weston did not start"; }
echo "XEN-TIER: weston up"

start_daemon() {
	rm -f "$DSTATS"
	"$B"/bridge-daemon --transport xen --domid "$domid" --vm-name work --label "#$LABEL" \
		--stats-file "$DSTATS" --log-level info >>/tmp/daemon.log 2>&1 &
	daemon_pid=$!
}
step() {
	echo "XEN-TIER: step $1"
	xenstore-write "/local/domain/$domid/data/xen-tier/step" "$1" || fail_now "xenstore-write $1"
}
# daemon STEP: the daemon's counters on the console
daemon() {
	eval "$(json_vars "$DSTATS" d)"
	echo "XEN-TIER: $1 daemon guests=$d_guests windows=$d_windows pools=$d_pools" \
		"pages_mapped=$d_pages_mapped unmapped_acks=$d_unmapped_acks" \
		"links_closed=$d_links_closed protocol_errors=$d_protocol_errors"
}
wait_window() {
	wait_json "$DSTATS" d "$1" '[ "${d_windows:-0}" -ge 1 ] && [ "${d_pages_mapped:-0}" -gt 0 ]'
}
wait_no_window() {
	wait_json "$DSTATS" d "$1" \
		'[ "${d_windows:-1}" -eq 0 ] && [ "${d_pools:-1}" -eq 0 ] && [ "${d_pages_mapped:-1}" -eq 0 ]'
}
# shot FILE: a screenshot of weston's output (its screenshooter needs --debug)
shot() {
	rm -f /tmp/shots/*.png
	(cd /tmp/shots && weston-screenshooter) >/dev/null 2>&1 &&
		mv /tmp/shots/wayland-screenshot-*.png "$1" || fail_now "weston-screenshooter failed"
}
# frame PNG W H: a screenshot with the window framed in the label color
# (taken again, up to 10 times, until weston shows it), x1 y1 w h of the
# frame; W H the content's expected size, or 0 0 for any.
frame() {
	i=0
	while :; do
		shot "$1"
		set -- "$1" "$2" "$3" $("$B"/imgtool bbox "$1" "$LABEL")
		[ $# -ne 7 ] || break
		i=$((i + 1))
		[ "$i" -lt 10 ] || fail_now "no frame of the label color in $1"
		sleep 0.5
	done
	x1=$4 y1=$5 w=$(($6 - $4 + 1)) h=$(($7 - $5 + 1))
	echo "XEN-TIER: a window framed ${w}x$h at $x1,$y1 in ${1##*/}"
	if [ "$2" -gt 0 ] && { [ "$w" -ne $(($2 + 4)) ] || [ "$h" -ne $(($3 + 4)) ]; }; then
		fail_now "the framed window is ${w}x$h, expected $2x$3 in a 2 px frame"
	fi
	for edge in "$x1 $y1 $w 2" "$x1 $((y1 + h - 2)) $w 2" "$x1 $y1 2 $h" "$((x1 + w - 2)) $y1 2 $h"; do
		set -- "$1" $edge
		n=$("$B"/imgtool count "$1" $edge "$LABEL")
		[ "$n" -eq $(($4 * $5)) ] || fail_now "frame edge ($edge) has $n of $(($4 * $5)) label pixels"
	done
}
# check_shm NAME: weston-simple-shm's known output: 250x250 in the frame, a
# 20 px white padding (its buffers start as 0xff bytes), a picture that moves.
check_shm() {
	frame "/tmp/$1-1.png" 250 250
	n=$("$B"/imgtool count "/tmp/$1-1.png" $((x1 + 2)) $((y1 + 2)) 250 20 ffffff)
	[ "$n" -eq 5000 ] || fail_now "simple-shm's top padding has $n of 5000 white pixels"
	n=$("$B"/imgtool count "/tmp/$1-1.png" $((x1 + 2)) $((y1 + 22)) 20 210 ffffff)
	[ "$n" -eq 4200 ] || fail_now "simple-shm's left padding has $n of 4200 white pixels"
	sleep 0.5
	shot "/tmp/$1-2.png"
	if n=$("$B"/imgtool compare "/tmp/$1-1.png" $((x1 + 22)) $((y1 + 22)) \
		"/tmp/$1-2.png" $((x1 + 22)) $((y1 + 22)) 210 210); then
		fail_now "simple-shm's picture did not move in 0.5 s: frames do not flow"
	fi
	echo "XEN-TIER: screenshot $1: weston-simple-shm 250x250 framed, padded, $n pixels moved"
}

# 1. the guest's weston-simple-shm shows in dom0's weston
start_daemon
wait_window 180 || fail_now "no window of the guest reached the daemon"
daemon showing
check_shm showing

# 2. window churn in the guest
step churn
uptime_now
t0=$_now
wait_guest_line 'GUEST: after-churn deferring' 600 || fail_now "the churn did not end"
uptime_now
echo "XEN-TIER: the guest's churn step took $((_now - t0)) s as dom0 saw it"
wait_no_window 30 || fail_now "the daemon holds pools after the churn"
daemon after-churn
check_no_pinned "$domid" "after the churn"

# 3. foot: text drawn with the root's fonts
step foot
wait_window 180 || fail_now "foot's window did not reach the daemon"
i=0
while :; do
	frame /tmp/foot.png 0 0
	bg=$("$B"/imgtool pixel /tmp/foot.png $((x1 + w - 8)) $((y1 + h - 8)))
	n=$("$B"/imgtool count /tmp/foot.png $((x1 + 2)) $((y1 + 2)) $((w - 4)) $((h - 4)) "$bg")
	[ "$n" -lt $(((w - 4) * (h - 4))) ] && break
	i=$((i + 1))
	[ "$i" -lt 10 ] || fail_now "foot's window stays one color (#$bg): no text"
	sleep 1
done
echo "XEN-TIER: screenshot foot: $(((w - 4) * (h - 4) - n)) pixels of text on #$bg"
step foot-done
wait_no_window 60 || fail_now "the daemon holds pools after foot"

# 4. kill -9 of the agent: the daemon unmaps on the notify
step kill-agent
wait_window 180 || fail_now "simple-shm did not come back"
daemon before-kill-agent
step kill-agent-now
wait_guest_line 'GUEST: killed bridge-agent' 120 || fail_now "the guest did not kill its agent"
wait_no_window 30 || fail_now "the daemon holds pools after the agent died"
daemon after-kill-agent
check_no_pinned "$domid" "after the agent was killed"

# 5. kill -9 of the daemon: the guest frees its grants, the agent comes
# back to the restarted daemon with its window
wait_guest_line 'GUEST: agent-restarted agent' 180 || fail_now "the agent did not restart"
wait_window 120 || fail_now "the restarted agent's window did not reach the daemon"
daemon before-kill-daemon
kill -9 "$daemon_pid"
wait "$daemon_pid"
echo "XEN-TIER: killed bridge-daemon with SIGKILL, exit status $?"
check_no_pinned "$domid" "after the daemon was killed"
step daemon-killed
wait_guest_line 'GUEST: after-kill-daemon agent' 120 || fail_now "the agent kept its grants"
start_daemon
wait_window 120 || fail_now "the window did not come back to the restarted daemon"
daemon reconnected
check_shm back

# 6. the end: the guest's app goes, then its agent
step finish
wait_no_window 60 || fail_now "the daemon holds pools at the end"
daemon end
check_no_pinned "$domid" "at the end"
step stop
wait_guest_done 180 || fail_now "guest did not finish"
kill "$daemon_pid"
show_guest_console

# What the guest reported: the agent's counters and the kernel's figures.
! guest_line 'GUEST: FAIL' || fail_now "the guest reported a failure"
for s in after-churn end; do
	# deferred, leaked: -1 where the kernel does not tell (see grantlink.h)
	guest_line "GUEST: $s agent windows=0 shared=0 .* deferred=\(0\|-1\) leaked=\(0\|-1\)" ||
		fail_now "the agent holds grants or deferred some ($s)"
done
guest_line 'GUEST: after-kill-daemon agent .*shared=0 .*link_up=0' ||
	fail_now "the agent did not free its grants when the daemon died"
guest_line 'GUEST: reconnected agent .*reconnects=[1-9]' || fail_now "the agent did not reconnect"
eval "$(guest_reports)"
[ "$after_churn_deferring" = 0 ] && [ "$after_churn_pending" = 0 ] ||
	fail_now "the guest kernel deferred grants in the churn"
[ "$after_foot_deferring" = 0 ] || fail_now "the guest kernel deferred grants with foot"
ka=$after_kill_agent_deferring
echo "XEN-TIER: the agent's death while mapped deferred $ka grants (by timing)"
[ "$drained_kill_agent_freed" = "$ka" ] ||
	fail_now "of $ka grants deferred at the agent's death, $drained_kill_agent_freed freed"
[ "$after_kill_daemon_deferring" = "$ka" ] ||
	fail_now "the guest kernel deferred grants when the daemon died"
[ "$drained_deferring" = "$ka" ] || fail_now "the guest kernel deferred grants at the end"
[ "$drained_pending" = 0 ] || fail_now "deferred grants still pending"
[ "$drained_leaking" = 0 ] || fail_now "grants leaked"
[ "$drained_freed" = "$drained_deferring" ] ||
	fail_now "deferred $drained_deferring, freed $drained_freed"
echo "XEN-TIER: bridge: every grant back; guest kernel deferred $drained_deferring, freed $drained_freed"
