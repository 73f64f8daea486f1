#!/usr/bin/env bash
# Closing CLOSE_WAIT fds in a process blocked in read, accept, poll, epoll or
# an untimed futex: the fds are gone and their sockets leave CLOSE_WAIT, the
# other fds are untouched, the blocked call keeps blocking (no extra return,
# no EINTR) and still gets its data later; no thread stays traced and the
# signal masks are as they were.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

modes="read accept poll futex_untimed signals"
for m in $modes; do
	fx_start "$m" --mode "$m" --closewait 4 --live 1
done
# epoll_wait cannot be restarted: an interrupted one returns EINTR, which the
# design documents as the one side effect.  Everything else must hold.
fx_start epoll --mode epoll --closewait 4 --live 1 --eintr-ok

for m in $modes epoll; do
	set -- $(fx_field "$m" closewait)
	inos="$(ino_of "$(fx_pid "$m")" "$1") $(ino_of "$(fx_pid "$m")" "$3") $(ino_of "$(fx_pid "$m")" "$4")"
	# How many parked calls one status request costs, measured twice.
	p1=$(parks_of "$m")
	p2=$(parks_of "$m")
	step=$((p2 - p1))
	masks=$(sigmasks "$m")

	wait_parked "$m"
	fdclose_ok "$m" "$1"
	wait_parked "$m" 1
	fdclose_ok "$m" "$3" "$4"
	wait_parked "$m" 1
	assert_untraced "$m"
	assert_eq "$masks" "$(sigmasks "$m")" "mode $m: signal masks after fdclose"

	p3=$(parks_of "$m")
	assert_eq $((p2 + step)) "$p3" "mode $m: parked calls completed (an extra one is a spurious wake-up)"
	assert_fds "$m" "$1=gone $2=close-wait $3=gone $4=gone"
	assert_not_closewait $inos
	assert_intact "$m"
	reply=$(fx_cmd "$m" status)
	[ "$m" != epoll ] || [[ $reply =~ \ eintr=[0-3]( |$) ]] || fail "mode epoll: more EINTRs than injections: $reply"
	[ "$m" = epoll ] || [[ $reply =~ \ eintr=0( |$) ]] || fail "mode $m: $reply"
done

# fdclose --list agrees: only the untouched fd of each fixture is left.
fdclose_closewait | cut -d' ' -f1,2 >"$IT_TMP/left"
for m in $modes epoll; do
	echo "$(fx_pid "$m") $(fx_field "$m" closewait | cut -d' ' -f2)"
done >"$IT_TMP/want"
assert_same_lines "$IT_TMP/want" "$IT_TMP/left" "CLOSE_WAIT holders left"
