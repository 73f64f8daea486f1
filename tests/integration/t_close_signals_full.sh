#!/usr/bin/env bash
# Real-time signals still arrive once each when the target's signal queue is
# full.  A thread caught taking a signal cannot run fdclose's syscall without
# that signal being queued again, and the kernel drops a real-time signal it
# requeues into a full queue (RLIMIT_SIGPENDING): so fdclose never requeues,
# it thaws (the signal is delivered as if never stopped) and freezes again.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd prlimit

count=20000
fx_start sig --mode signals --closewait 60 --live 1
pid=$(fx_pid sig)
# A queue of 64 that the storm keeps full.
prlimit --pid "$pid" --sigpending=64 || framework_error "prlimit --pid $pid failed"
"$SIGSTORM" "$pid" RTMIN "$count" >"$IT_TMP/storm" 2>&1 &
storm=$!
it_track_pid "$storm"
for fd in $(fx_field sig closewait); do
	fdclose_ok sig "$fd"
done
wait "$storm" || fail "sigstorm: $(cat "$IT_TMP/storm")"
assert_eq "sent $count" "$(cat "$IT_TMP/storm")" "sigstorm"
reply=$(fx_cmd sig expect-signals "$count") || fail "signals lost or repeated: $reply"
assert_untraced sig
assert_intact sig
assert_eq "" "$(ss_closewait)" "CLOSE_WAIT sockets left"
