#!/usr/bin/env bash
# Threads are born and die while fdclose freezes the target: cwfix --spawn
# 2500 starts 2,500 short threads a second (each lives about 1 ms: two or
# three alive at any time; at 1,000 a second a quiet machine caught exactly
# one in every freeze, and the count never moved), so
# /proc/PID/task is out of date as soon as fdclose reads it: threads appear
# between its rounds of seizing, others exit before or while being seized.
# Twelve runs, one fd each, then the bulk loop on the rest: every run must
# exit 0 and close exactly its fds; -v must show a thread count that moved
# from run to run and went past the two permanent threads (the short ones
# were caught in the freeze).  Afterwards no thread is traced or stopped,
# the main thread's mask is what it was, each new thread was born with the
# spawner's first mask (the fixture checks), the pool keeps spawning, and
# the fixture is intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start p --mode read --closewait 40 --live 1 --spawn 2500
pid=$(fx_pid p)
wait_parked p

# The main thread's SigBlk.  Not the others': glibc's pthread_create
# blocks every signal in the creating thread and in the new one for a
# moment, so the spawner and its young threads may show a full mask at any
# time.  The fixture checks theirs: each new thread compares the mask it
# was born with (the spawner's) with the spawner's first.
masks() {
	awk '$1 == "SigBlk:" { print $2 }' "/proc/$pid/task/$pid/status"
}
mask0=$(masks)
s0=$(fx_status_count p spawned)
wait_until 5 eval '[ "$(fx_status_count p spawned)" -gt $((s0 + 200)) ]' || framework_error "the pool does not spawn"

set -- $(fx_field p closewait)
counts=()
for i in $(seq 12); do
	fd=${!i}
	run_capture "$FDCLOSE" -v --no-syslog "$pid" "$fd"
	[ "$RC" = 0 ] || fail "run $i: fdclose $pid $fd exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
	[ ! -e "/proc/$pid/fd/$fd" ] || fail "run $i: fd $fd still open"
	n=$(sed -n 's/.*: \([0-9]*\) thread(s) frozen.*/\1/p' "$ERR")
	[ -n "$n" ] || fail "run $i: -v did not say how many threads were frozen:"$'\n'"$(cat "$ERR")"
	counts+=("$n")
	assert_untraced p
done
shift 12
run_capture "$FDCLOSE" -v --no-syslog "$pid" "$@"
[ "$RC" = 0 ] || fail "bulk run on $# fds exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
n=$(sed -n 's/.*: \([0-9]*\) thread(s) frozen.*/\1/p' "$ERR")
counts+=("$n")
log "threads frozen per run: ${counts[*]}"
assert_fds p "$(all_gone p)"
assert_untraced p

distinct=$(printf '%s\n' "${counts[@]}" | sort -u | wc -l)
most=$(printf '%s\n' "${counts[@]}" | sort -n | tail -1)
[ "$distinct" -gt 1 ] || fail "every run froze ${counts[0]} threads: the pool never changed under the freeze"
[ "$most" -gt 2 ] || fail "no run froze a short-lived thread (at most $most threads)"

s1=$(fx_status_count p spawned)
wait_until 5 eval '[ "$(fx_status_count p spawned)" -gt $((s1 + 200)) ]' || fail "the pool stopped spawning after fdclose"
assert_eq "$mask0" "$(masks)" "signal mask of p's main thread after"
assert_intact p
