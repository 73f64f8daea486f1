#!/usr/bin/env bash
# fdclose --all-closewait against an application that closes and reuses fd
# numbers all the time (fixtures/churn.c): its churn thread keeps turning
# healthy connections into CLOSE_WAIT or dead ones (the peer resets) and
# back, closing each number and at once accepting a new healthy connection
# that takes the same number.  Between fdclose's scan and its freeze a
# number it saw in CLOSE_WAIT (or dead) may thus name a new healthy socket:
# fdclose must skip it, never close it.  Twelve runs while the churn goes
# on, with and without --include-dead and short --max-pause windows: none
# may fail, and the fixture, which checks every healthy connection it has
# (same socket, data both ways) and every number accept gives it, must stay
# intact; the sockets it leaked for good, and those of a threaded cwfix
# beside it, are all closed by the first run.  When the churn pauses, no
# CLOSE_WAIT socket is left.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

fx_start_prog ch "$IT_TMP" "$CHURN" --slots 32 --live 4 --closewait 16 --pace-us 20
fx_start t --mode threads --threads 4 --closewait 4 --live 1
ch=$(fx_pid ch)
slots=" $(fx_field ch slots) "
leaked=" $(fx_field ch closewait) "
keep=" $(fx_field ch live) $(fx_field ch listen) "
fd_inodes t >"$IT_TMP/t.inodes"
for fd in $leaked; do
	echo "$ch $fd $(ino_of "$ch" "$fd")"
done >"$IT_TMP/ch.inodes"

c0=$(fx_status_count ch cycles)
churned() {
	[ "$(fx_status_count ch cycles)" -gt $((c0 + 200)) ]
}
wait_until 5 churned || framework_error "churn does not churn"

seen=0
closed_slots=0
skipped=0
dead=0
for run in 1 2 3 4 5 6 7 8 9 10 11 12; do
	case $((run % 4)) in
	1) opts=(--include-dead) ;;
	2) opts=() ;;
	3) opts=(--include-dead --max-pause 200us) ;;
	0) opts=(--max-pause 200us) ;;
	esac
	c1=$(fx_status_count ch cycles)
	"$FDCLOSE" --all-closewait --method=close --json "${opts[@]}" >"$IT_TMP/run$run" 2>"$IT_TMP/run$run.err"
	RC=$?
	# First what matters most: no healthy connection lost.
	reply=$(fx_cmd ch status) || fail "after run $run (${opts[*]}), churn is not intact: $reply"
	c2=$(fx_status_count ch cycles)
	[ "$c2" -gt "$c1" ] || fail "run $run: churn made no progress around it"
	sweep_check "$IT_TMP/run$run" --method=close "${opts[@]}"
	[ "$RC" = 0 ] || fail "run $run: fdclose --all-closewait --json ${opts[*]} exited $RC:"$'\n'"$(jq -c 'select(.result == "failed" or .result == "refused")' "$IT_TMP/run$run")"$'\n'"$(cat "$IT_TMP/run$run.err")"
	# Of churn, only leaked fds and slots (closing or dead ones) may be touched.
	while read -r fd result state; do
		case $keep in *" $fd "*) fail "run $run: fd $fd of churn ($result) is a live connection or the listener" ;; esac
		case $slots in
		*" $fd "*)
			seen=$((seen + 1))
			[ "$result" = closed ] && closed_slots=$((closed_slots + 1))
			[ "$result" = skipped ] && skipped=$((skipped + 1))
			[ "$state" = DEAD ] && dead=$((dead + 1))
			[ "$state" != DEAD ] || [ "$result" != closed ] || [ "${opts[0]:-}" = --include-dead ] ||
				fail "run $run: dead fd $fd of churn closed without --include-dead"
			;;
		*)
			case $leaked in *" $fd "*) ;; *) fail "run $run: fdclose reports fd $fd of churn, which it never had in CLOSE_WAIT" ;; esac
			[ "$result" = closed ] || fail "run $run: leaked fd $fd of churn: $result"
			;;
		esac
	done < <(jq -r --argjson p "$ch" 'select(.type == "holder" and .pid == $p) | "\(.fd) \(.result) \(.state)"' "$IT_TMP/run$run")
	if [ "$run" = 1 ]; then
		# The leaked ones never move: all of them in the first run.
		assert_fds_gone "$IT_TMP/ch.inodes"
		assert_fds_gone "$IT_TMP/t.inodes"
		assert_fds ch "$(all_gone ch)"
		assert_fds t "$(all_gone t)"
	fi
	log "run $run (${opts[*]}): $(sweep_summary "$IT_TMP/run$run"); churn $reply"
	sleep 0.$((RANDOM % 3))
done
log "slot holders seen $seen (dead $dead): closed $closed_slots, skipped $skipped"
[ "$seen" -gt 0 ] || framework_error "no run saw a churning slot in CLOSE_WAIT: no race was tried"

reply=$(fx_cmd ch pause) || fail "churn did not pause: $reply"
assert_no_closewait
reply=$(fx_cmd ch status) || fail "churn is not intact: $reply"
log "churn at the end: $reply"
assert_untraced ch
assert_untraced t
assert_intact t
reply=$(fx_cmd ch resume) || fail "churn did not resume: $reply"
sleep 0.2
reply=$(fx_cmd ch status) || fail "churn is not intact after resuming: $reply"
