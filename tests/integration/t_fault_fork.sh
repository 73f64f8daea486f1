#!/usr/bin/env bash
# The target forks while fdclose freezes it: cwfix --forks 400 forks 400
# times a second from a thread of its own.  A fork from a thread not yet
# seized copies the fd table (and the CLOSE_WAIT sockets) into a child that
# fdclose never traces: each child checks that nobody traces it and that it
# has its parent thread's signal mask, notes whether its parent was traced
# as it forked (the fork landed inside the freeze: forks_traced), and exits;
# the fixture reaps each one and records any other end.  Twenty-four runs,
# one fd each, then the bulk loop on the rest: each must exit 0 and close its
# fds in the parent; at least one fork must have landed inside a freeze.
# Afterwards the parent is untraced, its main thread's mask as before; it
# keeps forking, is intact, and once the children are gone no socket is in
# CLOSE_WAIT.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start f --mode read --closewait 40 --live 1 --forks 400
pid=$(fx_pid f)
wait_parked f

# The main thread's mask; the forker's is checked by each child it forks
# (glibc may block signals in a forking thread for a moment).
main_mask() {
	awk '$1 == "SigBlk:" { print $2 }' "/proc/$pid/task/$pid/status"
}
masks0=$(main_mask)
f0=$(fx_status_count f forks)
wait_until 5 eval '[ "$(fx_status_count f forks)" -gt $((f0 + 100)) ]' || framework_error "the fixture does not fork"
t0=$(fx_status_count f forks_traced)

set -- $(fx_field f closewait)
for i in $(seq 24); do
	fd=${!i}
	run_capture "$FDCLOSE" --no-syslog "$pid" "$fd"
	[ "$RC" = 0 ] || fail "run $i: fdclose $pid $fd exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
	[ ! -e "/proc/$pid/fd/$fd" ] || fail "run $i: fd $fd still open"
	assert_untraced f
done
shift 24
run_capture "$FDCLOSE" --no-syslog "$pid" "$@"
[ "$RC" = 0 ] || fail "bulk run on $# fds exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
assert_fds f "$(all_gone f)"
assert_untraced f

t1=$(fx_status_count f forks_traced)
log "forks inside a freeze: $((t1 - t0)) (of $(($(fx_status_count f forks) - f0)) forks)"
[ "$t1" -gt "$t0" ] || fail "no fork landed inside one of 25 freezes"
f1=$(fx_status_count f forks)
wait_until 5 eval '[ "$(fx_status_count f forks)" -gt $((f1 + 100)) ]' || fail "the fixture stopped forking after fdclose"
assert_eq "$masks0" "$(main_mask)" "signal mask of f's main thread"
assert_intact f
# A child that held a copy of a closed socket is gone a moment later.
wait_until 5 eval '[ -z "$(ss_closewait)" ]' || fail "CLOSE_WAIT sockets left:"$'\n'"$(ss_closewait)"
