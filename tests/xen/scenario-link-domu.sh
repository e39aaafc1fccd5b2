# Guest part of the link scenario (the dom0 part is scenario-link-dom0.sh):
# the raw libraries, then the grant link library's xen backend: cycles,
# kill -9 of dom0's side, kill -9 of ours, and the control experiment that
# must defer. After each step it reports what the kernel logged about
# deferred grants (dynamic debug is on for drivers/xen/grant-table.c, so
# every deferral prints "deferring g.e." and every reclaim "freeing g.e.").
B=$XEN_TIER/bin
# The kernel's figures from one dmesg read: deferrals, "still pending",
# leaks, and entries the reclaim timer freed ("freeing g.e. ..., N
# remaining"; its "Freed N references" summary lacks a newline in 6.1, so
# the last one stays unprinted).
stats() {
	dmesg | awk '
		/deferring g\.e\./ { d++ }
		/still pending/ { p++ }
		/leaking g\.e\./ { l++ }
		/freeing g\.e\./ { f++ }
		END { printf "deferring=%d pending=%d freed=%d leaking=%d\n", d, p, f, l }'
}
report() { echo "GUEST: $1 $(stats)"; }
# Waits (up to 20 s) until the reclaim timer has freed every deferred grant.
wait_drained() {
	i=0
	while [ "$i" -lt 40 ]; do
		set -- $(stats | tr '=' ' ')
		[ "$2" -le "$6" ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	echo "GUEST: deferred grants not drained after 20 s:"
	dmesg | grep -e 'g\.e\.' -e 'Freed' | tail -n 12
}

if "$B"/xen-smoke guest; then echo "GUEST: smoke ok"; else echo "GUEST: FAIL smoke"; fi
report after-smoke
"$B"/xen-link-test guest cycle "${XEN_TIER_CYCLES:-100}" || echo "GUEST: FAIL cycle"
report after-cycle
"$B"/xen-link-test guest pump || echo "GUEST: FAIL pump"
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
