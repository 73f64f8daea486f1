#!/usr/bin/env bash
# Two fdclose runs on one host.  (In fdclose 0.1 the second counted the
# first one's pidfd_getfd references as CLOSE_WAIT holders: --list showed
# fdclose itself, and --all-closewait injected close() into the other
# fdclose, leaving the real target's sockets behind.)
#
# A: while a first fdclose holds a reference (its target, a vforker, cannot
#    stop for 4 s), --list must not show it, and a second, acting fdclose
#    waits for it instead of acting on it; the first is never traced.
# B: two --all-closewait started together on 2 x 300 sockets: both end 0,
#    together they close every socket once, nothing is left in CLOSE_WAIT.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_fixture_bins vforker

# ---------------------------------------------------------------- A
fx_vforker_start v --child-ms 4000
vpid=$(fx_pid v)
vfd=$(fx_field v fd)
wait_in_vfork v
"$FDCLOSE" --timeout 3s --no-syslog "$vpid" "$vfd" >"$IT_TMP/first.out" 2>"$IT_TMP/first.err" &
first=$!
it_track_pid "$first"
wait_until 2 eval '[ "$(tracer_of "$vpid")" = "$first" ]' || fail "the first fdclose never seized $vpid"
wait_until 2 eval 'ls -l /proc/$first/fd | grep -q socket' ||
	fail "the first fdclose holds no reference to the socket"

# The vforker and its vfork child (a copy of its fd table) hold the socket.
listed=" $(fdclose_closewait | cut -d' ' -f1 | sort -u | tr '\n' ' ')"
case $listed in *" $vpid "*) ;; *) fail "--list does not show the vforker $vpid: $listed" ;; esac
case $listed in *" $first "*) fail "--list shows the first fdclose $first as a holder: $listed" ;; esac

"$FDCLOSE" --all-closewait --method=close --timeout 3s --no-syslog >"$IT_TMP/second.out" 2>"$IT_TMP/second.err" &
second=$!
it_track_pid "$second"
while kill -0 "$first" 2>/dev/null; do
	tracer=$(tracer_of "$first")
	# (It may end between kill -0 and the read of its status: then there is none.)
	[ -z "$tracer" ] && ! kill -0 "$first" 2>/dev/null && break
	assert_eq 0 "$tracer" "TracerPid of the first fdclose"
	sleep 0.05
done
wait "$first"
assert_eq 1 "$?" "the first fdclose's status (its target did not stop in time)"
grep -q "waiting for another fdclose (pid $first) to finish" "$IT_TMP/second.err" ||
	fail "the second fdclose did not wait for the first:"$'\n'"$(cat "$IT_TMP/second.err")"
wait "$second"
rc=$?
assert_eq 0 "$rc" "the second fdclose's status; stderr: $(cat "$IT_TMP/second.err")"
grep -q "^closed fd $vfd in pid $vpid (vforker)" "$IT_TMP/second.out" ||
	fail "the second fdclose did not close fd $vfd of the vforker:"$'\n'"$(cat "$IT_TMP/second.out")"
wait_until 5 eval '! kill -0 "$vpid" 2>/dev/null' || fail "vforker $vpid still runs"

# ---------------------------------------------------------------- B
fx_start a --mode read --closewait 300
fx_start b --mode threads --threads 4 --closewait 300
"$FDCLOSE" --all-closewait --method=close --no-syslog --json >"$IT_TMP/one.json" 2>"$IT_TMP/one.err" &
one=$!
"$FDCLOSE" --all-closewait --method=close --no-syslog --json >"$IT_TMP/two.json" 2>"$IT_TMP/two.err" &
two=$!
wait "$one"
rc1=$?
wait "$two"
rc2=$?
assert_eq "0 0" "$rc1 $rc2" "statuses of the two runs; stderr:"$'\n'"$(cat "$IT_TMP/one.err" "$IT_TMP/two.err")"
total=$(cat "$IT_TMP/one.json" "$IT_TMP/two.json" | jq -s '[.[] | select(.type == "holder" and .result == "closed")] | length')
assert_eq 600 "$total" "sockets closed by the two runs together"
assert_no_closewait
assert_intact a b
assert_fds a "$(all_gone a)"
assert_fds b "$(all_gone b)"
