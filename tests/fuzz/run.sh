#!/usr/bin/env bash
# run.sh SECONDS BIN...: runs each libFuzzer target for SECONDS on its seed
# corpus (tests/fuzz/corpus/NAME for build/fuzz/bin/fuzz_NAME), one after
# the other, and prints one line per target: seconds, executions, corpus
# size and crashes.  What a run learns goes to build/fuzz/corpus/NAME, never
# into the seeds in git; a crash leaves its input in build/fuzz/crash/ and
# fails the run (exit 1), with the command that replays it.
set -u
cd "$(dirname "$0")/../.." || exit 99
[ $# -ge 2 ] || { echo "usage: $0 SECONDS BIN..." >&2; exit 2; }
secs=$1
shift
failed=0
mkdir -p build/fuzz/crash || exit 99

for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	seeds=tests/fuzz/corpus/$name
	work=build/fuzz/corpus/$name
	log=build/fuzz/$name.log
	[ -d "$seeds" ] || { echo "fuzz: $seeds is missing" >&2; failed=1; continue; }
	mkdir -p "$work" || exit 99
	# -close_fd_mask=3: the parsers' own messages (usage errors) are noise here.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
		-close_fd_mask=3 -print_final_stats=1 -artifact_prefix="build/fuzz/crash/$name-" \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
	units=$(find "$work" -type f | wc -l)
	if [ "$rc" -ne 0 ]; then
		failed=1
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		printf 'fuzz: %-9s FAILED after %s executions (exit %d); replay: %s %s\n' \
			"$name" "${execs:-?}" "$rc" "$bin" "${crash:-"(see $log)"}" >&2
		grep -m1 -E 'ERROR: |runtime error|==[0-9]+==' "$log" >&2
		continue
	fi
	printf 'fuzz: %-9s %4ss %10s executions %5s corpus units, 0 crashes\n' \
		"$name" "${time:-?}" "${execs:-?}" "$units"
done
[ "$failed" -eq 0 ] || exit 1
