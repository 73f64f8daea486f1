#!/usr/bin/env bash
# Two fdclose PID FD... runs race on one target (t_sweep_two has two
# sweeps, and a run by pid beside a sweep).  Six rounds, each starting two
# runs at once on the same ten CLOSE_WAIT fds of an 8-thread target.  The
# second must wait for the first (the run lock has a part per target pid)
# and then find the fds gone; before, it could seize threads while the
# first held others, or find the target traced by the first, and refuse it
# saying "an LSM (SELinux, AppArmor) or another tracer forbids it".
# Each round: exactly one run exits 0 and closes the ten fds, each fd
# exactly once; the other exits 1 and says, per fd, that it is not open or
# that the process closed it meanwhile, with no EPERM and no ptrace
# failure.  Meanwhile a run on another target does not wait for them.
# Afterwards the target is untraced, its masks as before, and intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start t --mode threads --threads 8 --closewait 60
fx_start o --mode read --closewait 6
pid=$(fx_pid t)
opid=$(fx_pid o)
masks=$(sigmasks t)
set -- $(fx_field t closewait)
oset=($(fx_field o closewait))
waited=0
for r in 0 1 2 3 4 5; do
	fds=("${@:$((r * 10 + 1)):10}")
	"$FDCLOSE" --no-syslog "$pid" "${fds[@]}" >"$IT_TMP/a$r.out" 2>"$IT_TMP/a$r.err" &
	a=$!
	"$FDCLOSE" --no-syslog "$pid" "${fds[@]}" >"$IT_TMP/b$r.out" 2>"$IT_TMP/b$r.err" &
	b=$!
	# Another target: its run must not wait for the two.
	run_capture "$FDCLOSE" --no-syslog "$opid" "${oset[$r]}"
	[ "$RC" = 0 ] || fail "round $r: the run on pid $opid exited $RC:"$'\n'"$(cat "$ERR")"
	! grep -q "waiting for another fdclose" "$ERR" ||
		fail "round $r: the run on pid $opid waited for the runs on pid $pid"
	wait "$a"
	ra=$?
	wait "$b"
	rb=$?
	log "round $r: exit $ra and $rb"
	all=$(cat "$IT_TMP/a$r.out" "$IT_TMP/b$r.out" "$IT_TMP/a$r.err" "$IT_TMP/b$r.err")
	case "$ra $rb" in
	"0 1") win=a lose=b ;;
	"1 0") win=b lose=a ;;
	*) fail "round $r: exit statuses $ra and $rb, not one 0 and one 1:"$'\n'"$(grep -v "free again" <<<"$all" | head -8)" ;;
	esac
	! grep -qi "not permitted\|may not be traced\|forbids\|ptrace" <<<"$all" ||
		fail "round $r: a false cause:"$'\n'"$(grep -i "not permitted\|may not be traced\|forbids\|ptrace" <<<"$all" | head -3)"
	assert_eq 10 "$(grep -c "^closed fd [0-9]* in pid $pid " "$IT_TMP/$win$r.out")" "round $r: fds the winner closed"
	assert_eq 0 "$(grep -c "^closed fd" "$IT_TMP/$lose$r.out")" "round $r: fds the loser closed"
	assert_eq 10 "$(cat "$IT_TMP/$lose$r.out" "$IT_TMP/$lose$r.err" |
		grep -c "fd [0-9]* in pid $pid (cwfix): not an open fd$\|^skipped fd [0-9]* in pid $pid (cwfix): the process closed it meanwhile$")" \
		"round $r: fds the loser found gone"
	grep -q "waiting for another fdclose" "$IT_TMP/$lose$r.err" && waited=$((waited + 1))
	for fd in "${fds[@]}"; do
		[ ! -e "/proc/$pid/fd/$fd" ] || fail "round $r: fd $fd still open"
	done
	assert_untraced t
done
log "the loser waited for the winner in $waited of 6 rounds"
[ "$waited" -ge 1 ] || fail "the two runs never overlapped (no wait for the lock in 6 rounds)"
assert_eq "$masks" "$(sigmasks t)" "signal masks of t"
assert_intact t o
assert_fds t "$(all_gone t)"
