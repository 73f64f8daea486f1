#!/usr/bin/env bash
# A pid reused between the scan and the act: fdclose --all-closewait is
# stopped under gdb as it admits the first process it scanned (job_admit);
# that process is killed and reaped, and another fixture is started under
# the very same pid (ns_last_pid of the test's own pid namespace), holding
# a CLOSE_WAIT socket of its own under the same fd number.  fdclose pins
# the pid with a pidfd before it reads anything, finds a start time other
# than the scan's, says the number was reused, and leaves the newcomer
# alone: its socket stays in CLOSE_WAIT, its holder object is "skipped".
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd gdb

fx_start old --mode read --closewait 1
wait_parked old
pid=$(fx_pid old)
fd=$(fx_field old closewait)

gdb -q -batch -nx \
	-ex 'set pagination off' \
	-ex 'break job_admit' \
	-ex "set args --all-closewait --method=close --json --no-syslog >$IT_TMP/out 2>$IT_TMP/out.err" \
	-ex 'run' \
	-ex "shell touch $IT_TMP/stopped; while [ ! -e $IT_TMP/go ]; do sleep 0.05; done" \
	-ex 'delete' \
	-ex 'continue' \
	"$FDCLOSE" >"$IT_TMP/gdb.log" 2>&1 &
gdb_pid=$!
it_track_pid "$gdb_pid"
wait_until 30 test -e "$IT_TMP/stopped" ||
	framework_error "fdclose never reached job_admit under gdb:"$'\n'"$(cat "$IT_TMP/gdb.log")"

# The scanned process goes, and is reaped: its number is free.
kill -KILL "$pid"
wait "$pid" 2>/dev/null
# A newcomer under that number (another fork may take it first: retry).
for try in 1 2 3 4 5 6 7 8; do
	rm -f "$IT_TMP/new.ready"
	echo $((pid - 1)) >/proc/sys/kernel/ns_last_pid || framework_error "cannot set ns_last_pid"
	"$CWFIX" --ctl "$IT_TMP/new.ctl" --ready "$IT_TMP/new.ready" --mode read --closewait 1 \
		</dev/null >"$IT_TMP/new.log" 2>&1 &
	new=$!
	it_track_pid "$new"
	[ "$new" = "$pid" ] && break
	kill -KILL "$new"
	wait "$new" 2>/dev/null
done
[ "$new" = "$pid" ] || framework_error "could not start a process under pid $pid again ($try tries)"
_it_wait_ready new "$new"
wait_parked new
[ "$(fx_field new closewait)" = "$fd" ] ||
	framework_error "the newcomer's CLOSE_WAIT fd is $(fx_field new closewait), the scanned one was $fd"

touch "$IT_TMP/go"
wait "$gdb_pid"
grep -q 'exited' "$IT_TMP/gdb.log" ||
	framework_error "fdclose did not run to its end under gdb:"$'\n'"$(cat "$IT_TMP/gdb.log")"
RC=$(sed -n 's/.*exited with code \([0-9]*\).*/\1/p; s/.*exited normally.*/0/p' "$IT_TMP/gdb.log" | tail -1)

assert_intact new
assert_fds new "$fd=close-wait"
grep -q "pid $pid (cwfix): not the process the scan saw: the number was reused (started at tick [0-9]*, not [0-9]*); left alone" "$IT_TMP/out.err" ||
	fail "fdclose does not say pid $pid was reused:"$'\n'"$(cat "$IT_TMP/out.err")"
assert_eq "skipped" "$(jq -r --argjson p "$pid" --argjson f "$fd" \
	'select(.type == "holder" and .pid == $p and .fd == $f) | .result' "$IT_TMP/out")" \
	"result of the scanned holder pid $pid fd $fd"
assert_eq 0 "$RC" "exit status of fdclose (a reused pid is skipped, not failed)"
