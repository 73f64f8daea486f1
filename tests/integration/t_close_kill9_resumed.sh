#!/usr/bin/env bash
# fdclose killed with SIGKILL at the worst moment of one injected close: it
# has just resumed the worker into the call (with fdclose's registers, all
# its signals blocked), and dies before it sees the worker stop.  gdb holds
# fdclose right after that ptrace request returns, then kills it.  The
# kernel detaches the worker, which runs the close on its own: the target
# must live on, neither killed by a signal (a worker resumed by
# PTRACE_SINGLESTEP is left with the trap flag and dies of SIGTRAP at the
# call's exit, which is why fdclose resumes with PTRACE_SYSCALL and
# PTRACE_O_TRACESYSGOOD) nor left stopped or traced.  What it may keep is
# what README says a kill leaves: the injected call's result in place of
# its own call's, and its signals blocked.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd gdb

# PTRACE_SINGLESTEP 9, PTRACE_SYSCALL 24: either way the worker was resumed.
killed_after_resume() {
	local name=$1 fd=$2 pid log=$IT_TMP/$1.gdb
	pid=$(fx_pid "$name")
	gdb -q -batch -nx \
		-ex 'set pagination off' \
		-ex 'catch syscall ptrace' \
		-ex 'condition 1 $rdi == 9 || $rdi == 24' \
		-ex "set args --no-syslog $pid $fd" \
		-ex 'run' \
		-ex 'continue' \
		-ex 'kill' \
		"$FDCLOSE" >"$log" 2>&1
	[ "$(grep -c 'Catchpoint 1 (\(call to\|returned from\) syscall ptrace)' "$log")" = 2 ] ||
		framework_error "gdb did not hold fdclose at the return of its resume of the worker:"$'\n'"$(cat "$log")"
	sleep 0.5
	kill -0 "$pid" 2>/dev/null && [ "$(state_of "$pid")" != Z ] ||
		fail "$name: the target died when fdclose was killed after resuming its worker: $(tail -3 "$IT_TMP/$name.log")"
	case $(state_of "$pid") in
	T | t) fail "$name: the target was left stopped ($(state_of "$pid"))" ;;
	esac
	assert_untraced "$name"
	[ ! -e "/proc/$pid/fd/$fd" ] || fail "$name: fd $fd is still open: the worker did not run the close"
}

fx_start parked --mode read --closewait 1
killed_after_resume parked "$(fx_field parked closewait)"
fx_start sleeper --mode nanosleep --sleep-ms 200 --closewait 1
killed_after_resume sleeper "$(fx_field sleeper closewait)"
