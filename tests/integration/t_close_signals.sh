#!/usr/bin/env bash
# Real-time signals queued during a storm of injections all arrive, once
# each: fdclose blocks signals while it works, never drops or repeats one.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

count=20000
fx_start sig --mode signals --closewait 30 --live 1
pid=$(fx_pid sig)
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
