#!/usr/bin/env bash
# --max-pause shorter than the freeze of the target alone: fdclose must say
# so up front and do nothing, not make a window per fd.  (fdclose 0.1 took
# 2.1 s for 300 fds of a 1,000-thread target with --max-pause 2ms.)  Here
# 61 threads (cwfix's workers are not idle: a thousand would load the
# machine for seconds) against --max-pause 500us.  With the bound fdclose
# then suggests, the same target's fds are all closed.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start big --mode threads --threads 60 --closewait 30
pid=$(fx_pid big)
fds=$(fx_field big closewait)
# shellcheck disable=SC2086 # one fd per word
run_capture timeout 20 strace -f -qq -o "$IT_TMP/strace.log" -e trace=ptrace \
	"$FDCLOSE" --max-pause 500us "$pid" $fds
assert_eq 1 "$RC" "fdclose --max-pause 500us on 61 threads; stderr: $(head -3 "$ERR")"
assert_match "pid $pid \\(cwfix\\): freezing its 61 thread\\(s\\) takes longer than --max-pause allows.*give --max-pause [0-9]+ms or more" \
	"$(cat "$ERR")" "the up-front refusal"
assert_eq 0 "$(grep -c PTRACE_SEIZE "$IT_TMP/strace.log")" "seizes made before refusing"
assert_fds big "$(all_cw big)"
suggested=$(sed -nE 's/.*give --max-pause ([0-9]+ms) or more.*/\1/p' "$ERR" | head -1)

# shellcheck disable=SC2086 # one fd per word
run_capture "$FDCLOSE" --max-pause "$suggested" "$pid" $fds
assert_eq 0 "$RC" "fdclose --max-pause $suggested; stderr: $(head -3 "$ERR")"
assert_intact big
assert_fds big "$(all_gone big)"
