#!/usr/bin/env bash
# Many fds of a target under a seccomp filter, as systemd's
# SystemCallFilter= makes them: the bulk loop's syscalls would run under the
# filter too.  (fdclose 0.1's loop, with tgkill denied, spun for ever or was
# killed, and fdclose reported "failed" for fds that were in fact closed.)
# Each filter below denies a syscall that the loop or its way back could
# use; last, a target under PR_SET_MDWE (systemd's MemoryDenyWriteExecute=)
# may map no executable memory for the loop.  Every fd must be closed,
# reported closed, and the target intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

N=12
SECCOMPEXEC=$FIXDIR/seccompexec
[ -x "$SECCOMPEXEC" ] || framework_error "$SECCOMPEXEC is not built (make fixtures)"

i=0
for filter in "kill tgkill" "errno tgkill" "kill ppoll,rt_sigprocmask" \
	"trap tgkill,kill" "mdwe -"; do
	i=$((i + 1))
	name=f$i
	# shellcheck disable=SC2086 # action and syscalls are two words
	fx_start_prog "$name" "$IT_TMP" "$SECCOMPEXEC" $filter -- "$CWFIX" --mode read --closewait "$N"
	pid=$(fx_pid "$name")
	verbose=
	if [ "${filter%% *}" = mdwe ]; then
		verbose=-v
	else
		assert_eq 2 "$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$pid/status")" "Seccomp of $pid"
	fi
	wait_parked "$name"
	masks=$(sigmasks "$name")
	# shellcheck disable=SC2046 # one fd per word
	run_capture timeout 20 "$FDCLOSE" $verbose "$pid" $(fx_field "$name" closewait)
	[ "$RC" = 0 ] || fail "fdclose $pid under '$filter' exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
	assert_eq "$N" "$(grep -c "^closed fd [0-9]* in pid $pid (cwfix)" "$OUT")" "closed lines under '$filter'"
	# The loop was refused its executable page: proof that MDWE holds there.
	[ -z "$verbose" ] || grep -q "pid $pid: no executable memory for the close loop" "$ERR" ||
		fail "under PR_SET_MDWE fdclose did not fall back from the loop:"$'\n'"$(cat "$ERR")"
	assert_untraced "$name"
	assert_eq "$masks" "$(sigmasks "$name")" "signal masks under '$filter'"
	wait_parked "$name" 2
	assert_intact "$name"
	assert_fds "$name" "$(all_gone "$name")"
	log "'$filter': $N fds closed one by one, target intact"
done

# No executable memory and many fds: every window's loop is refused, and
# each falls back within itself; all 2,000 closed.
fx_start_prog big "$IT_TMP" "$SECCOMPEXEC" mdwe - -- "$CWFIX" --mode read --closewait 2000
pid=$(fx_pid big)
wait_parked big
masks=$(sigmasks big)
# shellcheck disable=SC2046 # one fd per word
run_capture timeout 60 "$FDCLOSE" -v --no-syslog "$pid" $(fx_field big closewait)
[ "$RC" = 0 ] || fail "fdclose of 2,000 fds under PR_SET_MDWE exited $RC:"$'\n'"$(tail -5 "$ERR")"
assert_eq 2000 "$(grep -c "^closed fd [0-9]* in pid $pid (cwfix)" "$OUT")" "closed lines, 2,000 fds under PR_SET_MDWE"
grep -q "pid $pid: no executable memory for the close loop" "$ERR" ||
	fail "under PR_SET_MDWE fdclose did not fall back from the loop:"$'\n'"$(tail -5 "$ERR")"
assert_untraced big
assert_eq "$masks" "$(sigmasks big)" "signal masks, 2,000 fds under PR_SET_MDWE"
wait_parked big 2
assert_intact big
# (Its "fds" reply would be longer than a control reply may be: look from outside.)
left=0
for fd in $(fx_field big closewait); do
	[ -e "/proc/$pid/fd/$fd" ] && left=$((left + 1))
done
assert_eq 0 "$left" "CLOSE_WAIT fds of big still open"
