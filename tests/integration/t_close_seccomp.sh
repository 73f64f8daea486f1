#!/usr/bin/env bash
# A hardened target's own seccomp filter sees every syscall fdclose injects:
# fdclose reads the filters and runs them on the exact call first.  A filter
# that answers close of the target's CLOSE_WAIT fds with errno, trap or
# kill: nothing is injected, the message names seccomp, the call and the
# verdict, and the target lives on with its fd table unchanged (fdclose 0.1
# killed it on trap and kill).  A filter that only logs, one whose rule is
# for i386 callers only, and ones that trap mprotect or mmap with PROT_EXEC
# (the bulk loop's needs): the closes go ahead.  Filters fdclose may not read (no CAP_SYS_ADMIN): refused unless
# --force; with --force a trapped close raises a SIGSYS that fdclose takes
# back, so the target still lives, and says so.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd setpriv

fd_table() {
	find "/proc/$1/fd" -mindepth 1 -printf '%f %l\n' | sort -n
}

start_filtered() {
	fx_start "$1" --mode read --closewait "$2" --seccomp "$3"
	assert_eq 2 "$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$(fx_pid "$1")/status")" \
		"Seccomp of $1 ($3)"
	wait_parked "$1"
}

# Refused: nothing injected, the target as it was.
i=0
for action in errno trap kill; do
	i=$((i + 1))
	name=r$i
	start_filtered "$name" 3 "close-$action"
	pid=$(fx_pid "$name")
	table=$(fd_table "$pid")
	masks=$(sigmasks "$name")
	# shellcheck disable=SC2046 # one fd per word
	run_capture timeout 20 "$FDCLOSE" --no-syslog "$pid" $(fx_field "$name" closewait)
	assert_eq 1 "$RC" "exit status against a filter answering close with $action"
	verdict=$action
	[ "$action" = errno ] && verdict="errno EPERM"
	[ "$action" = kill ] && verdict=kill_process
	first=$(fx_field "$name" closewait | cut -d' ' -f1)
	grep -q "pid $pid (cwfix): its seccomp filter answers close($first) with $verdict, and .*fdclose did not inject it" "$ERR" ||
		fail "no seccomp message naming close($first) and '$verdict':"$'\n'"$(cat "$ERR")"
	assert_eq 3 "$(grep -c "^fdclose: failed to close fd [0-9]* in pid $pid (cwfix): .*seccomp filter would not let the syscall run" "$ERR")" \
		"per-fd lines under close-$action"
	kill -0 "$pid" 2>/dev/null || fail "the target died under close-$action"
	assert_eq "$table" "$(fd_table "$pid")" "fd table under close-$action"
	assert_eq "$masks" "$(sigmasks "$name")" "signal masks under close-$action"
	assert_untraced "$name"
	assert_intact "$name"
done

# Allowed: the closes go ahead.
for rule in close-log close-trap-i386 mprotect-exec-trap mmap-exec-trap; do
	i=$((i + 1))
	name=a$i
	n=3
	case $rule in *-exec-trap) n=12 ;; esac
	start_filtered "$name" "$n" "$rule"
	pid=$(fx_pid "$name")
	# shellcheck disable=SC2046 # one fd per word
	run_capture timeout 20 "$FDCLOSE" --no-syslog "$pid" $(fx_field "$name" closewait)
	assert_eq 0 "$RC" "exit status under $rule (stderr: $(cat "$ERR"))"
	assert_eq "$n" "$(grep -c "^closed fd [0-9]* in pid $pid (cwfix)" "$OUT")" "closed lines under $rule"
	assert_untraced "$name"
	assert_intact "$name"
	assert_fds "$name" "$(all_gone "$name")"
done

# Filters fdclose may not read: refused, unless --force.
start_filtered u 2 close-trap
pid=$(fx_pid u)
read -r -a ufds <<<"$(fx_field u closewait)"
table=$(fd_table "$pid")
run_capture setpriv --bounding-set=-sys_admin "$FDCLOSE" --no-syslog "$pid" "${ufds[@]}"
assert_eq 1 "$RC" "exit status without CAP_SYS_ADMIN"
grep -q "pid $pid (cwfix) runs under a seccomp filter that fdclose cannot read (Permission denied; .*--force injects anyway" "$ERR" ||
	fail "no message about the unreadable filter:"$'\n'"$(cat "$ERR")"
assert_eq "$table" "$(fd_table "$pid")" "fd table after the refusal"
assert_intact u
run_capture setpriv --bounding-set=-sys_admin "$FDCLOSE" --force --no-syslog "$pid" "${ufds[0]}"
assert_eq 1 "$RC" "exit status of --force against a trapping filter"
grep -q "pid $pid (cwfix): an injected syscall raised SIGSYS .*took the signal back" "$ERR" ||
	fail "the swallowed SIGSYS is not reported:"$'\n'"$(cat "$ERR")"
kill -0 "$pid" 2>/dev/null || fail "the target died of the SIGSYS"
assert_eq "$table" "$(fd_table "$pid")" "fd table after the trapped close"
assert_untraced u
assert_intact u
