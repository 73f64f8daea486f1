#!/usr/bin/env bash
# A process whose main thread called pthread_exit: the leader is a zombie
# (State Z, /proc/PID/fd empty) but the other threads live on and hold every
# fd.  fdclose seizes a live thread instead (DESIGN, step 1) and closes them.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

leader_state() {
	awk '$1 == "State:" { print $2 }' "/proc/$1/status"
}

fx_start zm --mode threads --threads 8 --zombie-main --closewait 3 --live 1
pid=$(fx_pid zm)
wait_until 5 eval '[ "$(leader_state "$pid")" = Z ]' || fail "the main thread of $pid is not a zombie"
tid=$(ls "/proc/$pid/task" | grep -vx "$pid" | head -1)
set -- $(fx_field zm closewait)
ino=$(readlink "/proc/$pid/task/$tid/fd/$1")
assert_match '^socket:\[[0-9]+\]$' "$ino" "fd $1 seen through live thread $tid"

fdclose_ok zm "$1" "$2"
[ ! -e "/proc/$pid/task/$tid/fd/$1" ] || fail "fd $1 is still open"
assert_fds zm "$1=gone $2=gone $3=close-wait"
assert_untraced zm
assert_intact zm
