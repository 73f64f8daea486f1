#!/usr/bin/env bash
# Dead TCP sockets: fds whose socket is in no TCP table any more, because
# the peer reset the connection (SO_LINGER 0, close) or because ss -K
# destroyed it.  fdclose --all-closewait reports them (state DEAD) but closes
# them only with --include-dead; either way the CLOSE_WAIT ones are closed
# and nothing counts as failed.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

fx_start d --closewait 2 --dead 2 --live 1
fx_start k --v6 --mode accept --closewait 2 --live 1
fx_start w --closewait 1
pid=$(fx_pid d)
kpid=$(fx_pid k)
dead_d=$(fx_field d dead)
assert_eq 2 "$(wc -w <<<"$dead_d")" "dead fds of d"
assert_fds d "$(all_cw d)"
reply=$(fx_cmd d dead-fds) || fail "d: dead-fds: $reply"
assert_eq "ok $(sed 's/\([0-9][0-9]*\)/\1=close/g' <<<"$dead_d")" "$reply" "d's dead fds (state CLOSE)"

# ss -K destroys k's CLOSE_WAIT sockets: the fds stay, the sockets die.
ss -K -tan state close-wait sport = ":$(fx_field k port)" >/dev/null 2>&1
if [ "$(fx_cmd k fds)" = "ok $(fx_field k closewait | sed 's/\([0-9][0-9]*\)/\1=close/g')" ]; then
	dead_k=$(fx_field k closewait)
	cw_k=
else
	# A kernel without CONFIG_INET_DIAG_DESTROY: they stay in CLOSE_WAIT.
	log "ss -K destroys nothing here: k's sockets stay CLOSE_WAIT"
	assert_fds k "$(all_cw k)"
	dead_k=
	cw_k=$(fx_field k closewait)
fi
{
	for fd in $dead_d; do echo "$pid $fd $(ino_of "$pid" "$fd")"; done
	for fd in $dead_k; do echo "$kpid $fd $(ino_of "$kpid" "$fd")"; done
} >"$IT_TMP/dead"
{
	fd_inodes d w
	for fd in $cw_k; do echo "$kpid $fd $(ino_of "$kpid" "$fd")"; done
} >"$IT_TMP/cw"
ndead=$(wc -l <"$IT_TMP/dead")
ncw=$(wc -l <"$IT_TMP/cw")

# Without --include-dead: CLOSE_WAIT closed, dead reported and kept.
sweep_ok "$IT_TMP/out"
assert_same_lines <(cut -d' ' -f1,2 "$IT_TMP/cw") \
	<(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/out") "closed without --include-dead"
assert_same_lines <(cut -d' ' -f1,2 "$IT_TMP/dead") \
	<(jq -r 'select(.type == "holder" and .state == "DEAD") | "\(.pid) \(.fd)"' "$IT_TMP/out") "reported DEAD"
assert_same_lines <(cut -d' ' -f1,3 "$IT_TMP/dead") \
	<(jq -r 'select(.type == "holder" and .state == "DEAD") | "\(.pid) \(.inode)"' "$IT_TMP/out") "inodes of the DEAD ones"
assert_eq "" "$(jq -c 'select(.type == "holder" and .state == "DEAD" and (.result == "closed" or .result == "failed"))' "$IT_TMP/out")" \
	"DEAD holders closed or failed without --include-dead"
assert_eq "closed=$ncw failed=0" "$(tail -n 1 "$IT_TMP/out" | jq -r '"closed=\(.done) failed=\(.failed)"')" "summary"
assert_fds_gone "$IT_TMP/cw"
assert_fds_kept "$IT_TMP/dead"
reply=$(fx_cmd d dead-fds) || fail "d: dead-fds: $reply"
assert_eq "ok $(sed 's/\([0-9][0-9]*\)/\1=close/g' <<<"$dead_d")" "$reply" "d's dead fds, kept"
assert_no_closewait
# The text output reports them too, as dead.
assert_exit 0 "$FDCLOSE" --all-closewait --method=close
for fd in $dead_d; do
	grep -iE "(^|[^0-9])fd $fd in pid $pid [(]cwfix[)].*dead" "$OUT" >/dev/null ||
		fail "the text output does not report fd $fd in pid $pid as dead:"$'\n'"$(cat "$OUT")"
done
assert_fds_kept "$IT_TMP/dead"

# --include-dead --dry-run: would close them, and changes nothing.
sweep_ok "$IT_TMP/dry" --include-dead --dry-run
assert_same_lines <(cut -d' ' -f1,2 "$IT_TMP/dead") \
	<(jq -r 'select(.type == "holder" and .result == "would-close") | "\(.pid) \(.fd)"' "$IT_TMP/dry") "--include-dead --dry-run"
assert_eq "closed=$ndead processes=$(cut -d' ' -f1 "$IT_TMP/dead" | sort -u | wc -l) failed=0 skipped=0" \
	"$(sweep_summary "$IT_TMP/dry")" "summary of --include-dead --dry-run"
assert_fds_kept "$IT_TMP/dead"

# --include-dead: closed.
sweep_ok "$IT_TMP/incl" --include-dead
assert_same_lines <(cut -d' ' -f1,2 "$IT_TMP/dead") \
	<(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/incl") "--include-dead"
assert_eq "DEAD" "$(jq -r 'select(.type == "holder") | .state' "$IT_TMP/incl" | sort -u | xargs)" "state of what --include-dead closed"
assert_eq "closed=$ndead processes=$(cut -d' ' -f1 "$IT_TMP/dead" | sort -u | wc -l) failed=0 skipped=0" \
	"$(sweep_summary "$IT_TMP/incl")" "summary of --include-dead"
assert_fds_gone "$IT_TMP/dead"
reply=$(fx_cmd d dead-fds) || fail "d: dead-fds: $reply"
assert_eq "ok $(sed 's/\([0-9][0-9]*\)/\1=gone/g' <<<"$dead_d")" "$reply" "d's dead fds, closed"
[ -z "$dead_k" ] || assert_fds k "$(all_gone k)"
for n in d k w; do
	assert_untraced "$n"
done
assert_intact d k w
sweep_ok "$IT_TMP/again" --include-dead
assert_eq "closed=0 processes=0 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/again")" "a last run"
