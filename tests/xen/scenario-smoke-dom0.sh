# dom0 part of the smoke scenario: start the guest, serve it, check what the
# guest reported on its console.
. "$XEN_TIER/lib.sh"
start_guest || exit 1
domid=$(guest_domid)
"$XEN_TIER/bin/xen-smoke" host "$domid" || fail_now "xen-smoke host"
wait_guest_done 120 || fail_now "guest did not finish"
show_guest_console
guest_line 'GUEST: smoke ok' || fail_now "guest smoke failed"
guest_line 'GUEST: deferred-lines=0' || fail_now "guest kernel deferred grants"
! guest_line 'GUEST: FAIL' || fail_now "guest reported a failure"
