#!/usr/bin/env bash
# fdclose PID FD... when it cannot or must not act: each case exits 1 (2 for
# usage errors, in one line) with an actionable message that names the pid
# (and the fd where one is at fault), and the target is left untouched: not
# traced, its fds as they were, and its own check passes.  t_bad_input has
# the malformed command lines.
#
# The fixtures that must not even be stopped park in epoll_wait without
# --eintr-ok: any PTRACE_INTERRUPT makes epoll_wait fail with EINTR, which
# the fixture then reports, so "status ok" proves fdclose never froze it.
# The cases: no such process (and a thread id), a zombie, a target already
# traced by strace or by gdb, no permission (an unprivileged user), an fd
# not open, seccomp strict mode, the guard rails (fds 0-2, a listener, a live
# connection: refused, then closed with --force) and usage errors.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_fixture_bins strict
need_cmd strace gdb setpriv

# refused_ok CODE REGEX WHAT CMD...: exits CODE, says REGEX on stderr, nothing
# on stdout.
refused_ok() {
	local code=$1 re=$2 what=$3
	shift 3
	run_capture "$@"
	[ "$RC" = "$code" ] ||
		fail "$what: '$*' exited $RC, expected $code; stdout:"$'\n'"$(cat "$OUT")"$'\n'"stderr:"$'\n'"$(cat "$ERR")"
	assert_match "$re" "$(cat "$ERR")" "$what: the message"
	assert_file_empty "$OUT" "$what: stdout"
}

# fd_links PID: "fd -> link" of every fd, to compare before and after.
fd_links() {
	local f
	for f in /proc/"$1"/fd/*; do
		echo "${f##*/} -> $(readlink "$f")"
	done | sort -n
}

# untouched NAME LINKS: not traced, the same fds, its own check passes.
untouched() {
	assert_untraced "$1"
	assert_eq "$2" "$(fd_links "$(fx_pid "$1")")" "fixture $1: its fds"
	assert_intact "$1"
	assert_fds "$1" "$(all_closewait_of "$1")"
}

all_closewait_of() {
	local fd s=
	for fd in $(fx_field "$1" closewait); do
		s="$s${s:+ }$fd=close-wait"
	done
	echo "$s"
}

fx_start g --mode epoll --closewait 2 --live 1
gpid=$(fx_pid g)
set -- $(fx_field g closewait)
gcw=$1
glinks=$(fd_links "$gpid")

# ---------------------------------------------------------------- usage: exit 2
log "usage errors"
# Each: what the message must name, then the arguments.
while IFS='|' read -r re args; do
	# shellcheck disable=SC2086 # word splitting wanted
	refused_ok 2 "$re.*; see fdclose --help$" "usage error ($args)" "$FDCLOSE" $args
	assert_eq 1 "$(wc -l <"$ERR")" "usage error ($args): lines on stderr"
done <<EOF_USAGE
missing PID|
missing FD|$gpid
PID.*'abc'|abc $gcw
PID.*'0'|0 $gcw
PID.*'12x'|12x $gcw
FD.*'x'|$gpid x
FD.*'6x'|$gpid 6x
--timeout.*'5x'|--timeout 5x $gpid $gcw
--timeout.*'0'|--timeout 0 $gpid $gcw
--timeout.*'-1'|--timeout -1 $gpid $gcw
--timeout.*'2h'|--timeout 2h $gpid $gcw
bogus|--bogus $gpid $gcw
EOF_USAGE
refused_ok 2 "--timeout.*; see fdclose --help$" "usage error (--timeout '')" "$FDCLOSE" --timeout "" "$gpid" "$gcw"
refused_ok 2 "timeout.*; see fdclose --help$" "usage error (--timeout last)" "$FDCLOSE" "$gpid" "$gcw" --timeout
refused_ok 2 "PID.*; see fdclose --help$" "usage error (empty PID)" "$FDCLOSE" "" "$gcw"
untouched g "$glinks"

# ---------------------------------------------------------------- no such process
log "no such process"
sh -c 'exit 0' &
gone=$!
wait "$gone"
[ ! -e "/proc/$gone" ] || framework_error "pid $gone came back"
refused_ok 1 "pid $gone: no such process" "no such process" "$FDCLOSE" "$gone" 3
# A thread id is not a process id.
fx_start th --mode threads --threads 2 --closewait 1
thpid=$(fx_pid th)
tid=
for t in /proc/"$thpid"/task/*; do
	[ "${t##*/}" = "$thpid" ] || { tid=${t##*/}; break; }
done
[ -n "$tid" ] || framework_error "fixture th has no second thread"
thlinks=$(fd_links "$thpid")
refused_ok 1 "pid $tid: no such process" "a thread id" "$FDCLOSE" "$tid" "$(fx_field th closewait)"
untouched th "$thlinks"

# ---------------------------------------------------------------- a zombie
log "zombie"
# sh starts the child, then becomes a sleep that never reaps it.
sh -c 'sleep 0.2 & echo $! >"$1"; exec sleep 60' sh "$IT_TMP/zombie.pid" &
it_track_pid $!
wait_until 3 test -s "$IT_TMP/zombie.pid" || framework_error "no zombie pid"
zpid=$(cat "$IT_TMP/zombie.pid")
wait_until 3 eval '[ "$(state_of "$zpid")" = Z ]' || framework_error "pid $zpid did not become a zombie"
refused_ok 1 "pid $zpid \\(sleep\\) is a zombie" "zombie" "$FDCLOSE" "$zpid" 1
assert_eq Z "$(state_of "$zpid")" "the zombie's state after fdclose"
assert_eq 0 "$(tracer_of "$zpid")" "the zombie's TracerPid after fdclose"

# ---------------------------------------------------------------- already traced
# A correct tracer leaves a read parked fixture intact (epoll would see EINTR).
fx_start tr --mode read --closewait 2 --live 1
trpid=$(fx_pid tr)
trlinks=$(fd_links "$trpid")
set -- $(fx_field tr closewait)

log "traced by strace"
strace -qq -p "$trpid" -o "$IT_TMP/strace.log" &
stp=$!
it_track_pid "$stp"
wait_until 10 eval '[ "$(tracer_of "$trpid")" = "$stp" ]' ||
	framework_error "strace (pid $stp) did not attach to $trpid"
refused_ok 1 "pid $trpid \\(cwfix\\) is already traced by pid $stp \\(strace\\)" \
	"traced by strace" "$FDCLOSE" "$trpid" "$1"
assert_eq "$stp" "$(tracer_of "$trpid")" "TracerPid of $trpid while strace holds it"
assert_fd_is "$trpid" "$1" "$(readlink "/proc/$trpid/fd/$1")" "traced by strace"
kill -INT "$stp"
wait "$stp"
untouched tr "$trlinks"

log "traced by gdb"
gdb -q -nx -batch -p "$trpid" \
	-ex "shell while [ ! -e '$IT_TMP/gdb.go' ]; do sleep 0.05; done" \
	-ex detach >"$IT_TMP/gdb.log" 2>&1 &
gdbp=$!
it_track_pid "$gdbp"
wait_until 20 eval '[ "$(tracer_of "$trpid")" = "$gdbp" ]' ||
	framework_error "gdb (pid $gdbp) did not attach to $trpid: $(cat "$IT_TMP/gdb.log")"
refused_ok 1 "pid $trpid \\(cwfix\\) is already traced by pid $gdbp \\(gdb\\)" \
	"traced by gdb" "$FDCLOSE" "$trpid" "$2"
assert_eq "$gdbp" "$(tracer_of "$trpid")" "TracerPid of $trpid while gdb holds it"
touch "$IT_TMP/gdb.go"
wait "$gdbp" || framework_error "gdb failed: $(cat "$IT_TMP/gdb.log")"
untouched tr "$trlinks"

# ---------------------------------------------------------------- permission
# Yama is absent on this kernel (no /proc/sys/kernel/yama): the only reason
# to refuse here is the uid, and the message must say how to get past it.
log "permission"
[ -e /proc/sys/kernel/yama ] && log "(Yama is present here: ptrace_scope $(cat /proc/sys/kernel/yama/ptrace_scope))"
refused_ok 1 "pid $gpid" "unprivileged user" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FDCLOSE" "$gpid" "$gcw"
assert_match "uid (0|65534)" "$(cat "$ERR")" "unprivileged user: the message names the uid"
assert_match "CAP_SYS_PTRACE" "$(cat "$ERR")" "unprivileged user: the message names CAP_SYS_PTRACE"
untouched g "$glinks"

# ---------------------------------------------------------------- fd not open
log "fd not open"
[ ! -e "/proc/$gpid/fd/999" ] || framework_error "fixture g has an fd 999"
refused_ok 1 "failed to close fd 999 in pid $gpid \\(cwfix\\): not an open fd" \
	"fd not open" "$FDCLOSE" "$gpid" 999
untouched g "$glinks"

# ---------------------------------------------------------------- guard rails
log "guard rails"
listen=$(fx_field g listen)
live=$(fx_field g live)
refused_ok 1 "refused to close fd 0 in pid $gpid \\(cwfix\\): .*fd 0 is the process's stdin; use --force" \
	"fd 0" "$FDCLOSE" "$gpid" 0
refused_ok 1 "refused to close fd 1 in pid $gpid \\(cwfix\\): .*fd 1 is the process's stdout; use --force" \
	"fd 1" "$FDCLOSE" "$gpid" 1
refused_ok 1 "refused to close fd 2 in pid $gpid \\(cwfix\\): .*fd 2 is the process's stderr; use --force" \
	"fd 2" "$FDCLOSE" "$gpid" 2
refused_ok 1 "refused to close fd $listen in pid $gpid \\(cwfix\\): tcp .* LISTEN: a TCP socket in LISTEN, not CLOSE-WAIT; use --force" \
	"a listener" "$FDCLOSE" "$gpid" "$listen"
refused_ok 1 "refused to close fd $live in pid $gpid \\(cwfix\\): tcp .* ESTAB: a TCP socket in ESTAB, not CLOSE-WAIT; use --force" \
	"a live connection" "$FDCLOSE" "$gpid" "$live"
untouched g "$glinks"

# With --force they are closed.
fx_start f --mode read --closewait 1 --live 1
fpid=$(fx_pid f)
fl=$(fx_field f listen)
flive=$(fx_field f live)
fport=$(fx_field f port)
fcw=$(fx_field f closewait)
fcwlink=$(readlink "/proc/$fpid/fd/$fcw")
run_capture "$FDCLOSE" --force "$fpid" 0 1 2 "$fl" "$flive"
[ "$RC" = 0 ] || fail "fdclose --force $fpid 0 1 2 $fl $flive exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
for fd in 0 1 2; do
	grep -q "^closed fd $fd in pid $fpid (cwfix): file " "$OUT" || fail "--force: no 'closed fd $fd' line:"$'\n'"$(cat "$OUT")"
done
grep -q "^closed fd $fl in pid $fpid (cwfix): tcp .* LISTEN" "$OUT" || fail "--force: listener not closed:"$'\n'"$(cat "$OUT")"
grep -q "^closed fd $flive in pid $fpid (cwfix): tcp .* ESTAB" "$OUT" || fail "--force: live connection not closed:"$'\n'"$(cat "$OUT")"
# Before anything asks the fixture: it would reuse the lowest free numbers.
for fd in 0 1 2 "$fl" "$flive"; do
	[ ! -e "/proc/$fpid/fd/$fd" ] || fail "--force: fd $fd of $fpid is still open"
done
assert_fd_is "$fpid" "$fcw" "$fcwlink" "--force: the CLOSE_WAIT fd nobody asked for"
assert_untraced f
[ -z "$(ss -H -tln "sport = :$fport")" ] || fail "--force: the listener on port $fport still exists"
# The fixture lives on and notices what it lost.
reply=$(fx_cmd f ping) || fail "fixture f does not answer after --force: $reply"
reply=$(fx_cmd f status) && fail "fixture f does not notice its closed listener and live connection: $reply"
assert_match "^fail: fd ($fl \\(tcp listener\\)|$flive .*) was closed" "$reply" "fixture f after --force"
assert_fds f "$fcw=close-wait"

# ---------------------------------------------------------------- seccomp strict
log "seccomp strict mode"
mkfifo "$IT_TMP/strict.fifo"
"$FIXDIR/strict" --ready "$IT_TMP/strict.ready" --fifo "$IT_TMP/strict.fifo" \
	</dev/null >"$IT_TMP/strict.log" 2>&1 &
spid=$!
it_track_pid "$spid"
_it_wait_ready strict "$spid"
sfd=$(fx_field strict fd)
slink=$(readlink "/proc/$spid/fd/$sfd")
assert_match '^socket:\[[0-9]+\]$' "$slink" "the strict fixture's fd"
seccomp_of() {
	awk '$1 == "Seccomp:" { print $2 }' "/proc/$1/status"
}
wait_until 3 eval '[ "$(seccomp_of "$spid")" = 1 ]' ||
	framework_error "pid $spid is not in seccomp strict mode"
wait_until 3 _it_parked "$spid" "$(fx_field strict syscall)" || framework_error "pid $spid is not parked in read(2)"
refused_ok 1 "pid $spid \\(strict\\) runs in seccomp strict mode" "seccomp strict" \
	"$FDCLOSE" "$spid" "$sfd"
assert_pid_untraced "$spid" "the strict fixture"
assert_fd_is "$spid" "$sfd" "$slink" "seccomp strict"
# Alive, still in strict mode, and its read still works.
printf s >"$IT_TMP/strict.fifo"
wait_until 3 grep -q '^ok alive 1$' "$IT_TMP/strict.log" ||
	fail "the strict fixture does not answer after fdclose: $(cat "$IT_TMP/strict.log"); State $(state_of "$spid")"
grep -q '^fail' "$IT_TMP/strict.log" && fail "the strict fixture: $(cat "$IT_TMP/strict.log")"
printf q >"$IT_TMP/strict.fifo"
wait "$spid" || fail "the strict fixture did not exit 0 when asked: $(cat "$IT_TMP/strict.log")"

untouched g "$glinks"
