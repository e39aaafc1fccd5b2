# dom0 part of the kernel scenario (the guest part is
# scenario-kernel-domu.sh), with the patched kernel of kernel/ as dom0 and
# as the domU (run.sh --kernel): the gntdev CLEAR_BYTE reproduction must
# be refused cleanly, then grant_reclaim_stress (kernel/tests): the guest
# allocates N grants with gntalloc, dom0 maps them with gntdev, the guest
# process is killed; with leftover_grants=reclaim for free_per_iteration
# 10, 1000, 0 every grant must be deferred and drained without a leak, and
# with quarantine a late map of a dead process's reference must fail.
. "$XEN_TIER/lib.sh"
B=$XEN_TIER/bin
N=500 # grants per round, as in scenario-kernel-domu.sh
start_guest || exit 1
domid=$(guest_domid)
wait_guest_line 'GUEST: READY repro' 120 || fail_now "guest not ready"
pty=$(guest_pty) || fail_now "no console pty for the guest"

ref=$(guest_ref) || fail_now "the guest shared no page"
repro_dom0 "$domid" "$ref" 30
rc=$?
sed 's/^/XEN-TIER: repro| /' /tmp/repro.log
echo "XEN-TIER: repro exit $rc"
echo END >"$pty"
[ "$rc" = 0 ] && grep -q '^FIXED: ' /tmp/repro.log ||
	fail_now "the gntdev CLEAR_BYTE reproduction was not refused (exit $rc)"

# stress MODE: dom0's half of one grant_reclaim_stress session.
stress() {
	wait_guest_line "GUEST: READY stress $1" 120 || fail_now "guest not ready for $1"
	"$B/grant_reclaim_stress" dom0 -d "$domid" <"$pty" >"$pty" 2>/tmp/stress.err &
	spid=$!
	echo GO >"$pty"
	wait "$spid" || { cat /tmp/stress.err; fail_now "stress $1: dom0 half failed"; }
	wait_guest_line "GUEST: stress $1 exit" 900 || fail_now "stress $1: guest did not finish"
}
stress reclaim
stress quarantine
show_guest_console
if grep -q -e 'GUEST: FAIL' -e 'BUG:' -e 'Oops' "$GUEST_LOG"; then
	fail_now "the guest reported a failure or a kernel bug"
fi
if dmesg | grep -q -e 'BUG:' -e 'Oops'; then
	dmesg | tail -n 40
	fail_now "dom0's kernel reported a bug"
fi
guest_line 'GUEST: stress reclaim exit 0' || fail_now "stress reclaim failed in the guest"
guest_line 'GUEST: stress quarantine exit 0' || fail_now "stress quarantine failed in the guest"

# The figures, one line per round, and the behaviour each mode must show.
awk -v n="$N" '
	{ sub(/\r$/, "") }
	$1 == "GUEST:" && $2 == "RESULT" {
		delete f
		for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		printf "XEN-TIER: %s free_per_iteration=%s: drain %s s (%s s after dom0 unmapped), deferred %s -> peak %s -> %s, leaked %s -> %s, log lines grant_table=%s gntalloc=%s, refs reused %s, late maps ok %s failed %s\n",
			f["leftover_grants"], f["free_per_iteration"], f["drain_s"], f["drain_after_unmap_s"],
			f["deferred_before"], f["deferred_peak"], f["deferred_after"],
			f["leaked_before"], f["leaked_after"], f["log_grant_table"], f["log_gntalloc"],
			f["refs_reused"], f["latemap_ok"], f["latemap_failed"]
		what = f["leftover_grants"] " free_per_iteration=" f["free_per_iteration"]
		rounds[f["leftover_grants"]]++
		if (f["deferred_peak"] - f["deferred_before"] != n)
			bad = bad "; " what ": " f["deferred_peak"] - f["deferred_before"] " of " n " grants deferred"
		if (f["deferred_after"] != f["deferred_before"])
			bad = bad "; " what ": deferred list not drained"
		if (f["log_gntalloc"] != 1)
			bad = bad "; " what ": " f["log_gntalloc"] " gntalloc warnings, not 1"
		if (f["leftover_grants"] == "reclaim" && f["leaked_after"] != f["leaked_before"])
			bad = bad "; " what ": grants leaked"
		if (f["leftover_grants"] == "quarantine" && (f["leaked_after"] - f["leaked_before"] != n ||
		    f["refs_reused"] != 0 || f["latemap_ok"] != 0 || f["latemap_failed"] != n))
			bad = bad "; " what ": a dead process reference was reused or mapped again"
	}
	END {
		if (rounds["reclaim"] != 3 || rounds["quarantine"] != 1)
			bad = bad "; " rounds["reclaim"] + 0 " reclaim and " rounds["quarantine"] + 0 " quarantine rounds, not 3 and 1"
		if (bad != "") { print "XEN-TIER: stress:" substr(bad, 2); exit 1 }
	}' "$GUEST_LOG" || fail_now "the stress rounds did not behave"
