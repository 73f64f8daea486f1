#!/usr/bin/env bash
# The bulk loop, abandoned, goes home by itself.  strace delays every
# process_vm_readv of fdclose by 1.5 s, so fdclose looks at the loop's frame
# only after the loop has waited its one second in the park: the loop must
# then have put the thread's mask and registers back itself and returned to
# the blocking read it was in.  fdclose must see that, leave the thread
# alone, say that the loop's pages stay, and report every fd closed.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd strace

N=12

anon_exec() {
	awk '$2 ~ /x/ && NF == 5' "/proc/$1/maps"
}

fx_start h --mode read --closewait "$N"
pid=$(fx_pid h)
wait_parked h
masks=$(sigmasks h)
before=$(anon_exec "$pid" | wc -l)
# shellcheck disable=SC2046 # one fd per word
run_capture timeout 30 strace -qq -o /dev/null -e trace=process_vm_readv \
	-e inject=process_vm_readv:delay_exit=1500000 \
	"$FDCLOSE" --timeout 10s --no-syslog "$pid" $(fx_field h closewait)
[ "$RC" = 0 ] || fail "fdclose exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
assert_eq "$N" "$(grep -c "^closed fd [0-9]* in pid $pid (cwfix)" "$OUT")" "closed lines"
grep -q "pid $pid: fdclose was away too long, so its close loop put its thread back by itself" "$ERR" ||
	fail "fdclose did not notice that the loop went home:"$'\n'"$(cat "$ERR")"
assert_untraced h
assert_eq "$masks" "$(sigmasks h)" "signal masks (put back by the loop itself)"
assert_eq $((before + 1)) "$(anon_exec "$pid" | wc -l)" "anonymous executable mappings (the loop's stays)"
wait_parked h 2
assert_intact h
assert_fds h "$(all_gone h)"
