#!/usr/bin/env bash
# fdclose --all-closewait leaves a process exactly as it found it, also when
# it closes many fds at once (the bulk loop, which parks until fdclose
# takes its thread back): two processes stopped by SIGSTOP (one with five threads) stay
# stopped, the running ones keep running (no stop leaks out of the bulk
# loop), and one under a storm of queued real-time signals gets each of
# them exactly once.  SIGCONT then resumes the stopped ones intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

state_of() {
	awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat"
}
stopped() {
	[ "$(state_of "$1")" = T ]
}

fx_start s1 --mode read --closewait 20 --live 1
fx_start s2 --mode threads --threads 4 --closewait 20 --live 1
fx_start r1 --mode nanosleep --sleep-ms 200 --closewait 20 --live 1
fx_start r2 --mode signals --closewait 20 --live 1
export CWCTL_TIMEOUT=10
for n in s1 s2 r1 r2; do
	wait_parked "$n"
done
for n in s1 s2; do
	kill -STOP "$(fx_pid "$n")"
	wait_until 5 stopped "$(fx_pid "$n")" || framework_error "$n did not stop"
done
fd_inodes s1 s2 r1 r2 >"$IT_TMP/inodes"

# 20,000 signals queued at r2 while fdclose works on it.
"$SIGSTORM" "$(fx_pid r2)" RTMIN 20000 >"$IT_TMP/storm" 2>&1 &
storm=$!
it_track_pid "$storm"
sweep_ok "$IT_TMP/out"
wait "$storm" || framework_error "sigstorm: $(cat "$IT_TMP/storm")"
assert_eq "closed=80 processes=4 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/out")" "summary"
assert_fds_gone "$IT_TMP/inodes"

for n in s1 s2; do
	p=$(fx_pid "$n")
	assert_eq T "$(state_of "$p")" "state of the stopped $n right after"
	for t in /proc/"$p"/task/*; do
		assert_eq T "$(awk '{ sub(/.*\) /, ""); print $1 }' "$t/stat")" "state of thread ${t##*/} of $n"
	done
done
for n in r1 r2; do
	p=$(fx_pid "$n")
	! stopped "$p" || fail "the running $n ($p) was left stopped"
done
sleep 0.5
for n in s1 s2; do
	assert_eq T "$(state_of "$(fx_pid "$n")")" "state of $n half a second later"
	assert_untraced "$n"
done
for n in r1 r2; do
	! stopped "$(fx_pid "$n")" || fail "$n was left stopped"
	assert_untraced "$n"
done
reply=$(fx_cmd r2 expect-signals 20000) || fail "r2 did not get each signal once: $reply"
for n in s1 s2; do
	kill -CONT "$(fx_pid "$n")"
done
for n in s1 s2 r1 r2; do
	assert_fds "$n" "$(all_gone "$n")"
done
assert_no_closewait
assert_intact s1 s2 r1 r2
