#!/usr/bin/env bash
# Real-time signals still arrive once each when the target's signal queue is
# full.  A thread caught taking a signal cannot run fdclose's syscall without
# that signal being queued again, and the kernel drops a real-time signal it
# requeues into a full queue (RLIMIT_SIGPENDING): so fdclose never requeues,
# it thaws (the signal is delivered as if never stopped) and freezes again.
# -v says each time that happened: the test asks for at least one.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd prlimit

count=100000
fx_start sig --mode signals --closewait 60 --live 1
pid=$(fx_pid sig)
# A queue of 64 that the storm keeps full.
prlimit --pid "$pid" --sigpending=64 || framework_error "prlimit --pid $pid failed"
"$SIGSTORM" "$pid" RTMIN "$count" >"$IT_TMP/storm" 2>&1 &
storm=$!
it_track_pid "$storm"
during=0 retries=0
for fd in $(fx_field sig closewait); do
	! kill -0 "$storm" 2>/dev/null || during=$((during + 1))
	# -v says each time a freeze caught only a thread taking a signal.
	fdclose_ok sig -v "$fd"
	retries=$((retries + $(grep -c 'taking a signal; thawed it to try again' "$ERR")))
done
wait "$storm" || fail "sigstorm: $(cat "$IT_TMP/storm")"
# The test means something only if the storm outlived most closes and at
# least one freeze caught the thread taking a signal (16-25 per run here).
[ "$during" -ge 10 ] || framework_error "the storm ended after $during closes of 60"
[ "$retries" -ge 1 ] || fail "no close caught the thread taking a signal: the retry path was not exercised"
assert_eq "sent $count" "$(cat "$IT_TMP/storm")" "sigstorm"
reply=$(fx_cmd sig expect-signals "$count") || fail "signals lost or repeated: $reply"
assert_untraced sig
assert_intact sig
assert_eq "" "$(ss_closewait)" "CLOSE_WAIT sockets left"
