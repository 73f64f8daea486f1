#!/usr/bin/env bash
# fdclose never acts on itself nor on its parent: a CLOSE_WAIT socket that
# fdclose itself holds (inherited across exec), and one its parent holds,
# are left alone while a fixture's are closed in the same run.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

rm -f "$IT_TMP/hangup.ready"
"$SWEEPHELP" hangup "$IT_TMP/hangup.ready" </dev/null >"$IT_TMP/hangup.log" 2>&1 &
it_track_pid $!
wait_until 5 test -s "$IT_TMP/hangup.ready" || framework_error "hangup server did not start"
hport=$(awk '$1 == "port" { print $2 }' "$IT_TMP/hangup.ready")

# info FILE KEY
info() {
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

for how in self parent; do
	fx_start "f$how" --closewait 2
	fd_inodes "f$how" >"$IT_TMP/f$how.inodes"
	"$SWEEPHELP" holdcw "$how" "$hport" "$IT_TMP/$how.info" \
		"$FDCLOSE" --all-closewait --method=close --json >"$IT_TMP/$how.out" 2>"$IT_TMP/$how.err"
	rc=$?
	p=$(info "$IT_TMP/$how.info" pid)
	fd=$(info "$IT_TMP/$how.info" fd)
	[ -n "$p" ] && [ -n "$fd" ] || framework_error "holdcw $how did not say what it holds: $(cat "$IT_TMP/$how.err")"
	assert_eq 0 "$rc" "exit status of fdclose run with its $how holding a CLOSE_WAIT socket ($(cat "$IT_TMP/$how.err"))"
	assert_eq "" "$(jq -c --argjson p "$p" 'select(.type == "holder" and .pid == $p and (.result == "closed" or .result == "failed"))' "$IT_TMP/$how.out")" \
		"what fdclose did to its $how's socket"
	assert_same_lines <(expected_holders "f$how") \
		<(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/$how.out") "closed beside its $how's"
	assert_fds_gone "$IT_TMP/f$how.inodes"
	assert_intact "f$how"
done
# The parent checked its fd after fdclose ended.
assert_eq close-wait "$(info "$IT_TMP/parent.info" after)" "the parent's socket after fdclose"
