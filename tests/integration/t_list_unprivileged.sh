#!/usr/bin/env bash
# A user who may not read every process's fd table must not be told that
# there is no leak: --list and --all-closewait --dry-run, run as nobody
# against root's fixture, say once how many processes they could not read,
# and still exit 0 (what they could read is right).  As root the same scan
# lists the fixture and says nothing of the kind.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd setpriv

fx_start r --mode read --closewait 2
wait_parked r
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FDCLOSE" "$@"
}

for cmd in "--list" "--all-closewait --dry-run --no-syslog"; do
	# shellcheck disable=SC2086 # the options are words
	run_capture as_nobody $cmd
	assert_eq 0 "$RC" "exit status of fdclose $cmd as nobody (stderr: $(cat "$ERR"))"
	grep -q "^fdclose: warning: may not read the fd tables of [1-9][0-9]* process\(es\)\?: .*run fdclose as root" "$ERR" ||
		fail "fdclose $cmd as nobody does not say it could not read fd tables:"$'\n'"$(cat "$ERR")"
	assert_eq 1 "$(grep -c "may not read the fd tables" "$ERR")" "warnings of fdclose $cmd as nobody"
	# shellcheck disable=SC2086
	run_capture "$FDCLOSE" $cmd
	assert_eq 0 "$RC" "exit status of fdclose $cmd as root"
	grep -q "may not read" "$ERR" && fail "fdclose $cmd as root warns: $(cat "$ERR")"
	grep -q "(cwfix)\| cwfix " "$OUT" || fail "fdclose $cmd as root does not show the fixture:"$'\n'"$(cat "$OUT")"
done
assert_intact r
