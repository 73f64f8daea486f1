#!/usr/bin/env bash
# A process stopped by SIGSTOP stays stopped while fdclose works on it and
# after; the fd is closed anyway; SIGCONT resumes it intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

state_of() {
	awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat"
}

fx_start st --mode read --closewait 2 --live 1
pid=$(fx_pid st)
wait_parked st
kill -STOP "$pid"
wait_until 5 eval '[ "$(state_of "$pid")" = T ]' || fail "pid $pid did not stop"
set -- $(fx_field st closewait)
ino=$(ino_of "$pid" "$1")
fdclose_ok st "$1"
assert_eq T "$(state_of "$pid")" "state right after fdclose"
sleep 0.5
assert_eq T "$(state_of "$pid")" "state half a second later"
[ ! -e "/proc/$pid/fd/$1" ] || fail "fd $1 is still open in the stopped process"
assert_not_closewait "$ino"
assert_untraced st
kill -CONT "$pid"
assert_intact st
assert_fds st "$1=gone $2=close-wait"
