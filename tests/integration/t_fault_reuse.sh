#!/usr/bin/env bash
# fdclose PID FD...: the application closes the fds and reuses their
# numbers between fdclose's scan and its freeze (t_sweep_reuse has the same
# for --all-closewait, t_sweep_race the live race).  gdb stops fdclose at
# its first PTRACE_SEIZE, after it described the fds and took its own
# reference to each socket; the fixture then puts a new healthy connection
# under every CLOSE_WAIT number (dup2).  Under the freeze fdclose must see
# that each number now names another socket and leave it alone: exit 1,
# one "skipped ... the number now refers to another object" line per fd,
# nothing closed.  With 2 fds (one injection each) and 10 (the bulk loop).
# The new connections stay open and carry data (the fixture checks them),
# and the target is untraced and intact.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd gdb

for n in 2 10; do
	name=s$n
	fx_start "$name" --mode poll --closewait "$n" --live 1
	pid=$(fx_pid "$name")
	fds=$(fx_field "$name" closewait)
	ctl=$(fx_ctl_path "$name")
	fdclose_held_at_seize "$IT_TMP/$name.gdb" \
		"--no-syslog $pid $fds >$IT_TMP/$name.out 2>$IT_TMP/$name.err" \
		"shell $CWCTL $ctl swap cw >$IT_TMP/$name.swap 2>&1" \
		"shell find /proc/$pid/fd -mindepth 1 -printf '%f %l\\n' >$IT_TMP/$name.swapped"
	assert_eq "ok swapped=$n" "$(cat "$IT_TMP/$name.swap")" "$name: the fixture's swap"
	rc=$(fdclose_exit_of "$IT_TMP/$name.gdb")
	log "$name: fdclose exit $rc"
	# First what matters most: the new connections are intact.
	reply=$(fx_cmd "$name" status) ||
		fail "$name: fdclose closed connections that took the numbers it had scanned: $reply"$'\n'"$(cat "$IT_TMP/$name.out" "$IT_TMP/$name.err")"
	reply=$(fx_cmd "$name" live) || fail "$name: live: $reply"
	assert_eq "ok live=$((n + 1))" "$reply" "$name: live connections (1 + $n swapped in)"
	for fd in $fds; do
		then=$(awk -v f="$fd" '$1 == f { print $2 }' "$IT_TMP/$name.swapped")
		assert_eq "$then" "$(readlink "/proc/$pid/fd/$fd")" "$name: fd $fd (a new connection since the scan)"
	done
	assert_eq 1 "$rc" "$name: fdclose's status"
	assert_eq 0 "$(grep -c '^closed' "$IT_TMP/$name.out")" "$name: fds reported closed"
	assert_eq "$n" "$(grep -c "^skipped fd [0-9]* in pid $pid (cwfix): the number now refers to another object$" "$IT_TMP/$name.out")" \
		"$name: fds reported skipped"
	assert_untraced "$name"
	assert_intact "$name"
done
