#!/usr/bin/env bash
# An injected close on x86_64 costs one round trip to the worker: fdclose
# steps over the syscall instruction (PTRACE_SINGLESTEP) and the kernel
# reports the step once close() returned; no syscall-entry or -exit stop is
# asked for.  Seen from outside with strace on fdclose itself, for a thread
# parked in read (the site behind its pc) and for a busy one (the [vdso]'s
# syscall), and the fixtures see nothing of it.  (The integration suite
# runs on the x86_64 host; the VMs test the other personalities.)
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd strace

# ptrace_requests FILE REQUEST: how many times strace saw fdclose ask it.
ptrace_requests() {
	grep -c "ptrace($2," "$1" || true
}

# stepped_close NAME FD: one close, one step, no syscall stop.
stepped_close() {
	local name=$1 fd=$2 pid trace=$IT_TMP/$1.$2.strace
	pid=$(fx_pid "$name")
	strace -f -qq -e trace=ptrace -o "$trace" "$FDCLOSE" --no-syslog "$pid" "$fd" \
		>"$IT_TMP/out" 2>"$IT_TMP/err" ||
		fail "fdclose $pid $fd ($name) under strace failed: $(cat "$IT_TMP/out" "$IT_TMP/err")"
	assert_eq 1 "$(ptrace_requests "$trace" PTRACE_SINGLESTEP)" "steps for one close of $name"
	assert_eq 0 "$(ptrace_requests "$trace" PTRACE_SYSCALL)" "syscall stops asked for one close of $name"
}

fx_start parked --mode read --closewait 3
fx_start busy --mode busy --closewait 3 --live 1
for name in parked busy; do
	set -- $(fx_field "$name" closewait)
	for fd in "$@"; do
		stepped_close "$name" "$fd"
	done
	assert_fds "$name" "$(all_gone "$name")"
	assert_untraced "$name"
	assert_intact "$name"
done
