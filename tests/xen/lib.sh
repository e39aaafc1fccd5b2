# Helpers for the dom0 scenario scripts (sourced; POSIX sh).
XL=/usr/lib/xen-4.17/bin/xl
GUEST_LOG=/var/log/xen/console/guest-guest.log

fail_now() {
	echo "XEN-TIER: FAIL $*"
	exit 1
}

now() { cut -d' ' -f1 /proc/uptime; }

start_guest() {
	t0=$(now)
	$XL create -q "$XEN_TIER/guest.cfg" || { echo "XEN-TIER: FAIL xl create"; return 1; }
	echo "XEN-TIER: guest created in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s (domid $(guest_domid))"
}

guest_domid() { $XL domid guest; }

# guest_line PATTERN: the guest's console has a line matching PATTERN.
guest_line() { grep -q -e "$1" "$GUEST_LOG" 2>/dev/null; }

# wait_guest_line PATTERN SECONDS
wait_guest_line() {
	i=0
	while [ "$i" -lt "$(($2 * 10))" ]; do
		guest_line "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

wait_guest_done() { wait_guest_line 'GUEST: DONE' "$1"; }

show_guest_console() {
	sed 's/^/domU| /' "$GUEST_LOG"
}
