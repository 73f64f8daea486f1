#!/usr/bin/env bash
# tests/soak/selftest.sh: shows that each of soakfix's checks can fail.  For
# each disturbance class it starts a fresh soakfix, checks that it first says
# "ok disturbances=0", then disturbs it on purpose the way a broken injector
# would (gdb setting a register or a signal mask in one thread, a signal or
# a record that should not be there, a freeze that lasts, fdclose pointed at
# an fd in use) and requires "check" to count that class.  Prints one line
# per class and last "selftest: N of M classes caught"; exit 0 if all were.
# Root; gdb and python3.  Its own pid and network namespace, as run.sh.
# gdb expressions name registers ($rax): single quotes on purpose.
# shellcheck disable=SC2016
set -u
HERE=$(cd "$(dirname "$0")/../.." && pwd)
FDCLOSE=${SOAK_FDCLOSE:-$HERE/fdclose}
FIX=$HERE/build/fixtures
[ "$(id -u)" = 0 ] || { echo "selftest: needs root" >&2; exit 2; }
for c in gdb python3; do
	command -v "$c" >/dev/null || { echo "selftest: needs $c" >&2; exit 2; }
done
if [ -z "${SOAK_INSIDE:-}" ]; then
	# shellcheck disable=SC2016 # expanded by the inner bash
	exec env SOAK_INSIDE=1 unshare --kill-child --pid --fork --mount-proc --net -- \
		bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
T=$(mktemp -d /tmp/fdclose-selftest.XXXXXX) || exit 2
fix=
# shellcheck disable=SC2317 # called by the trap
stop_fix() {
	[ -z "$fix" ] || { kill -KILL "$fix"; wait "$fix"; } 2>/dev/null
	fix=
}
trap 'stop_fix; rm -rf "$T"' EXIT
caught=0 tried=0

ctl() {
	"$FIX/cwctl" -t 20 "$T/ctl" "$@"
}

# fresh: a new soakfix, settled, that says it is undisturbed.
fresh() {
	stop_fix
	rm -f "$T/ready"
	"$FIX/soakfix" --ctl "$T/ctl" --ready "$T/ready" </dev/null 2>"$T/fix.log" &
	fix=$!
	until [ -s "$T/ready" ]; do sleep 0.02; done
	pid=$fix
	sleep 1.2
	reply=$(ctl check)
	[[ $reply == "ok disturbances=0 "* ]] || { echo "selftest: not clean at start: $reply" >&2; exit 1; }
}

field() {
	awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$T/ready"
}

# chan I: "kind rfd wfd" of channel I.
chan() {
	local -a c
	read -r -a c <<<"$(field channels)"
	echo "${c[$1]//:/ }"
}

tid_of() {
	local t
	for t in /proc/"$pid"/task/*; do
		[ "$(cat "$t/comm")" = "$1" ] && { echo "${t##*/}"; return; }
	done
}

# expect CLASS HOW: the fixture's check now counts CLASS.
expect() {
	local class=$1 how=$2 reply
	tried=$((tried + 1))
	sleep "${SETTLE:-0.5}"
	reply=$(ctl check)
	if [[ $reply =~ \ $class=([0-9]+) ]]; then
		caught=$((caught + 1))
		printf 'caught  %-12s %s\n        -> %s\n' "$class" "$how" "$reply"
	else
		printf 'MISSED  %-12s %s\n        -> %s\n' "$class" "$how" "$reply"
	fi
}

GDB=(gdb -q -nx -batch -p)
GDB_QUIET=(-ex 'handle SIG34 nostop noprint pass' -ex 'handle SIGUSR2 nostop noprint pass')
# gdb commands that select the thread named $1.
pick() {
	echo "python [t for t in gdb.selected_inferior().threads() if t.name == '$1'][0].switch()"
}

# ---------------------------------------------------------------- reads
fresh
kill -USR2 "$pid"
expect eintr "kill -USR2: a read or sleep returns EINTR (the probe's handler has no SA_RESTART)"

fresh
read -r _ r _ <<<"$(chan 0)"
dd if="/proc/$pid/fd/$r" of=/dev/null bs=64 count=1 status=none
expect seq "dd took one 64-byte record out of the pipe read0 reads"

fresh
read -r _ r w <<<"$(chan 1)"
python3 - "$pid" "$r" "$w" <<'EOF'
import os, sys
pid, r, w = sys.argv[1:]
rec = bytearray(os.read(os.open(f"/proc/{pid}/fd/{r}", os.O_RDONLY), 64))
rec[40] ^= 1
os.write(os.open(f"/proc/{pid}/fd/{w}", os.O_WRONLY), bytes(rec))
EOF
expect data "one record taken out of a pipe, one bit flipped, written back"

fresh
read -r _ _ w <<<"$(chan 2)"
printf '0123456789' >"/proc/$pid/fd/$w"
expect short "10 bytes written into the pipe read2 reads (64-byte records)"

fresh
read -r _ r _ <<<"$(chan 0)"
"$FDCLOSE" --no-syslog --force --method=replace "$pid" "$r" >/dev/null 2>&1
expect eof "fdclose --force --method=replace on the pipe read0 reads (an fd in use)"

fresh
read -r _ _ w <<<"$(chan 3)"
"$FDCLOSE" --no-syslog --force --method=replace "$pid" "$w" >/dev/null 2>&1
expect error "fdclose --force --method=replace on the stream socket feed writes to: EBADF"

fresh
"$FDCLOSE" --no-syslog --force --method=replace "$pid" "$(field listen)" >/dev/null 2>&1
expect fd "fdclose --force --method=replace on the listener"

# ---------------------------------------------------------------- sleeps
fresh
kill -STOP "$pid"
sleep 1
kill -CONT "$pid"
expect late "SIGSTOP for 1 s: sleeps end late, not for want of a CPU"

fresh
"${GDB[@]}" "$pid" "${GDB_QUIET[@]}" -ex "$(pick sleep5)" -ex 'print $orig_rax' \
	-ex 'set $orig_rax = -1' -ex 'set $rax = 0' -ex detach >"$T/gdb" 2>&1
expect early "gdb: sleep5 (a 400-1000 ms clock_nanosleep) returns 0 at once, not restarted ($(grep -o '^\$1 = .*' "$T/gdb"))"

fresh
"${GDB[@]}" "$pid" "${GDB_QUIET[@]}" -ex "$(pick sleep6)" -ex 'print $orig_rax' \
	-ex 'print $rax' -ex 'set $rax = -514' -ex detach >"$T/gdb" 2>&1
SETTLE=1.5 expect late "gdb: sleep6's interrupted clock_nanosleep restarted from scratch (-ERESTARTNOHAND)"

# ---------------------------------------------------------------- registers
line=$(grep -n 'u4 -= u3 ^ i;' "$HERE/fixtures/soakfix.c" | cut -d: -f1)
fresh
xmm=()
for i in $(seq 0 15); do
	xmm+=(-ex "set \$xmm$i.v2_int64[0] = \$xmm$i.v2_int64[0] ^ 1")
done
"${GDB[@]}" "$pid" "${GDB_QUIET[@]}" -ex "break soakfix.c:$line" -ex continue -ex delete \
	"${xmm[@]}" -ex detach >"$T/gdb" 2>&1
expect sum "gdb: in a sum thread's loop, the lowest bit of each xmm register flipped (mask counts too: the breakpoint's SIGTRAP unblocked SIGTRAP)"

fresh
"${GDB[@]}" "$pid" "${GDB_QUIET[@]}" -ex "break soakfix.c:$line" -ex continue -ex delete \
	-ex 'set $st0 = $st0 * 1.0000001' -ex detach >"$T/gdb" 2>&1
expect sum "gdb: in a sum thread's loop, the x87 st0 scaled by 1.0000001"

# ---------------------------------------------------------------- signals
fresh
timeout -s INT 1 "${GDB[@]}" "$pid" -ex 'handle SIG34 nostop noprint nopass' \
	-ex 'handle SIGUSR2 nostop noprint pass' -ex continue -ex detach >"$T/gdb" 2>&1
SETTLE=1 expect sig_lost "gdb for 1 s with SIGRTMIN nopass: the signals it saw were never delivered"

# rt_sigqueueinfo as the process itself would queue (SI_QUEUE, its own pid).
sigqueue_as() {
	python3 - "$pid" "$1" "$2" <<'EOF'
import ctypes, os, struct, sys
pid, sender, value = (int(a) for a in sys.argv[1:])
sig = 34  # SIGRTMIN as glibc numbers it
# siginfo_t: signo, errno, code, pad; pid, uid; sigval (8 bytes); 128 in all
info = struct.pack("iiii", sig, 0, -1, 0) + struct.pack("iI", sender, 0) + struct.pack("q", value)
info = info.ljust(128, b"\0")
libc = ctypes.CDLL(None, use_errno=True)
if libc.syscall(129, pid, sig, ctypes.c_char_p(info)):
    sys.exit(f"rt_sigqueueinfo: {os.strerror(ctypes.get_errno())}")
EOF
}

fresh
reply=$(ctl check)
[[ $reply =~ sig_next=([0-9]+) ]] || { echo "selftest: no sig_next in '$reply'" >&2; exit 1; }
sleep 0.2
sigqueue_as "$pid" "${BASH_REMATCH[1]}"
expect sig_dup "rt_sigqueueinfo of value ${BASH_REMATCH[1]} (already delivered), SI_QUEUE, its own pid"

fresh
sigqueue_as "$pid" $((1 << 30))
expect sig_range "rt_sigqueueinfo of value 2^30 (never sent), SI_QUEUE, its own pid"

fresh
kill -s RTMIN "$pid"
expect sig_foreign "kill -s RTMIN (SI_USER, from another process)"

fresh
# The sender paused first: a signal still pending would run its handler in
# sigrcv0 on the way out, as sigsuspend's mask lets it in.
"${GDB[@]}" "$pid" "${GDB_QUIET[@]}" -ex 'set var fx.sig_pause = 1' -ex detach >"$T/gdb" 2>&1
sleep 0.5
"${GDB[@]}" "$pid" "${GDB_QUIET[@]}" -ex "$(pick sigrcv0)" -ex 'print $orig_rax' \
	-ex 'set $orig_rax = -1' -ex 'set $rax = -4' -ex detach >"$T/gdb" 2>&1
expect spurious "gdb: sigrcv0's sigsuspend returns EINTR with no handler run ($(grep -o '^\$1 = .*' "$T/gdb"))"

# ---------------------------------------------------------------- threads
fresh
"${GDB[@]}" "$pid" "${GDB_QUIET[@]}" -ex "$(pick sleep0)" -ex 'set $p = (unsigned long *) malloc(8)' \
	-ex 'set *$p = ~0UL' -ex 'print (long) syscall(14L, 0L, $p, 0L, 8L)' -ex detach >"$T/gdb" 2>&1
expect mask "gdb: sleep0 blocks every signal (rt_sigprocmask), as an injector that forgot to restore it"

fresh
tid=$(tid_of sleep1)
python3 - "$tid" <<'EOF' &
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
tid = int(sys.argv[1])
PTRACE_SEIZE, PTRACE_INTERRUPT = 0x4206, 0x4207
if libc.ptrace(PTRACE_SEIZE, tid, 0, 0) or libc.ptrace(PTRACE_INTERRUPT, tid, 0, 0):
    sys.exit("ptrace failed")
time.sleep(7)
EOF
holder=$!
sleep 6.5
SETTLE=0 expect stall "one thread (sleep1) held in a ptrace stop for 6 s, the others running"
wait "$holder"

stop_fix
echo "selftest: $caught of $tried classes caught"
[ "$caught" = "$tried" ]
