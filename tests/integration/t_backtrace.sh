#!/usr/bin/env bash
# --backtrace: where each thread of the target stood, for the post-mortem,
# in a short freeze of its own.  Alone (fdclose --backtrace PID) it changes
# nothing: the fd table, the signal masks and the parked read are as before.
# It names the fixture's own functions and the blocking call it sits in,
# one block (or one JSON "threads" entry) per thread, and a stripped static
# binary's frames as module+offset.  With PID FD... and with --all-closewait
# the evidence comes first, then the act.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fd_table() {
	find "/proc/$1/fd" -mindepth 1 -printf '%f %l\n' | sort -n
}

fx_start r --mode read --closewait 2
pid=$(fx_pid r)
wait_parked r
table=$(fd_table "$pid")
masks=$(sigmasks r)
run_capture "$FDCLOSE" --backtrace "$pid"
assert_eq 0 "$RC" "exit status of --backtrace alone (stderr: $(cat "$ERR"))"
assert_file_empty "$ERR" "stderr of --backtrace alone"
grep -q "^pid $pid (cwfix): 1 thread, held [0-9]* us to read where they stood\$" "$OUT" ||
	fail "no header line:"$'\n'"$(cat "$OUT")"
grep -q "^thread $pid (x86_64): in syscall 0 at 0x[0-9a-f]*: " "$OUT" ||
	fail "the thread is not shown in read (syscall 0):"$'\n'"$(cat "$OUT")"
grep -q "^  #0 0x[0-9a-f]* read+0x[0-9a-f]* (libc.so.6+0x[0-9a-f]*)\$" "$OUT" ||
	fail "frame #0 is not libc's read:"$'\n'"$(cat "$OUT")"
grep -q "^  #[1-9] 0x[0-9a-f]* park_read+0x[0-9a-f]* (cwfix+0x[0-9a-f]*)\$" "$OUT" ||
	fail "the fixture's own park_read is not among the frames:"$'\n'"$(cat "$OUT")"
assert_eq "$table" "$(fd_table "$pid")" "fd table after --backtrace alone"
assert_eq "$masks" "$(sigmasks r)" "signal masks after --backtrace alone"
assert_untraced r
wait_parked r 2
assert_intact r

# JSON: a "threads" entry per thread of a threaded fixture.
fx_start t --mode threads --threads 3 --closewait 1
tpid=$(fx_pid t)
wait_parked t
ntasks=$(find "/proc/$tpid/task" -mindepth 1 -maxdepth 1 | wc -l)
run_capture "$FDCLOSE" --backtrace --json "$tpid"
assert_eq 0 "$RC" "exit status of --backtrace --json (stderr: $(cat "$ERR"))"
assert_eq backtrace "$(jq -r .type "$OUT")" "type of the object"
assert_eq "$ntasks" "$(jq '.threads | length' "$OUT")" "threads in the backtrace object"
assert_eq "$(find "/proc/$tpid/task" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | xargs)" \
	"$(jq -r '.threads[].tid' "$OUT" | sort -n | xargs)" "tids in the backtrace object"
jq -e '[.threads[].frames[].function] | index("worker_main")' "$OUT" >/dev/null ||
	fail "no worker_main frame in the threads of t:"$'\n'"$(jq -c '.threads[] | [.frames[].function]' "$OUT")"
jq -e 'all(.threads[]; (.pc | test("^0x[0-9a-f]+$")) and (.insn | length > 0) and .walked)' "$OUT" >/dev/null ||
	fail "a thread without pc, instruction or walk:"$'\n'"$(jq -c '.threads[]' "$OUT" | head -3)"
assert_intact t

# A stripped static binary: no names, module+offset.
fx_start_prog s "$IT_TMP" "$FIXDIR/cwfix-static" --mode read --closewait 2
spid=$(fx_pid s)
wait_parked s
run_capture "$FDCLOSE" --backtrace "$spid"
assert_eq 0 "$RC" "exit status of --backtrace on a stripped binary"
grep -q "^  #0 0x[0-9a-f]* cwfix-static+0x[0-9a-f]*\$" "$OUT" ||
	fail "frame #0 of the stripped binary is not module+offset:"$'\n'"$(cat "$OUT")"

# With PID FD...: the evidence, then the closes.
# shellcheck disable=SC2046 # one fd per word
run_capture "$FDCLOSE" --backtrace --no-syslog "$spid" $(fx_field s closewait)
assert_eq 0 "$RC" "exit status of --backtrace PID FD... (stderr: $(cat "$ERR"))"
assert_eq "pid $spid (cwfix-static): 1 thread, held" "$(head -n 1 "$OUT" | cut -d' ' -f1-6)" \
	"first line of --backtrace PID FD..."
assert_eq 2 "$(grep -c "^closed fd [0-9]* in pid $spid (cwfix-static)" "$OUT")" "closed lines after the backtrace"
assert_intact s

# With --all-closewait: one backtrace object per process acted on, before its holders.
"$FDCLOSE" --all-closewait --backtrace --json --no-syslog >"$IT_TMP/sweep" 2>"$IT_TMP/sweep.err"
RC=$?
assert_eq 0 "$RC" "exit status of --all-closewait --backtrace (stderr: $(cat "$IT_TMP/sweep.err"))"
assert_eq "$(printf '%s\n' "$pid" "$tpid" | sort -n | xargs)" \
	"$(jq -r 'select(.type == "backtrace") | .pid' "$IT_TMP/sweep" | sort -n | xargs)" \
	"processes with a backtrace object"
assert_eq backtrace "$(jq -r 'select(.type == "backtrace" or .type == "holder") | .type' "$IT_TMP/sweep" | head -n 1)" \
	"the first object of the sweep"

# assert_usage_line WHAT ARGS...: exit 2, one line that says WHAT.
assert_usage_line() {
	local what=$1
	shift
	run_capture "$FDCLOSE" "$@"
	assert_eq 2 "$RC" "exit status of fdclose $*"
	assert_eq 1 "$(wc -l <"$ERR")" "lines on stderr of fdclose $*"
	grep -qF -- "$what" "$ERR" || fail "fdclose $*: $(cat "$ERR")"
}
assert_usage_line "--backtrace goes with PID [FD...] and --all-closewait, not --list" --list --backtrace
assert_usage_line "--backtrace PID alone changes nothing" --backtrace --dry-run "$pid"
