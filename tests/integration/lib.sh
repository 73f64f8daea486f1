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
		parks_of | fdclose_* | ss_closewait) ;;
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

# wait_until SECONDS CMD...: polls every 50 ms until CMD succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
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
	[ -z "$IT_OWN_TMP" ] || [ -n "${IT_KEEP:-}" ] || rm -rf "$IT_OWN_TMP"
}
trap _it_cleanup EXIT

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
		elif (.pid | type) != "number" or (.fd | type) != "number" or
		     (.inode | type) != "number" or (.netns | type) != "number" or
		     (.recv_q | type) != "number" or (.send_q | type) != "number" or
		     (.comm | type) != "string" or (.local | type) != "string" or
		     (.remote | type) != "string" or (.state | type) != "string"
		then "fields missing or of the wrong type: \(tojson)"
		elif .state != "CLOSE-WAIT" then "not CLOSE-WAIT: \(tojson)"
		else empty end' "$file") || fail "jq could not read fdclose's output"
	[ -z "$bad" ] || fail "fdclose --list --json $*:"$'\n'"$bad"
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

# parks_of NAME: the number of parked calls completed, from "status".
parks_of() {
	local reply
	reply=$(fx_cmd "$1" status) || fail "fixture $1 is not intact: $reply"
	[[ $reply =~ \ parks=([0-9]+) ]] || framework_error "no parks= in '$reply'"
	echo "${BASH_REMATCH[1]}"
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
