#!/usr/bin/env bash
# fdclose --watch INTERVAL: every pass acts only on the sockets that have
# been in CLOSE_WAIT --older-than long, those leaked after it started too;
# each pass logs one summary line to syslog (authpriv, ident fdclose) and,
# with --textfile, rewrites the metrics with counters of the sockets closed
# and failed and of the passes (parsed by python3-prometheus-client).
# --watch --dry-run changes nothing.  SIGTERM and SIGINT: t_watch_stop.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures
need_prom_parser
syslog_capture_start

# prom FILE NAME LABELS: that sample's value in FILE, parsed afresh.
prom() {
	prom_parse "$1" "$IT_TMP/prom.tsv"
	prom_value "$IT_TMP/prom.tsv" "$2" "$3"
}

# ---- --older-than: each pass, only what is old enough, new leaks too
# young NAME: while NAME's sockets are well under --older-than (their age
# read first, by --list), the watch has left every one of them alone.
young() {
	local age st
	age=$("$FDCLOSE" --list --json --pid "$(fx_pid "$1")" | jq -s '[.[] | select(.type == "holder") | .age_ms] | max')
	st=$(fx_cmd "$1" fds)
	[ "$age" != null ] || fail "$1's sockets were closed within a second: $st"
	[ "$age" -lt 5000 ] || framework_error "$1's sockets are $age ms old already: too loaded to tell"
	assert_eq "ok $(all_cw "$1")" "$st" "$1's sockets, $age ms old, under --older-than 6s"
}
dir=$IT_TMP/metrics
mkdir "$dir"
t0=$SECONDS
fx_start a --closewait 2 --live 1
log "a ready in $((SECONDS - t0)) s"
"$FDCLOSE" --watch 200ms --older-than 6s --method=close --json --textfile "$dir" \
	>"$IT_TMP/w1.out" 2>"$IT_TMP/w1.err" &
W=$!
it_track_pid "$W"
sleep 0.5
young a
gone() {
	[ "$(fx_cmd "$1" fds)" = "ok $(all_gone "$1")" ]
}
wait_until 10 gone a ||
	fail "a's sockets not closed 10 s after they were leaked: $(fx_cmd a fds)"
# A leak after the watch started.
fx_start b --v6 --closewait 3
sleep 0.5
young b
wait_until 10 gone b ||
	fail "b's sockets not closed 10 s after they were leaked: $(fx_cmd b fds)"
assert_fds a "$(all_gone a)"
assert_intact a b
# What the watch said it closed: 5 sockets, each at least 6 s in CLOSE_WAIT then.
jq -e . "$IT_TMP/w1.out" >/dev/null || fail "--watch --json printed something that is not JSON"
assert_eq 5 "$(jq -s '[.[] | select(.type == "holder" and .result == "closed")] | length' "$IT_TMP/w1.out")" "holders closed"
assert_eq 0 "$(jq -s '[.[] | select(.type == "holder" and .result == "closed" and .age_ms < 6000)] | length' "$IT_TMP/w1.out")" "holders closed younger than --older-than"
# Only the passes that acted print: a's and b's.
assert_eq "2 3" "$(jq -r 'select(.type == "summary") | .done' "$IT_TMP/w1.out" | paste -sd' ')" "summaries printed"
# The metrics, after a pass more: 5 closed, none failed, passes counted.
sleep 0.5
p1=$(prom "$dir/fdclose.prom" fdclose_watch_passes_total -)
assert_eq 5 "$(prom "$dir/fdclose.prom" fdclose_watch_closed_sockets_total method=close)" "closed_sockets_total"
assert_eq 0 "$(prom "$dir/fdclose.prom" fdclose_watch_failed_sockets_total method=close)" "failed_sockets_total"
assert_eq "" "$(prom "$dir/fdclose.prom" fdclose_closewait_sockets "comm=cwfix,netns=$(netns_of self)")" "CLOSE_WAIT gauge once all are closed"
sleep 1
p2=$(prom "$dir/fdclose.prom" fdclose_watch_passes_total -)
[ "$p2" -ge $((p1 + 3)) ] || fail "passes_total went from $p1 to $p2 in 1 s of 200 ms passes"
assert_eq "fdclose.prom" "$(ls -A "$dir")" "files in the textfile directory"
stop_watch "$W" TERM 1000 "watch 200ms"
n=$(passes)
[ "$n" -ge "$p2" ] || fail "$n syslog summary lines for at least $p2 passes"
# The summaries: one a pass, authpriv, the pass number, what was closed.
line=$(grep -m1 -E 'watch pass [0-9]+: 2 CLOSE_WAIT holders found; closed 2 sockets in 1 process; 0 failed; 0 skipped; method close \(ptrace\); run by uid 0 \(root\)' "$IT_SYSLOG") ||
	fail "no summary line for the pass that closed a's 2 sockets:"$'\n'"$(head -20 "$IT_SYSLOG")"
[[ $line =~ ^\<([0-9]+)\> ]] || fail "syslog line without a priority: '$line'"
assert_eq 10 $((BASH_REMATCH[1] >> 3)) "facility of '$line' (authpriv is 10)"
assert_eq 5 $((BASH_REMATCH[1] & 7)) "priority of a pass that closed something (notice)"
grep -qE 'watch pass [0-9]+: 3 CLOSE_WAIT holders found; closed 3 sockets in 1 process' "$IT_SYSLOG" ||
	fail "no summary line for the pass that closed b's 3 sockets"
line=$(grep -m1 -E 'watch pass [0-9]+: 0 CLOSE_WAIT holders found; closed 0 sockets' "$IT_SYSLOG") ||
	fail "no summary line for a pass that found nothing"
[[ $line =~ ^\<([0-9]+)\> ]] && assert_eq 6 $((BASH_REMATCH[1] & 7)) "priority of a pass that did nothing (info)"

# ---- --dry-run: reports each pass, changes nothing, counts nothing closed
: >"$IT_SYSLOG"
fx_start d --closewait 2 --mode poll
dir=$IT_TMP/dry
mkdir "$dir"
"$FDCLOSE" --watch 200ms --dry-run --textfile "$dir" >"$IT_TMP/d.out" 2>"$IT_TMP/d.err" &
W=$!
it_track_pid "$W"
wait_until 5 passes_at_least 3 || fail "fewer than 3 passes of --watch 200ms --dry-run in 5 s"
stop_watch "$W" INT 1000 "watch --dry-run"
assert_fds d "$(all_cw d)"
assert_intact d
assert_eq "" "$(tracer_of "$(fx_pid d)" | grep -v '^0$')" "tracer of d"
grep -qE 'watch pass 1: 2 CLOSE_WAIT holders found; would shut down 2 sockets in 1 process' "$IT_SYSLOG" ||
	fail "no dry-run summary in syslog:"$'\n'"$(cat "$IT_SYSLOG")"
grep -q '^would shut down 2 sockets in 1 process' "$IT_TMP/d.out" || fail "no dry-run summary printed: $(cat "$IT_TMP/d.out")"
assert_eq 0 "$(prom "$dir/fdclose.prom" fdclose_watch_closed_sockets_total method=shutdown)" "closed_sockets_total of a dry run"
assert_eq 2 "$(prom "$dir/fdclose.prom" fdclose_closewait_sockets "comm=cwfix,netns=$(netns_of self)")" "CLOSE_WAIT gauge of a dry run"
fx_cmd d quit >/dev/null 2>&1

