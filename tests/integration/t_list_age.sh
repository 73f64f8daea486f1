#!/usr/bin/env bash
# The age of a CLOSE_WAIT socket: sockets that went into CLOSE_WAIT about
# 6 s ago and others about 1 s ago.  --list shows each one's age (Age
# column, age_ms in JSON, the oldest and the buckets per process) within
# the bounds the test's own clock sets, --older-than 3s selects exactly the
# old ones, and --all-closewait --older-than 3s ends exactly those, leaving
# the young ones in CLOSE_WAIT.  Usage errors of --older-than exit 2.
#
# What fdclose is asked runs first, checks come after: a loaded machine
# must not age the young sockets past 3 s before the question is put.  Were
# it that slow all the same, the test says so (framework error) rather than
# fail fdclose.
. "$(dirname "$0")/lib.sh"

need_fdclose

usage_error() {
	local what=$1
	shift
	assert_exit 2 "$FDCLOSE" "$@"
	assert_file_empty "$OUT" "stdout of fdclose $*"
	assert_eq 1 "$(wc -l <"$ERR")" "lines on stderr of fdclose $*"
	assert_match "^fdclose: .*$what.*; see fdclose --help$" "$(cat "$ERR")" "message of fdclose $*"
}
usage_error "--older-than takes a duration from 0s to 1000h, not '1y'" --list --older-than 1y
usage_error "--older-than takes a duration from 0s to 1000h, not '1001h'" --list --older-than 1001h
usage_error "--older-than takes a duration from 0s to 1000h, not '-1s'" --list --older-than -1s
usage_error "--older-than is given twice" --list --older-than 1s --older-than 2s
usage_error 'filters select sockets for --list, --all-closewait and --watch' --older-than 1s 1 3

need_root
need_fixtures
need_cmd jq

# The kernel counts in jiffies (4 ms at HZ=250): some slack either side.
SLACK=50
THRESHOLD_MS=3000

# Each fixture's sockets enter CLOSE_WAIT between the two clock readings
# around its start: that bounds every age the kernel may report.
start_timed() {
	eval "${1}_from=\$(ms_now)"
	fx_start "$@"
	eval "${1}_to=\$(ms_now)"
}

# young_still NAME: after the questions, NAME's sockets must still have been
# younger than the threshold, or the checks prove nothing.
young_still() {
	local from
	from=$(eval echo "\$${1}_from")
	[ $(($(ms_now) - from)) -lt $((THRESHOLD_MS - SLACK)) ] ||
		framework_error "the machine is too slow: $1's sockets reached ${THRESHOLD_MS} ms before fdclose was asked"
}

# ages_within NAME FILE T0 T1 WHAT: the age_ms of each of NAME's holders in
# FILE (JSON Lines, read between ms_now T0 and T1) fits its fixture's start.
ages_within() {
	local name=$1 file=$2 t0=$3 t1=$4 what=$5 from to lo hi bad
	from=$(eval echo "\$${name}_from")
	to=$(eval echo "\$${name}_to")
	lo=$((t0 - to - SLACK))
	hi=$((t1 - from + SLACK))
	bad=$(jq -r --argjson pid "$(fx_pid "$name")" --argjson lo "$lo" --argjson hi "$hi" '
		select(.type == "holder" and .pid == $pid) |
		select((.age_ms | type) != "number" or .age_ms < $lo or .age_ms > $hi) |
		"fd \(.fd): age_ms \(.age_ms), not in \($lo)..\($hi)"' "$file") ||
		fail "jq could not read $file"
	[ -z "$bad" ] || fail "$what: $name:"$'\n'"$bad"
	assert_eq "$(fx_field "$name" closewait | wc -w)" \
		"$(jq -r --argjson pid "$(fx_pid "$name")" 'select(.type == "holder" and .pid == $pid) | .fd' "$file" | wc -l)" \
		"$what: holders of $name"
}

# list NAME [OPTIONS...]: fdclose --list OPTIONS into $IT_TMP/NAME, stderr
# into NAME.err, the clock around it into NAME.t0 and NAME.t1.
list() {
	local name=$1
	shift
	ms_now >"$IT_TMP/$name.t0"
	"$FDCLOSE" --list "$@" >"$IT_TMP/$name" 2>"$IT_TMP/$name.err" ||
		fail "fdclose --list $* exited $?: $(cat "$IT_TMP/$name.err")"
	ms_now >"$IT_TMP/$name.t1"
	assert_file_empty "$IT_TMP/$name.err" "stderr of fdclose --list $*"
}

start_timed old --closewait 3
sleep 5
start_timed young --closewait 2
sleep 1
old=$(fx_pid old)
young=$(fx_pid young)

# ---- The questions, while the young sockets are about 1 s old.
list all.json --json
list old.json --json --older-than 3s
list young.json --json --older-than 3000ms --pid "$young"
list table
list old.table --older-than 3s
fd=$(fx_field young closewait | cut -d' ' -f1)
t0=$(ms_now)
assert_exit 0 "$FDCLOSE" --dry-run --json "$young" "$fd"
t1=$(ms_now)
bypid=$OUT
young_still young

# ---- The answers.
# --list --json: every holder has its age, and the process objects agree.
ages_within old "$IT_TMP/all.json" "$(cat "$IT_TMP/all.json.t0")" "$(cat "$IT_TMP/all.json.t1")" "--list --json"
ages_within young "$IT_TMP/all.json" "$(cat "$IT_TMP/all.json.t0")" "$(cat "$IT_TMP/all.json.t1")" "--list --json"
# The plausible window for "6 s ago", besides the computed one.
[ -z "$(jq --argjson p "$old" 'select(.type == "holder" and .pid == $p) |
	select(.age_ms < 5000 or .age_ms > 8000)' "$IT_TMP/all.json")" ] ||
	fail "an old socket's age_ms is not in 5000..8000: $(grep "\"pid\":$old," "$IT_TMP/all.json")"
proc=$(jq -c --argjson p "$old" 'select(.type == "process" and .pid == $p) |
	[.closewait, .ages.under_1m, .ages.under_10m, .ages.under_1h, .ages.under_1d, .ages.older,
	 .ages.unknown, (.oldest_ms >= 5000 and .oldest_ms <= 8000)]' "$IT_TMP/all.json")
assert_eq "[3,3,0,0,0,0,0,true]" "$proc" "process object of old: closewait, ages, oldest_ms"
assert_eq "$(jq -s --argjson p "$old" 'map(select(.type == "holder" and .pid == $p) | .age_ms) | max' "$IT_TMP/all.json")" \
	"$(jq --argjson p "$old" 'select(.type == "process" and .pid == $p) | .oldest_ms' "$IT_TMP/all.json")" \
	"oldest_ms of old against its holders' ages"

# --older-than 3s selects exactly the old ones, in JSON and in the table.
jq -r 'select(.type == "holder") | "\(.pid) \(.fd)"' "$IT_TMP/old.json" >"$IT_TMP/got"
assert_same_lines <(expected_holders old) "$IT_TMP/got" "fdclose --list --older-than 3s"
assert_file_empty "$IT_TMP/young.json" "fdclose --list --older-than 3000ms --pid (young)"
fdclose_closewait --older-than 1h | cut -d' ' -f1,2 >"$IT_TMP/got"
assert_file_empty "$IT_TMP/got" "fdclose --list --older-than 1h"
fdclose_closewait --older-than 0s | cut -d' ' -f1,2 >"$IT_TMP/got"
assert_same_lines <(expected_holders old young) "$IT_TMP/got" "fdclose --list --older-than 0s"

# The table: an Age column, each row's age in whole seconds, the process line.
OUT=$IT_TMP/table
assert_match '^Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Age +Process +PID +FD$' \
	"$(head -1 "$OUT")" "header of fdclose --list"
for fd in $(fx_field old closewait); do
	assert_match '^[5-8]s$' "$(awk -v p="$old" -v f="$fd" '$7 == p && $8 == f { print $5 }' "$OUT")" \
		"Age of old fd $fd in the table"
done
for fd in $(fx_field young closewait); do
	assert_match '^[0-2]s$' "$(awk -v p="$young" -v f="$fd" '$7 == p && $8 == f { print $5 }' "$OUT")" \
		"Age of young fd $fd in the table"
done
assert_match "^cwfix $old: [0-9,]+ fds of [0-9,]+; CLOSE_WAIT 3, oldest [5-8]s \(<1m 3, <10m 0, <1h 0, <1d 0, older 0\)$" \
	"$(grep "^cwfix $old: " "$OUT")" "process line of old"
assert_match "^cwfix $young: [0-9,]+ fds of [0-9,]+; CLOSE_WAIT 2, oldest [0-2]s \(<1m 2, <10m 0, <1h 0, <1d 0, older 0\)$" \
	"$(grep "^cwfix $young: " "$OUT")" "process line of young"
OUT=$IT_TMP/old.table
assert_eq 3 "$(awk -v p="$old" '$7 == p' "$OUT" | wc -l)" "old rows of fdclose --list --older-than 3s"
assert_eq 0 "$(awk -v p="$young" '$7 == p' "$OUT" | wc -l)" "young rows of fdclose --list --older-than 3s"

# A socket named by hand has its age too (the exact lookup asks for tcp_info).
age=$(jq -r '.age_ms' "$bypid")
assert_match '^[0-9]+$' "$age" "age_ms of fdclose --dry-run --json $young $fd"
[ "$age" -ge $((t0 - young_to - SLACK)) ] && [ "$age" -le $((t1 - young_from + SLACK)) ] ||
	fail "age_ms $age of young fd $fd by pid: not in $((t0 - young_to - SLACK))..$((t1 - young_from + SLACK))"

# ---- --all-closewait --older-than 3s ends exactly the old ones (shutdown,
# the default), with sockets about 1 s old beside them: a new young fixture,
# since the first one's may be past 3 s by now.
kill "$young"
wait_until 5 sh -c "! kill -0 $young 2>/dev/null" || framework_error "fixture young did not exit"
start_timed young2 --closewait 2
sleep 1
t0=$(ms_now)
sweep_ok "$IT_TMP/sweep.json" --method=shutdown --older-than 3s
t1=$(ms_now)
young_still young2
jq -r 'select(.type == "holder") | "\(.pid) \(.fd)"' "$IT_TMP/sweep.json" >"$IT_TMP/got"
assert_same_lines <(expected_holders old) "$IT_TMP/got" "holders of --all-closewait --older-than 3s"
assert_eq "closed=3 processes=1 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/sweep.json")" \
	"summary of --all-closewait --older-than 3s"
ages_within old "$IT_TMP/sweep.json" "$t0" "$t1" "--all-closewait --json"
assert_eq "[3,3]" "$(jq -c --argjson p "$old" 'select(.type == "process" and .pid == $p) | [.closewait, .ages.under_1m]' "$IT_TMP/sweep.json")" \
	"process object of old in the sweep"
wait_until 5 sh -c "[ -z \"\$(ss -H -tan state close-wait | grep -F ':$(fx_field old port) ')\" ]" ||
	fail "old's sockets are still in CLOSE_WAIT after --all-closewait --older-than 3s"
ss_closewait | cut -d' ' -f1,2 >"$IT_TMP/left"
assert_same_lines <(expected_holders young2) "$IT_TMP/left" "CLOSE_WAIT sockets left (ss)"

assert_intact old young2
exit 0
