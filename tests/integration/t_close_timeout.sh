#!/usr/bin/env bash
# Every wait on the target has a deadline.  A thread waiting in vfork() for
# its child sleeps in a killable, not interruptible, wait (State D), so
# PTRACE_INTERRUPT cannot stop it until the child exits (5 s here).
# fdclose --timeout 300ms must give up within about a second, say that a
# thread did not stop in time, exit 1 and leave the target as it was: not
# traced once fdclose has exited (it may keep the thread that never stopped
# attached until then, and says so), the fd still open, and once the vfork
# child exits the process goes on and passes its own check.  The same with
# a second thread that does stop: that one is released, not left frozen.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixture_bins vforker

fx_vforker_start solo --child-ms 5000
fx_vforker_start duo --child-ms 5000 --thread

# timeout_case NAME: one fixture's story, all asserted from outside.
timeout_case() {
	local name=$1 pid fd link t0 ms err
	pid=$(fx_pid "$name")
	fd=$(fx_field "$name" fd)
	link=$(readlink "/proc/$pid/fd/$fd")
	assert_eq "socket:[$(fx_field "$name" ino)]" "$link" "$name: the fd before fdclose"
	wait_in_vfork "$name"

	t0=$(ms_now)
	run_capture "$FDCLOSE" --timeout 300ms "$pid" "$fd"
	ms=$(($(ms_now) - t0))
	err=$(cat "$ERR")
	[ "$RC" = 1 ] || fail "$name: fdclose --timeout 300ms exited $RC, expected 1:"$'\n'"$(cat "$OUT")"$'\n'"$err"
	[ "$ms" -lt 1000 ] || fail "$name: fdclose --timeout 300ms took $ms ms, expected under 1 s"
	[ "$ms" -ge 300 ] || fail "$name: fdclose --timeout 300ms gave up after $ms ms, before its deadline"
	assert_match "pid $pid \\(vforker\\): a thread did not stop in time \\(see --timeout\\); nothing was changed" \
		"$err" "$name: the timeout message"
	assert_match "fd $fd in pid $pid" "$err" "$name: the fd's own line"
	[ ! -s "$OUT" ] || fail "$name: fdclose reported a success on stdout:"$'\n'"$(cat "$OUT")"

	# fdclose has exited: nothing of it may be left on the target.
	assert_pid_untraced "$pid" "$name"
	assert_fd_is "$pid" "$fd" "$link" "$name after the timeout"
	# Still in its vfork: fdclose neither killed nor woke it.
	_it_in_vfork "$pid" "$(fx_field "$name" syscall)" ||
		fail "$name (pid $pid) is no longer waiting in vfork: State $(state_of "$pid")"
}

timeout_case solo
timeout_case duo
# The worker of duo runs again (it was stopped, then released at the timeout).
tid=$(fx_field duo tid)
wait_until 2 eval '[ "$(state_of "$(fx_pid duo)/task/$tid")" != t ]' ||
	fail "duo: worker thread $tid still in a tracing stop"

# When the children exit, both go on and pass their own checks.
fx_vforker_done solo 8
fx_vforker_done duo 8
