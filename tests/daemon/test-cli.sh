#!/bin/sh
# Every bad option, an unreachable compositor and an unusable link: one line
# on stderr naming the problem, exit status 2. --help: usage, status 0.
#
#   test-cli.sh DAEMON unit|weston [FAKE_AGENT]
# unit: no compositor needed; weston: the checks past the compositor
# connection, in a headless weston.
set -u
daemon=$1
mode=$2
agent=${3:-}
tmp=$(mktemp -d /tmp/wgb-cli-test.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
export XDG_RUNTIME_DIR="$tmp"
chmod 0700 "$tmp"
failures=0

expect() {
	want_status=$1
	want_text=$2
	shift 2
	WAYLAND_DISPLAY=${display:-no-such-compositor} "$daemon" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$status" -ne "$want_status" ] || ! grep -q -e "$want_text" "$tmp/err" "$tmp/out" ||
		{ [ "$want_status" -eq 2 ] && [ "$lines" -ne 1 ]; }; then
		echo "FAIL: $* -> status $status, $lines lines:" >&2
		cat "$tmp/err" >&2
		failures=$((failures + 1))
	fi
}

ok="--listen $tmp/link --vm-name work --label #cc0000"
case $mode in
unit)
	expect 0 "Usage" --help
	expect 2 "unknown option --bogus" --bogus
	expect 2 "needs a value" --listen
	expect 2 "unexpected argument" $ok extra
	expect 2 "--transport" --transport carrier-pigeon $ok
	expect 2 "--listen" --vm-name work --label '#cc0000'
	expect 2 "--vm-name" --listen "$tmp/link" --label '#cc0000'
	expect 2 "--label" --listen "$tmp/link" --vm-name work
	expect 2 "--label" $ok --label 'cc0000'
	expect 2 "--domid" $ok --domid banana
	expect 2 "--log-level" $ok --log-level chatty
	expect 2 "config file" $ok --config "$tmp/none.conf"
	# no compositor at $WAYLAND_DISPLAY
	expect 2 "compositor" $ok
	;;
weston)
	weston --backend=headless-backend.so --use-pixman --idle-time=0 --socket=cli-$$ \
		>"$tmp/weston.log" 2>&1 &
	weston_pid=$!
	trap 'kill "$weston_pid" 2>/dev/null; wait "$weston_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
	i=0
	while [ ! -S "$tmp/cli-$$" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	WAYLAND_DISPLAY=cli-$$ "$agent" --scenario wait-compositor || exit 1
	display=cli-$$
	# an unusable link: nowhere to listen
	expect 2 "cannot listen" --listen "$tmp/no/such/dir/link" --vm-name work --label '#cc0000'
	# xen without Xen (or not built in): still one line, status 2
	expect 2 "xen" --transport xen --domid 5 --vm-name work --label '#cc0000'
	;;
*)
	echo "usage: test-cli.sh DAEMON unit|weston" >&2
	exit 2
	;;
esac
exit $((failures > 0))
