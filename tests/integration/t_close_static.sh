#!/usr/bin/env bash
# No symbols needed.  build/fixtures/cwfix-static is cwfix linked statically
# and stripped: no libc.so to find close() in, no symbol table.  gdb's way
# (print (int)close(FD)) fails there and leaves the fd open; fdclose closes
# it all the same, and the fixture stays intact: in read mode (one fd), and
# in busy mode, where no syscall is in progress and the syscall instruction
# must come from the vdso, with ten fds at once (the injected loop).
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_fixture_bins cwfix-static
need_cmd gdb

CWFIX=$FIXDIR/cwfix-static fx_start st --mode read --closewait 3 --live 1
CWFIX=$FIXDIR/cwfix-static fx_start sb --mode busy --closewait 10 --live 1
pid=$(fx_pid st)
set -- $(fx_field st closewait)

# It is what it says: only the executable is mapped, no shared library.
maps=$(awk '$6 ~ /^\// { print $6 }' "/proc/$pid/maps" | sort -u)
assert_eq "$FIXDIR/cwfix-static" "$maps" "files mapped by the static fixture"
assert_eq "cwfix-static" "$(cat "/proc/$pid/comm")" "the static fixture's comm"

# gdb cannot call close() without symbols.
wait_parked st
link=$(readlink "/proc/$pid/fd/$1")
gdb -q -nx -batch -p "$pid" -ex "print (int)close($1)" -ex detach >"$IT_TMP/gdb.log" 2>&1
grc=$?
log "gdb exited $grc"
grep -q 'No symbol table is loaded' "$IT_TMP/gdb.log" ||
	fail "gdb did not fail for want of symbols:"$'\n'"$(cat "$IT_TMP/gdb.log")"
grep -qE '^\$[0-9]+ = ' "$IT_TMP/gdb.log" && fail "gdb printed a result:"$'\n'"$(cat "$IT_TMP/gdb.log")"
assert_fd_is "$pid" "$1" "$link" "after gdb's attempt"
assert_untraced st
assert_intact st
assert_fds st "$1=close-wait $2=close-wait $3=close-wait"

# fdclose needs none.
ino=$(ino_of "$pid" "$1")
wait_parked st
fdclose_ok st "$1"
grep -q "^closed fd $1 in pid $pid (cwfix-static): tcp .* CLOSE-WAIT$" "$OUT" ||
	fail "fdclose's report:"$'\n'"$(cat "$OUT" "$ERR")"
[ ! -e "/proc/$pid/fd/$1" ] || fail "fd $1 of the static fixture is still open"
assert_not_closewait "$ino"
assert_untraced st
assert_intact st
assert_fds st "$1=gone $2=close-wait $3=close-wait"

# Busy (registers compared bit for bit), ten fds in one call.
pid=$(fx_pid sb)
fds=$(fx_field sb closewait)
inos=$(for fd in $fds; do ino_of "$pid" "$fd"; done)
fdclose_ok sb $fds
assert_eq 10 "$(grep -c "^closed fd [0-9]* in pid $pid (cwfix-static): tcp .* CLOSE-WAIT$" "$OUT")" \
	"closed lines for the busy static fixture"
# shellcheck disable=SC2086 # one inode per word
assert_not_closewait $inos
assert_untraced sb
sleep 0.1
assert_intact sb
assert_fds sb "$(for fd in $fds; do printf '%s=gone ' "$fd"; done | sed 's/ $//')"
