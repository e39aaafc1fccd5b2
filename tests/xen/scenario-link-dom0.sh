# dom0 part of the link scenario (the guest part is scenario-link-domu.sh).
# The guest runs its steps in order; each step meets its dom0 side on its
# own xenstore link, so the two scripts stay in step without a clock.
. "$XEN_TIER/lib.sh"
B=$XEN_TIER/bin
start_guest || exit 1
domid=$(guest_domid)

"$B/xen-smoke" host "$domid" || fail_now "xen-smoke host"

"$B/xen-link-test" host cycle "$domid" || fail_now "cycle (dom0 side)"
check_no_pinned "$domid" "after the cycles"

"$B/xen-link-test" host pump "$domid" || fail_now "pump (dom0 side)"

# zero copy in dom0: the guest's pool exported to a receiver process
"$B/xen-link-test" host export "$domid" || fail_now "export (dom0 side)"
check_no_pinned "$domid" "after the export"

# kill -9 of the dom0 side while it maps the guest's pool
"$B/xen-link-test" host kill-host "$domid" >/tmp/kill-host.log 2>&1 &
pid=$!
wait_file_line /tmp/kill-host.log READY 120 || { cat /tmp/kill-host.log; fail_now "kill-host: no READY"; }
cat /tmp/kill-host.log
kill -9 "$pid"
wait "$pid"
echo "XEN-TIER: killed the dom0 side (pid $pid) with SIGKILL, exit status $?"
check_no_pinned "$domid" "after dom0's side was killed"
# the restarted dom0 side; the guest reconnects and runs cycles
"$B/xen-link-test" host cycle "$domid" kill-host || fail_now "restarted dom0 side"

# kill -9 of the guest side while dom0 maps its pool: dom0 unmaps on notify
"$B/xen-link-test" host kill-guest "$domid" || fail_now "kill-guest (dom0 side)"
check_no_pinned "$domid" "after the guest's side was killed"

# the control experiment: the guest unshares what dom0 still maps
"$B/xen-link-test" host cycle "$domid" defer || fail_now "defer (dom0 side)"
check_no_pinned "$domid" "after the control experiment"

wait_guest_done 120 || fail_now "guest did not finish"
show_guest_console

# What the guest's kernel logged about deferred grants (cumulative counts),
# read in one pass (every process costs dearly in a PV dom0 under TCG).
eval "$(guest_reports)"
if grep -q -e 'GUEST: FAIL' -e 'xen-link-test: FAIL' "$GUEST_LOG"; then
	fail_now "the guest reported a failure"
fi
for phase in cycle pump export kill-host defer; do
	guest_line "xen-link-test: guest: PASS $phase" || fail_now "guest $phase did not pass"
done
[ "$after_cycle_deferring" = 0 ] || fail_now "grants deferred during the cycles"
[ "$after_export_deferring" = 0 ] || fail_now "grants deferred by the export"
[ "$after_kill_host_deferring" = 0 ] || fail_now "grants deferred when dom0's side died"
kg=$after_kill_guest_deferring
echo "XEN-TIER: the guest's death while mapped deferred $kg grants (0 to 64, by timing)"
[ "$drained_kill_guest_freed" = "$kg" ] ||
	fail_now "of $kg grants deferred at the guest's death, $drained_kill_guest_freed freed"
defer=$((after_defer_deferring - kg))
[ "$defer" = 64 ] || fail_now "the control experiment deferred $defer grants, not 64 (dynamic debug off?)"
echo "XEN-TIER: control: unsharing a mapped 64-page pool deferred $defer grants"
[ "$drained_pending" = 0 ] || fail_now "deferred grants still pending"
[ "$drained_leaking" = 0 ] || fail_now "grants leaked"
[ "$drained_freed" = "$drained_deferring" ] ||
	fail_now "deferred $drained_deferring, freed $drained_freed"
echo "XEN-TIER: every deferred grant freed by the guest kernel's timer ($drained_freed)"
