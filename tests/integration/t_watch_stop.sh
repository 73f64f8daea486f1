#!/usr/bin/env bash
# fdclose --watch INTERVAL: every pass acts only on the sockets that have
# been in CLOSE_WAIT --older-than long, those leaked after it started too;
# each pass logs one summary line to syslog (authpriv, ident fdclose) and,
# with --textfile, rewrites the metrics with counters of the sockets closed
# and failed and of the passes (parsed by python3-prometheus-client).
# SIGTERM and SIGINT end it with status 0 within one interval (5 s: at
# once), also when they land while it freezes a target: the targets are
# then never left frozen or traced (a churning server and a threaded cwfix,
# passes every 10 ms, the signal at varied moments; the stop is taken
# between two processes, so the bound there is one process's turn and the
# pass's report on a loaded machine, 2 s).  --watch --dry-run changes nothing.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures
syslog_capture_start

# ---- exits at once on SIGTERM and SIGINT, also with a long interval
for sig in TERM INT; do
	: >"$IT_SYSLOG"
	"$FDCLOSE" --watch 5s >"$IT_TMP/w2.out" 2>&1 &
	W=$!
	it_track_pid "$W"
	wait_until 5 passes_at_least 1 || fail "no first pass"
	stop_watch "$W" "$sig" 1000 "watch 5s"
	assert_file_empty "$IT_TMP/w2.out" "output of a watch that found nothing"
done
assert_usage_error "--watch takes a duration from 10ms to 24h, not '5ms'" --watch 5ms
assert_usage_error "--watch takes a duration from 10ms to 24h, not '25h'" --watch 25h
assert_usage_error "--watch takes a duration from 10ms to 24h, not 'often'" --watch often
assert_usage_error "--list and --watch exclude each other" --watch 10s --list
assert_usage_error "--list, --all-closewait and --watch take no operands, but got '1'" --watch 1s 1 3
assert_usage_error "--all-closewait and --watch close only CLOSE_WAIT sockets: --force does not apply" --watch 1s --force
assert_usage_error "--watch is given twice" --watch 1s --watch 2s
assert_usage_error "--watch does not take --include-dead" --watch 1s --include-dead
"$FDCLOSE" --watch 1s --textfile "$IT_TMP/none" >"$IT_TMP/w3.out" 2>&1
assert_eq 1 $? "exit status of --watch with a missing --textfile directory"
"$FDCLOSE" --watch 1s --list >"$IT_TMP/w3.out" 2>&1
assert_eq 2 $? "exit status of --watch --list"
"$FDCLOSE" --watch 1ms >"$IT_TMP/w3.out" 2>&1
assert_eq 2 $? "exit status of --watch 1ms"

# ---- a stop that lands while targets are frozen never leaves them so
fx_start_prog ch "$IT_TMP" "$CHURN" --slots 32 --live 4 --closewait 16 --pace-us 20
fx_start t --mode threads --threads 16 --closewait 4 --live 1
for delay in 0.3 0.65 1.0; do
	for sig in TERM INT; do
		"$FDCLOSE" --watch 10ms --method=close --no-syslog \
			>"$IT_TMP/c.out" 2>"$IT_TMP/c.err" &
		W=$!
		it_track_pid "$W"
		sleep "$delay"
		stop_watch "$W" "$sig" 2000 "watch 10ms against churn, SIG$sig after $delay s"
		assert_pid_untraced "$(fx_pid ch)" churn
		assert_pid_untraced "$(fx_pid t)" "threaded cwfix"
		reply=$(fx_cmd ch status) || fail "churn is not intact after SIG$sig at $delay s: $reply"
		assert_intact t
	done
done
grep -q '^closed fd' "$IT_TMP/c.out" || log "(the last run closed nothing: the churn was between rounds)"
assert_fds t "$(all_gone t)"
