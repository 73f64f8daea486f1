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
# Whether two runs started at once overlap is up to the scheduler (about
# half the rounds here, none in 6 once): a seventh round makes them, the
# first held by gdb at its first seize, its lock taken, while the second
# starts; the second must wait for it.
# Afterwards the target is untraced, its masks as before, and intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd gdb

fx_start t --mode threads --threads 8 --closewait 70
fx_start o --mode read --closewait 6
pid=$(fx_pid t)
opid=$(fx_pid o)
masks=$(sigmasks t)
set -- $(fx_field t closewait)
oset=($(fx_field o closewait))
waited=0
# check_round R WIN LOSE: what round R's two runs (a and b) must have done.
check_round() {
	local r=$1 win=$2 lose=$3 all fd

	all=$(cat "$IT_TMP/a$r.out" "$IT_TMP/b$r.out" "$IT_TMP/a$r.err" "$IT_TMP/b$r.err")
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
}
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
	case "$ra $rb" in
	"0 1") check_round "$r" a b ;;
	"1 0") check_round "$r" b a ;;
	*) fail "round $r: exit statuses $ra and $rb, not one 0 and one 1:"$'\n'"$(cat "$IT_TMP/a$r.out" "$IT_TMP/b$r.out" "$IT_TMP/a$r.err" "$IT_TMP/b$r.err" |
		grep -v "free again" | head -8)" ;;
	esac
done
r=6
fds=("${@:61:10}")
fdclose_held_at_seize "$IT_TMP/a$r.gdb" \
	"--no-syslog $pid ${fds[*]} >$IT_TMP/a$r.out 2>$IT_TMP/a$r.err" \
	"shell ($FDCLOSE --no-syslog $pid ${fds[*]} >$IT_TMP/b$r.out 2>$IT_TMP/b$r.err; echo \$? >$IT_TMP/b$r.rc) &" \
	"shell for i in \$(seq 200); do grep -q 'waiting for another fdclose' $IT_TMP/b$r.err && break; sleep 0.05; done"
ra=$(fdclose_exit_of "$IT_TMP/a$r.gdb")
wait_until "$IT_READY_TIMEOUT" test -s "$IT_TMP/b$r.rc" ||
	fail "round $r: the second run did not end after the first:"$'\n'"$(cat "$IT_TMP/b$r.err")"
rb=$(cat "$IT_TMP/b$r.rc")
log "round $r, the first held: exit $ra and $rb"
assert_eq "0 1" "$ra $rb" "round $r: exit statuses of the held run and the second"
grep -q "^fdclose: warning: waiting for another fdclose (pid [0-9]*) to finish$" "$IT_TMP/b$r.err" ||
	fail "round $r: the second run did not wait for the held one:"$'\n'"$(cat "$IT_TMP/b$r.err")"
check_round "$r" a b
log "the loser waited for the winner in $waited of 7 rounds"
[ "$waited" -ge 1 ] || fail "the two runs never overlapped (no wait for the lock in 7 rounds)"
assert_eq "$masks" "$(sigmasks t)" "signal masks of t"
assert_intact t o
assert_fds t "$(all_gone t)"
