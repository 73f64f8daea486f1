#!/usr/bin/env bash
# Job control while fdclose holds the target: SIGSTOP sent to a running
# target, or SIGCONT to a stopped one, 0-2 ms after fdclose became its
# tracer (sweephelp when-traced; TracerPid read just before and after the
# kill, both non-zero: it landed inside the window).  The target has 8
# threads and 300 CLOSE_WAIT fds (the bulk loop, with its mmap, mprotect
# and munmap injected one by one), so the window lasts milliseconds.
# Neither signal may be lost or invented: after a SIGSTOP the target ends
# stopped (State T), after a SIGCONT it runs.  Either way fdclose exits 0
# having closed every fd, no thread is traced, the signal masks are as
# before, and after a SIGCONT the fixture is intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_sweep_fixtures

N=300
ROUNDS=3

# "tid SigBlk" of every thread, in one awk (sigmasks runs one per thread).
masks_of() {
	awk '$1 == "SigBlk:" { split(FILENAME, p, "/"); print p[5], $2 }' /proc/"$1"/task/*/status
}

# one_run NAME SIGNAL: STOP (target running) or CONT (target stopped).
one_run() {
	local name=$1 sig=$2 pid fdc land helper masks want st
	fx_start "$name" --mode threads --threads 8 --sleep-ms 50 --closewait "$N"
	pid=$(fx_pid "$name")
	wait_parked "$name"
	masks=$(masks_of "$pid")
	if [ "$sig" = CONT ]; then
		kill -STOP "$pid"
		wait_until 5 eval '[ "$(state_of "$pid")" = T ]' || fail "$name: pid $pid did not stop"
	fi
	# Watching before fdclose starts, at fdclose's own real-time priority:
	# on a loaded machine a watcher started after it, or at normal
	# priority, may look only once fdclose is done.
	chrt -f 1 "$SWEEPHELP" when-traced "$pid" "$(kill -l "$sig")" $((RANDOM % 2000)) 15000 >"$IT_TMP/$name.land" &
	helper=$!
	# shellcheck disable=SC2046 # one fd per word
	timeout -s KILL 30 "$FDCLOSE" --no-syslog "$pid" $(fx_field "$name" closewait) \
		>"$IT_TMP/$name.out" 2>"$IT_TMP/$name.err" &
	fdc=$!
	wait "$fdc"
	RC=$?
	# A watcher that never saw the tracer sent nothing: a miss, not a failure.
	sleep 0.05
	kill "$helper" 2>/dev/null	# still waiting: it missed fdclose
	wait "$helper" 2>/dev/null || log "$name: the watcher never saw fdclose trace pid $pid"
	land=$(cat "$IT_TMP/$name.land")
	[[ $land =~ before=[1-9].*after=[1-9] ]] && landed=$((landed + 1))
	if [ -z "$land" ]; then
		[ "$sig" = STOP ] || kill -CONT "$pid"
		[ "$sig" = CONT ] || kill -STOP "$pid"
	fi
	log "$name (SIG$sig, $land): fdclose exit $RC"
	[ "$RC" = 0 ] || fail "$name: fdclose exited $RC after SIG$sig:"$'\n'"$(head -5 "$IT_TMP/$name.err")"
	assert_reuse_note_only "$IT_TMP/$name.err" "$name: fdclose's stderr"
	assert_eq "$N" "$(grep -c "^closed fd [0-9]* in pid $pid " "$IT_TMP/$name.out")" "$name: fds reported closed"
	want=$([ "$sig" = STOP ] && echo T || echo S)
	# A stop takes effect once every thread is detached; a run shows at once.
	wait_until 3 eval '[ "$(state_of "$pid")" = "$want" ] || { [ "$want" = S ] && [ "$(state_of "$pid")" = R ]; }' ||
		fail "$name: after SIG$sig mid-window the target is in state $(state_of "$pid"), not $want"
	sleep 0.3
	st=$(state_of "$pid")
	[ "$sig" = CONT ] || assert_eq T "$st" "$name: state 0.3 s later"
	[ "$sig" = STOP ] || [ "$st" != T ] || fail "$name: stopped again after SIGCONT"
	assert_pid_untraced "$pid" "$name"
	assert_eq "$masks" "$(masks_of "$pid")" "$name: signal masks"
	[ "$sig" = CONT ] || kill -CONT "$pid"
	assert_intact "$name"
	assert_fds "$name" "$(all_gone "$name")"
	fx_cmd "$name" quit >/dev/null
}

for sig in STOP CONT; do
	landed=0
	for i in $(seq "$ROUNDS"); do
		one_run "${sig,,}$i" "$sig"
	done
	log "SIG$sig: $landed of $ROUNDS landed inside the window"
	[ "$landed" -ge 2 ] || fail "SIG$sig: only $landed of $ROUNDS landed inside the window"
done
