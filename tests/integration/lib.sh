# shellcheck shell=bash
# lib.sh: helpers for the integration tests.  Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#
# Exit protocol (tests/integration/run.sh): 0 pass, 77 skip (only when not
# root), 99 framework error, anything else fail.  Tests that need root call
# need_root, which also refuses to run outside the private pid and network
# namespaces run.sh makes: fdclose must never touch a process the test did
# not start.
#
# Fixtures are named: fx_start NAME ARGS... starts build/fixtures/cwfix with
# --ctl $IT_TMP/NAME.ctl --ready $IT_TMP/NAME.ready, and every other fx_*
# helper takes that NAME.  "NAME.child" names the child of a --fork fixture.
set -u

IT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# IT_FDCLOSE points the tests at another binary, e.g. a deliberately broken
# wrapper, to check that they fail when they should.
FDCLOSE=${IT_FDCLOSE:-$IT_ROOT/fdclose}
FIXDIR=$IT_ROOT/build/fixtures
CWFIX=$FIXDIR/cwfix
CWCTL=$FIXDIR/cwctl
SIGSTORM=$FIXDIR/sigstorm
IT_NAME=$(basename "$0" .sh)
IT_READY_TIMEOUT=${IT_READY_TIMEOUT:-10}
IT_PIDS=()
IT_NS_MARK="ip link set lo up || exit 99; bash \"\$1\""
IT_OWN_TMP=

if [ -z "${IT_TMP:-}" ]; then
	IT_TMP=$(mktemp -d "/tmp/fdclose-$IT_NAME.XXXXXX") || exit 99
	IT_OWN_TMP=$IT_TMP
fi
mkdir -p "$IT_TMP" || exit 99

# ---------------------------------------------------------------- verdicts

# The caller of the helper that failed, as file:line.
_it_where() {
	local i
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		case ${FUNCNAME[$i]} in
		fail | framework_error | skip | assert_* | _it_* | fx_* | need_* | wait_* | \
		parks_of | fdclose_* | ss_closewait | sweep_* | syslog_* | live_traffic_* | \
		ss_closewait_* | srv_* | closewait_* | client*_* | http_* | reply_*) ;;
		*) echo "${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]}"; return ;;
		esac
	done
	echo "${BASH_SOURCE[-1]##*/}"
}

# A verdict ends the whole test, also from inside $(...) or a background
# job: the subshell signals the test's shell, whose trap exits with the code.
IT_MAIN=$$
trap 'exit 1' USR1
trap 'exit 99' USR2
_it_end() {
	if [ "$BASHPID" != "$IT_MAIN" ]; then
		kill -s "$([ "$1" = 99 ] && echo USR2 || echo USR1)" "$IT_MAIN"
	fi
	exit "$1"
}

fail() {
	echo "FAIL: $* [$(_it_where)]" >&2
	_it_end 1
}

framework_error() {
	echo "FRAMEWORK ERROR: $* [$(_it_where)]" >&2
	_it_end 99
}

# Skipping is for "cannot run here", never for "did not work": as root
# every test must run, so a skip there is a framework error.
skip() {
	echo "SKIP: $*" >&2
	[ "$(id -u)" = 0 ] && framework_error "a test may not skip when run as root ($*)"
	exit 77
}

log() {
	echo "# $*"
}

# ---------------------------------------------------------------- prerequisites

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || framework_error "needs '$c' (tools/deps.sh installs it)"
	done
}

# Root, and inside the namespaces run.sh made for this test.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -n "${IT_HOST_NETNS:-}" ] && [ -n "${IT_HOST_PIDNS:-}" ] ||
		framework_error "run through tests/integration/run.sh: it gives each test private namespaces"
	[ "$(netns_of self)" != "$IT_HOST_NETNS" ] ||
		framework_error "not in a private network namespace; refusing to run"
	[ "$(stat -L -c %i /proc/self/ns/pid)" != "$IT_HOST_PIDNS" ] ||
		framework_error "not in a private pid namespace; refusing to run"
	# And the namespace is run.sh's: its init is run.sh's bash -c.
	tr '\0' ' ' </proc/1/cmdline | grep -qF "$IT_NS_MARK" ||
		framework_error "pid 1 is not run.sh's namespace init; refusing to run"
	need_cmd ss jq ip unshare nsenter
}

need_fdclose() {
	[ -x "$FDCLOSE" ] || framework_error "$FDCLOSE is not built (make build)"
}

need_fixtures() {
	local f
	for f in "$CWFIX" "$CWCTL" "$SIGSTORM"; do
		[ -x "$f" ] || framework_error "$f is not built (make fixtures)"
	done
}

# ---------------------------------------------------------------- assertions

assert_eq() {
	[ "$2" = "$1" ] || fail "$3: expected '$1', got '$2'"
}

assert_ne() {
	[ "$2" != "$1" ] || fail "$3: got '$2', which it must not be"
}

# assert_match REGEX STRING MESSAGE (extended regex, anchored by the caller)
assert_match() {
	[[ $2 =~ $1 ]] || fail "$3: '$2' does not match /$1/"
}

assert_file_empty() {
	[ ! -s "$1" ] || fail "$2: expected nothing, got:"$'\n'"$(head -20 "$1")"
}

# assert_same_lines EXPECTED_FILE ACTUAL_FILE MESSAGE: equal as sorted sets
# of lines (duplicates count), with a diff on failure.
assert_same_lines() {
	local d
	d=$(diff <(sort "$1") <(sort "$2")) ||
		fail "$3 (< expected, > actual):"$'\n'"$d"
}

# assert_reuse_note_only FILE MESSAGE: stderr of a run that closed fds with
# plain close: exactly the one note that freed numbers can be reused.
assert_reuse_note_only() {
	grep -q "^fdclose: warning: a closed fd's number is free again" "$1" ||
		fail "$2: no note that freed fd numbers can be reused:"$'\n'"$(head -20 "$1")"
	[ "$(wc -l <"$1")" = 1 ] || fail "$2: expected only the reuse note, got:"$'\n'"$(head -20 "$1")"
}

# run_capture CMD...: runs it, leaving $RC, $OUT and $ERR (file names).
run_capture() {
	OUT=$IT_TMP/out.$RANDOM
	ERR=$OUT.err
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# assert_exit CODE CMD...: runs it through run_capture; the code must match.
assert_exit() {
	local want=$1
	shift
	run_capture "$@"
	[ "$RC" = "$want" ] ||
		fail "'$*' exited $RC, expected $want; stdout:"$'\n'"$(head -20 "$OUT")"$'\n'"stderr:"$'\n'"$(head -20 "$ERR")"
}

# assert_usage_error RE ARGS...: fdclose ARGS exits 2 with one line,
# "fdclose: RE...; see fdclose --help".
assert_usage_error() {
	local re=$1 out
	shift
	out=$("$FDCLOSE" "$@" 2>&1 >/dev/null)
	assert_eq 2 $? "exit status of fdclose $*"
	[[ $out =~ ^fdclose:\ $re.*\;\ see\ fdclose\ --help$ ]] || fail "fdclose $*: '$out' is not /$re/"
}

# The parser of Prometheus text the tests read metrics with
# (tests/integration/prom_parse.py, python3-prometheus-client).
need_prom_parser() {
	/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
		framework_error "needs python3-prometheus-client (tools/deps.sh installs it)"
}

# prom_parse IN OUT: prom_parse.py's lines of IN to OUT; fails if it refuses IN.
prom_parse() {
	/usr/bin/python3 "$IT_ROOT/tests/integration/prom_parse.py" "$1" >"$2" 2>"$2.err" ||
		fail "prom_parse.py refuses $1:"$'\n'"$(cat "$2.err")"$'\n'"$(head -40 "$1")"
}

# prom_value PARSED NAME LABELS: the value of that sample in PARSED, "" if none.
prom_value() {
	awk -F'\t' -v n="$2" -v l="$3" '$2 == n && $3 == l { print $4 }' "$1"
}

# wait_until SECONDS CMD...: polls every 50 ms until CMD succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# fdclose_held_at LOG SYSCALL CONDITION ARGS GDB-COMMAND...: runs
# "fdclose ARGS" under gdb (ARGS is handed to a shell by gdb's run:
# redirections work) and holds it at its first call of SYSCALL (a name or
# number) for which CONDITION (a gdb expression, on $rdi, $rsi...) holds.
# There each GDB-COMMAND runs ("shell ..." for the test's own steps), then
# fdclose goes on to its end.  gdb's output goes to LOG.
fdclose_held_at() {
	local log=$1 call=$2 cond=$3 args=$4 cmd
	local -a held=()
	shift 4
	for cmd in "$@"; do
		held+=(-ex "$cmd")
	done
	gdb -q -batch -nx \
		-ex 'set pagination off' \
		-ex "catch syscall $call" \
		-ex "condition 1 $cond" \
		-ex "set args $args" \
		-ex 'run' \
		"${held[@]}" \
		-ex 'delete' \
		-ex 'continue' \
		"$FDCLOSE" >"$log" 2>&1
	# A scan's walk runs on threads: gdb then names the thread that stopped.
	grep -Eq '^(Thread [0-9]+ "[^"]*" hit )?Catchpoint 1 \(call to syscall ' "$log" ||
		framework_error "fdclose never reached syscall $call ($cond) under gdb:"$'\n'"$(tail -20 "$log")"
	grep -q 'exited' "$log" ||
		framework_error "fdclose did not run to its end under gdb:"$'\n'"$(tail -20 "$log")"
}

# fdclose_held_at_seize LOG ARGS GDB-COMMAND...: fdclose_held_at its first
# PTRACE_SEIZE: its run lock taken, nothing of the target stopped yet.
fdclose_held_at_seize() {
	local log=$1 args=$2

	shift 2
	fdclose_held_at "$log" ptrace '$rdi == 0x4206' "$args" "$@"
}

# fdclose_exit_of LOG: the exit status of the fdclose gdb ran (99: none seen).
fdclose_exit_of() {
	local rc

	rc=$(sed -n 's/.*exited with code \([0-9]*\).*/\1/p; s/.*exited normally.*/0/p' "$1" | tail -1)
	echo $((10#${rc:-99}))	# gdb says "code 01"
}

# ---------------------------------------------------------------- fixtures

_it_cleanup() {
	local p
	for p in "${IT_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.1
	for p in "${IT_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${IT_ON_EXIT[@]}"; do
		eval "$p"
	done
	[ -z "$IT_OWN_TMP" ] || [ -n "${IT_KEEP:-}" ] || rm -rf "$IT_OWN_TMP"
}
trap _it_cleanup EXIT

# it_on_exit COMMAND: eval'd when the test ends, after its processes are killed.
IT_ON_EXIT=()
it_on_exit() {
	IT_ON_EXIT+=("$1")
}

# Kill every process the test started, also from another helper.
it_track_pid() {
	IT_PIDS+=("$1")
}

_it_wait_ready() {
	local name=$1 pid=$2 ready=$IT_TMP/$1.ready deadline=$((SECONDS + IT_READY_TIMEOUT))
	until [ -s "$ready" ]; do
		kill -0 "$pid" 2>/dev/null ||
			fail "fixture $name (pid $pid) died before it was ready:"$'\n'"$(cat "$IT_TMP/$name.log")"
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "fixture $name (pid $pid) not ready after ${IT_READY_TIMEOUT}s:"$'\n'"$(cat "$IT_TMP/$name.log")"
		sleep 0.02
	done
	[ "$(fx_field "$name" pid)" = "$pid" ] ||
		framework_error "fixture $name: ready file says pid $(fx_field "$name" pid), started $pid"
	local child
	child=$(fx_field "$name" child)
	[ -z "$child" ] || it_track_pid "$child"
}

# fx_start NAME [cwfix options...]: starts it and waits for its ready file.
fx_start() {
	local name=$1
	shift
	rm -f "$IT_TMP/$name.ready"
	"$CWFIX" --ctl "$IT_TMP/$name.ctl" --ready "$IT_TMP/$name.ready" "$@" \
		</dev/null >"$IT_TMP/$name.log" 2>&1 &
	it_track_pid $!
	_it_wait_ready "$name" $!
}

# fx_start_netns NAME [cwfix options...]: the same in a new network namespace
# of its own (loopback up); the fixture is the namespace's only process.
fx_start_netns() {
	local name=$1
	shift
	rm -f "$IT_TMP/$name.ready"
	unshare --net -- sh -c 'ip link set lo up && exec "$0" "$@"' "$CWFIX" \
		--ctl "$IT_TMP/$name.ctl" --ready "$IT_TMP/$name.ready" "$@" \
		</dev/null >"$IT_TMP/$name.log" 2>&1 &
	it_track_pid $!
	_it_wait_ready "$name" $!
}

# fx_start_pidns NAME [--user] [cwfix options...]: cwfix in a pid namespace
# of its own, as in a container: a shell is the namespace's pid 1 and cwfix
# its pid 2 (pid 1 would ignore signals it has no handler for).  With
# --user, also in a new user namespace (root mapped to us) and a network
# namespace of its own, loopback up: a rootless container.  The ready file's
# pid line is rewritten to the pid we see, its own number kept as ns_pid.
fx_start_pidns() {
	local name=$1 ns=(--pid --fork) up= sh child host
	shift
	if [ "${1:-}" = --user ]; then
		ns=(--user --map-root-user --pid --fork --net)
		up='ip link set lo up || exit 1; '
		shift
	fi
	rm -f "$IT_TMP/$name.ready" "$IT_TMP/$name.ready.ns"
	unshare "${ns[@]}" -- sh -c "$up"'"$0" "$@" & wait' "$CWFIX" \
		--ctl "$IT_TMP/$name.ctl" --ready "$IT_TMP/$name.ready.ns" "$@" \
		</dev/null >"$IT_TMP/$name.log" 2>&1 &
	it_track_pid $!
	wait_until "$IT_READY_TIMEOUT" test -s "$IT_TMP/$name.ready.ns" ||
		fail "fixture $name not ready:"$'\n'"$(cat "$IT_TMP/$name.log")"
	sh=$(cat "/proc/$!/task/$!/children" 2>/dev/null)
	child=$(cat "/proc/${sh%% *}/task/${sh%% *}/children" 2>/dev/null)
	host=${child%% *}
	[ -n "$host" ] && [ "$(awk '$1 == "NSpid:" { print $NF }' "/proc/$host/status")" = \
		"$(awk '$1 == "pid" { print $2 }' "$IT_TMP/$name.ready.ns")" ] ||
		framework_error "fixture $name: cannot find its pid (unshare $!, sh $sh, child $child)"
	it_track_pid "$host"
	awk -v host="$host" '$1 == "pid" { print "pid", host; print "ns_pid", $2; next } { print }' \
		"$IT_TMP/$name.ready.ns" >"$IT_TMP/$name.ready"
}

# fx_field NAME KEY: the value(s) of a ready-file line; "" if absent.
fx_field() {
	local base=${1%.child}
	# NAME.child: its pid is the "child" line, the rest is the parent's.
	if [ "$1" != "$base" ]; then
		if [ "$2" = pid ]; then
			set -- "$base" child
		else
			set -- "$base" "$2"
		fi
	fi
	awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$IT_TMP/$1.ready"
}

fx_pid() {
	fx_field "$1" pid
}

fx_ctl_path() {
	case $1 in
	*.child) fx_field "${1%.child}" child_ctl ;;
	*) fx_field "$1" ctl ;;
	esac
}

# fx_cmd NAME COMMAND [ARG...]: prints the fixture's reply; cwctl's status
# (0 ok, 1 fail reply, 2 unreachable).  CWCTL_TIMEOUT overrides 10 s.
fx_cmd() {
	local name=$1
	shift
	"$CWCTL" -t "${CWCTL_TIMEOUT:-10}" "$(fx_ctl_path "$name")" "$@"
}

# assert_intact NAME...: each (and the child of a --fork one) says "ok".
assert_intact() {
	local name reply
	for name in "$@"; do
		reply=$(fx_cmd "$name" status 2>&1) ||
			fail "fixture $name (pid $(fx_pid "$name")) is not intact: $reply"
		if [ "$name" = "${name%.child}" ] && [ -n "$(fx_field "$name" child)" ]; then
			assert_intact "$name.child"
		fi
	done
}

# assert_fds NAME "6=gone 7=close-wait": the state of its CLOSE_WAIT fds.
assert_fds() {
	local reply
	reply=$(fx_cmd "$1" fds 2>&1) || fail "fixture $1: fds: $reply"
	assert_eq "ok $2" "$reply" "fixture $1 CLOSE_WAIT fds"
}

# wait_parked NAME [SECONDS]: until /proc/PID/syscall shows the mode's parked
# call (the ready file's "syscall" numbers, or "running" for busy).
_it_parked() {
	local now want
	now=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null) || return 1
	for want in $2; do
		[ "$now" = "$want" ] && return 0
	done
	return 1
}

wait_parked() {
	local pid want
	pid=$(fx_pid "$1")
	want=$(fx_field "$1" syscall)
	wait_until "${2:-5}" _it_parked "$pid" "$want" ||
		fail "fixture $1 (pid $pid) not parked in syscall '$want': /proc/$pid/syscall says '$(cut -d' ' -f1 "/proc/$pid/syscall" 2>&1)'"
}

# ---------------------------------------------------------------- the kernel's view

# netns_of PID|self: the inode of its network namespace.
netns_of() {
	stat -L -c %i "/proc/$1/ns/net"
}

# ino_of PID FD: the socket inode behind the fd, or "" if not a socket.
ino_of() {
	local l
	l=$(readlink "/proc/$1/fd/$2" 2>/dev/null) || return 0
	[[ $l =~ ^socket:\[([0-9]+)\]$ ]] && echo "${BASH_REMATCH[1]}"
}

# ss_closewait [PID]: every holder of every CLOSE_WAIT socket as ss sees it,
# in the network namespace of PID (default: ours), one line each:
#   pid fd inode local remote recv_q send_q
# Fails if ss shows a CLOSE_WAIT socket without holder or inode.
ss_closewait() {
	local out
	if [ -n "${1:-}" ]; then
		out=$(nsenter --net="/proc/$1/ns/net" ss -H -tanpe state close-wait) ||
			framework_error "nsenter ss in the netns of $1 failed"
	else
		out=$(ss -H -tanpe state close-wait) || framework_error "ss failed"
	fi
	[ -n "$out" ] || return 0
	awk '{
		ino = ""; holders = 0
		if (match($0, /ino:[0-9]+/)) ino = substr($0, RSTART + 4, RLENGTH - 4)
		rest = $0
		while (match(rest, /pid=[0-9]+,fd=[0-9]+/)) {
			split(substr(rest, RSTART, RLENGTH), kv, /[=,]/)
			print kv[2], kv[4], ino, $3, $4, $1, $2
			holders++
			rest = substr(rest, RSTART + RLENGTH)
		}
		if (!holders || ino == "" || ino == "0") {
			print "ss: CLOSE_WAIT socket without holder or inode: " $0 > "/dev/stderr"
			bad = 1
		}
	} END { exit bad }' <<<"$out" || fail "ss shows CLOSE_WAIT sockets nobody holds"
}

# ---------------------------------------------------------------- fdclose's view

# fdclose_list_json OUTFILE [fdclose --list options...]: runs
# fdclose --list --json, checks that it exits 0, writes nothing to stderr and
# prints one well-formed object per line with every field of the contract
# (state CLOSE-WAIT); leaves the raw lines in OUTFILE.
fdclose_list_json() {
	local file=$1 bad
	shift
	"$FDCLOSE" --list --json "$@" >"$file" 2>"$file.err"
	local rc=$?
	[ "$rc" = 0 ] || fail "fdclose --list --json $* exited $rc:"$'\n'"$(cat "$file.err")"
	assert_file_empty "$file.err" "fdclose --list --json $* on stderr"
	bad=$(jq -c -R 'fromjson? // "not JSON: \(.)" |
		if type != "object" then .
		elif .type == "process" then
			if (.pid | type) != "number" or (.fds | type) != "number" or
			   (.nofile | type) != "number" or (.closewait | type) != "number" or
			   (.oldest_ms | type | IN("number", "null") | not) or
			   (.ages | type) != "object" or (.ages | add) != .closewait
			then "bad process object: \(tojson)"
			else empty end
		elif .type == "backlog" then
			if (.closewait | type) != "number" or (.local | type) != "string"
			then "bad backlog object: \(tojson)" else empty end
		elif .type != "holder" then "no known type: \(tojson)"
		elif (.pid | type) != "number" or (.fd | type) != "number" or
		     (.inode | type) != "number" or (.netns | type) != "number" or
		     (.recv_q | type) != "number" or (.send_q | type) != "number" or
		     (.comm | type) != "string" or (.local | type) != "string" or
		     (.remote | type) != "string" or (.state | type) != "string" or
		     (has("age_ms") | not) or (.age_ms | type | IN("number", "null") | not)
		then "fields missing or of the wrong type: \(tojson)"
		elif .state != "CLOSE-WAIT" then "not CLOSE-WAIT: \(tojson)"
		else empty end' "$file") || fail "jq could not read fdclose's output"
	[ -z "$bad" ] || fail "fdclose --list --json $*:"$'\n'"$bad"
	# Callers look at the holders; the process and backlog objects were checked above.
	jq -c 'select(.type == "holder")' "$file" >"$file.holders" && mv "$file.holders" "$file" ||
		fail "jq could not filter fdclose's output"
}

# fdclose_closewait [fdclose --list options...]: the holders fdclose lists,
# in ss_closewait's line format.
fdclose_closewait() {
	local f=$IT_TMP/list.$RANDOM
	fdclose_list_json "$f" "$@"
	jq -r '"\(.pid) \(.fd) \(.inode) \(.local) \(.remote) \(.recv_q) \(.send_q)"' "$f"
}

# expected_holders NAME...: "pid fd" of every CLOSE_WAIT fd the fixtures hold
# by their ready files, children included.
expected_holders() {
	local name fd pid child
	for name in "$@"; do
		pid=$(fx_pid "$name")
		child=$(fx_field "$name" child)
		for fd in $(fx_field "$name" closewait); do
			echo "$pid $fd"
			[ -z "$child" ] || echo "$child $fd"
		done
	done
}

# ---------------------------------------------------------------- injection

# fdclose_ok NAME FD...: fdclose closes them in the fixture; exit 0 required.
fdclose_ok() {
	local name=$1 pid
	shift
	pid=$(fx_pid "$name")
	run_capture "$FDCLOSE" "$pid" "$@"
	[ "$RC" = 0 ] || fail "fdclose $pid $* ($name) exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
}

# assert_untraced NAME: no thread of it is left traced or in a tracing stop.
assert_untraced() {
	local pid t tracer state
	pid=$(fx_pid "$1")
	for t in /proc/"$pid"/task/*; do
		tracer=$(awk '$1 == "TracerPid:" { print $2 }' "$t/status" 2>/dev/null) || continue
		[ -z "$tracer" ] || [ "$tracer" = 0 ] ||
			fail "fixture $1 thread ${t##*/} still traced by $tracer"
		state=$(awk '$1 == "State:" { print $2 }' "$t/status" 2>/dev/null)
		[ "$state" != t ] || fail "fixture $1 thread ${t##*/} left in a tracing stop"
	done
}

# sigmasks NAME: "tid SigBlk" of every thread, to compare before and after.
sigmasks() {
	local pid t
	pid=$(fx_pid "$1")
	for t in /proc/"$pid"/task/*; do
		echo "${t##*/} $(awk '$1 == "SigBlk:" { print $2 }' "$t/status" 2>/dev/null)"
	done
}

# fx_status_count NAME KEY: the number KEY=N of the fixture's "status".
fx_status_count() {
	local reply
	reply=$(fx_cmd "$1" status) || fail "fixture $1 is not intact: $reply"
	[[ $reply =~ \ $2=([0-9]+) ]] || framework_error "no $2= in '$reply'"
	echo "${BASH_REMATCH[1]}"
}

# parks_of NAME: the number of parked calls completed.
parks_of() {
	fx_status_count "$1" parks
}

# assert_not_closewait INODE...: the kernel no longer has them in CLOSE_WAIT.
assert_not_closewait() {
	local ino cw
	cw=$(ss_closewait)
	for ino in "$@"; do
		! awk -v i="$ino" '$3 == i { f = 1 } END { exit !f }' <<<"$cw" ||
			fail "socket inode $ino is still in CLOSE_WAIT:"$'\n'"$cw"
	done
}

# ---------------------------------------------------------------- fdclose --all-closewait

CHURN=$FIXDIR/churn
SWEEPHELP=$FIXDIR/sweephelp

need_sweep_fixtures() {
	need_fixtures
	local f
	for f in "$CHURN" "$SWEEPHELP"; do
		[ -x "$f" ] || framework_error "$f is not built (make fixtures)"
	done
}

# fx_start_prog NAME DIR PROGRAM [ARGS...]: like fx_start, for any fixture
# that takes --ctl and --ready as cwfix does (churn, a copy of cwfix under
# another name, cwfix run through setpriv), with both in DIR (for a fixture
# that cannot write to $IT_TMP); $IT_TMP/NAME.ready then links to DIR's.
fx_start_prog() {
	local name=$1 dir=$2
	shift 2
	rm -f "$IT_TMP/$name.ready" "$dir/$name.ready"
	[ "$dir" = "$IT_TMP" ] || ln -s "$dir/$name.ready" "$IT_TMP/$name.ready"
	"$@" --ctl "$dir/$name.ctl" --ready "$dir/$name.ready" \
		</dev/null >"$IT_TMP/$name.log" 2>&1 &
	it_track_pid $!
	_it_wait_ready "$name" $!
}

# fd_count PID: how many fds it has open.
fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# nofile_of PID: its soft RLIMIT_NOFILE.
nofile_of() {
	awk '/^Max open files/ { print $4 }' "/proc/$1/limits"
}

# commify N: 20000 -> 20,000, as fdclose prints counts.
commify() {
	local n=$1 out=
	while [ ${#n} -gt 3 ]; do
		out=,${n: -3}$out
		n=${n:0:${#n}-3}
	done
	echo "$n$out"
}

# ss_closewait_all PID...: ss_closewait in our network namespace and in that
# of each PID, each namespace once.
ss_closewait_all() {
	local seen p ns
	seen=" $(netns_of self) "
	ss_closewait
	for p in "$@"; do
		ns=$(netns_of "$p")
		case $seen in *" $ns "*) continue ;; esac
		seen="$seen$ns "
		ss_closewait "$p"
	done
}

# assert_no_closewait [PID...]: ss shows no CLOSE_WAIT socket at all (with or
# without holder, accept queues included) in our network namespace nor in
# that of any PID.
assert_no_closewait() {
	local p left
	left=$(ss -H -tanpe state close-wait)
	for p in "$@"; do
		left+=$(nsenter --net="/proc/$p/ns/net" ss -H -tanpe state close-wait) ||
			framework_error "nsenter ss in the netns of $p failed"
	done
	[ -z "$left" ] || fail "CLOSE_WAIT sockets left:"$'\n'"$left"
}

# socket_fds PID...: "pid fd inode" of every socket fd each has, in one pass
# (thousands of fds: one readlink each from bash would take seconds).
socket_fds() {
	local p
	for p in "$@"; do
		find "/proc/$p/fd" -mindepth 1 -maxdepth 1 -printf "$p %f %l\n" 2>/dev/null
	done | sed -n 's/^\([0-9]* [0-9]*\) socket:\[\([0-9]*\)\]$/\1 \2/p'
}

# fd_inodes NAME...: "pid fd inode" of every CLOSE_WAIT fd the fixtures hold
# (ready files, children included), to compare with later.
fd_inodes() {
	local pids
	pids=$(expected_holders "$@" | cut -d' ' -f1 | sort -u)
	# shellcheck disable=SC2086
	awk 'NR == FNR { ino[$1 " " $2] = $3; next } { print $1, $2, ino[$1 " " $2] }' \
		<(socket_fds $pids) <(expected_holders "$@")
}

# assert_fds_gone FILE: every "pid fd inode" line of FILE (fd_inodes) names
# an fd that is closed, or whose number now names another file.
assert_fds_gone() {
	local left
	# shellcheck disable=SC2046
	left=$(awk 'NR == FNR { now[$1 " " $2] = $3; next } now[$1 " " $2] == $3 && $3 != "" {
		print "fd " $2 " of pid " $1 " still names socket " $3 }' \
		<(socket_fds $(cut -d' ' -f1 "$1" | sort -u)) "$1")
	[ -z "$left" ] || fail "$(head -20 <<<"$left")"
}

# assert_fds_kept FILE: every one still names the same socket (the
# fixture's own view is assert_fds; this one also covers children).
assert_fds_kept() {
	local left
	# shellcheck disable=SC2046
	left=$(awk 'NR == FNR { now[$1 " " $2] = $3; next } now[$1 " " $2] != $3 {
		print "fd " $2 " of pid " $1 " no longer names socket " $3 }' \
		<(socket_fds $(cut -d' ' -f1 "$1" | sort -u)) "$1")
	[ -z "$left" ] || fail "$(head -20 <<<"$left")"
}

# all_gone NAME / all_cw NAME: "FD=gone ..." / "FD=close-wait ..." for its
# CLOSE_WAIT fds, the reply assert_fds expects.
all_gone() {
	fx_field "$1" closewait | sed 's/\([0-9][0-9]*\)/\1=gone/g'
}
all_cw() {
	fx_field "$1" closewait | sed 's/\([0-9][0-9]*\)/\1=close-wait/g'
}

# sweep_json OUTFILE [OPTIONS...]: runs fdclose --all-closewait --json
# OPTIONS, leaving its exit status in $RC, its stderr in OUTFILE.err, and
# checks that stdout is the contract's JSON Lines: objects of type holder,
# process and backlog with every field of the right type, and last exactly
# one summary; results done/skipped/failed/refused in the method's words
# (closed, replaced, shut-down; would-close... with --dry-run, which the
# summary's dry_run must say); the method named in every holder and in the
# summary; error a string when failed; and the exit status 0 exactly when
# nothing failed.  Where nothing was frozen, frozen_us may be missing
# (holders not acted on, or shut down, which freezes nothing; with
# --dry-run, the process objects' freeze fields and fds_after too).  It also
# checks the summary against the holders: each socket (inode) counts once,
# in exactly one of done, failed and skipped; done only if every holder of
# it was done (would-...); failed at least for every socket with a holder
# failed or refused (a socket done in every holder fdclose saw but still in
# CLOSE_WAIT counts as failed too); "processes" counts the processes where
# something was done.  These tests were written for close, which frees the
# fds they then look for: without a --method of their own they get
# --method=close (the default, shutdown, has tests of its own).
sweep_json() {
	local file=$1
	shift
	case " $* " in
	*" --method"* | *" -m "*) ;;
	*) set -- --method=close "$@" ;;
	esac
	"$FDCLOSE" --all-closewait --json "$@" >"$file" 2>"$file.err"
	RC=$?
	sweep_check "$file" "$@"
}

# sweep_method OPTIONS...: the method those options choose for --all-closewait.
sweep_method() {
	local method=shutdown
	while [ $# -gt 0 ]; do
		case $1 in
		--method=*) method=${1#--method=} ;;
		--method | -m) method=${2:-}; shift ;;
		esac
		shift
	done
	echo "$method"
}

# sweep_check OUTFILE [OPTIONS...]: the checks of sweep_json on the output
# of a run made with those options (stdout in OUTFILE, stderr in
# OUTFILE.err, exit status in $RC), for a test that looks at other things
# first.
sweep_check() {
	local file=$1 dry=false o bad method done would
	shift
	for o in "$@"; do
		case $o in -n | --dry-run) dry=true ;; esac
	done
	method=$(sweep_method "$@")
	case $method in
	close) done=closed would=would-close ;;
	replace) done=replaced would=would-replace ;;
	shutdown) done=shut-down would=would-shut-down ;;
	*) framework_error "sweep_check: unknown method '$method'" ;;
	esac
	case $RC in 0 | 1) ;; *) fail "fdclose --all-closewait --json $* exited $RC:"$'\n'"$(cat "$file.err")" ;; esac
	[ -s "$file" ] || fail "fdclose --all-closewait --json $* printed nothing (exit $RC):"$'\n'"$(cat "$file.err")"
	bad=$(jq -c -R --argjson dry "$dry" --arg method "$method" --arg done "$done" \
		--arg would "$would" '
		def num: type == "number";
		def numnull: type == "number" or type == "null";
		def str: type == "string";
		def strnull: type == "string" or type == "null";
		fromjson? // "not JSON: \(.)" |
		if type != "object" then .
		elif .type == "holder" then
			if (.pid | num) and (.fd | num) and (.comm | str) and (.inode | num) and
			   (.netns | num) and (.local | strnull) and (.remote | strnull) and
			   has("local") and has("remote") and
			   (.state | str) and (.recv_q | num) and (.send_q | num) and
			   (.error | strnull) and has("error") and (.frozen_us | numnull) and
			   has("age_ms") and (.age_ms | numnull) and
			   .method == $method and
			   (if $method != "shutdown" and (.result == $done or .result == "failed")
			    then .frozen_us | num else true end) and
			   (.result | IN($done, $would, "skipped", "failed", "refused"))
			then
				if ($dry and .result == $done) or ((($dry | not)) and .result == $would)
				then "result \(.result) with dry_run \($dry): \(tojson)"
				elif .result == "failed" and (.error | str | not)
				then "failed without an error: \(tojson)"
				else empty end
			else "holder: fields missing or of the wrong type: \(tojson)" end
		elif .type == "process" then
			if (.pid | num) and (.comm | str) and (.fds_before | num) and (.nofile | num) and
			   (.closewait | num) and (.oldest_ms | numnull) and (.ages | type) == "object" and
			   if $dry then (.fds_after | numnull) and (.frozen_us | numnull) and
				(.max_window_us | numnull) and (.windows | numnull) and (.threads | numnull)
			   else (.fds_after | num) and (.frozen_us | num) and (.max_window_us | num) and
				(.windows | num) and (.threads | num) end
			then empty
			else "process: fields missing or of the wrong type: \(tojson)" end
		elif .type == "backlog" then
			if (.pid | numnull) and (.fd | numnull) and (.comm | strnull) and (.inode | num) and
			   (.local | str) and (.netns | num) and (.closewait | num)
			then empty
			else "backlog: fields missing or of the wrong type: \(tojson)" end
		elif .type == "summary" then
			if .summary == true and (.done | num) and .method == $method and
			   (.processes | num) and (.failed | num) and
			   (.skipped | num) and (.frozen_us_median | num) and (.frozen_us_max | num) and
			   (.wall_us | num) and .dry_run == $dry and
			   ([.phases_us | (.scan, .admit, .references, .frozen, .act, .release, .confirm,
			     .report) | select(num and . >= 0)] | length) == 8 and
			   ([.phases_us[]] | add) <= .wall_us
			then empty
			else "summary: fields missing, of the wrong type or dry_run not \($dry): \(tojson)" end
		else "unknown type: \(tojson)" end' "$file") ||
		fail "jq could not read the output of fdclose --all-closewait --json $*"
	[ -z "$bad" ] || fail "fdclose --all-closewait --json $*:"$'\n'"$bad"
	[ "$(jq -R -s 'split("\n") | map(select(. != "") | fromjson | select(.type == "summary")) | length' "$file")" = 1 ] ||
		fail "fdclose --all-closewait --json $*: not exactly one summary object"
	[ "$(tail -n 1 "$file" | jq -r .type)" = summary ] ||
		fail "fdclose --all-closewait --json $*: the summary is not the last line"
	# The summary against the holders.
	bad=$(jq -s -r --argjson dry "$dry" --arg d "$done" --arg w "$would" '
		(if $dry then $w else $d end) as $done |
		map(select(.type == "holder")) as $h |
		(map(select(.type == "summary")) | last) as $s |
		($h | group_by(.inode)) as $socks |
		($socks | map(select(all(.result == $done))) | length) as $all_done |
		($socks | map(select(any(.result == "failed" or .result == "refused"))) | length) as $some_failed |
		($h | map(select(.result == $done) | .pid) | unique | length) as $procs |
		if $s.done + $s.failed + $s.skipped != ($socks | length) then
			"done \($s.done) + failed \($s.failed) + skipped \($s.skipped) is not the \($socks | length) sockets of the holder objects"
		elif $s.done > $all_done then
			"done \($s.done), but only \($all_done) sockets were done in every holder"
		elif $s.failed < $some_failed then
			"failed \($s.failed), but \($some_failed) sockets have a holder failed or refused"
		elif $s.processes != $procs then
			"processes \($s.processes), but something was done in \($procs)"
		else empty end' "$file")
	[ -z "$bad" ] || fail "the summary of fdclose --all-closewait --json $* against its holder objects: $bad"
	if [ "$RC" = 0 ]; then
		[ "$(tail -n 1 "$file" | jq .failed)" = 0 ] ||
			fail "fdclose --all-closewait --json $* exited 0 though failed is $(tail -n 1 "$file" | jq .failed)"
	else
		[ "$(tail -n 1 "$file" | jq .failed)" != 0 ] || jq -e 'select(.type == "holder" and .result == "refused")' "$file" >/dev/null ||
			fail "fdclose --all-closewait --json $* exited $RC though nothing failed:"$'\n'"$(cat "$file.err")"
	fi
}

# sweep_ok OUTFILE [OPTIONS...]: sweep_json, which must exit 0 with nothing
# on stderr.
sweep_ok() {
	local file=$1
	sweep_json "$@"
	shift
	[ "$RC" = 0 ] || fail "fdclose --all-closewait --json $* exited $RC:"$'\n'"$(jq -c 'select(.result == "failed" or .result == "refused" or .type == "summary")' "$file")"$'\n'"$(cat "$file.err")"
	assert_file_empty "$file.err" "stderr of fdclose --all-closewait --json $*"
}

# sweep_summary FILE: "closed=N processes=M failed=F skipped=S" of its
# summary (closed: the sockets its method ended).
sweep_summary() {
	tail -n 1 "$1" | jq -r '"closed=\(.done) processes=\(.processes) failed=\(.failed) skipped=\(.skipped)"'
}

# sweep_holders FILE [RESULT]: "pid fd inode local remote recv_q send_q" of
# the holder objects (with that result), as ss_closewait prints holders.
sweep_holders() {
	jq -r --arg r "${2:-}" 'select(.type == "holder" and ($r == "" or .result == $r)) |
		"\(.pid) \(.fd) \(.inode) \(.local) \(.remote) \(.recv_q) \(.send_q)"' "$1"
}

# sweep_process FILE PID FIELD: that field of the process object of PID.
sweep_process() {
	jq -r --argjson p "$2" --arg f "$3" 'select(.type == "process" and .pid == $p) | .[$f]' "$1"
}

# live_traffic_start NAME...: a loop per fixture asks it, again and again,
# for a round trip on every live connection, until live_traffic_stop.
IT_TRAFFIC_PIDS=()
live_traffic_start() {
	local name
	rm -f "$IT_TMP"/traffic.*
	for name in "$@"; do
		(
			n=0
			while [ ! -e "$IT_TMP/traffic.stop" ]; do
				if r=$(fx_cmd "$name" live 2>&1); then
					n=$((n + 1))
					# Atomically: a reader must never see it empty.
					echo "$n" >"$IT_TMP/traffic.$name.n.tmp"
					mv "$IT_TMP/traffic.$name.n.tmp" "$IT_TMP/traffic.$name.n"
				else
					echo "$r" >>"$IT_TMP/traffic.$name.fail"
					sleep 0.05
				fi
			done
		) &
		IT_TRAFFIC_PIDS+=($!)
		it_track_pid $!
	done
	for name in "$@"; do
		wait_until 10 test -s "$IT_TMP/traffic.$name.n" ||
			framework_error "no live round trip with fixture $name"
	done
}

# live_traffic_mark: remembers how many round trips each loop made so far.
live_traffic_mark() {
	local f
	for f in "$IT_TMP"/traffic.*.n; do
		cp "$f" "$f.mark.tmp"
		mv "$f.mark.tmp" "$f.mark"
	done
}

# live_traffic_stop: waits (up to 10 s) until each loop has made a round
# trip since live_traffic_mark, then stops them; none may have seen a
# failed round trip.
_it_traffic_moved() {
	local f
	for f in "$IT_TMP"/traffic.*.n; do
		[ ! -e "$f.mark" ] || [ "$(cat "$f")" -gt "$(cat "$f.mark")" ] || return 1
	done
}
live_traffic_stop() {
	local f name p
	wait_until 10 _it_traffic_moved
	touch "$IT_TMP/traffic.stop"
	for p in "${IT_TRAFFIC_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	IT_TRAFFIC_PIDS=()
	for f in "$IT_TMP"/traffic.*.fail; do
		[ -e "$f" ] || continue
		name=${f#"$IT_TMP"/traffic.}
		fail "live round trips with fixture ${name%.fail} failed:"$'\n'"$(head -5 "$f")"
	done
	for f in "$IT_TMP"/traffic.*.n; do
		name=${f#"$IT_TMP"/traffic.}
		name=${name%.n}
		[ ! -e "$f.mark" ] || [ "$(cat "$f")" -gt "$(cat "$f.mark")" ] ||
			fail "no live round trip with fixture $name since the mark ($(cat "$f") in all)"
	done
}

# syslog_capture_start: makes /dev/log, in this test's own mount namespace
# (run.sh's unshare --mount-proc made it, with private propagation), a unix
# datagram socket that sweephelp logsink serves: every message sent to it
# lands as one line in $IT_SYSLOG.  /dev is overmounted with a tmpfs
# holding the few device nodes the tests use, so that nothing is created in
# the machine's /dev, whether or not it has a /dev/log of its own.
syslog_capture_start() {
	local prop
	need_root
	need_sweep_fixtures
	tr '\0' ' ' </proc/1/cmdline | grep -qF "$IT_NS_MARK" &&
		[ "$(stat -L -c %i /proc/self/ns/mnt)" = "$(stat -L -c %i /proc/1/ns/mnt)" ] ||
		framework_error "not in run.sh's mount namespace; refusing to mount over /dev"
	prop=$(findmnt -n -o PROPAGATION /dev) || framework_error "findmnt /dev failed"
	[ "$prop" = private ] || framework_error "/dev has propagation '$prop', not private; refusing to mount over it"
	mount -t tmpfs -o mode=0755,size=1m fdclose-it-dev /dev || framework_error "cannot mount a tmpfs on /dev"
	mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		mknod -m 666 /dev/full c 1 7 && mknod -m 666 /dev/random c 1 8 &&
		mknod -m 666 /dev/urandom c 1 9 && mknod -m 666 /dev/tty c 5 0 &&
		ln -s /proc/self/fd /dev/fd && ln -s fd/0 /dev/stdin && ln -s fd/1 /dev/stdout &&
		ln -s fd/2 /dev/stderr && mkdir /dev/pts /dev/shm || framework_error "cannot populate the private /dev"
	IT_SYSLOG=$IT_TMP/syslog
	: >"$IT_SYSLOG"
	rm -f "$IT_TMP/logsink.ready"
	"$SWEEPHELP" logsink /dev/log "$IT_SYSLOG" "$IT_TMP/logsink.ready" </dev/null >"$IT_TMP/logsink.log" 2>&1 &
	it_track_pid $!
	wait_until 5 test -s "$IT_TMP/logsink.ready" ||
		framework_error "logsink did not start: $(cat "$IT_TMP/logsink.log")"
	[ -S /dev/log ] || framework_error "/dev/log is not a socket"
}

# syslog_wait N: waits until $IT_SYSLOG has at least N lines (N 0: half a
# second, to let any stray message arrive), then a little longer for
# stragglers; prints the count.
syslog_wait() {
	if [ "$1" = 0 ]; then
		sleep 0.5
	else
		wait_until 5 test "$(wc -l <"$IT_SYSLOG")" -ge "$1"
		sleep 0.2
	fi
	wc -l <"$IT_SYSLOG"
}

# ---------------------------------------------------------------- targets that are not cwfix
# (t_close_errors, t_close_timeout, t_close_sigint)

VFORKER=$FIXDIR/vforker
STRICT=$FIXDIR/strict

# need_fixture_bins NAME...: build/fixtures/NAME exists for each.
need_fixture_bins() {
	local f
	for f in "$@"; do
		[ -x "$FIXDIR/$f" ] || framework_error "$FIXDIR/$f is not built (make fixtures)"
	done
}

# tracer_of PID: its TracerPid; "" if it is gone.
tracer_of() {
	awk '$1 == "TracerPid:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# state_of PID: the letter of its State (S, D, t, Z...); "" if it is gone.
state_of() {
	awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# assert_pid_untraced PID WHAT: assert_untraced for a process given by pid.
assert_pid_untraced() {
	local t tracer state
	[ -d "/proc/$1" ] || fail "$2 (pid $1) is gone"
	for t in /proc/"$1"/task/*; do
		tracer=$(awk '$1 == "TracerPid:" { print $2 }' "$t/status" 2>/dev/null) || continue
		[ -z "$tracer" ] || [ "$tracer" = 0 ] ||
			fail "$2 (pid $1) thread ${t##*/} still traced by $tracer"
		state=$(awk '$1 == "State:" { print $2 }' "$t/status" 2>/dev/null)
		[ "$state" != t ] || fail "$2 (pid $1) thread ${t##*/} left in a tracing stop"
	done
}

# assert_fd_is PID FD LINK WHAT: /proc/PID/fd/FD still reads LINK.
assert_fd_is() {
	local now
	now=$(readlink "/proc/$1/fd/$2" 2>/dev/null) || fail "$4: fd $2 of pid $1 is no longer open"
	assert_eq "$3" "$now" "$4: fd $2 of pid $1"
}

# ms_now: a monotonic-enough clock in milliseconds.
ms_now() {
	date +%s%3N
}

# fx_vforker_start NAME [vforker options...]: starts build/fixtures/vforker
# with --ready $IT_TMP/NAME.ready (fx_field and fx_pid read it), output in
# $IT_TMP/NAME.log.  Its pid is $! of the caller's shell, so only that
# shell can fx_vforker_done it.
fx_vforker_start() {
	local name=$1
	shift
	rm -f "$IT_TMP/$name.ready"
	"$VFORKER" --ready "$IT_TMP/$name.ready" "$@" </dev/null >"$IT_TMP/$name.log" 2>&1 &
	it_track_pid $!
	_it_wait_ready "$name" $!
}

# wait_in_vfork NAME: until its main thread waits in vfork() (State D).
_it_in_vfork() {
	[ "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" = "$2" ] && [ "$(state_of "$1")" = D ]
}

wait_in_vfork() {
	local pid
	pid=$(fx_pid "$1")
	wait_until 5 _it_in_vfork "$pid" "$(fx_field "$1" syscall)" ||
		fail "vforker $1 (pid $pid) is not waiting in vfork: State $(state_of "$pid"), syscall '$(cut -d' ' -f1 "/proc/$pid/syscall" 2>&1)'"
}

# fx_vforker_done NAME SECONDS: waits for it to exit on its own; it must
# exit 0 and say "ok" (its own check after vfork returned).
fx_vforker_done() {
	local pid rc
	pid=$(fx_pid "$1")
	wait_until "$2" eval '! kill -0 "$pid" 2>/dev/null' ||
		fail "vforker $1 (pid $pid) still runs after ${2}s: State $(state_of "$pid")"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] && grep -q '^ok ' "$IT_TMP/$1.log" ||
		fail "vforker $1 (pid $pid) exited $rc after vfork returned: $(cat "$IT_TMP/$1.log")"
}

# ---------------------------------------------------------------- real servers (t_method_*)
# The t_method_* tests run real servers (redis, nginx, haproxy) and
# build/fixtures/threadsrv by hand, each with a config written into $IT_TMP
# and listening on 127.0.0.1 of the test's own network namespace.

THREADSRV=$FIXDIR/threadsrv

# srv_start NAME CMD...: runs CMD in the background, stdout and stderr in
# $IT_TMP/NAME.log, killed when the test ends; its pid in $SRV_PID.
srv_start() {
	local name=$1
	shift
	"$@" </dev/null >"$IT_TMP/$name.log" 2>&1 &
	SRV_PID=$!
	it_track_pid "$SRV_PID"
}

# wait_listen NAME PID PORT: until PID listens on 127.0.0.1:PORT (10 s).
_it_listens() {
	ss -H -tlnp "sport = :$2" | grep -q "pid=$1,"
}
wait_listen() {
	wait_until 10 _it_listens "$2" "$3" ||
		fail "$1 (pid $2) does not listen on port $3 after 10 s:"$'\n'"$(tail -20 "$IT_TMP/$1.log")"
}

# assert_alive NAME PID: it still runs.  A child of the test's shell that
# died is reaped and its end named (e.g. killed by SIGSEGV).
assert_alive() {
	local st rc how
	st=$(state_of "$2")
	[ -n "$st" ] && [ "$st" != Z ] && return 0
	how="is gone"
	if wait "$2" 2>/dev/null; then
		how="exited 0"
	else
		rc=$?
		if [ "$rc" -gt 128 ] && [ "$rc" != 255 ]; then
			how="was killed by SIG$(kill -l $((rc - 128)))"
		elif [ "$rc" != 127 ]; then
			how="exited $rc"
		fi
	fi
	fail "$1 (pid $2) $how; its log ends:"$'\n'"$(tail -20 "$IT_TMP/$1.log" 2>/dev/null)"
}

# closewait_sweep COUNT PID...: waits (5 s) until ss shows exactly COUNT
# CLOSE_WAIT sockets, each held by one of PIDs and nothing else; then runs
# fdclose --all-closewait with its default method, which must exit 0 and
# leave no CLOSE_WAIT socket.  Its output stays in $SWEEP_OUT (stdout and
# stderr).
_it_cw_count() {
	[ "$(ss_closewait | wc -l)" = "$1" ]
}
closewait_sweep() {
	local want=$1 strangers
	shift
	wait_until 5 _it_cw_count "$want" ||
		fail "expected $want CLOSE_WAIT sockets, ss shows:"$'\n'"$(ss -H -tanpe state close-wait)"
	strangers=$(ss_closewait | awk -v pids=" $* " 'index(pids, " " $1 " ") == 0')
	[ -z "$strangers" ] || fail "CLOSE_WAIT held by processes other than $*:"$'\n'"$strangers"
	run_capture timeout 20 "$FDCLOSE" --all-closewait --no-syslog
	SWEEP_OUT=$IT_TMP/sweep.out
	cat "$OUT" "$ERR" >"$SWEEP_OUT"
	[ "$RC" = 0 ] || fail "fdclose --all-closewait exited $RC:"$'\n'"$(cat "$SWEEP_OUT")"
	assert_no_closewait
}

# client_bg NAME CMD...: a client in the background: its stdout in
# $IT_TMP/NAME.body, its stderr in NAME.err, its exit status in NAME.rc.
client_bg() {
	local name=$1
	shift
	rm -f "$IT_TMP/$name.body" "$IT_TMP/$name.rc" "$IT_TMP/$name.err"
	(
		"$@" >"$IT_TMP/$name.body" 2>"$IT_TMP/$name.err" </dev/null
		echo $? >"$IT_TMP/$name.rc.tmp"
		mv "$IT_TMP/$name.rc.tmp" "$IT_TMP/$name.rc"
	) &
	it_track_pid $!
}

# http_get_bg NAME URL [CURL OPTIONS...]: client_bg with curl URL, which
# gives up after 15 s unless the options give another --max-time.
http_get_bg() {
	local name=$1 url=$2
	shift 2
	client_bg "$name" curl -sS --max-time 15 "$@" "$url"
}

# clients_wait SECONDS NAME...: until every one of them has ended.
_it_all_rc() {
	local n
	for n in "$@"; do
		[ -e "$IT_TMP/$n.rc" ] || return 1
	done
}
clients_wait() {
	local secs=$1 n left=
	shift
	wait_until "$secs" _it_all_rc "$@" && return 0
	for n in "$@"; do
		[ -e "$IT_TMP/$n.rc" ] || left+=" $n"
	done
	framework_error "clients still running after ${secs}s:$left"
}

# reply_problem NAME BODY...: nothing if NAME's client exited 0 with exactly
# that output (each BODY one line), else one line saying what it got
# instead: another client's reply is the cross-wiring the t_method_* tests
# look for.
reply_problem() {
	local name=$1 rc want got err=
	shift
	rc=$(cat "$IT_TMP/$name.rc")
	want=$(printf '%s\n' "$@")
	got=$(cat "$IT_TMP/$name.body" 2>/dev/null)
	[ "$rc" = 0 ] && [ "$got" = "$want" ] && return 0
	[ ! -s "$IT_TMP/$name.err" ] || err=": $(head -c 200 "$IT_TMP/$name.err" | tr '\n' ' ')"
	echo "client $name: expected its own reply '${want//$'\n'/ | }', got '${got//$'\n'/ | }' (exit $rc$err)"
}

# assert_replies NAME BODY...: reply_problem finds nothing.
assert_replies() {
	local p
	p=$(reply_problem "$@")
	[ -z "$p" ] || fail "$p"
}

# assert_no_problems WHAT PROBLEMS: PROBLEMS (lines from reply_problem) is
# empty.
assert_no_problems() {
	[ -z "$2" ] || fail "$1: $(grep -c . <<<"$2") wrong:"$'\n'"${2%$'\n'}"
}

# --watch tests (t_watch, t_watch_stop).
# stop_watch PID SIGNAL MAX_MS WHAT: sends SIGNAL, checks it exits 0 within MAX_MS.
stop_watch() {
	local t0 rc ms
	t0=$(ms_now)
	kill -s "$2" "$1" || fail "$4: fdclose --watch (pid $1) is not running"
	wait "$1"
	rc=$?
	ms=$(($(ms_now) - t0))
	assert_eq 0 "$rc" "$4: exit status after SIG$2"
	[ "$ms" -le "$3" ] || fail "$4: exited $ms ms after SIG$2, more than $3 ms"
	log "$4: exited $ms ms after SIG$2"
}

# passes: the "watch pass N" lines in the syslog capture.
passes() {
	grep -c 'fdclose\[[0-9]*\]: watch pass [0-9]*:' "$IT_SYSLOG"
}
passes_at_least() {
	[ "$(passes)" -ge "$1" ]
}
