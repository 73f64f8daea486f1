#!/usr/bin/env bash
# A socket shared by a parent and its forked child: closing it in one leaves
# it in CLOSE_WAIT, held by the other only; closing it there too releases it.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start f --fork --mode poll --closewait 2 --live 1
pid=$(fx_pid f)
child=$(fx_pid f.child)
set -- $(fx_field f closewait)
ino=$(ino_of "$pid" "$1")

fdclose_ok f "$1"
assert_fds f "$1=gone $2=close-wait"
assert_fds f.child "$1=close-wait $2=close-wait"
assert_eq "$child $1 $ino" "$(fdclose_closewait | awk -v i="$ino" '$3 == i { print $1, $2, $3 }')" \
	"holders of the socket after closing it in the parent"

fdclose_ok f.child "$1"
assert_fds f.child "$1=gone $2=close-wait"
assert_not_closewait "$ino"
assert_intact f
assert_untraced f
assert_untraced f.child
