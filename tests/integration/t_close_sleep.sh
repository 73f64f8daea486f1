#!/usr/bin/env bash
# Closing fds in a process asleep in nanosleep, clock_nanosleep (relative and
# absolute) or a timed FUTEX_WAIT, twice in the middle of one sleep: the sleep
# is neither cut short nor started over (restart_syscall keeps the time left).
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

# One fixture's story; the four run side by side.
inject_mid_sleep() {
	local m=$1
	set -- $(fx_field "$m" closewait)
	# The answer comes when a sleep ends: the next one starts right after.
	CWCTL_TIMEOUT=5 assert_intact "$m"
	sleep 0.6
	fdclose_ok "$m" "$1"
	sleep 0.6
	fdclose_ok "$m" "$2"
	assert_untraced "$m"
	# This answer waits for the tampered sleep to end and judges its length.
	CWCTL_TIMEOUT=6 assert_intact "$m"
	assert_fds "$m" "$1=gone $2=gone"
}

modes="nanosleep clock_nanosleep clock_nanosleep_abs futex"
for m in $modes; do
	fx_start "$m" --mode "$m" --sleep-ms 2500 --slack-ms 250 --closewait 2 --live 1
done
jobs=()
for m in $modes; do
	inject_mid_sleep "$m" &
	jobs+=($!)
done
failed=0
for j in "${jobs[@]}"; do
	wait "$j" || failed=1
done
[ "$failed" = 0 ] || fail "a sleeping fixture was disturbed (see above)"
