#!/bin/bash
# tests/bench/run.sh: the benchmarks of issue 7 in one command.
#
#   tests/bench/run.sh                 # from the repository root; builds if needed
#   tests/bench/run.sh --quick         # 2 s runs, 1 repetition: checks the harness
#
# The same app (bench-client: wl_shm, xdg toplevel, incompressible noise)
# draws into the same host compositor (bench-host: headless wlroots 0.15,
# pixman, one output at --refresh Hz), once per mode, the modes interleaved
# (A/B/C...) and the whole round repeated --reps times; the report takes the
# median of the repetitions. Modes:
#
#   direct       bench-client -> bench-host
#   waypipe-none bench-client -> waypipe server -> waypipe client -> bench-host
#   waypipe-lz4  the same with -c lz4
#   bridge       bench-client -> bridge-agent -> (local backend) ->
#                bridge-daemon -> bench-host; skipped with a note while the
#                binaries are not built
#   weston       bench-client -> weston 10 headless (pixman), direct
#   sway         bench-client -> sway headless (pixman), direct; run as an
#                unprivileged user because sway refuses root
#
# plus bench-memcpy (the copy ceiling) once per round. Per run it records fps,
# damaged MB/s, commit-to-present latency p50/p99 (wp_presentation), and the
# CPU time per frame and peak RSS (VmHWM) of every process in between (from
# /proc/PID/stat and /proc/PID/status, read by the client at the start and
# end of its measurement). Results go to OUT/results.jsonl; report.py turns
# them into docs/performance.md and docs/performance.png (matplotlib from
# Debian's python3-matplotlib; without it the table is still written).
#
# Every process runs under timeout(1) and is killed by PID at the end; all
# sockets live in a private XDG_RUNTIME_DIR (0700) removed on exit.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

build=$src/build
out=
duration=5
warmup=1
reps=3
sizes="1080p 4k"
cases="full partial"
refresh=240
agent=
daemon=
realism=1
docs=$src/docs
note=
python=${PYTHON:-}

usage() {
	cat <<EOF
usage: tests/bench/run.sh [options]
  --build DIR      meson build directory (default: build; set up and built if missing)
  --out DIR        where results go (default: BUILD/bench-results)
  --duration S     seconds measured per run (default $duration)
  --warmup S       unmeasured seconds before each run (default $warmup)
  --reps N         rounds; the report takes the median (default $reps)
  --sizes LIST     e.g. "1080p 4k" or "1280x720" (default "$sizes")
  --cases LIST     damage cases: full, partial (middle quarter), flat, unpaced
                   (default "$cases"; weston and sway run "full" only)
  --refresh HZ     bench-host refresh rate (default $refresh)
  --agent PATH     bridge-agent binary (default: BUILD/bridge-agent/bridge-agent)
  --daemon PATH    bridge-daemon binary (default: BUILD/bridge-daemon/bridge-daemon)
  --no-realism     skip the weston and sway runs
  --docs DIR       write performance.md and performance.png there (default: docs/)
  --no-docs        do not write docs
  --note TEXT      a caveat printed in performance.md (e.g. "loaded machine")
  --quick          --duration 2 --warmup 0.5 --reps 1
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(realpath -m "$2"); shift ;;
	--out) out=$(realpath -m "$2"); shift ;;
	--duration) duration=$2; shift ;;
	--warmup) warmup=$2; shift ;;
	--reps) reps=$2; shift ;;
	--sizes) sizes=$2; shift ;;
	--cases) cases=$2; shift ;;
	--refresh) refresh=$2; shift ;;
	--agent) agent=$(realpath -m "$2"); shift ;;
	--daemon) daemon=$(realpath -m "$2"); shift ;;
	--no-realism) realism=0 ;;
	--docs) docs=$(realpath -m "$2"); shift ;;
	--no-docs) docs= ;;
	--note) note=$2; shift ;;
	--quick) duration=2; warmup=0.5; reps=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

log() { echo "bench: $*" >&2; }

# --- build ------------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
	log "setting up $build"
	meson setup "$build" "$src" --buildtype=debugoptimized >/dev/null || exit 1
fi
ninja -C "$build" >/dev/null || { log "build failed"; exit 1; }
bin=$build/tests/bench
for b in bench-client bench-host bench-memcpy; do
	[ -x "$bin/$b" ] || { log "$bin/$b missing (wlroots 0.15 not found?)"; exit 1; }
done
[ -n "$agent" ] || agent=$build/bridge-agent/bridge-agent
[ -n "$daemon" ] || daemon=$build/bridge-daemon/bridge-daemon
[ -n "$out" ] || out=$build/bench-results
mkdir -p "$out" || exit 1
# results of an earlier invocation must not be mistaken for this one's
rm -f "$out"/r[0-9]*-* "$out"/host-*.log "$out"/memcpy.jsonl "$out"/meta.json
results=$out/results.jsonl
: >"$results"

if [ -z "$python" ]; then
	# Debian's python3 has python3-matplotlib; a python3 earlier in PATH may not
	for p in /usr/bin/python3 python3; do
		if command -v "$p" >/dev/null && "$p" -c 'import json' 2>/dev/null; then
			python=$p
			break
		fi
	done
fi

# --- private runtime dir and cleanup -----------------------------------------
XDG_RUNTIME_DIR=$(mktemp -d /tmp/bench-run.XXXXXX) || exit 1
chmod 0700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
unset WAYLAND_DISPLAY WAYLAND_SOCKET DISPLAY
rt=$XDG_RUNTIME_DIR
sway_rt=
pids=()

# kill every process this script started, by PID, then remove the dirs
stop_all() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
}
cleanup() {
	stop_all
	rm -rf "$rt"
	[ -n "$sway_rt" ] && rm -rf "$sway_rt"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

limit=$(awk -v d="$duration" -v w="$warmup" 'BEGIN { printf "%d", d + w + 30 }')

# spawn PIDFILE CMD...: run CMD in the background under timeout; PIDFILE gets
# CMD's own PID (sh writes $$ and execs CMD), pids[] the timeout's for cleanup
spawn() {
	local pidfile=$1
	shift
	# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
	timeout -k 2 "$limit" sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" &
	pids+=($!)
}

# spawn_front NAME PIDFILE CMD...: as spawn, and CMD (which ends with the
# bench-client's arguments) gets "--sample NAME=<its own PID>" appended, so
# the client measures the process that runs it (waypipe server, agent)
spawn_front() {
	local name=$1 pidfile=$2
	shift 2
	# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
	timeout -k 2 "$limit" sh -c 'echo $$ >"$1"; n=$0; shift; exec "$@" --sample "$n=$$"' \
		"$name" "$pidfile" "$@" &
	pids+=($!)
}

# wait_path PATH SECONDS: until PATH exists
wait_path() {
	local i n
	n=$(awk -v s="$2" 'BEGIN { printf "%d", s * 20 }')
	for ((i = 0; i < n; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# readpid FILE: the PID that spawn wrote (wait until it is written, not
# only created)
readpid() {
	local i
	for ((i = 0; i < 100; i++)); do
		if [ -s "$1" ]; then
			cat "$1"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

size_wh() {
	case $1 in
	1080p) echo "1920 1080" ;;
	4k) echo "3840 2160" ;;
	*x*) echo "${1%x*} ${1#*x}" ;;
	*) return 1 ;;
	esac
}

# client_args SIZE CASE LABEL RESULT
client_args() {
	local w h
	read -r w h < <(size_wh "$1")
	local a=(--width "$w" --height "$h" --duration "$duration" --warmup "$warmup"
		--label "$3" --output "$4" --linger 0.5)
	case $2 in
	full) ;;
	partial) a+=(--damage "$((w / 4)),$((h / 4)),$((w / 2)),$((h / 2))") ;;
	flat) a+=(--content flat) ;;
	unpaced) a+=(--unpaced) ;;
	*) log "unknown case $2"; return 1 ;;
	esac
	echo "${a[@]}"
}

# wait for the front process to finish, or for its result plus a moment
wait_front() {
	local result=$1 front=$2 i
	[ -n "$front" ] || { log "front process did not start"; return 1; }
	for ((i = 0; i < limit * 20; i++)); do
		kill -0 "$front" 2>/dev/null || return 0
		if [ -s "$result" ]; then
			sleep 0.3
			return 0
		fi
		sleep 0.05
	done
}

# start_host ID W H: bench-host on socket host-ID; sets host_pid
start_host() {
	local id=$1 w=$2 h=$3
	spawn "$rt/host-$id.pid" "$bin/bench-host" --socket "host-$id" \
		--width $((w + 64)) --height $((h + 64)) --refresh "$refresh" \
		>"$out/host-$id.log" 2>&1
	host_pid=$(readpid "$rt/host-$id.pid")
	wait_path "$rt/host-$id" 5 || { log "bench-host did not start (see $out/host-$id.log)"; return 1; }
}

# record MODE HOST SIZE CASE REP RESULT [NAME=STATSFILE...]: one line of
# results.jsonl; the bridge's --stats-file counters ride along as they were
# last written, for later analysis
record() {
	local mode=$1 host=$2 size=$3 case=$4 rep=$5 result=$6 extra="" kv
	shift 6
	for kv in "$@"; do
		if [ -s "${kv#*=}" ]; then
			extra="$extra,\"${kv%%=*}\":$(tr -d '\n' <"${kv#*=}")"
		fi
	done
	if [ -s "$result" ]; then
		printf '{"mode":"%s","host":"%s","size":"%s","case":"%s","rep":%d%s,"result":%s}\n' \
			"$mode" "$host" "$size" "$case" "$rep" "$extra" "$(tail -n 1 "$result")" >>"$results"
		log "  $mode $host $size $case: $(sed -E 's/.*"fps":([0-9.]+).*"lat_p50_ms":([0-9.a-z]+).*/\1 fps, p50 \2 ms/' "$result")"
	else
		printf '{"mode":"%s","host":"%s","size":"%s","case":"%s","rep":%d,"failed":true}\n' \
			"$mode" "$host" "$size" "$case" "$rep" >>"$results"
		log "  $mode $host $size $case: FAILED (logs in $out)"
	fi
}

run_direct() {
	local id=$1 size=$2 case=$3 rep=$4 w h result=$out/$1.json
	read -r w h < <(size_wh "$size")
	start_host "$id" "$w" "$h" || { record direct bench-host "$size" "$case" "$rep" /dev/null; stop_all; return; }
	# shellcheck disable=SC2046
	spawn "$rt/$id-client.pid" env WAYLAND_DISPLAY="host-$id" "$bin/bench-client" \
		$(client_args "$size" "$case" "direct" "$result") --sample "host=$host_pid" \
		>"$out/$id-client.log" 2>&1
	wait_front "$result" "$(readpid "$rt/$id-client.pid")"
	stop_all
	record direct bench-host "$size" "$case" "$rep" "$result"
}

run_waypipe() {
	local id=$1 size=$2 case=$3 rep=$4 comp=$5 w h result=$out/$1.json
	read -r w h < <(size_wh "$size")
	start_host "$id" "$w" "$h" || { record "waypipe-$comp" bench-host "$size" "$case" "$rep" /dev/null; stop_all; return; }
	local sock=$rt/wp-$id.sock
	spawn "$rt/$id-wpc.pid" env WAYLAND_DISPLAY="host-$id" waypipe --no-gpu -c "$comp" \
		--socket "$sock" client >"$out/$id-wpc.log" 2>&1
	local wpc
	wpc=$(readpid "$rt/$id-wpc.pid")
	wait_path "$sock" 5 || log "waypipe client socket missing"
	# shellcheck disable=SC2046
	spawn_front wp_server "$rt/$id-wps.pid" waypipe --no-gpu -c "$comp" --socket "$sock" \
		--display "wp-$id" server -- "$bin/bench-client" \
		$(client_args "$size" "$case" "waypipe-$comp" "$result") \
		--sample "wp_client=$wpc" --sample "host=$host_pid" >"$out/$id-wps.log" 2>&1
	wait_front "$result" "$(readpid "$rt/$id-wps.pid")"
	stop_all
	record "waypipe-$comp" bench-host "$size" "$case" "$rep" "$result"
}

have_bridge() {
	[ -x "$agent" ] && [ -x "$daemon" ]
}

run_bridge() {
	local id=$1 size=$2 case=$3 rep=$4 w h result=$out/$1.json
	read -r w h < <(size_wh "$size")
	start_host "$id" "$w" "$h" || { record bridge bench-host "$size" "$case" "$rep" /dev/null; stop_all; return; }
	local link=$rt/link-$id
	spawn "$rt/$id-daemon.pid" env WAYLAND_DISPLAY="host-$id" "$daemon" --transport local \
		--listen "$link" --vm-name bench --label '#3070c0' \
		--stats-file "$out/$id-daemon-stats.json" >"$out/$id-daemon.log" 2>&1
	local dpid
	dpid=$(readpid "$rt/$id-daemon.pid")
	wait_path "$link" 5 || log "bridge-daemon did not create $link"
	# shellcheck disable=SC2046
	spawn_front agent "$rt/$id-agent.pid" "$agent" --transport local --connect "$link" \
		--socket "agent-$id" --stats-file "$out/$id-agent-stats.json" -- \
		"$bin/bench-client" $(client_args "$size" "$case" bridge "$result") \
		--sample "daemon=$dpid" --sample "host=$host_pid" >"$out/$id-agent.log" 2>&1
	wait_front "$result" "$(readpid "$rt/$id-agent.pid")"
	stop_all
	record bridge bench-host "$size" "$case" "$rep" "$result" \
		"agent_stats=$out/$id-agent-stats.json" "daemon_stats=$out/$id-daemon-stats.json"
}

run_weston() {
	local id=$1 size=$2 case=$3 rep=$4 w h result=$out/$1.json
	read -r w h < <(size_wh "$size")
	spawn "$rt/$id-weston.pid" weston --backend=headless-backend.so --use-pixman \
		--idle-time=0 --socket="weston-$id" --width=$((w + 64)) --height=$((h + 64)) \
		>"$out/$id-weston.log" 2>&1
	local wpid
	wpid=$(readpid "$rt/$id-weston.pid")
	if ! wait_path "$rt/weston-$id" 10; then
		stop_all
		record direct weston "$size" "$case" "$rep" /dev/null
		return
	fi
	sleep 0.5 # let the shell client start
	# shellcheck disable=SC2046
	spawn "$rt/$id-client.pid" env WAYLAND_DISPLAY="weston-$id" "$bin/bench-client" \
		$(client_args "$size" "$case" weston "$result") --sample "host=$wpid" \
		>"$out/$id-client.log" 2>&1
	wait_front "$result" "$(readpid "$rt/$id-client.pid")"
	stop_all
	record direct weston "$size" "$case" "$rep" "$result"
}

sway_user=
setup_sway() {
	command -v sway >/dev/null || return 1
	sway_rt=$(mktemp -d /tmp/bench-sway.XXXXXX) || return 1
	if [ "$(id -u)" = 0 ]; then
		# sway refuses to run as root: run it as nobody in a dir nobody owns
		sway_user=nobody
		chown nobody "$sway_rt" || return 1
	fi
	chmod 0700 "$sway_rt"
}

run_sway() {
	local id=$1 size=$2 case=$3 rep=$4 w h result=$out/$1.json
	read -r w h < <(size_wh "$size")
	local conf=$sway_rt/config-$id
	cat >"$conf" <<EOF
output HEADLESS-1 mode --custom $((w + 64))x$((h + 64))@${refresh}Hz
default_border none
for_window [app_id="bench-client"] floating enable, move position 0 0
EOF
	chmod 0644 "$conf"
	local cmd=(env XDG_RUNTIME_DIR="$sway_rt" HOME="$sway_rt" WLR_BACKENDS=headless
		WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1
		sway -c "$conf")
	if [ -n "$sway_user" ]; then
		cmd=(setpriv --reuid="$sway_user" --regid=nogroup --clear-groups "${cmd[@]}")
	fi
	spawn "$rt/$id-sway.pid" "${cmd[@]}" >"$out/$id-sway.log" 2>&1
	local spid
	spid=$(readpid "$rt/$id-sway.pid")
	local sock
	for _ in $(seq 100); do
		sock=$(find "$sway_rt" -maxdepth 1 -type s -name 'wayland-*' | head -n 1)
		[ -n "$sock" ] && break
		sleep 0.1
	done
	if [ -z "$sock" ]; then
		stop_all
		record direct sway "$size" "$case" "$rep" /dev/null
		return
	fi
	sleep 0.3
	# shellcheck disable=SC2046
	spawn "$rt/$id-client.pid" env XDG_RUNTIME_DIR="$sway_rt" \
		WAYLAND_DISPLAY="$(basename "$sock")" "$bin/bench-client" $(client_args "$size" "$case" sway "$result") \
		--sample "host=$spid" >"$out/$id-client.log" 2>&1
	wait_front "$result" "$(readpid "$rt/$id-client.pid")"
	stop_all
	rm -f "$sway_rt"/wayland-* "$sway_rt"/sway-ipc.*
	record direct sway "$size" "$case" "$rep" "$result"
}

# --- the rounds ----------------------------------------------------------------
modes="direct waypipe-none waypipe-lz4"
if have_bridge; then
	modes="$modes bridge"
	bridge_note=""
else
	bridge_note="bridge runs skipped: ${agent#"$src"/} or ${daemon#"$src"/} not built yet"
	log "$bridge_note"
fi
extra=""
if [ "$realism" = 1 ]; then
	if command -v weston >/dev/null; then extra="$extra weston"; else log "weston not installed: skipped"; fi
	if setup_sway; then extra="$extra sway"; else log "sway not usable: skipped"; fi
fi
for s in $sizes; do
	size_wh "$s" >/dev/null || { log "unknown size $s"; exit 2; }
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "modes: $modes$extra; sizes: $sizes; cases: $cases; ${duration}s x $reps rounds"
n=0
for ((rep = 1; rep <= reps; rep++)); do
	log "round $rep/$reps"
	"$bin/bench-memcpy" 30 | sed "s/^{/{\"rep\":$rep,/" >>"$out/memcpy.jsonl"
	for size in $sizes; do
		for case in $cases; do
			for mode in $modes; do
				n=$((n + 1))
				id=r$rep-$n
				case $mode in
				direct) run_direct "$id" "$size" "$case" "$rep" ;;
				waypipe-none) run_waypipe "$id" "$size" "$case" "$rep" none ;;
				waypipe-lz4) run_waypipe "$id" "$size" "$case" "$rep" lz4 ;;
				bridge) run_bridge "$id" "$size" "$case" "$rep" ;;
				esac
			done
		done
		for mode in $extra; do
			n=$((n + 1))
			id=r$rep-$n
			case $mode in
			weston) run_weston "$id" "$size" full "$rep" ;;
			sway) run_sway "$id" "$size" full "$rep" ;;
			esac
		done
	done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

cat >"$out/meta.json" <<EOF
{"started":"$started","duration":$duration,"warmup":$warmup,"reps":$reps,"refresh":$refresh,
"cpus":$(nproc),"cpu_model":"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//;s/"//g')",
"kernel":"$(uname -r)","load_start":"$load_start","load_end":"$load_end",
"waypipe":"$(waypipe --version 2>&1 | head -n 1 | sed 's/"//g')",
"buildtype":"$(grep -o '"name": "buildtype", "value": "[a-z]*"' "$build/meson-info/intro-buildoptions.json" | sed 's/.*"value": "//;s/"$//')",
"profile":"$here/profile.md",
"bridge_note":"$bridge_note","note":"$(printf '%s' "$note" | sed 's/"/\\"/g')"}
EOF

if [ -z "$python" ]; then
	log "no python3: raw results in $results"
	exit 0
fi
report_args=(--results "$results" --memcpy "$out/memcpy.jsonl" --meta "$out/meta.json")
if [ -n "$docs" ]; then
	mkdir -p "$docs"
	report_args+=(--markdown "$docs/performance.md" --plot "$docs/performance.png")
fi
"$python" "$here/report.py" "${report_args[@]}"
