#!/usr/bin/env bash
# Bad input: malformed command lines and targets fdclose must not act on.
# Every case exits 2 (usage error) or 1 (refused, failed), never dies of a
# signal, prints exactly one line on stderr that names the problem, with no
# raw control character and only valid UTF-8 in it, prints nothing on
# stdout, and leaves the fd table of fixture "bad" (and of the case's own
# target) as it was, untraced.
#
# t_close_errors has the neighbours: no such process and a thread id, an fd
# not open, a zombie, a target attached by strace -p or gdb, an unprivileged
# user, seccomp strict mode, the guard rails on fds 0-2 and live sockets.
# Here are the variations it lacks (--dry-run for those, a tracee started
# under strace -f), fdclose itself and its parent, a kernel thread, and pid 1
# of a pid namespace (see the comment there for what it deserves).
#
# Kernel threads: the test runs in its own pid namespace, where no kernel
# thread is visible (they all live in the initial one), and it may not
# point fdclose at a process it did not start.  So it checks that none is
# visible, then shows fdclose a recorded /proc (FDCLOSE_PROC_ROOT) in which
# its own sleeper reads as a kernel thread: the refusal comes from what
# /proc says, before any ptrace call, as it would for a real one.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd strace setpriv iconv

CASES=0

# fd_table PID: what ls -l shows of each fd but the times: number, mode,
# owner and target.
fd_table() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%f %M %u %l\n' | sort -n
}

# assert_one_line_stderr WHAT: the stderr of the last run_capture is one
# line, printable, valid UTF-8, at most 600 bytes, with no crash report; it
# is left in $ERRLINE.  (Few forks: this runs for every case.)
assert_one_line_stderr() {
	local what=$1 LC_ALL=C err=
	IFS= read -r -d '' err <"$ERR"
	[[ $err == *$'\n' && $err != *$'\n'?* ]] ||
		fail "$what: expected one line on stderr, got:"$'\n'"$(head -c 2000 "$ERR" | cat -v)"
	ERRLINE=${err%$'\n'}
	[[ ! $ERRLINE =~ [[:cntrl:]] ]] || fail "$what: a raw control character on stderr: $(cat -v "$ERR")"
	iconv -f UTF-8 -t UTF-8 <"$ERR" >/dev/null 2>&1 ||
		fail "$what: stderr is not valid UTF-8: $(cat -v "$ERR")"
	[[ ! ${ERRLINE,,} =~ segmentation|sanitizer|runtime\ error|core\ dumped|stack\ smashing|abort ]] ||
		fail "$what: a crash report: $(cat -v "$ERR")"
	[ "${#ERRLINE}" -le 600 ] || fail "$what: a message of ${#ERRLINE} bytes; an argument is echoed in full"
}

# assert_bad CODE REGEX WHAT CMD...: one case.  CMD exits CODE with one
# line on stderr matching REGEX (extended, against the whole line), nothing
# on stdout; fixture bad is untouched.
assert_bad() {
	local code=$1 re=$2 what=$3
	shift 3
	CASES=$((CASES + 1))
	run_capture "$@"
	[ "$RC" = "$code" ] ||
		fail "$what: exited $RC, expected $code; stderr:"$'\n'"$(head -c 2000 "$ERR" | cat -v)"
	assert_one_line_stderr "$what"
	assert_match "$re" "$ERRLINE" "$what: the message"
	[ ! -s "$OUT" ] || fail "$what: stdout:"$'\n'"$(head -c 2000 "$OUT" | cat -v)"
	assert_eq "$BAD_FDS" "$(fd_table "$BAD")" "$what: the fd table of fixture bad (pid $BAD)"
	assert_eq 0 "$(tracer_of "$BAD")" "$what: TracerPid of fixture bad"
}

# assert_usage REGEX ARGS...: a usage error of fdclose ARGS; the message
# starts with "fdclose: " and ends by pointing at --help.
assert_usage() {
	local re=$1 args
	shift
	printf -v args '%q ' "$@"
	assert_bad 2 "^fdclose: $re.*; see fdclose --help$" "usage error: fdclose ${args:0:200}" \
		"$FDCLOSE" "$@"
}

fx_start bad --mode read --closewait 2 --live 1
BAD=$(fx_pid bad)
set -- $(fx_field bad closewait)
CW=$1
BAD_FDS=$(fd_table "$BAD")
LONG=$(head -c 100000 /dev/zero | tr '\0' 7)

# ---------------------------------------------------------------- operands
log "PID and FD operands"
assert_usage "missing PID and FD"
assert_usage "missing FD after PID" "$BAD"
assert_usage "PID must be a process id, not 'abc'" abc "$CW"
assert_usage "PID must be a process id, not '-5'" -- -5 "$CW"
# Without --, getopt sees an option; the message says what was likely meant.
assert_usage "unknown option -5: a PID or FD is never negative" -5 "$CW"
assert_usage "PID must be a process id, not '\\+5'" +5 "$CW"
assert_usage "PID must be a process id, not '0x10'" 0x10 "$CW"
assert_usage "PID must be a process id, not '99999999999999999999'" 99999999999999999999 "$CW"
assert_usage "PID must be a process id, not ''" "" "$CW"
assert_usage "PID must be a process id, not ' $BAD'" " $BAD" "$CW"
assert_usage "PID must be a process id, not '$BAD '" "$BAD " "$CW"
assert_usage "PID must be a process id, not '2147483648'" 2147483648 "$CW"
assert_usage "FD must be a file descriptor number, not 'abc'" "$BAD" abc
assert_usage "unknown option -1: a PID or FD is never negative" "$BAD" -1
assert_usage "FD must be a file descriptor number, not '-1'" -- "$BAD" -1
assert_usage "FD must be a file descriptor number, not '\\+5'" "$BAD" +5
assert_usage "FD must be a file descriptor number, not '0x10'" "$BAD" 0x10
assert_usage "FD must be a file descriptor number, not '99999999999999999999'" "$BAD" 99999999999999999999
assert_usage "FD must be a file descriptor number, not ''" "$BAD" ""
assert_usage "FD must be a file descriptor number, not ' $CW'" "$BAD" " $CW"
assert_usage "FD must be a file descriptor number, not '2147483648'" "$BAD" 2147483648
# A leading zero: 010 is ten to strtol but eight to C and to a user who
# thinks in octal; closing fd 10 for someone who meant 8 is not a guess to
# make.
assert_usage "PID must be a process id, not '0$BAD' \\(a leading 0: octal or decimal\\?\\)" "0$BAD" "$CW"
assert_usage "FD must be a file descriptor number, not '010' \\(a leading 0" "$BAD" 010
assert_usage "FD must be a file descriptor number, not '00' \\(a leading 0" "$BAD" 00
assert_usage "--port takes a number from 0 to 65535, not '080' \\(a leading 0" --list --port 080
assert_usage "--pid takes a process id, not '0$BAD' \\(a leading 0" --list --pid "0$BAD"
assert_usage "--uid takes a numeric uid, not '00' \\(a leading 0" --list --uid 00
# A bad FD anywhere in the list: nothing is closed, not even the good ones.
assert_usage "FD must be a file descriptor number, not 'x'" "$BAD" "$CW" x

# ---------------------------------------------------------------- options
log "unknown, incomplete and conflicting options"
assert_usage "unknown option '--bogus'" --bogus "$BAD" "$CW"
assert_usage "unknown option '-x'" -x "$BAD" "$CW"
assert_usage "unknown option '-x'" -nx "$BAD" "$CW"
assert_usage "option '--l' is ambiguous" --l
assert_usage "option --dry-run takes no value" --dry-run=yes "$BAD" "$CW"
assert_usage "option --timeout needs a value" "$BAD" "$CW" --timeout
assert_usage "option -t needs a value" "$BAD" "$CW" -t
assert_usage "--list, --all-closewait and --watch take no operands, but got '$BAD'" --all-closewait "$BAD" "$CW"
assert_usage "--list, --all-closewait and --watch take no operands, but got '$BAD'" --list "$BAD" "$CW"
assert_usage "--list changes nothing: --dry-run, --force and --method do not apply" --list --dry-run
assert_usage "--list changes nothing: --dry-run, --force and --method do not apply" --list --force
assert_usage "--list and --all-closewait exclude each other" --list --all-closewait
assert_usage "--list and --all-closewait exclude each other" -a -l
assert_usage "--settle and --include-dead go with --all-closewait and --watch" --settle 1s "$BAD" "$CW"
assert_usage "--settle and --include-dead go with --all-closewait and --watch" --list --include-dead
assert_usage "filters select sockets for --list, --all-closewait and --watch" --comm cwfix "$BAD" "$CW"
assert_usage "--verbose and --quiet exclude each other" -v -q "$BAD" "$CW"
# An option that takes one value, given twice: the first --port was
# silently dropped, so "--port 80 --port 443" selected only 443.
assert_usage "--timeout is given twice; it takes one value \\(only --pid may be repeated\\)" \
	--timeout 1s -t 2s "$BAD" "$CW"
assert_usage "--max-pause is given twice" --max-pause 1ms --max-pause 2ms "$BAD" "$CW"
assert_usage "--port is given twice" --list --port 80 --port 443
assert_usage "--comm is given twice" --all-closewait --dry-run --comm a --comm cwfix
assert_usage "--settle is given twice" --all-closewait --settle 1s --settle 2s
# Methods: one at a time, by their whole name, and only where something acts.
assert_usage "--method given twice: close and replace" --method=close --method=replace "$BAD" "$CW"
assert_usage "--method given twice: shutdown and close" --all-closewait -m shutdown -m close
assert_usage "--method takes close, replace, shutdown, not 'bogus'" --method=bogus "$BAD" "$CW"
assert_usage "--method takes close, replace, shutdown, not ''" --method= "$BAD" "$CW"
assert_usage "--method takes close, replace, shutdown, not 'clo'" --method=clo "$BAD" "$CW"
assert_usage "--method takes close, replace, shutdown, not 'CLOSE'" -m CLOSE "$BAD" "$CW"
assert_usage "option -m needs a value" "$BAD" "$CW" -m
assert_usage "--list changes nothing: --dry-run, --force and --method do not apply" --list --method=shutdown

# ---------------------------------------------------------------- durations
log "durations"
assert_usage "--timeout takes a duration from 1ms to 1h, not '-1s'" --timeout -1s "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not '1y'" --timeout 1y "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not '99999999999m'" --timeout 99999999999m "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not '1.5.5s'" --timeout 1.5.5s "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not 's'" --timeout s "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not ''" --timeout "" "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not ''" --timeout= "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not '.5s'" --timeout .5s "$BAD" "$CW"
assert_usage "--timeout takes a duration from 1ms to 1h, not '1 s'" --timeout "1 s" "$BAD" "$CW"
assert_usage "--max-pause takes a duration from 100us to 1m, not '50us'" --max-pause 50us "$BAD" "$CW"
assert_usage "--settle takes a duration from 1ms to 1h, not '1y'" --all-closewait --settle 1y

# ---------------------------------------------------------------- what a message shows
# An argument echoed in a message may not bring a control character to the
# terminal (an escape sequence would act on it) nor invalid UTF-8, nor be
# echoed in full when it is huge: '?' stands for what cannot be shown, and
# "..." ends what is cut (assert_one_line_stderr checks every case for it).
log "arguments echoed in messages"
assert_usage "--comm takes a process name of 1 to 15 bytes, not '\\?\\[31mred\\?\\[0m\\?bell-and-more'" \
	--list --comm $'\e[31mred\e[0m\abell-and-more'
assert_usage "--comm takes a process name of 1 to 15 bytes, not '\\?{16}'" \
	--list --comm $'\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0'
# U+009B is CSI, a control character in valid UTF-8; the e-acute stays.
assert_usage "--comm takes a process name of 1 to 15 bytes, not 'caf"$'\xc3\xa9'"-\\?2J-longer-name'" \
	--list --comm $'caf\xc3\xa9-\xc2\x9b2J-longer-name'
assert_usage "unknown option '-\\?'" $'-\e' "$BAD" "$CW"
assert_usage "unknown option '--\\?\\]0;title\\?'" $'--\e]0;title\a'
assert_usage "FD must be a file descriptor number, not '$CW\\?4'" "$BAD" "$CW"$'\n4'
assert_usage "--local takes ADDR, ADDR:PORT, \\[IPV6\\]:PORT or :PORT, not '\\?\\[2J'" \
	--list --local $'\e[2J'
# 100,000 characters.
assert_usage "PID must be a process id, not '7{60}\\.\\.\\.'" "$LONG" "$CW"
assert_usage "FD must be a file descriptor number, not '7{60}\\.\\.\\.'" "$BAD" "$LONG"
assert_usage "--timeout takes a duration from 1ms to 1h, not '7{60}\\.\\.\\.'" --timeout "$LONG" "$BAD" "$CW"
assert_usage "--comm takes a process name of 1 to 15 bytes, not '7{60}\\.\\.\\.'" --list --comm "$LONG"
assert_usage "--remote takes ADDR, ADDR:PORT, \\[IPV6\\]:PORT or :PORT, not '7{60}\\.\\.\\.'" --list --remote "$LONG"
assert_usage "unknown option '--7{58}\\.\\.\\.'" "--$LONG"
# A short name with control characters is accepted: a process may be
# named so (prctl PR_SET_NAME takes any bytes); nothing matches here.
run_capture "$FDCLOSE" --list --comm $'\e[2J'
assert_eq 0 "$RC" "fdclose --list --comm ESC[2J: exit status"
assert_file_empty "$ERR" "fdclose --list --comm ESC[2J: stderr"

# ---------------------------------------------------------------- targets
log "targets fdclose must not act on"
pid_max=$(cat /proc/sys/kernel/pid_max)
assert_bad 1 "^fdclose: pid $((pid_max + 1)): no such process$" "a pid beyond pid_max ($pid_max)" \
	"$FDCLOSE" "$((pid_max + 1))" "$CW"

# t_close_errors closes for real; --dry-run must say the same.
sh -c 'exit 0' &
gone=$!
wait "$gone"
[ ! -e "/proc/$gone" ] || framework_error "pid $gone came back"
assert_bad 1 "^fdclose: pid $gone: no such process$" "a pid that exited, --dry-run" \
	"$FDCLOSE" --dry-run "$gone" 3
[ ! -e "/proc/$BAD/fd/999" ] || framework_error "fixture bad has an fd 999"
assert_bad 1 "^fdclose: failed to close fd 999 in pid $BAD \\(cwfix\\): not an open fd$" \
	"an fd not open, --dry-run" "$FDCLOSE" --dry-run "$BAD" 999

# fdclose itself: exec keeps the shell's pid, which $$ names.
assert_bad 1 "^fdclose: pid [0-9]+ is fdclose itself or its parent$" "fdclose's own pid" \
	bash -c 'exec "$0" "$$" 3' "$FDCLOSE"
assert_bad 1 "^fdclose: pid [0-9]+ is fdclose itself or its parent$" "fdclose's own pid, --dry-run" \
	bash -c 'exec "$0" --dry-run "$$" 3' "$FDCLOSE"
# Its parent: a shell of ours with an fd 3, which must stay open.
assert_bad 1 "^fdclose: pid [0-9]+ is fdclose itself or its parent$" "fdclose's parent" \
	bash -c 'exec 3<"$1"; before=$(ls -l /proc/$$/fd/3)
		"$0" "$$" 3; rc=$?
		[ "$(ls -l /proc/$$/fd/3 2>&1)" = "$before" ] || { echo "fd 3 changed" >&2; exit 3; }
		exit $rc' "$FDCLOSE" "$CWFIX"

# A zombie: sh starts a child it never reaps.
sh -c 'sleep 0.1 & echo $! >"$1"; exec sleep 60' sh "$IT_TMP/zombie.pid" &
it_track_pid $!
wait_until 3 test -s "$IT_TMP/zombie.pid" || framework_error "no zombie pid"
zpid=$(cat "$IT_TMP/zombie.pid")
wait_until 3 eval '[ "$(state_of "$zpid")" = Z ]' || framework_error "pid $zpid did not become a zombie"
assert_bad 1 "^fdclose: pid $zpid \\(sleep\\) is a zombie: .*its parent has to reap it$" "a zombie, --dry-run" \
	"$FDCLOSE" --dry-run "$zpid" 3
assert_eq Z "$(state_of "$zpid")" "the zombie's state"

# Kernel threads: none is visible here (see the top); a recorded one.
for s in /proc/[0-9]*/status; do
	! grep -q '^Kthread:[[:space:]]*1' "$s" 2>/dev/null ||
		framework_error "a kernel thread is visible in the test's pid namespace: $s"
done
sleep 60 &
kpid=$!
it_track_pid "$kpid"
mkdir -p "$IT_TMP/kproc/$kpid"
sed -e 's/^Name:.*/Name:\tkworker\/0:1/' -e 's/^Kthread:.*/Kthread:\t1/' "/proc/$kpid/status" \
	>"$IT_TMP/kproc/$kpid/status"
grep -q '^Kthread:	1$' "$IT_TMP/kproc/$kpid/status" || framework_error "this kernel has no Kthread: line"
kfds=$(fd_table "$kpid")
assert_bad 1 "^fdclose: pid $kpid \\(kworker/0:1\\) is a kernel thread: it has no file descriptors to close$" \
	"a kernel thread" env FDCLOSE_PROC_ROOT="$IT_TMP/kproc" "$FDCLOSE" "$kpid" 3
assert_eq "$kfds" "$(fd_table "$kpid")" "the fd table of the sleeper shown as a kernel thread"
assert_eq 0 "$(tracer_of "$kpid")" "TracerPid of the sleeper shown as a kernel thread"

# Already traced: started under strace -f, the tracer is its parent.
strace -f -o /dev/null "$CWFIX" --ctl "$IT_TMP/tr.ctl" --ready "$IT_TMP/tr.ready" \
	--mode read --closewait 1 </dev/null >"$IT_TMP/tr.log" 2>&1 &
stp=$!
it_track_pid "$stp"
wait_until 10 test -s "$IT_TMP/tr.ready" || framework_error "cwfix under strace not ready: $(cat "$IT_TMP/tr.log")"
trpid=$(fx_pid tr)
it_track_pid "$trpid"
assert_eq "$stp" "$(tracer_of "$trpid")" "TracerPid of cwfix under strace -f"
trfds=$(fd_table "$trpid")
assert_bad 1 "^fdclose: pid $trpid \\(cwfix\\) is already traced by pid $stp \\(strace\\): detach that tracer first" \
	"a tracee of strace -f" "$FDCLOSE" "$trpid" "$(fx_field tr closewait)"
assert_eq "$trfds" "$(fd_table "$trpid")" "the fd table of the tracee"
assert_eq "$stp" "$(tracer_of "$trpid")" "TracerPid of the tracee after fdclose"

# An unprivileged user against root's process, also only to look.
assert_bad 1 "^fdclose: pid $BAD \\(cwfix\\) belongs to uid 0 and fdclose runs as uid 65534: run it as root or with CAP_SYS_PTRACE$" \
	"an unprivileged user, --dry-run" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FDCLOSE" --dry-run "$BAD" "$CW"

# ---------------------------------------------------------------- pid 1
# A pid namespace's init takes the namespace with it when it dies (the
# host's panics the machine), but in a container it is often the service
# itself, leaking CLOSE_WAIT sockets like any other.  So fdclose closes a
# CLOSE-WAIT socket there as anywhere, and refuses any other fd without
# --force, whether it is asked from inside (pid 1) or from outside (NSpid
# ends in 1).
log "pid 1"
# The test's own namespace: its init is run.sh's shell, not ours: look only.
p1fd=$(find /proc/1/fd -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | awk '$1 > 2' | head -1)
if [ -n "$p1fd" ]; then
	assert_bad 1 "^fdclose: refused to close fd $p1fd in pid 1 \\(bash\\): .*pid 1 of its pid namespace.*without --force$" \
		"pid 1 of the test's namespace, fd $p1fd, --dry-run" "$FDCLOSE" --dry-run 1 "$p1fd"
else
	assert_bad 1 "^fdclose: refused to close fd 0 in pid 1 \\(bash\\): .*stdin; use --force" \
		"pid 1 of the test's namespace, fd 0, --dry-run" "$FDCLOSE" --dry-run 1 0
fi
# cwfix as pid 1 of a namespace of ours, with /proc of its own.
unshare --pid --fork --mount-proc -- "$CWFIX" --ctl "$IT_TMP/init.ctl" --ready "$IT_TMP/init.ready" \
	--mode read --closewait 2 </dev/null >"$IT_TMP/init.log" 2>&1 &
it_track_pid $!
wait_until "$IT_READY_TIMEOUT" test -s "$IT_TMP/init.ready" ||
	framework_error "cwfix as pid 1 not ready: $(cat "$IT_TMP/init.log")"
ipid=$(cat "/proc/$!/task/$!/children")
ipid=${ipid%% *}
it_track_pid "$ipid"
[ "$(fx_pid init)" = 1 ] && [ "$(awk '$1 == "NSpid:" { print $NF }' "/proc/$ipid/status")" = 1 ] ||
	framework_error "cwfix (pid $ipid) is not pid 1 of its namespace"
set -- $(fx_field init closewait)
icw1=$1 icw2=$2
ictl=$(fd_table "$ipid" | awk '$4 ~ /^socket:/ && $1 > 2 { print $1; exit }')
[ "$ictl" = 3 ] || framework_error "cwfix's ctl socket is fd '$ictl', not 3"
ifds=$(fd_table "$ipid")
# in_init ARGS...: fdclose ARGS inside that namespace, where cwfix is pid 1.
in_init() {
	nsenter -t "$ipid" --pid --mount -- "$FDCLOSE" "$@"
}
assert_bad 1 "^fdclose: refused to close fd 3 in pid 1 \\(cwfix\\): .*pid 1 of its pid namespace, which dies with it; only CLOSE-WAIT sockets are closed there without --force$" \
	"pid 1 of a namespace, its unix socket" in_init 1 3
assert_bad 1 "^fdclose: refused to close fd 3 in pid $ipid \\(cwfix\\): .*pid 1 of its pid namespace" \
	"a namespace's pid 1 seen from outside, its unix socket" "$FDCLOSE" "$ipid" 3
assert_bad 1 "^fdclose: refused to close fd 3 in pid 1 \\(cwfix\\): .*pid 1 of its pid namespace" \
	"pid 1 of a namespace, its unix socket, --dry-run" in_init --dry-run 1 3
assert_eq "$ifds" "$(fd_table "$ipid")" "the fd table of cwfix as pid 1"
assert_eq 0 "$(tracer_of "$ipid")" "TracerPid of cwfix as pid 1"
# What it may do: --force lifts the rule; a CLOSE-WAIT socket needs none.
run_capture in_init --dry-run --force 1 3
assert_eq 0 "$RC" "fdclose --dry-run --force 1 3 in the namespace: $(cat "$ERR")"
# A socket sock_diag does not know is named by its protocol (system.sockprotoname:
# "UNIX" before Linux 5.15, "UNIX-STREAM" since).
grep -Eq "^would close fd 3 in pid 1 \(cwfix\): UNIX(-STREAM)? socket:\[[0-9]+\]$" "$OUT" ||
	fail "--force on pid 1: $(cat "$OUT" "$ERR")"
run_capture in_init 1 "$icw1"
assert_eq 0 "$RC" "fdclose 1 $icw1 (CLOSE-WAIT) in the namespace: $(cat "$ERR")"
grep -q "^closed fd $icw1 in pid 1 (cwfix): tcp .* CLOSE-WAIT$" "$OUT" || fail "CLOSE-WAIT in pid 1: $(cat "$OUT")"
assert_fds init "$icw1=gone $icw2=close-wait"
assert_intact init

# ---------------------------------------------------------------- the end
assert_intact bad
assert_fds bad "$(all_cw bad)"
log "$CASES cases"
[ "$CASES" -ge 40 ] || framework_error "only $CASES cases"
