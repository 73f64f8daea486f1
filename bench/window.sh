#!/usr/bin/env bash
# bench/window.sh [RUNS]: how long a SIGKILL of fdclose could leave a
# target's thread with fdclose's registers or an all-blocked signal mask
# (README "A SIGKILL of fdclose"), from fdclose -v's own count: the time
# from blocking the worker's mask to putting its registers and mask back,
# per injected syscall and in all, and the close loop's run.  Three
# targets: one thread closing one fd per run, 64 threads closing one fd
# per run, and one thread closing 4,000 fds (the loop).  Prints the median
# and the largest of each.  Its own pid and network namespace; root only.
set -u
RUNS=${1:-30}
HERE=$(cd "$(dirname "$0")/.." && pwd)
FDCLOSE=${FDCLOSE:-$HERE/fdclose}
if [ -z "${WINDOW_INSIDE:-}" ]; then
	exec env WINDOW_INSIDE=1 unshare --kill-child --pid --fork --mount-proc --net -- \
		bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
B=$HERE/build/fixtures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

start() {	# start NAME CWFIX-OPTIONS...: its pid
	local name=$1
	shift
	"$B/cwfix" --ctl "$T/$name.ctl" --ready "$T/$name.r" "$@" >/dev/null 2>&1 &
	until [ -s "$T/$name.r" ]; do sleep 0.02; done
	echo $!
}
fds_of() { awk '$1 == "closewait" { $1 = ""; print }' "$T/$1.r"; }
# fdclose -v's line: "frozen_us injections exposed_us exposed_max_us loop_us"
numbers() {
	sed -nE 's/.* frozen for ([0-9]+) us, ([0-9]+) syscall\(s\) injected \(.* for ([0-9]+) us, ([0-9]+) us at most at once; the close loop ran ([0-9]+) us\)$/\1 \2 \3 \4 \5/p'
}
stat_line() {	# stat_line WHAT COLUMN FILE: median and max of a column
	sort -n -k"$2" "$3" | awk -v w="$1" -v c="$2" '{ v[NR] = $c } END {
		printf "  %-44s median %6d us, max %6d us (%d runs)\n", w, v[int((NR + 1) / 2)], v[NR], NR }'
}

pid=$(start one --mode read --closewait "$RUNS")
for fd in $(fds_of one); do "$FDCLOSE" -v --no-syslog "$pid" "$fd" 2>&1 >/dev/null | numbers; done >"$T/one"
pid=$(start t64 --mode threads --threads 64 --closewait "$RUNS")
for fd in $(fds_of t64); do "$FDCLOSE" -v --no-syslog "$pid" "$fd" 2>&1 >/dev/null | numbers; done >"$T/t64"
for i in 1 2 3 4 5; do
	pid=$(start "b$i" --mode read --closewait 4000)
	# shellcheck disable=SC2046 # one fd per word
	"$FDCLOSE" -v --no-syslog "$pid" $(fds_of "b$i") 2>&1 >/dev/null | numbers
	kill "$pid"
done >"$T/bulk"
echo "window: what a SIGKILL of fdclose could leave behind, per run"
echo " one thread, one close per run:"
stat_line "frozen" 1 "$T/one"
stat_line "the injected close (registers, mask ours)" 3 "$T/one"
echo " 64 threads, one close per run:"
stat_line "frozen" 1 "$T/t64"
stat_line "the injected close (registers, mask ours)" 3 "$T/t64"
echo " one thread, 4,000 fds closed by the loop:"
stat_line "frozen" 1 "$T/bulk"
stat_line "mmap+mprotect+munmap injected, in all" 3 "$T/bulk"
stat_line "the longest of those three" 4 "$T/bulk"
stat_line "the loop's run (mask blocked, goes home alone)" 5 "$T/bulk"
