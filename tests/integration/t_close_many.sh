#!/usr/bin/env bash
# Closing 20 CLOSE_WAIT fds of one process in one call: they are closed in
# one frozen window by a loop injected once (not one injected close per fd),
# the fixture stays intact, and fdclose -v reports how long it was frozen.
#
# Seen from outside: strace on fdclose shows one PTRACE_SEIZE, two
# PTRACE_INTERRUPTs (the freeze, and taking the thread back from the parked
# loop) and one PTRACE_DETACH per thread (one window), no signal sent, and
# process_vm_writev into the target (the loop); -v says how many syscalls
# were injected (fewer than the fds) and for how long the threads were
# frozen, and --json's frozen_us agrees with it.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd strace

N=20

# verbose_line FILE PID: "threads us injected" from fdclose -v's line.
verbose_line() {
	sed -nE "s/^fdclose: pid $2 \\(cwfix\\): ([0-9]+) thread\\(s\\) frozen for ([0-9]+) us, ([0-9]+) syscall\\(s\\) injected( \\(.*\\))?$/\\1 \\2 \\3/p" "$1"
}

# anon_exec PID: its executable mappings backed by no file (the loop's would be one).
anon_exec() {
	awk '$2 ~ /x/ && NF == 5' "/proc/$1/maps"
}

# ---------------------------------------------------------------- one thread, under strace
fx_start one --mode read --closewait "$N" --live 1
pid=$(fx_pid one)
fds=$(fx_field one closewait)
inos=$(for fd in $fds; do ino_of "$pid" "$fd"; done)
masks=$(sigmasks one)
anon=$(anon_exec "$pid")
wait_parked one
# shellcheck disable=SC2086 # one fd per word
run_capture strace -f -qq -o "$IT_TMP/strace.log" -e trace=ptrace,process_vm_writev,kill,tgkill \
	"$FDCLOSE" -v "$pid" $fds
[ "$RC" = 0 ] || fail "fdclose -v $pid (20 fds) exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
assert_eq "$N" "$(grep -c "^closed fd [0-9]* in pid $pid (cwfix): tcp .* CLOSE-WAIT$" "$OUT")" "closed lines"
read -r threads us injected <<<"$(verbose_line "$ERR" "$pid")"
[ -n "$us" ] || fail "fdclose -v did not report the frozen time:"$'\n'"$(cat "$ERR")"
log "one: $threads thread(s) frozen for $us us, $injected syscall(s) injected for $N fds"
assert_eq 1 "$threads" "threads frozen"
[ "$us" -gt 0 ] && [ "$us" -lt 2000000 ] || fail "frozen for $us us"
[ "$injected" -lt "$N" ] || fail "$injected syscalls injected for $N fds: one per fd, no loop"

count() {
	grep -cE "$1" "$IT_TMP/strace.log"
}
for req in SEIZE DETACH; do
	assert_eq 1 "$(count "ptrace\(PTRACE_${req}, ${pid}[,)]")" "PTRACE_$req of $pid (one window)"
done
# One interrupt freezes the thread, one takes it back from the parked loop.
assert_eq 2 "$(count "ptrace\(PTRACE_INTERRUPT, ${pid}[,)]")" "PTRACE_INTERRUPT of $pid (one window)"
assert_eq 0 "$(count "tgkill|kill\(")" "signals sent by fdclose"
[ "$(count "process_vm_writev\($pid,")" -ge 1 ] ||
	fail "nothing was written into the target: no injected loop"$'\n'"$(cat "$IT_TMP/strace.log")"

for fd in $fds; do
	[ ! -e "/proc/$pid/fd/$fd" ] || fail "fd $fd of $pid is still open"
done
# shellcheck disable=SC2086 # one inode per word
assert_not_closewait $inos
assert_untraced one
assert_eq "$masks" "$(sigmasks one)" "signal masks"
wait_parked one 1
assert_intact one
assert_fds one "$(for fd in $fds; do printf '%s=gone ' "$fd"; done | sed 's/ $//')"
assert_eq "$anon" "$(anon_exec "$pid")" "anonymous executable mappings of $pid (the loop's is removed)"

# ---------------------------------------------------------------- five threads, --json
fx_start many --mode threads --threads 4 --closewait "$N" --live 1
pid=$(fx_pid many)
fds=$(fx_field many closewait)
inos=$(for fd in $fds; do ino_of "$pid" "$fd"; done)
# shellcheck disable=SC2086 # one fd per word
run_capture "$FDCLOSE" -v --json "$pid" $fds
[ "$RC" = 0 ] || fail "fdclose -v --json $pid (20 fds) exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
read -r threads us injected <<<"$(verbose_line "$ERR" "$pid")"
[ -n "$us" ] || fail "fdclose -v did not report the frozen time:"$'\n'"$(cat "$ERR")"
log "many: $threads thread(s) frozen for $us us, $injected syscall(s) injected for $N fds"
assert_eq 5 "$threads" "threads frozen"
[ "$injected" -lt "$N" ] || fail "$injected syscalls injected for $N fds: one per fd, no loop"
assert_eq "$N" "$(jq -r 'select(.result == "closed" and .error == null) | .fd' "$OUT" | wc -l)" \
	"JSON objects with result closed"
assert_eq "$us" "$(jq -r .frozen_us "$OUT" | sort -u)" "frozen_us of every object against -v"
# shellcheck disable=SC2086 # one inode per word
assert_not_closewait $inos
assert_untraced many
assert_intact many
assert_fds many "$(for fd in $fds; do printf '%s=gone ' "$fd"; done | sed 's/ $//')"
