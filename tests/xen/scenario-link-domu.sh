# Guest part of the link scenario (the dom0 part is scenario-link-dom0.sh):
# the raw libraries, then the grant link library's xen backend: cycles,
# kill -9 of dom0's side, kill -9 of ours, and the control experiment that
# must defer. After each step it reports what the kernel logged about
# deferred grants (dynamic debug is on for drivers/xen/grant-table.c, so
# every deferral prints "deferring g.e." and every reclaim "freeing g.e.").
B=$XEN_TIER/bin
. "$XEN_TIER/lib.sh" # report, wait_drained

if "$B"/xen-smoke guest; then echo "GUEST: smoke ok"; else echo "GUEST: FAIL smoke"; fi
report after-smoke
"$B"/xen-link-test guest cycle "${XEN_TIER_CYCLES:-100}" || echo "GUEST: FAIL cycle"
report after-cycle
"$B"/xen-link-test guest pump || echo "GUEST: FAIL pump"
"$B"/xen-link-test guest export || echo "GUEST: FAIL export"
report after-export
"$B"/xen-link-test guest kill-host 5 || echo "GUEST: FAIL kill-host"
report after-kill-host

"$B"/xen-link-test guest kill-guest >/tmp/kill-guest.log 2>&1 &
pid=$!
i=0
while ! grep -q READY /tmp/kill-guest.log && [ "$i" -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
cat /tmp/kill-guest.log
kill -9 "$pid" && echo "GUEST: sent SIGKILL to xen-link-test (pid $pid)"
wait "$pid"
echo "GUEST: xen-link-test exit status $? (137 = killed)"
report after-kill-guest
wait_drained
report drained-kill-guest
"$B"/xen-link-test guest defer || echo "GUEST: FAIL defer"
report after-defer
wait_drained
sleep 1
report drained
