#!/usr/bin/env bash
# The fixture itself: every mode parks where it says, answers "intact", and
# its verdict can fail: SIGUSR2 (a handler without SA_RESTART) breaks the
# parked call with EINTR, which it must report.  Signal counting is exact.
. "$(dirname "$0")/lib.sh"

need_root
need_fixtures

single="read accept poll epoll nanosleep clock_nanosleep clock_nanosleep_abs futex busy signals"
modes="$single threads futex_untimed"
for m in $modes; do
	fx_start "$m" --mode "$m" --sleep-ms 300 --closewait 2 --live 1 --threads 3
done

threads_of() {
	ls "/proc/$(fx_pid "$1")/task" | wc -l
}

for m in $modes; do
	wait_parked "$m"
	case $m in
	threads) assert_eq 4 "$(threads_of "$m")" "threads of mode $m" ;;
	futex_untimed) assert_eq 2 "$(threads_of "$m")" "threads of mode $m" ;;
	*) assert_eq 1 "$(threads_of "$m")" "threads of mode $m (must be single-threaded)" ;;
	esac
	set -- $(fx_field "$m" closewait)
	assert_fds "$m" "$1=close-wait $2=close-wait"
	assert_intact "$m"
	reply=$(fx_cmd "$m" live) || fail "mode $m: live: $reply"
	assert_eq "ok live=1" "$reply" "mode $m: live"
done
# The kernel agrees on which sockets are leaked.
assert_same_lines <(expected_holders $modes) <(ss_closewait | cut -d' ' -f1,2) "ss against the ready files"

# A signal that interrupts the parked call must turn the verdict to fail.
# The signal may land between two timed calls: then try again.
for m in $modes; do
	[ "$m" = busy ] && continue
	for try in 1 2 3; do
		wait_parked "$m"
		kill -USR2 "$(fx_pid "$m")"
		sleep 0.05
		reply=$(fx_cmd "$m" status) && continue
		break
	done
	assert_match '^fail: .*errno 4 \(Interrupted system call\)' "$reply" "mode $m after SIGUSR2"
done
# Busy has no call to interrupt; a handled signal leaves its registers alone.
kill -USR2 "$(fx_pid busy)"
assert_intact busy
assert_match ' probe=1 ' "$(fx_cmd busy signals)" "SIGUSR2 counted by busy"

# --eintr-ok counts an EINTR instead of failing.
fx_start epoll_ok --mode epoll --eintr-ok
wait_parked epoll_ok
kill -USR2 "$(fx_pid epoll_ok)"
sleep 0.05
reply=$(fx_cmd epoll_ok status) || fail "epoll --eintr-ok after SIGUSR2: $reply"
assert_match ' eintr=1$' "$reply" "epoll --eintr-ok after SIGUSR2"

# Exactly-once signal accounting.
fx_start sig --mode signals
pid=$(fx_pid sig)
assert_eq "sent 3000" "$("$SIGSTORM" "$pid" RTMIN 3000)" "sigstorm"
kill -USR1 "$pid"
fx_cmd sig expect-signals 3000 >/dev/null || fail "expect-signals 3000: $(fx_cmd sig expect-signals 3000)"
! fx_cmd sig expect-signals 2999 >/dev/null || fail "expect-signals 2999 passed after 3000 signals"
assert_match '^ok rt=3000 usr1=1 probe=0 dup=0 range=0$' "$(fx_cmd sig signals)" "signal counts"
"$SIGSTORM" "$pid" RTMIN 10 >/dev/null
assert_match '^fail: .*dup=10' "$(fx_cmd sig expect-signals 3000)" "values sent twice"
fx_cmd sig reset-signals >/dev/null
"$SIGSTORM" "$pid" RTMIN 5 >/dev/null
kill -s RTMIN "$pid"
assert_match '^fail: .*range=1' "$(fx_cmd sig expect-signals 5)" "a signal without a value"
assert_intact sig

# --fork: the child holds the same sockets and answers on its own socket.
fx_start f --fork --mode nanosleep --sleep-ms 200 --closewait 2 --live 1
pid=$(fx_pid f)
child=$(fx_pid f.child)
wait_parked f.child
set -- $(fx_field f closewait)
assert_fds f.child "$1=close-wait $2=close-wait"
assert_eq "$(ino_of "$pid" "$1")" "$(ino_of "$child" "$1")" "socket shared by parent and child"
assert_eq "ok pid=$child" "$(fx_cmd f.child ping)" "the child's ping"
assert_intact f

# quit ends the fixture.
assert_eq "ok bye" "$(fx_cmd read quit)" "quit"
wait_until 5 eval '! kill -0 "$(fx_pid read)" 2>/dev/null' || fail "read fixture still alive after quit"
