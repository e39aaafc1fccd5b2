# Helpers for the dom0 scenario scripts (sourced; POSIX sh).
XL=/usr/lib/xen-4.17/bin/xl
GUEST_LOG=/var/log/xen/console/guest-guest.log

fail_now() {
	show_guest_console
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
wait_guest_line() { wait_file_line "$GUEST_LOG" "$1" "$2"; }

wait_guest_done() { wait_guest_line 'GUEST: DONE' "$1"; }

# Prints the guest's console once (what came since the last call).
GUEST_LOG_SHOWN=0
show_guest_console() {
	[ -f "$GUEST_LOG" ] || return 0
	total=$(wc -l <"$GUEST_LOG")
	tail -n +"$((GUEST_LOG_SHOWN + 1))" "$GUEST_LOG" | head -n "$((total - GUEST_LOG_SHOWN))" |
		sed 's/^/domU| /'
	GUEST_LOG_SHOWN=$total
}

# pinned_grants DOMID: how many grant refs of DOMID (past the 8 reserved
# ones of the console and xenstore rings) some domain maps right now, as
# Xen itself counts them (debug key 'g'). Prints "missing" when Xen's
# report did not show the domain.
pinned_grants() {
	$XL dmesg -c >/dev/null
	$XL debug-keys g
	i=0
	while ! $XL dmesg | grep -q 'gnttab_usage_print_all \] done' && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	$XL dmesg | awk -v d="remote d$1 " '
		/grant-table for remote/ { insec = index($0, d) > 0; if (insec) seen = 1 }
		/gnttab_usage_print_all \] done/ { insec = 0 }
		insec && match($0, /\[0x[0-9a-f]+\]/) {
			# Xen prints the ref in hex: [0x01a]
			hex = substr($0, RSTART + 3, RLENGTH - 4); ref = 0
			for (k = 1; k <= length(hex); k++)
				ref = ref * 16 + index("0123456789abcdef", substr(hex, k, 1)) - 1
			if (ref >= 8) n++
		}
		END { if (seen) print n + 0; else print "missing" }'
}

# check_no_pinned DOMID WHEN: fail unless Xen shows none of DOMID's grants
# mapped.
check_no_pinned() {
	n=$(pinned_grants "$1")
	echo "XEN-TIER: grants of d$1 mapped by any domain $2: $n"
	[ "$n" = 0 ] || fail_now "grants of d$1 still mapped $2 ($n)"
}

# wait_file_line FILE PATTERN SECONDS
wait_file_line() {
	i=0
	while [ "$i" -lt "$(($3 * 10))" ]; do
		grep -q -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# guest_pty: dom0's end of the guest's console (the pty xenconsoled made
# for it), switched to raw without echo: a line channel to the guest's
# /dev/hvc0 for programs that talk over stdin and stdout.
guest_pty() {
	i=0
	until pty=$(xenstore-read "/local/domain/$(guest_domid)/console/tty" 2>/dev/null); do
		[ "$i" -lt 50 ] || return 1
		sleep 0.2
		i=$((i + 1))
	done
	[ -c "$pty" ] && stty -F "$pty" raw -echo && echo "$pty"
}

# repro_dom0 DOMID REF SECONDS: the dom0 half of gntdev_clear_byte_repro
# (kernel/tests) in the background, its output in /tmp/repro.log. Returns
# its exit status, or 124 if it has not ended after SECONDS (a stock kernel
# Oopses in its munmap, which never returns).
repro_dom0() {
	"$XEN_TIER/bin/gntdev_clear_byte_repro" dom0 "$1" "$2" >/tmp/repro.log 2>&1 &
	rpid=$!
	i=0
	while [ "$i" -lt "$(($3 * 5))" ]; do
		state=
		read -r _ _ state _ <"/proc/$rpid/stat" 2>/dev/null
		case $state in '' | Z) wait "$rpid"; return ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	return 124
}

# guest_ref: the grant reference the guest half of gntdev_clear_byte_repro
# printed ("REF n").
guest_ref() {
	wait_guest_line '^REF [0-9]' 60 &&
		awk '/^REF [0-9]/ { sub(/\r$/, ""); r = $2 } END { print r }' "$GUEST_LOG"
}
