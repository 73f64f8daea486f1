#!/usr/bin/env bash
# SIGINT, SIGTERM and SIGHUP sent to fdclose while it holds a target take
# effect only once the target is restored; SIGTSTP, SIGTTIN and SIGTTOU do
# not stop it meanwhile either.  The target is a vforker: its
# main thread waits in vfork() and cannot stop, so fdclose holds it until
# its --timeout (3 s) runs out; with --thread a second thread does stop and
# stays frozen (State t) all that time.  The signal comes ~0.3 s after the
# start, once fdclose has seized the target.  fdclose must not die then: it
# goes on to its deadline, restores the target, reports the timeout and only
# then dies of the signal.  Afterwards no thread is traced or stopped, the
# fd is still open (nothing was half done) and, when the vfork child
# exits, the process goes on and passes its own check.
#
# fdclose is started through "env --default-signal": a non-interactive
# shell starts background commands with SIGINT ignored, and an ignored
# SIGINT would prove nothing.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixture_bins vforker
env --default-signal true 2>/dev/null || framework_error "env has no --default-signal (coreutils >= 8.31)"

TIMEOUT_S=3

# signal_case NAME SIGNAL [vforker options]: runs in a background job.
signal_case() {
	local name=$1 sig=$2 pid fd link tid t0 fdc elapsed rc signo err
	shift 2
	fx_vforker_start "$name" --child-ms 5500 "$@"
	pid=$(fx_pid "$name")
	fd=$(fx_field "$name" fd)
	tid=$(fx_field "$name" tid)
	link=$(readlink "/proc/$pid/fd/$fd")
	wait_in_vfork "$name"

	t0=$(ms_now)
	env --default-signal "$FDCLOSE" --timeout "${TIMEOUT_S}s" "$pid" "$fd" \
		>"$IT_TMP/$name.out" 2>"$IT_TMP/$name.err" &
	fdc=$!
	it_track_pid "$fdc"
	# fdclose holds the target once it is its tracer.
	wait_until 2 eval '[ "$(tracer_of "$pid")" = "$fdc" ]' ||
		fail "$name: fdclose (pid $fdc) never seized pid $pid: TracerPid $(tracer_of "$pid")"
	if [ "$tid" != 0 ]; then
		wait_until 2 eval '[ "$(state_of "$pid/task/$tid")" = t ]' ||
			fail "$name: worker $tid of pid $pid was never frozen"
	fi
	while [ $(($(ms_now) - t0)) -lt 300 ]; do sleep 0.02; done
	kill -s "$sig" "$fdc" || fail "$name: could not send SIG$sig to fdclose $fdc"
	log "$name: SIG$sig sent to fdclose $fdc at $(($(ms_now) - t0)) ms"

	# Half a second later fdclose still holds the target: the signal waits.
	sleep 0.5
	kill -0 "$fdc" 2>/dev/null ||
		fail "$name: fdclose died of SIG$sig while pid $pid was still held: $(cat "$IT_TMP/$name.err")"
	assert_eq "$fdc" "$(tracer_of "$pid")" "$name: tracer of pid $pid after SIG$sig"
	[ "$tid" = 0 ] || assert_eq t "$(state_of "$pid/task/$tid")" "$name: worker $tid after SIG$sig"

	# (bash would print "Hangup" & co for the job: not a failure)
	wait "$fdc" 2>/dev/null
	rc=$?
	elapsed=$(($(ms_now) - t0))
	signo=$(kill -l "$sig")
	err=$(cat "$IT_TMP/$name.err")
	log "$name: fdclose ended after $elapsed ms with status $rc"
	assert_eq $((128 + signo)) "$rc" "$name: fdclose's status (death by SIG$sig) with stderr: $err"
	[ "$elapsed" -ge $((TIMEOUT_S * 1000 - 100)) ] ||
		fail "$name: fdclose ended after $elapsed ms, before its ${TIMEOUT_S}s deadline"
	[ "$elapsed" -lt $((TIMEOUT_S * 1000 + 1500)) ] ||
		fail "$name: fdclose ended after $elapsed ms, long after its ${TIMEOUT_S}s deadline"
	# It got as far as restoring the target and saying so before dying.
	assert_match "pid $pid \\(vforker\\): a thread did not stop in time.*nothing was changed" \
		"$err" "$name: fdclose's last words"

	assert_pid_untraced "$pid" "$name"
	assert_fd_is "$pid" "$fd" "$link" "$name after fdclose died"
	_it_in_vfork "$pid" "$(fx_field "$name" syscall)" ||
		fail "$name (pid $pid) is no longer waiting in vfork: State $(state_of "$pid")"
	fx_vforker_done "$name" 8
}

# stop_case NAME SIGNAL: SIGTSTP (^Z), SIGTTIN or SIGTTOU while the target
# is held must not stop fdclose with the target frozen until "fg": fdclose
# goes on to its deadline and restores the target; only then may it stop.
stop_case() {
	local name=$1 sig=$2 pid fd link tid fdc rc st
	fx_vforker_start "$name" --child-ms 5500 --thread
	pid=$(fx_pid "$name")
	fd=$(fx_field "$name" fd)
	tid=$(fx_field "$name" tid)
	link=$(readlink "/proc/$pid/fd/$fd")
	wait_in_vfork "$name"
	env --default-signal "$FDCLOSE" --timeout "${TIMEOUT_S}s" "$pid" "$fd" \
		>"$IT_TMP/$name.out" 2>"$IT_TMP/$name.err" &
	fdc=$!
	it_track_pid "$fdc"
	wait_until 2 eval '[ "$(state_of "$pid/task/$tid")" = t ]' ||
		fail "$name: worker $tid of pid $pid was never frozen"
	kill -s "$sig" "$fdc" || fail "$name: could not send SIG$sig to fdclose $fdc"
	sleep 0.5
	st=$(state_of "$fdc")
	[ "$st" != T ] || fail "$name: SIG$sig stopped fdclose while pid $pid was held"
	assert_eq t "$(state_of "$pid/task/$tid")" "$name: worker $tid after SIG$sig"
	# Past the deadline the target is free, whether fdclose then stopped or not.
	wait_until $((TIMEOUT_S + 2)) eval '[ "$(tracer_of "$pid")" = 0 ]' ||
		fail "$name: pid $pid still traced by $(tracer_of "$pid") after the deadline"
	assert_pid_untraced "$pid" "$name"
	kill -CONT "$fdc" 2>/dev/null
	wait "$fdc" 2>/dev/null
	rc=$?
	assert_eq 1 "$rc" "$name: fdclose's status (the timeout) with stderr: $(cat "$IT_TMP/$name.err")"
	assert_fd_is "$pid" "$fd" "$link" "$name after fdclose"
	fx_vforker_done "$name" 8
}

jobs=()
stop_case tstp TSTP &
jobs+=($!)
stop_case ttin TTIN &
jobs+=($!)
stop_case ttou TTOU &
jobs+=($!)
signal_case int INT &
jobs+=($!)
signal_case int_thread INT --thread &
jobs+=($!)
signal_case term_thread TERM --thread &
jobs+=($!)
signal_case hup_thread HUP --thread &
jobs+=($!)
failed=0
for j in "${jobs[@]}"; do
	wait "$j" || failed=1
done
[ "$failed" = 0 ] || fail "a signal to fdclose took effect too early or left a target harmed (see above)"
