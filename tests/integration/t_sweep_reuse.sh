#!/usr/bin/env bash
# The reuse race of t_sweep_race, made deterministic with gdb: fdclose is
# stopped right after its scan, as it takes its own reference to the first
# socket (pidfd_getfd), and the application then puts other sockets under
# the numbers it scanned (dup2).  fdclose must notice that each number now
# names another socket and skip it:
#   - new healthy connections under the numbers of CLOSE_WAIT and of dead
#     sockets, without and with --include-dead: none may be closed; they
#     stay open and carry data;
#   - new CLOSE_WAIT sockets under the numbers of CLOSE_WAIT ones, with
#     --settle: both scans saw the old sockets, neither the new ones, so
#     they must be left alone ("same socket, still CLOSE_WAIT").
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures
need_cmd gdb

# run_stopped NAME OUT "SWAP..." [fdclose options]: fdclose --all-closewait
# --json under gdb, stopped at its first pidfd_getfd of NAME's first
# CLOSE_WAIT fd, where NAME is told "swap X" for each X; NAME's socket fds
# are then recorded in $IT_TMP/swapped.
run_stopped() {
	local name=$1 out=$2 swaps=$3 first ctl sw cmds=()
	shift 3
	first=$(fx_field "$name" closewait | cut -d' ' -f1)
	ctl=$(fx_ctl_path "$name")
	rm -f "$IT_TMP"/swap.*
	for sw in $swaps; do
		cmds+=("shell $CWCTL $ctl swap $sw >$IT_TMP/swap.$sw 2>&1")
	done
	fdclose_held_at "$IT_TMP/gdb.log" 438 "\$rsi == $first" \
		"--all-closewait --method=close --json $* >$out 2>$out.err" \
		"${cmds[@]}" \
		"shell find /proc/$(fx_pid "$name")/fd -mindepth 1 -printf '%f %l\\n' >$IT_TMP/swapped"
	for sw in $swaps; do
		[[ $(cat "$IT_TMP/swap.$sw") == "ok swapped="* ]] ||
			framework_error "swap $sw failed: $(cat "$IT_TMP/swap.$sw")"
	done
	RC=$(fdclose_exit_of "$IT_TMP/gdb.log")
}

# skipped_all NAME OUT FDS MESSAGE: one holder object per fd, all skipped,
# exit 0, nothing closed.
skipped_all() {
	local fd n
	assert_eq 0 "$RC" "exit status: $4"
	assert_eq "" "$(jq -c 'select(.type == "holder" and .result != "skipped")' "$2")" "holders not skipped: $4"
	n=0
	for fd in $3; do
		assert_eq 1 "$(jq -s --argjson p "$(fx_pid "$1")" --argjson f "$fd" 'map(select(.type == "holder" and .pid == $p and .fd == $f)) | length' "$2")" \
			"holder objects for fd $fd: $4"
		n=$((n + 1))
	done
	assert_eq "closed=0 processes=0 failed=0 skipped=$n" "$(sweep_summary "$2")" "summary: $4"
}

for incl in "" --include-dead; do
	name=r${incl:+d}
	fx_start "$name" --mode poll --closewait 2 --dead 2 --live 1
	run_stopped "$name" "$IT_TMP/out$incl" "cw dead" $incl
	# What matters first: the connections that took the numbers are intact.
	reply=$(fx_cmd "$name" status) ||
		fail "fdclose --all-closewait $incl closed healthy connections that took the numbers it had scanned: $reply"$'\n'"$(jq -c 'select(.type == "holder")' "$IT_TMP/out$incl")"
	reply=$(fx_cmd "$name" live) || fail "$name: live: $reply"
	assert_eq "ok live=5" "$reply" "live connections of $name (1 + 4 swapped in)"
	skipped_all "$name" "$IT_TMP/out$incl" "$(fx_field "$name" closewait) $(fx_field "$name" dead)" \
		"healthy connections swapped in $incl"
	assert_untraced "$name"
	assert_intact "$name"
done

# New CLOSE_WAIT sockets under the old numbers, after both --settle scans.
fx_start n --mode poll --closewait 2 --live 1
run_stopped n "$IT_TMP/out.settle" cwnew --settle 100ms
pid=$(fx_pid n)
for fd in $(fx_field n closewait); do
	then=$(awk -v f="$fd" '$1 == f { print $2 }' "$IT_TMP/swapped")
	assert_eq "$then" "$(readlink "/proc/$pid/fd/$fd")" \
		"fd $fd, which took a new CLOSE_WAIT socket after both --settle scans (fdclose saw only the old one)"
done
skipped_all n "$IT_TMP/out.settle" "$(fx_field n closewait)" "new CLOSE_WAIT sockets swapped in after --settle"
assert_untraced n
assert_intact n

# And the output, as always (last: the above matters more).
RC=0
sweep_check "$IT_TMP/out" --method=close
sweep_check "$IT_TMP/out--include-dead" --method=close --include-dead
sweep_check "$IT_TMP/out.settle" --method=close --settle 100ms
