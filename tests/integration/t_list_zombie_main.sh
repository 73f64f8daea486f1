#!/usr/bin/env bash
# fdclose --list names the CLOSE_WAIT fds of a process whose main thread
# called pthread_exit: /proc/PID/fd of the zombie leader is empty, so the
# holders must be read through a live thread (/proc/PID/task/TID/fd).
# (ss cannot see these holders: it reads /proc/PID/fd only.)
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start zm --mode threads --threads 2 --zombie-main --closewait 2 --live 1
fx_start plain --closewait 1
pid=$(fx_pid zm)
wait_until 5 eval '[ "$(awk "\$1 == \"State:\" { print \$2 }" "/proc/$pid/status")" = Z ]' ||
	fail "the main thread of $pid is not a zombie"
tid=$(ls "/proc/$pid/task" | grep -vx "$pid" | head -1)

# The truth: the inodes behind the fds, read through the live thread.
for fd in $(fx_field zm closewait); do
	l=$(readlink "/proc/$pid/task/$tid/fd/$fd")
	echo "$pid $fd ${l//[^0-9]/}"
done >"$IT_TMP/want"
fx_field plain closewait | while read -r fd; do
	echo "$(fx_pid plain) $fd $(ino_of "$(fx_pid plain)" "$fd")"
done >>"$IT_TMP/want"

fdclose_closewait | cut -d' ' -f1-3 >"$IT_TMP/got"
assert_same_lines "$IT_TMP/want" "$IT_TMP/got" "holders, a zombie-leader process among them"
assert_intact zm plain
