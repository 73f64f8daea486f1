#!/usr/bin/env bash
# The target dies while fdclose holds it: killed with SIGKILL from outside,
# or ending itself with exit_group.  The target has 60 threads and 400
# CLOSE_WAIT fds (the bulk loop), so fdclose holds it for milliseconds.
#
# SIGKILL: sweephelp when-traced, at fdclose's real-time priority, polls
#   the target's TracerPid without a pause and sends SIGKILL 0-3 ms after
#   fdclose became its tracer; it reads TracerPid again right after: both
#   non-zero means the kill landed inside the window.  (fdclose before this test waited for the killed
#   leader until --timeout, which the kernel reports only once the tracer
#   has reaped every other thread, and then said "a thread did not stop in
#   time", which was false.)
# exit: cwfix's "exit-traced US" thread, the newest (seized last), spins
#   at real-time priority until the process has a tracer and then calls exit_group(0) US
#   microseconds later: the process ends by its own fate mid-freeze.
#
# Each run: fdclose ends within seconds, exits 0 (it had finished) or 1,
# never dies of a signal; exit 1 comes with the one line "pid N (cwfix)
# exited" first, never a timeout or a false cause; every fd is reported
# exactly once; the target is gone with its own status (SIGKILL, or 0).
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_sweep_fixtures

N=400
ROUNDS=3

# one_run NAME HOW: HOW is kill or exit.  Sets $landed (1 if inside).
one_run() {
	local name=$1 how=$2 pid fdc rc land helper t0 elapsed reported st want err1
	fx_start "$name" --mode threads --threads 60 --closewait "$N"
	pid=$(fx_pid "$name")
	if [ "$how" = exit ]; then
		r=$(fx_cmd "$name" exit-traced $((RANDOM % 50))) || fail "$name: exit-traced: $r"
	fi
	t0=$(ms_now)
	# Watching before fdclose starts, at fdclose's own real-time priority:
	# on a loaded machine a watcher started after it, or at normal
	# priority, may look only once fdclose is done.
	if [ "$how" = kill ]; then
		chrt -f 1 "$SWEEPHELP" when-traced "$pid" 9 $((RANDOM % 3000)) 15000 >"$IT_TMP/$name.land" &
		helper=$!
	fi
	# shellcheck disable=SC2046 # one fd per word
	timeout -s KILL 30 "$FDCLOSE" --no-syslog "$pid" $(fx_field "$name" closewait) \
		>"$IT_TMP/$name.out" 2>"$IT_TMP/$name.err" &
	fdc=$!
	landed=0
	wait "$fdc"
	rc=$?
	if [ "$how" = kill ]; then
		# A watcher that never saw the tracer sent nothing: a miss, not a
		# failure; the target is then killed after fdclose.
		sleep 0.05
		kill "$helper" 2>/dev/null	# still waiting: it missed fdclose
		wait "$helper" 2>/dev/null || { log "$name: the watcher never saw fdclose trace pid $pid"; kill -9 "$pid"; }
		land=$(cat "$IT_TMP/$name.land")
		[[ $land =~ before=[1-9].*after=[1-9] ]] && landed=1
	fi
	elapsed=$(($(ms_now) - t0))
	# The exit thread may have been seized before it saw the tracer: then
	# fdclose finished and the target lives on (a miss, not a landing).
	if [ "$how" = exit ] && [ "$rc" = 0 ] && ! wait_until 2 eval '[ "$(state_of "$pid")" = Z ] || [ ! -d /proc/$pid ]'; then
		log "$name: the exit came too late (fdclose had finished)"
		assert_intact "$name"
		fx_cmd "$name" quit >/dev/null
	fi
	wait "$pid" 2>/dev/null
	st=$?
	want=$([ "$how" = kill ] && echo 137 || echo 0)
	assert_eq "$want" "$st" "$name: the target's own end (exit status)"
	[ "$how" = kill ] || { grep -q "^fdclose: pid $pid (cwfix) exited$" "$IT_TMP/$name.err" && landed=1; }
	log "$name ($how${land:+, $land}): fdclose exit $rc after $elapsed ms, landed $landed"
	err1=$(grep -v "a closed fd's number is free again" "$IT_TMP/$name.err" | head -1)
	case $rc in
	0) ;;
	1) assert_eq "fdclose: pid $pid (cwfix) exited" "$err1" "$name: fdclose's first line" ;;
	137) fail "$name: fdclose still ran 30 s after its target died" ;;
	*) fail "$name: fdclose exited $rc:"$'\n'"$(head -5 "$IT_TMP/$name.err")" ;;
	esac
	! grep -q "did not stop in time\|cannot freeze" "$IT_TMP/$name.err" ||
		fail "$name: a false cause:"$'\n'"$(grep -m2 "did not stop\|cannot freeze" "$IT_TMP/$name.err")"
	reported=$(cat "$IT_TMP/$name.out" "$IT_TMP/$name.err" | grep -o "fd [0-9]* in pid $pid " | sort -u | wc -l)
	assert_eq "$N" "$reported" "$name: fds reported (each once)"
	assert_eq "$N" "$(cat "$IT_TMP/$name.out" "$IT_TMP/$name.err" | grep -c "fd [0-9]* in pid $pid ")" \
		"$name: lines about an fd"
	[ ! -d "/proc/$pid" ] || fail "$name: pid $pid is still there"
}

for how in kill exit; do
	inside=0
	for i in $(seq "$ROUNDS"); do
		one_run "$how$i" "$how"
		inside=$((inside + landed))
	done
	log "$how: $inside of $ROUNDS runs landed inside the window"
	# Kills land whenever the watcher saw the tracer; the exit thread, even
	# real-time, was seized before it looked in 1 of 9 runs under load.
	[ "$inside" -ge "$([ "$how" = kill ] && echo 2 || echo 1)" ] ||
		fail "$how: only $inside of $ROUNDS runs landed inside the window"
done
