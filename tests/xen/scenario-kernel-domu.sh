# Guest part of the kernel scenario (the dom0 part is
# scenario-kernel-dom0.sh), on the patched kernel of kernel/: the gntdev
# CLEAR_BYTE reproduction (the guest only shares the page), then
# grant_reclaim_stress for free_per_iteration 10, 1000, 0 with
# leftover_grants=reclaim and one round with quarantine. The programs talk
# to their dom0 halves over the console (/dev/hvc0, raw); each step waits
# for dom0's go-ahead line so that dom0 listens before the guest talks.
B=$XEN_TIER/bin
N=500
con=/dev/hvc0
busybox stty -F "$con" raw -echo || echo "GUEST: FAIL stty"
# Count only the kernel's own warnings, not the pr_debug trace.
echo 'file drivers/xen/grant-table.c -p' >/sys/kernel/debug/dynamic_debug/control

# wait_for WORD: read console lines until one starts with WORD.
wait_for() {
	while read -r l; do
		case $l in "$1"*) return 0 ;; esac
	done <"$con"
	return 1
}

echo "GUEST: READY repro"
wait_for END | "$B"/gntdev_clear_byte_repro guest 0
echo "GUEST: repro guest half exit $?"

# stress MODE RATES: one grant_reclaim_stress session; its RESULT and FAIL
# lines follow on the console, prefixed.
stress() {
	echo "GUEST: READY stress $1"
	wait_for GO
	"$B"/grant_reclaim_stress guest -d 0 -n "$N" -m "$1" -r "$2" -t 300 \
		<"$con" >"$con" 2>/tmp/stress.err
	rc=$?
	sed 's/^/GUEST: /' /tmp/stress.err
	echo "GUEST: stress $1 exit $rc"
}
stress reclaim 10,1000,0
stress quarantine 0
# What the kernel logged about grants (its console shows only errors).
dmesg | grep -e 'xen:grant_table: ' -e 'xen:xen_gntalloc: ' | sed 's/^/GUEST: kmsg| /'
