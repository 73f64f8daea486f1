#!/usr/bin/env bash
# A process in a pure computation loop, interrupted at random instructions by
# 40 injections: every general and SSE register it holds comes back exactly
# (the result matches its reference bit for bit).
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start busy --mode busy --closewait 40 --live 1
chunks0=$(fx_cmd busy status | sed -n 's/.* chunks=\([0-9]*\).*/\1/p')
set -- $(fx_field busy closewait)
n=0
while [ $# -ge 4 ]; do
	fdclose_ok busy "$1"
	fdclose_ok busy "$2" "$3" "$4"
	shift 4
	n=$((n + 4))
	sleep 0.0$((RANDOM % 10))
done
assert_eq 40 "$n" "fds closed"
assert_untraced busy
assert_intact busy
reply=$(fx_cmd busy status)
chunks1=$(sed -n 's/.* chunks=\([0-9]*\).*/\1/p' <<<"$reply")
[ "$chunks1" -gt "$chunks0" ] || fail "the busy loop made no progress: $reply"
assert_eq "" "$(ss_closewait)" "CLOSE_WAIT sockets left"
