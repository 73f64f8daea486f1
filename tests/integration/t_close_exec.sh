#!/usr/bin/env bash
# A target that keeps exec'ing from one of its 300 threads while fdclose
# seizes it.  (fdclose 0.1 could wait for ever in PTRACE_SEIZE: the kernel
# restarts it after every signal, while the exec waits for the tracer to
# reap the threads it killed.)  Every run must end by its --timeout plus a
# little, with status 0 or 1 and a message that names no false cause, and
# the target must go on exec'ing, traced by nobody.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixture_bins execloop

RUNS=30
ready=$IT_TMP/execloop.ready
"$FIXDIR/execloop" --ready "$ready" --threads 300 </dev/null >"$IT_TMP/execloop.log" 2>&1 &
pid=$!
it_track_pid "$pid"
wait_until 5 test -s "$ready" || fail "execloop never wrote $ready: $(cat "$IT_TMP/execloop.log")"

gen_of() {
	awk '$1 == "gen" { print $2 }' "$ready"
}

closed=0
timeouts=0
for i in $(seq "$RUNS"); do
	t0=$(ms_now)
	run_capture timeout -s KILL 10 "$FDCLOSE" --force --timeout 1s --no-syslog "$pid" 9
	elapsed=$(($(ms_now) - t0))
	case $RC in
	0) closed=$((closed + 1)) ;;
	1) ;;
	137) fail "run $i: fdclose still running after 10 s (its --timeout is 1 s)" ;;
	*) fail "run $i: fdclose exited $RC:"$'\n'"$(cat "$OUT" "$ERR")" ;;
	esac
	[ "$elapsed" -lt 2500 ] || fail "run $i: fdclose took $elapsed ms with --timeout 1s"
	! grep -q "Operation not permitted" "$ERR" ||
		fail "run $i: a false EPERM for a process in mid-exec:"$'\n'"$(cat "$ERR")"
	grep -q "did not stop in time" "$ERR" && timeouts=$((timeouts + 1))
done
log "$RUNS runs: $closed closed fd 9, $timeouts timed out in an exec"
[ "$closed" -gt 0 ] || fail "no run closed fd 9 in $RUNS tries"

gen=$(gen_of)
wait_until 5 eval '[ "$(gen_of)" -gt "$gen" ]' || fail "execloop stopped exec'ing at generation $gen"
assert_pid_untraced "$pid" execloop
