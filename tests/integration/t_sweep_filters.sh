#!/usr/bin/env bash
# Every filter of fdclose --all-closewait selects exactly what it says,
# first with --dry-run (which must change nothing) and then for real, in
# turns that each close one disjoint part and leave the rest alone: --pid,
# --port (local or remote), --local and --remote (IPv4, IPv6, v4-mapped
# matching either way, port alone), --comm, --uid (the socket's owner), and
# combinations.  --settle acts only on sockets in CLOSE_WAIT at both scans:
# one that appears during the interval and one that goes away are left
# alone.  Usage errors exit 2 and print nothing on stdout.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures
need_cmd setpriv

usage_error() {
	assert_exit 2 "$FDCLOSE" "$@"
	assert_file_empty "$OUT" "stdout of fdclose $*"
	[ -s "$ERR" ] || fail "fdclose $* exited 2 without a word on stderr"
}
usage_error --all-closewait --list
usage_error -a -l
usage_error --all-closewait --force
usage_error -a -f
usage_error --all-closewait --local bad
usage_error --all-closewait --local 127.0.0.1:70000
usage_error --all-closewait --local '[::1'
usage_error --all-closewait --remote 300.1.2.3
usage_error --all-closewait --remote '::1:80:'
usage_error --all-closewait --settle abc
usage_error --all-closewait --uid abc
usage_error --all-closewait --pid 0
usage_error --all-closewait --port 70000
usage_error --all-closewait 123 4
usage_error --list --local bad

# Six fixtures: v4, v6, v4-mapped, a forked pair, one named cwfoo, one run
# by uid 65534 (so its sockets belong to it).
fx_start a --mode read --closewait 2 --live 1
fx_start b --v6 --mode accept --closewait 2 --live 1
fx_start c --v4mapped --mode poll --closewait 2
fx_start d --fork --mode poll --closewait 1
cp "$CWFIX" "$IT_TMP/cwfoo"
fx_start_prog e "$IT_TMP" "$IT_TMP/cwfoo" --closewait 2
udir=$(mktemp -d /tmp/fdclose-it-uid.XXXXXX) || framework_error "mktemp"
it_on_exit "rm -rf '$udir'"
cp "$CWFIX" "$udir/cwfix"
chown -R 65534:65534 "$udir"
chmod 755 "$udir"
fx_start_prog u "$udir" setpriv --reuid=65534 --regid=65534 --clear-groups "$udir/cwfix" --mode accept --closewait 2
names="a b c d e u"
a=$(fx_pid a)
c=$(fx_pid c)
d=$(fx_pid d)
dc=$(fx_pid d.child)
assert_eq cwfoo "$(cat "/proc/$(fx_pid e)/comm")" "comm of e"
assert_eq 65534 "$(awk '/^Uid:/ { print $2 }' "/proc/$(fx_pid u)/status")" "uid of u"
assert_eq "65534 65534" "$(ss -H -tane state close-wait | grep -F ":$(fx_field u port) " | grep -o 'uid:[0-9]*' | sed 's/uid://' | xargs)" \
	"owner of u's CLOSE_WAIT sockets (ss -e)"

ss_closewait >"$IT_TMP/before"
assert_eq 12 "$(wc -l <"$IT_TMP/before")" "CLOSE_WAIT holders"
assert_same_lines <(expected_holders $names) <(cut -d' ' -f1,2 "$IT_TMP/before") "ss against the ready files"
fd_inodes $names >"$IT_TMP/inodes"

# hold NAME INDEX: the "pid fd" holders of its INDEXth CLOSE_WAIT fd.
hold() {
	local fd
	fd=$(fx_field "$1" closewait | cut -d' ' -f"$2")
	echo "$(fx_pid "$1") $fd"
	[ -z "$(fx_field "$1" child)" ] || echo "$(fx_field "$1" child) $fd"
}
rport() {
	fx_field "$1" closewait_ports | cut -d' ' -f"$2"
}
port() {
	fx_field "$1" port
}
# sockets_of "pid fd" lines: how many distinct sockets, for the summary.
sockets_of() {
	local pid fd
	sed '/^$/d' | while read -r pid fd; do
		ino_of "$pid" "$fd"
		echo
	done | sed '/^$/d' | sort -u | wc -l
}

# dry "OPTIONS" "pid fd..." MESSAGE [nocount]: --dry-run selects exactly these.
dry() {
	local want=$IT_TMP/want.$RANDOM
	printf '%s\n' "$2" | sed '/^$/d' >"$want"
	# shellcheck disable=SC2086
	sweep_ok "$IT_TMP/dry" --dry-run $1
	assert_same_lines "$want" <(jq -r 'select(.type == "holder") | "\(.pid) \(.fd)"' "$IT_TMP/dry") \
		"fdclose --all-closewait --dry-run $1: $3"
	[ -n "${4:-}" ] || assert_eq "closed=$(sockets_of <"$want") processes=$(cut -d' ' -f1 "$want" | sort -u | wc -l) failed=0 skipped=0" \
		"$(sweep_summary "$IT_TMP/dry")" "summary of --dry-run $1: $3"
}

v4all="$(expected_holders a c d e u)"
dry "" "$(expected_holders $names)" "everything"
dry "--pid $a" "$(expected_holders a)" "one process"
dry "--pid $a --pid $c" "$(expected_holders a c)" "two processes"
dry "-p $dc" "$(hold d 1 | grep "^$dc ")" "the forked child only" nocount
dry "--pid $d --pid $dc" "$(expected_holders d)" "parent and child"
dry "--port $(port b)" "$(expected_holders b)" "a local port"
dry "-P $(rport b 2)" "$(hold b 2)" "a remote port"
dry "--port $(rport a 1) --pid $c" "" "a remote port of another process"
dry "--local 127.0.0.1" "$v4all" "an IPv4 address, v4-mapped sockets included"
dry "--local ::ffff:127.0.0.1" "$v4all" "a v4-mapped address, IPv4 sockets included"
dry "--local ::1" "$(expected_holders b)" "an IPv6 address"
dry "--local [::1]:$(port b)" "$(expected_holders b)" "[IPv6]:port"
dry "--local [::1]:$(port a)" "" "[IPv6]:port of an IPv4 socket"
dry "--local :$(port a)" "$(expected_holders a)" "a port alone"
dry "--local 127.0.0.1:$(port c)" "$(expected_holders c)" "IPv4:port of a v4-mapped socket"
dry "--local [::ffff:127.0.0.1]:$(port a)" "$(expected_holders a)" "v4-mapped:port of an IPv4 socket"
dry "--remote 127.0.0.1:$(rport a 1)" "$(hold a 1)" "a remote IPv4:port"
dry "--remote [::ffff:127.0.0.1]:$(rport a 2)" "$(hold a 2)" "a remote v4-mapped:port of an IPv4 socket"
dry "--remote 127.0.0.1:$(rport c 2)" "$(hold c 2)" "a remote IPv4:port of a v4-mapped socket"
dry "--remote [::1]:$(rport b 1)" "$(hold b 1)" "a remote [IPv6]:port"
dry "--remote 127.0.0.2" "" "a remote address nobody has"
dry "--remote :$(port a)" "" "a remote port that is only local"
dry "--comm cwfoo" "$(expected_holders e)" "a process name"
dry "--comm cwfix" "$(expected_holders a b c d u)" "the other process name"
dry "--comm cwfi" "" "a prefix of a name"
dry "--uid 65534" "$(expected_holders u)" "the owner uid 65534"
dry "--uid 0" "$(expected_holders a b c d e)" "the owner uid 0"
dry "--comm cwfix --local 127.0.0.1" "$(expected_holders a c d u)" "name and address"
dry "--uid 0 --port $(port a)" "$(expected_holders a)" "uid and port"
dry "--pid $a --port $(port b)" "" "a pid and a port of another"

# Nothing of that changed anything.
assert_same_lines "$IT_TMP/before" <(ss_closewait) "after the dry runs: ss"
assert_fds_kept "$IT_TMP/inodes"
run_capture "$FDCLOSE" --all-closewait --method=close --dry-run --comm cwfoo
assert_eq 0 "$RC" "exit status of --dry-run --comm cwfoo (text)"
assert_eq "would close 2 sockets in 1 process; 0 failed; 0 skipped" \
	"$(tail -n 1 "$OUT" | sed 's/1 processes/1 process/')" "summary line of --dry-run --comm cwfoo"

# For real, one disjoint part at a time; the rest must stay as it was.
# real "OPTIONS" "pid fd..." MESSAGE
real() {
	local want=$IT_TMP/want.$RANDOM
	printf '%s\n' "$2" | sed '/^$/d' >"$want"
	awk 'NR == FNR { w[$1 " " $2] = 1; next } ($1 " " $2) in w' "$want" "$IT_TMP/inodes" >"$want.ino"
	awk 'NR == FNR { w[$1 " " $2] = 1; next } !(($1 " " $2) in w)' "$want" "$IT_TMP/before" >"$want.rest"
	local summary
	summary="closed=$(sockets_of <"$want") processes=$(cut -d' ' -f1 "$want" | sort -u | wc -l) failed=0 skipped=0"
	# shellcheck disable=SC2086
	sweep_ok "$IT_TMP/real" $1
	assert_same_lines "$want" <(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/real") \
		"fdclose --all-closewait $1: $3"
	assert_eq "" "$(jq -c 'select(.type == "holder" and .result != "closed")' "$IT_TMP/real")" \
		"holders not closed by fdclose --all-closewait $1"
	assert_eq "$summary" "$(sweep_summary "$IT_TMP/real")" "summary of fdclose --all-closewait $1"
	assert_fds_gone "$want.ino"
	assert_same_lines "$want.rest" <(ss_closewait) "what is left after fdclose --all-closewait $1"
	cp "$want.rest" "$IT_TMP/before"
}
real "--comm cwfoo" "$(expected_holders e)" "by name"
real "--uid 65534" "$(expected_holders u)" "by owner"
real "--remote [::ffff:127.0.0.1]:$(rport a 2)" "$(hold a 2)" "v4-mapped remote of an IPv4 socket"
real "--local 127.0.0.1:$(port c)" "$(expected_holders c)" "IPv4 local of v4-mapped sockets"
real "--pid $d --pid $dc" "$(expected_holders d)" "a forked pair"
real "--local [::1] --port $(rport b 1)" "$(hold b 1)" "IPv6 address and remote port"

# --quiet: only the summary (JSON: at the end).
assert_exit 0 "$FDCLOSE" --all-closewait --method=close --quiet --pid "$(fx_pid b)"
assert_eq "closed 1 socket in 1 process; 0 failed; 0 skipped" \
	"$(sed 's/1 sockets/1 socket/; s/1 processes/1 process/' "$OUT")" "output of --quiet"
assert_file_empty "$ERR" "stderr of --quiet"
assert_fds b "$(all_gone b)"
assert_same_lines <(hold a 1) <(ss_closewait | cut -d' ' -f1,2) "CLOSE_WAIT holders left: a's first"

for n in $names; do
	assert_untraced "$n"
done
assert_intact $names

# --settle: s1 in CLOSE_WAIT at both scans is closed; s2 appears after the
# first scan and s3 quits after it: both are left alone, and s3's sockets,
# gone by the second scan, are no failure.  fdclose is in the settle
# interval once it sleeps.
fx_start s1 --closewait 2
fx_start s3 --closewait 2
{
	hold a 1 | while read -r p f; do echo "$p $f $(ino_of "$p" "$f")"; done
	fd_inodes s1
} >"$IT_TMP/settle.gone"
t0=$SECONDS
"$FDCLOSE" --all-closewait --method=close --json --settle 3s >"$IT_TMP/settle" 2>"$IT_TMP/settle.err" &
fdc=$!
it_track_pid "$fdc"
sleeping() {
	case $(cut -d' ' -f1 "/proc/$fdc/syscall" 2>/dev/null) in
	35 | 230 | 7 | 271 | 23 | 270 | 232 | 281 | 441) return 0 ;;
	*) kill -0 "$fdc" 2>/dev/null || return 0; return 1 ;;
	esac
}
wait_until 3 sleeping || framework_error "fdclose --settle 3s never slept"
kill -0 "$fdc" 2>/dev/null || fail "fdclose --settle 3s ended at once:"$'\n'"$(cat "$IT_TMP/settle" "$IT_TMP/settle.err")"
fx_start s2 --closewait 2
fd_inodes s2 >"$IT_TMP/settle.kept"
fx_cmd s3 quit >/dev/null
[ $((SECONDS - t0)) -lt 2 ] || framework_error "too slow: s2 was not ready well within the settle interval"
wait "$fdc"
RC=$?
assert_eq 0 "$RC" "exit status of --settle 3s ($(cat "$IT_TMP/settle.err"))"
[ $((SECONDS - t0)) -ge 3 ] || fail "fdclose --settle 3s took less than 3 s"
assert_same_lines <(cut -d' ' -f1,2 "$IT_TMP/settle.gone") \
	<(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/settle") "closed by --settle"
assert_eq "closed=3 processes=2 failed=0" "$(tail -n 1 "$IT_TMP/settle" | jq -r '"closed=\(.done) processes=\(.processes) failed=\(.failed)"')" \
	"summary of --settle"
assert_fds_gone "$IT_TMP/settle.gone"
assert_fds_kept "$IT_TMP/settle.kept"
assert_fds s2 "$(all_cw s2)"
assert_same_lines <(cut -d' ' -f1,2 "$IT_TMP/settle.kept") <(ss_closewait | cut -d' ' -f1,2) "left after --settle: s2's"
assert_intact a s1 s2

# --quiet --json: only the summary object too.
fx_start qj --closewait 2
assert_exit 0 "$FDCLOSE" --all-closewait --method=close --quiet --json --pid "$(fx_pid qj)"
assert_eq summary "$(jq -r .type "$OUT" | xargs)" "objects printed by --quiet --json"
assert_eq 2 "$(jq .done "$OUT")" "closed, with --quiet --json"
assert_fds qj "$(all_gone qj)"
