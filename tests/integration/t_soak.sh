#!/usr/bin/env bash
# The soak, short: 1,000 injections (one fd per run, a few per run, the bulk
# loop; close and replace) into soakfix, 32 threads checking their
# checksums, reads, sleeps and signals, through tests/soak/run.sh, which
# checks every round from outside and asks the fixture after each: not one
# disturbance, every fdclose run exit 0.  `make soak` runs 10,000.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
[ -x "$FIXDIR/soakfix" ] || framework_error "$FIXDIR/soakfix is not built (make fixtures)"

N=${IT_SOAK_N:-1000}
# run.sh's namespaces are the soak's: SOAK_INSIDE skips its own unshare.
run_capture env SOAK_INSIDE=1 SOAK_FDCLOSE="$FDCLOSE" SOAK_TMP="$IT_TMP/soak" \
	bash "$IT_ROOT/tests/soak/run.sh" "$N"
grep '^# soak' "$OUT"
last=$(tail -n 1 "$OUT")
[ "$RC" = 0 ] && [ "$last" = "soak: $N injections, 0 disturbances" ] ||
	fail "the soak exited $RC, its last line '$last':"$'\n'"$(head -40 "$ERR")"$'\n'"fixture log:"$'\n'"$(head -20 "$IT_TMP/soak/fix.log")"
