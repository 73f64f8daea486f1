#!/usr/bin/env bash
# 64 threads, each looping over timed sleeps, futex waits, polls and a busy
# check, keep working through repeated injections: none sees EINTR, a short
# sleep or a wrong register, and every one makes progress afterwards.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start th --mode threads --threads 64 --closewait 10 --live 1
assert_eq 65 "$(ls "/proc/$(fx_pid th)/task" | wc -l)" "threads of th"
masks=$(sigmasks th)
for fd in $(fx_field th closewait); do
	fdclose_ok th "$fd"
done
assert_untraced th
assert_intact th
assert_eq "$masks" "$(sigmasks th)" "signal masks of th's threads"
assert_eq "" "$(ss_closewait)" "CLOSE_WAIT sockets left"
