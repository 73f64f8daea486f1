#!/usr/bin/env bash
# shutdown, the default of --all-closewait: every CLOSE_WAIT connection ends
# (no socket left in CLOSE_WAIT) while each fd stays open and still names the
# same socket, and the process is never traced: a thread of the fixture
# samples its own TracerPid every 100 us throughout.  On the fd, the
# application now reads end of file.  A socket shared by a parent and its
# forked child is shut down once and reported for both.  A process that
# another tracer (strace) holds, which close must refuse, is served by
# --method=shutdown.  Text, JSON and --dry-run use shutdown's own words.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd strace

fx_start s --mode read --closewait 5 --live 1 --sample-tracer
wait_parked s
pid=$(fx_pid s)
read -r -a fds <<<"$(fx_field s closewait)"
before=$(for fd in "${fds[@]}"; do echo "$fd $(readlink "/proc/$pid/fd/$fd")"; done)

run_capture "$FDCLOSE" --all-closewait --dry-run --no-syslog
assert_eq 0 "$RC" "exit status of the default --all-closewait --dry-run"
assert_eq "would shut down 5 sockets in 1 process; 0 failed; 0 skipped" "$(tail -n 1 "$OUT")" \
	"last line of the default --all-closewait --dry-run"

"$FDCLOSE" --all-closewait --json --no-syslog >"$IT_TMP/sweep" 2>"$IT_TMP/sweep.err"
RC=$?
sweep_check "$IT_TMP/sweep"
assert_eq 0 "$RC" "exit status of the default --all-closewait (stderr: $(cat "$IT_TMP/sweep.err"))"
assert_file_empty "$IT_TMP/sweep.err" "stderr of the default --all-closewait"
assert_eq "closed=5 processes=1 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/sweep")" "summary"
assert_eq shutdown "$(tail -n 1 "$IT_TMP/sweep" | jq -r .method)" "the summary's method"
assert_eq 5 "$(jq -r 'select(.type == "holder" and .result == "shut-down" and .method == "shutdown") | .fd' "$IT_TMP/sweep" | wc -l)" \
	"holders shut down"

# The connections are over; the fds are the application's, as they were.
assert_no_closewait
assert_eq "$before" "$(for fd in "${fds[@]}"; do echo "$fd $(readlink "/proc/$pid/fd/$fd")"; done)" \
	"fds of s after shutdown (the same sockets, still open)"
for fd in "${fds[@]}"; do
	reply=$(fx_cmd s probe "$fd") || fail "s: probe $fd: $reply"
	[[ $reply == "ok read=0 "*" kind=socket" ]] || fail "fd $fd after shutdown: $reply (want end of file on a socket)"
done
reply=$(fx_cmd s tracer) || fail "s: tracer: $reply"
[[ $reply =~ ^ok\ traced=0\ samples=([0-9]+)$ ]] || fail "s was traced during shutdown: $reply"
[ "${BASH_REMATCH[1]}" -gt 10 ] || fail "s sampled its TracerPid only ${BASH_REMATCH[1]} times"
assert_untraced s
assert_intact s

# Shared by a parent and its child: one shutdown, both holders reported.
fx_start f --mode accept --closewait 3 --fork
wait_parked f
"$FDCLOSE" --all-closewait --json --no-syslog >"$IT_TMP/fork" 2>"$IT_TMP/fork.err"
RC=$?
sweep_check "$IT_TMP/fork"
assert_eq 0 "$RC" "exit status with a forked holder (stderr: $(cat "$IT_TMP/fork.err"))"
# s's five sockets are dead now, still held: a shutdown has nothing left to end.
assert_eq "closed=3 processes=2 failed=0 skipped=5" "$(sweep_summary "$IT_TMP/fork")" "summary with a forked holder"
assert_eq "$pid DEAD skipped" "$(jq -r 'select(.type == "holder" and .state == "DEAD") | "\(.pid) \(.state) \(.result)"' "$IT_TMP/fork" | sort -u)" \
	"s's dead sockets in the second sweep"
jq -r 'select(.type == "holder" and .state == "DEAD") | .error' "$IT_TMP/fork" | grep -qv -- "--method=close" &&
	fail "a dead socket skipped without naming --method=close: $(jq -c 'select(.state == "DEAD")' "$IT_TMP/fork" | head -1)"
assert_eq 6 "$(jq -r 'select(.type == "holder" and .result == "shut-down") | .pid' "$IT_TMP/fork" | wc -l)" \
	"holders reported shut down (3 sockets, 2 holders each)"
assert_no_closewait
assert_intact f f.child

# Another tracer holds the process: close refuses, shutdown needs no ptrace.
fx_start t --mode read --closewait 2
wait_parked t
tpid=$(fx_pid t)
read -r -a tfds <<<"$(fx_field t closewait)"
strace -o /dev/null -p "$tpid" 2>/dev/null &
stp=$!
it_track_pid "$stp"
traced_by_strace() { [ "$(tracer_of "$tpid")" = "$stp" ]; }
wait_until 5 traced_by_strace || framework_error "strace did not attach to $tpid"
run_capture "$FDCLOSE" --no-syslog "$tpid" "${tfds[0]}"
assert_eq 1 "$RC" "exit status of close on a traced process"
grep -q "already traced by pid $stp (strace).*--method=shutdown" "$ERR" ||
	fail "close on a traced process: no pointer to --method=shutdown: $(cat "$ERR")"
run_capture "$FDCLOSE" --method=shutdown --no-syslog "$tpid" "${tfds[@]}"
assert_eq 0 "$RC" "exit status of --method=shutdown on a traced process (stderr: $(cat "$ERR"))"
assert_eq 2 "$(grep -c "^shut down fd [0-9]* in pid $tpid (cwfix): tcp .* CLOSE-WAIT\$" "$OUT")" \
	"'shut down fd' lines for the traced process"
assert_eq "$stp" "$(tracer_of "$tpid")" "the tracer of t after shutdown (strace, untouched)"
assert_no_closewait
kill "$stp"
wait "$stp" 2>/dev/null
assert_intact t
