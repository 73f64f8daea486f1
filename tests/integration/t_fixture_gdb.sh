#!/usr/bin/env bash
# The fixture catches the damage a broken injector does, made here by hand
# with gdb: registers not restored (busy), a sleep woken early, restarted
# from scratch, or a restart code leaked as errno; an fd closed, replaced or
# shut down shows in "fds"; a live connection or own fd closed fails
# "status".  A clean attach and detach, or a correct close, leaves it intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fixtures
need_cmd gdb

# gdb_do NAME GDB-COMMAND...: attach, run them, detach.
gdb_do() {
	local pid a=()
	pid=$(fx_pid "$1")
	shift
	for c in "$@"; do
		a+=(-ex "$c")
	done
	gdb -q -batch -nx -p "$pid" "${a[@]}" -ex detach >"$IT_TMP/gdb.log" 2>&1 ||
		framework_error "gdb on pid $pid failed:"$'\n'"$(cat "$IT_TMP/gdb.log")"
}

assert_broken() {
	local reply
	reply=$(fx_cmd "$1" status) && fail "fixture $1 says intact after $2: $reply"
	assert_match "$3" "$reply" "fixture $1 after $2"
}

# Registers: what a syscall instruction clobbers (rcx, r11), and SSE.
fx_start busy1 --mode busy
fx_start busy2 --mode busy
fx_start busy3 --mode busy
gdb_do busy1 'set $rcx = $rip' 'set $r11 = $eflags'
gdb_do busy2 'set $xmm0.uint128 = 0' 'set $xmm8.uint128 = 0'
gdb_do busy3
gdb_do busy3
sleep 0.1
assert_broken busy1 "rcx and r11 clobbered" 'register corruption'
assert_broken busy2 "xmm0 and xmm8 clobbered" 'register corruption'
assert_intact busy3

# Sleeps: 6 s each, tampered with from about 1 s in.  Each gdb session
# takes 0.3-0.6 s, and the last one must still end before its sleep does:
# with 3 s sleeps a slow run stopped "clean" past its deadline, and the
# sleep came back late through no fault of the fixture.
fx_start early --mode nanosleep --sleep-ms 6000
fx_start scratch --mode nanosleep --sleep-ms 6000
fx_start leak --mode clock_nanosleep --sleep-ms 6000
fx_start clean --mode nanosleep --sleep-ms 6000
fx_start futex --mode futex --sleep-ms 6000
for n in early scratch leak clean futex; do
	wait_parked "$n"
done
sleep 1
gdb_do clean
gdb_do early 'set $rax = 0' 'set $orig_rax = -1'
gdb_do scratch 'set $rax = $orig_rax' 'set $orig_rax = -1' 'set $pc = $pc - 2'
gdb_do leak 'set $orig_rax = -1'
gdb_do futex 'set $orig_rax = -1'
CWCTL_TIMEOUT=10
assert_broken early "a sleep ended early" 'woken early'
assert_broken scratch "a sleep restarted from scratch" 'more than 250 ms late'
assert_broken leak "ERESTART_RESTARTBLOCK left in rax" 'errno 516 .*restart code leaked'
assert_broken futex "ERESTART_RESTARTBLOCK left in rax" 'FUTEX_WAIT failed: errno 516'
assert_intact clean

# fds: closed, replaced, shut down; and what status says about each.
fx_start fds --mode read --closewait 3 --live 1
set -- $(fx_field fds closewait)
wait_parked fds
gdb_do fds "call (int)close($1)" "call (int)dup2(0, $2)" "call (int)shutdown($3, 2)"
reply=$(fx_cmd fds fds) || fail "fds: $reply"
assert_match "^ok $1=gone $2=other $3=(last-ack|close)\$" "$reply" "fds after close, dup2, shutdown"
assert_intact fds
live=$(fx_field fds live)
gdb_do fds "call (int)close($live)"
assert_broken fds "a live connection closed" "fd $live .*closed"

fx_start own --mode poll
gdb_do own "call (int)dup2(0, $(fx_field own listen))"
assert_broken own "the listener replaced" 'tcp listener\) now names another file'
