# Helpers for the scenario scripts (sourced; POSIX sh): dom0's, and, at the
# end, what both domains use (busybox in the guest).
XL=/usr/lib/xen-4.17/bin/xl
GUEST_LOG=/var/log/xen/console/guest-guest.log

# fail_now REASON: the verdict, after the guest's console and what the
# scenario's on_fail function (if any) shows.
fail_now() {
	! command -v on_fail >/dev/null || on_fail
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

# --- both domains ----------------------------------------------------------

# json_vars FILE PREFIX: "PREFIX_key=N" lines for the numbers of a stats
# file (one JSON object on one line) to eval; nothing when it is missing.
json_vars() {
	awk -v p="$2" '{
		gsub(/[{}" ]/, ""); n = split($0, a, ",")
		for (i = 1; i <= n; i++)
			if (split(a[i], kv, ":") == 2 && kv[1] ~ /^[a-z_]+$/ && kv[2] ~ /^-?[0-9]+$/)
				print p "_" kv[1] "=" kv[2]
	}' "$1" 2>/dev/null
}

# uptime_now: $_now, whole seconds since boot (no process: under TCG a
# fork costs more than the loops that poll with it may wait)
uptime_now() {
	read -r _up _rest </proc/uptime
	_now=${_up%.*}
}

# wait_until SECONDS TEST: until the shell TEST holds, for SECONDS at most.
wait_until() {
	uptime_now
	_end=$((_now + $1))
	shift
	while ! eval "$*"; do
		uptime_now
		[ "$_now" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

# wait_json FILE PREFIX SECONDS TEST: reads FILE's numbers into PREFIX_*
# until the shell TEST over them holds (never over an older FILE's: the
# file must be there).
wait_json() {
	_f=$1 _p=$2 _s=$3
	shift 3
	wait_until "$_s" '[ -s "$_f" ] && eval "$(json_vars "$_f" "$_p")" && '"$*"
}

# The guest kernel's figures from one dmesg read (dynamic debug on for
# drivers/xen/grant-table.c): deferrals, "still pending", leaks, and
# entries the reclaim timer freed ("freeing g.e. ..., N remaining"; its
# "Freed N references" summary lacks a newline in 6.1, so the last one
# stays unprinted).
kernel_stats() {
	dmesg | awk '
		/deferring g\.e\./ { d++ }
		/still pending/ { p++ }
		/leaking g\.e\./ { l++ }
		/freeing g\.e\./ { f++ }
		END { printf "deferring=%d pending=%d freed=%d leaking=%d\n", d, p, f, l }'
}
report() { echo "GUEST: $1 $(kernel_stats)"; }

# Waits (up to 20 s) until the reclaim timer has freed every deferred grant.
wait_drained() {
	i=0
	while [ "$i" -lt 40 ]; do
		set -- $(kernel_stats | tr '=' ' ')
		[ "$2" -le "$6" ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	echo "GUEST: deferred grants not drained after 20 s:"
	dmesg | grep -e 'g\.e\.' -e 'Freed' | tail -n 12
}

# guest_reports: prints STEP_KEY=N, to eval, for the cumulative kernel
# figures of every "GUEST: STEP deferring=N ..." line in the guest's console
# (one pass; the log has CRLF line ends): after-cycle deferring=0 ->
# after_cycle_deferring=0.
guest_reports() {
	awk '{ sub(/\r$/, "") } $1 == "GUEST:" && $3 ~ /^deferring=/ {
		step = $2; gsub("-", "_", step)
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (step ~ /^[a-z_]+$/ && kv[1] ~ /^[a-z]+$/ && kv[2] ~ /^[0-9]+$/)
				print step "_" kv[1] "=" kv[2]
		}
	}' "$GUEST_LOG"
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
