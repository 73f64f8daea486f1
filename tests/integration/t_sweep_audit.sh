#!/usr/bin/env bash
# fdclose --all-closewait writes each socket it closes to syslog: facility
# authpriv, ident fdclose, a message naming the pid, the process name, the
# fd, both addresses, "method close (ptrace)", the result and "run by uid 0
# (root)".  /dev/log is, in this test's own mount namespace, a socket the
# test listens on.  --dry-run logs nothing (it changes nothing), and
# --no-syslog turns the log off.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

syslog_capture_start
# The sink works: logger writes to /dev/log too.
if command -v logger >/dev/null; then
	logger -p authpriv.notice -t fdclose-it "sink check"
	[ "$(syslog_wait 1)" = 1 ] || framework_error "logger's message did not reach the sink"
	grep -q 'fdclose-it.*sink check' "$IT_SYSLOG" || framework_error "the sink got: $(cat "$IT_SYSLOG")"
	: >"$IT_SYSLOG"
fi

fx_start a --closewait 2 --live 1
fx_start b --v6 --mode accept --closewait 1 --live 1
fx_start q --mode poll --closewait 2
ss_closewait >"$IT_TMP/before"

# Changes nothing, logs nothing.
sweep_ok "$IT_TMP/dry" --dry-run
assert_eq 0 "$(syslog_wait 0)" "syslog lines after --dry-run"

# --no-syslog: q's sockets closed, nothing logged.
sweep_ok "$IT_TMP/quiet" --no-syslog --pid "$(fx_pid q)"
assert_eq "closed=2 processes=1 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/quiet")" "summary with --no-syslog"
assert_fds q "$(all_gone q)"
assert_eq 0 "$(syslog_wait 0)" "syslog lines after --no-syslog"

# Logged: one line per socket closed, with everything an auditor needs.
sweep_ok "$IT_TMP/out"
assert_eq "closed=3 processes=2 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/out")" "summary"
assert_eq 3 "$(syslog_wait 3)" "syslog lines for 3 sockets closed:"$'\n'"$(cat "$IT_SYSLOG")"
cp "$IT_SYSLOG" "$IT_TMP/syslog.seen"
while read -r pid fd _ local remote _; do
	[ "$pid" = "$(fx_pid q)" ] && continue
	line=$(grep -E "[^0-9]fd ${fd}([^0-9]|\$)" "$IT_SYSLOG" | grep -E "[^0-9]pid ${pid}([^0-9]|\$)") ||
		fail "no syslog line for fd $fd in pid $pid:"$'\n'"$(cat "$IT_SYSLOG")"
	assert_eq 1 "$(grep -cF "$line" "$IT_SYSLOG")" "syslog lines for fd $fd in pid $pid"
	[[ $line =~ ^\<([0-9]+)\> ]] || fail "syslog line without a priority: '$line'"
	assert_eq 10 $((BASH_REMATCH[1] >> 3)) "facility of '$line' (authpriv is 10)"
	assert_match ' fdclose(\[[0-9]+\])?: ' "$line" "ident of the syslog line"
	for want in "pid $pid" "(cwfix)" "fd $fd" "$local" "$remote" "method close (ptrace)" "closed" "run by uid 0 (root)"; do
		[[ $line == *"$want"* ]] || fail "syslog line for fd $fd in pid $pid does not say '$want': '$line'"
	done
	assert_match 'result:? closed' "$line" "result in the syslog line"
done <"$IT_TMP/before"
assert_no_closewait
assert_intact a b q

# Nothing to close, nothing to log.
: >"$IT_SYSLOG"
sweep_ok "$IT_TMP/again"
assert_eq 0 "$(syslog_wait 0)" "syslog lines after a run that closed nothing"
log "a syslog line: $(head -1 "$IT_TMP/syslog.seen" 2>/dev/null)"
