#!/usr/bin/env bash
# fdclose --all-closewait closes every CLOSE_WAIT socket of six fixtures
# parked in six different ways (read, accept, nanosleep, futex, busy loop,
# nine threads), over IPv4, IPv6 and v4-mapped IPv6, in one run (a few fds
# closed one by one, eight or more by the bulk loop), while their
# live connections carry data all along: afterwards the kernel has no
# CLOSE_WAIT socket left, every fixture is intact and untraced, its live
# connections still talk, and the output names exactly what the kernel had.
# --dry-run before changes nothing and names the same; a second run finds
# nothing and says "closed 0 sockets".
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

fx_start a --mode read --closewait 10 --live 2
fx_start b --v6 --mode accept --closewait 2 --live 1 --cw-bytes 100
fx_start c --v4mapped --mode nanosleep --sleep-ms 200 --closewait 9 --live 1
fx_start d --mode futex --sleep-ms 200 --closewait 1 --live 1 --cw-bytes 5
fx_start e --v6 --mode busy --closewait 12 --live 1
fx_start f --v4mapped --mode threads --threads 8 --closewait 10 --live 1
names="a b c d e f"
export CWCTL_TIMEOUT=10
for n in $names; do
	wait_parked "$n"
done

# What the kernel has, three ways: the ready files, ss, fdclose's dry run.
ss_closewait >"$IT_TMP/before"
assert_eq 44 "$(wc -l <"$IT_TMP/before")" "CLOSE_WAIT holders ss sees"
assert_same_lines <(expected_holders $names) <(cut -d' ' -f1,2 "$IT_TMP/before") \
	"ss against the fixtures' ready files"
fd_inodes $names >"$IT_TMP/inodes"

sweep_ok "$IT_TMP/dry" --dry-run
assert_same_lines "$IT_TMP/before" <(sweep_holders "$IT_TMP/dry" would-close) \
	"--dry-run: would-close holders against ss"
assert_eq 44 "$(jq -s 'map(select(.type == "holder")) | length' "$IT_TMP/dry")" "--dry-run: holder objects"
assert_eq "closed=44 processes=6 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/dry")" "--dry-run summary"
for n in $names; do
	pid=$(fx_pid "$n")
	assert_eq "$(netns_of self)" "$(jq -r --argjson p "$pid" 'select(.type == "holder" and .pid == $p) | .netns' "$IT_TMP/dry" | sort -u | xargs)" \
		"--dry-run: netns of the holders of $n"
	assert_eq cwfix "$(jq -r --argjson p "$pid" 'select(.type == "holder" and .pid == $p) | .comm' "$IT_TMP/dry" | sort -u | xargs)" \
		"--dry-run: comm of the holders of $n"
	assert_eq CLOSE-WAIT "$(jq -r --argjson p "$pid" 'select(.type == "holder" and .pid == $p) | .state' "$IT_TMP/dry" | sort -u | xargs)" \
		"--dry-run: state of the holders of $n"
done
assert_same_lines "$IT_TMP/before" <(ss_closewait) "--dry-run changed nothing (ss)"
assert_fds_kept "$IT_TMP/inodes"
run_capture "$FDCLOSE" --all-closewait --method=close --dry-run
assert_eq 0 "$RC" "exit status of fdclose --all-closewait --dry-run"
assert_eq "would close 44 sockets in 6 processes; 0 failed; 0 skipped" "$(tail -n 1 "$OUT")" \
	"last line of fdclose --all-closewait --dry-run"

# The real thing, with data flowing on every live connection meanwhile.
nofile=()
for n in $names; do
	nofile+=("$(nofile_of "$(fx_pid "$n")")")
done
live_traffic_start $names
live_traffic_mark
run_capture "$FDCLOSE" --all-closewait --method=close
rc=$RC
out=$OUT
err=$ERR
live_traffic_stop
[ "$rc" = 0 ] || fail "fdclose --all-closewait exited $rc:"$'\n'"$(cat "$out" "$err")"

# One line per holder, exactly as the kernel had it.
while read -r pid fd _ local remote _; do
	line="closed fd $fd in pid $pid (cwfix): tcp $local -> $remote CLOSE-WAIT"
	assert_eq 1 "$(grep -cxF "$line" "$out")" "lines '$line' in the output"
done <"$IT_TMP/before"
# One line per process: its fds before -> after, of its limit, and the ages
# of its CLOSE_WAIT sockets.  The live
# traffic opens and closes control connections, so before - after may be
# off by one from what was closed in it.
i=0
for n in $names; do
	pid=$(fx_pid "$n")
	k=$(fx_field "$n" closewait | wc -w)
	line=$(grep -E "^cwfix $pid: " "$out") || fail "no line for process $pid ($n):"$'\n'"$(cat "$out")"
	assert_eq 1 "$(grep -cE "^cwfix $pid: " "$out")" "lines for process $pid"
	assert_match "^cwfix $pid: [0-9,]+ -> [0-9,]+ fds of $(commify "${nofile[$i]}"); CLOSE_WAIT $k, oldest [0-9]+s \(<1m $k, <10m 0, <1h 0, <1d 0, older 0\)\$" "$line" "process line of $n"
	[[ $line =~ :\ ([0-9,]+)\ -\>\ ([0-9,]+)\  ]] || framework_error "cannot parse '$line'"
	before=${BASH_REMATCH[1]//,/}
	after=${BASH_REMATCH[2]//,/}
	d=$((before - after - k))
	[ "$d" -ge -1 ] && [ "$d" -le 1 ] ||
		fail "process line of $n says $before -> $after fds, but $k were closed: '$line'"
	i=$((i + 1))
done
assert_eq "closed 44 sockets in 6 processes; 0 failed; 0 skipped" "$(tail -n 1 "$out")" "summary line"
others=$(grep -vE '^(closed fd [0-9]+ in pid [0-9]+ \(cwfix\): tcp .* CLOSE-WAIT|cwfix [0-9]+: .* fds of .*|closed 44 sockets in 6 processes; 0 failed; 0 skipped|)$' "$out")
[ -z "$others" ] || fail "unexpected lines in the output of fdclose --all-closewait:"$'\n'"$others"
assert_reuse_note_only "$err" "stderr of fdclose --all-closewait"

# From outside: nothing left, every fixture intact and untraced.
assert_no_closewait
assert_fds_gone "$IT_TMP/inodes"
for n in $names; do
	assert_fds "$n" "$(all_gone "$n")"
	assert_untraced "$n"
	reply=$(fx_cmd "$n" live) || fail "fixture $n: live: $reply"
done
assert_intact $names

# Again: nothing to do.
assert_exit 0 "$FDCLOSE" --all-closewait --method=close
assert_eq "closed 0 sockets in 0 processes; 0 failed; 0 skipped" "$(tail -n 1 "$OUT")" "summary of a second run"
! grep -q '^closed fd' "$OUT" || fail "a second run closed something:"$'\n'"$(cat "$OUT")"
sweep_ok "$IT_TMP/again"
assert_eq "closed=0 processes=0 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/again")" "JSON summary of a third run"
assert_eq 0 "$(jq -s 'map(select(.type == "holder")) | length' "$IT_TMP/again")" "holder objects of a third run"
assert_intact $names
