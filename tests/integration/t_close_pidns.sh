#!/usr/bin/env bash
# Targets in a pid namespace of their own, as every container's process is:
# 12 CLOSE_WAIT fds take the bulk loop, which must need no pid number.  (The
# loop of fdclose 0.1 sent itself SIGSTOP by the host's numbers: in the
# container that was ESRCH and an endless spin, or another process stopped.)
# Each run must close all 12, say so and exit 0, and leave the target
# intact: not stopped, not spinning, masks as before, no mapping left.
# Then the same for a rootless container (user + pid + network namespace),
# by pid and by --all-closewait.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

N=12

anon_exec() {
	awk '$2 ~ /x/ && NF == 5' "/proc/$1/maps"
}

# cpu_ticks PID: utime + stime.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# check_after NAME ANON MASKS: the target as it was, its fds gone.
check_after() {
	local name=$1 pid t0
	pid=$(fx_pid "$name")
	assert_untraced "$name"
	assert_eq "$2" "$(anon_exec "$pid")" "anonymous executable mappings of $pid"
	assert_eq "$3" "$(sigmasks "$name")" "signal masks of $pid"
	wait_parked "$name" 2
	assert_eq S "$(state_of "$pid")" "state of $pid (parked in read)"
	t0=$(cpu_ticks "$pid")
	sleep 0.3
	assert_eq "$t0" "$(cpu_ticks "$pid")" "CPU ticks of $pid over 0.3 s (it must not spin)"
	assert_intact "$name"
	assert_fds "$name" "$(all_gone "$name")"
}

for kind in pid user; do
	name=c$kind
	if [ $kind = user ]; then
		fx_start_pidns "$name" --user --mode read --closewait "$N"
	else
		fx_start_pidns "$name" --mode read --closewait "$N"
	fi
	pid=$(fx_pid "$name")
	assert_ne "$pid" "$(fx_field "$name" ns_pid)" "pid of $name seen from inside and outside"
	wait_parked "$name"
	anon=$(anon_exec "$pid")
	masks=$(sigmasks "$name")
	# shellcheck disable=SC2046 # one fd per word
	run_capture timeout 20 "$FDCLOSE" "$pid" $(fx_field "$name" closewait)
	[ "$RC" = 0 ] || fail "fdclose $pid ($kind namespace) exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
	assert_eq "$N" "$(grep -c "^closed fd [0-9]* in pid $pid (cwfix)" "$OUT")" "closed lines ($kind)"
	assert_reuse_note_only "$ERR" "fdclose's stderr ($kind)"
	check_after "$name" "$anon" "$masks"
	log "$kind namespace: $N fds closed by pid, target intact"
done

# The rootless container again, by --all-closewait: its network namespace
# is found, and every holder is the one process.
fx_start_pidns sweep --user --mode read --closewait "$N"
pid=$(fx_pid sweep)
wait_parked sweep
anon=$(anon_exec "$pid")
masks=$(sigmasks sweep)
run_capture timeout 20 "$FDCLOSE" --all-closewait --method=close --no-syslog
[ "$RC" = 0 ] || fail "fdclose --all-closewait exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
assert_match "closed $N sockets in 1 process" "$(cat "$OUT")" "--all-closewait summary"
check_after sweep "$anon" "$masks"
