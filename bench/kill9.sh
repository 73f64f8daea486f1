#!/usr/bin/env bash
# bench/kill9.sh [KILLS] [FDS]: what a SIGKILL of fdclose in the middle of
# its work leaves in the target.  Each round starts a fresh cwfix holding
# FDS (default 4000) CLOSE_WAIT sockets, runs fdclose on all of them, waits
# until fdclose is the target's tracer (the window has begun), kills it with
# SIGKILL after a random 0-6 ms more, waits 1.5 s (the bulk loop parks
# for 1 s before it goes home by itself), and looks at the target: alive,
# not stopped, not spinning, its signal mask as before, its own self-check.
# Runs in a pid and network namespace of its own; root only.
set -u
KILLS=${1:-100}
FDS=${2:-4000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
# FDCLOSE: another binary to measure, e.g. an older build.
FDCLOSE=${FDCLOSE:-$HERE/fdclose}
if [ -z "${KILL9_INSIDE:-}" ]; then
	exec env KILL9_INSIDE=1 unshare --kill-child --pid --fork --mount-proc --net -- \
		bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
B=$HERE/build/fixtures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
declare -A outcome
none=0 partial=0 all=0
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
for i in $(seq "$KILLS"); do
	rm -f "$T/r"
	"$B/cwfix" --ctl "$T/c$i" --ready "$T/r" --closewait "$FDS" --mode read >/dev/null 2>&1 &
	pid=$!
	until [ -s "$T/r" ]; do sleep 0.02; done
	base=$(($(ls "/proc/$pid/fd" | wc -l) - FDS))
	mask=$(awk '$1 == "SigBlk:" { print $2 }' "/proc/$pid/status")
	fds=$(awk '$1 == "closewait" { $1 = ""; print }' "$T/r")
	# shellcheck disable=SC2086
	"$FDCLOSE" --no-syslog $pid $fds >/dev/null 2>&1 &
	fdc=$!
	until [[ $(<"/proc/$pid/status") =~ TracerPid:[[:space:]]+[1-9] ]]; do
		kill -0 "$fdc" 2>/dev/null || break
	done
	d=$((RANDOM % 7))
	[ "$d" = 0 ] || sleep "0.00$d"
	kill -9 "$fdc" 2>/dev/null
	wait "$fdc" 2>/dev/null
	sleep 1.5
	if ! kill -0 "$pid" 2>/dev/null; then
		o=dead
	else
		state=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
		t0=$(ticks "$pid"); sleep 0.2; t1=$(ticks "$pid")
		now=$(awk '$1 == "SigBlk:" { print $2 }' "/proc/$pid/status")
		if [ "$state" = T ] || [ "$state" = t ]; then o=stopped
		elif [ "$t1" != "$t0" ]; then o=spinning
		elif [ "$now" != "$mask" ]; then o=mask-blocked
		elif ! "$B/cwctl" -t 3 "$T/c$i" status >/dev/null 2>&1; then o=not-intact
		else o=intact
		fi
	fi
	outcome[$o]=$((${outcome[$o]:-0} + 1))
	# Where the kill landed, by how many of the fds were closed by then.
	open_now=$(($(ls "/proc/$pid/fd" 2>/dev/null | wc -l) - base))
	if [ "$open_now" -ge "$FDS" ]; then none=$((none + 1))
	elif [ "$open_now" -le 0 ]; then all=$((all + 1))
	else partial=$((partial + 1))
	fi
	kill -CONT "$pid" 2>/dev/null; kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
done
printf 'kill9: %d kills of fdclose closing %d fds:' "$KILLS" "$FDS"
for o in "${!outcome[@]}"; do printf ' %s %d' "$o" "${outcome[$o]}"; done
printf '; when killed it had closed none of the fds %d times, some %d, all %d\n' \
	"$none" "$partial" "$all"
