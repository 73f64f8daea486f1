#!/usr/bin/env bash
# --dry-run touches nothing and says "would close fd N ..."; --json prints
# one object per fd asked for, in order: pid, fd, comm, what, result
# (closed | would-close | refused | failed | skipped), error (null or text),
# and for a TCP socket also inode, netns, local, remote, state, recv_q and
# send_q, which must agree with what ss and /proc say about that socket.
#
# The dry-run fixture parks in epoll_wait without --eintr-ok: any
# PTRACE_INTERRUPT would make it fail with EINTR, so its "status ok" proves
# it was never stopped; strace on fdclose itself shows no ptrace call.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd strace

# ss_of INODE: "state recv_q send_q local peer" of that TCP socket, as ss says.
ss_of() {
	ss -H -tane | awk -v i="ino:$1" '{ for (k = 6; k <= NF; k++) if ($k == i) print $1, $2, $3, $4, $5 }'
}

# fd_links PID: "fd -> link" of every fd, to compare before and after.
fd_links() {
	local f
	for f in /proc/"$1"/fd/*; do
		echo "${f##*/} -> $(readlink "$f")"
	done | sort -n
}

# json_common FILE PID: every line is an object with the fields every fd has,
# of the right types; prints the problems.
json_common() {
	jq -c -R --argjson pid "$2" 'fromjson? // "not JSON: \(.)" |
		if type != "object" then .
		elif .pid != $pid then "wrong pid: \(tojson)"
		elif (.fd | type) != "number" or (.comm | type) != "string" or
		     (.what | type) != "string" or (.result | type) != "string" or
		     ((.error | type) != "null" and (.error | type) != "string")
		then "fields missing or of the wrong type: \(tojson)"
		elif ([.result] | inside(["closed", "would-close", "refused", "failed", "skipped"]) | not)
		then "result outside the contract: \(tojson)"
		elif (.result == "closed" or .result == "would-close") != (.error == null)
		then "error must be null exactly when closed or would-close: \(tojson)"
		else empty end' "$1"
}

# assert_json_tcp FILE FD PID: the object of FD describes its TCP socket as
# ss and /proc do (INODE, the namespace of PID; for a listener the addresses
# and queues of the peer side mean nothing and are not compared).
assert_json_tcp() {
	local file=$1 fd=$2 pid=$3 ino want got
	ino=$(cat "$IT_TMP/ino.$pid.$fd")
	want=$(cat "$IT_TMP/ss.$pid.$fd")
	[ -n "$want" ] || framework_error "ss did not show inode $ino"
	got=$(jq -r --argjson fd "$fd" 'select(.fd == $fd) |
		if (.inode | type) != "number" or (.netns | type) != "number" or
		   (.local | type) != "string" or (.remote | type) != "string" or
		   (.state | type) != "string" or (.recv_q | type) != "number" or
		   (.send_q | type) != "number"
		then "TCP fields missing or of the wrong type: \(tojson)"
		else "\(.inode) \(.netns) \(.state) \(.recv_q) \(.send_q) \(.local) \(.remote)" end' "$file")
	read -r state rq sq loc peer <<<"$want"
	if [ "$state" = LISTEN ]; then
		got=$(cut -d' ' -f1-3,6 <<<"$got")
		want="$ino $(netns_of "$pid") LISTEN $loc"
	else
		want="$ino $(netns_of "$pid") $state $rq $sq $loc $peer"
	fi
	assert_eq "$want" "$got" "JSON of fd $fd in pid $pid (inode netns state recv_q send_q local remote)"
}

# remember PID FD...: the inode and ss's line of each TCP fd, before fdclose.
remember() {
	local pid=$1 fd
	shift
	for fd in "$@"; do
		ino_of "$pid" "$fd" >"$IT_TMP/ino.$pid.$fd"
		ss_of "$(cat "$IT_TMP/ino.$pid.$fd")" >"$IT_TMP/ss.$pid.$fd"
	done
}

# field FILE FD KEY: the value of KEY in the object of FD (jq -c).
field() {
	jq -c --argjson fd "$2" "select(.fd == \$fd) | .$3" "$1"
}

fx_start d --mode epoll --closewait 3 --live 1 --cw-bytes 5
fx_start j --mode read --closewait 3 --live 1 --cw-bytes 5
dpid=$(fx_pid d)
set -- $(fx_field d closewait)
dlisten=$(fx_field d listen)
dlive=$(fx_field d live)
dpeer=$(fx_field d live_peer)
remember "$dpid" "$@" "$dlisten" "$dlive" "$dpeer"
dlinks=$(fd_links "$dpid")
masks=$(sigmasks d)

# ---------------------------------------------------------------- --dry-run
run_capture strace -f -qq -o "$IT_TMP/strace.log" \
	-e trace=ptrace,process_vm_writev,kill,tgkill,tkill,pidfd_send_signal \
	"$FDCLOSE" --dry-run "$dpid" "$@"
[ "$RC" = 0 ] || fail "fdclose --dry-run $dpid $* exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
for fd in "$@"; do
	read -r _ _ _ loc peer <"$IT_TMP/ss.$dpid.$fd"
	echo "would close fd $fd in pid $dpid (cwfix): tcp $loc -> $peer CLOSE-WAIT"
done >"$IT_TMP/want"
assert_eq "$(cat "$IT_TMP/want")" "$(cat "$OUT")" "fdclose --dry-run's report"
[ ! -s "$IT_TMP/strace.log" ] ||
	fail "fdclose --dry-run traced or signalled something:"$'\n'"$(head -20 "$IT_TMP/strace.log")"

# Nothing happened: same fds, not traced, never interrupted, same masks.
assert_eq "$dlinks" "$(fd_links "$dpid")" "the fds of fixture d after --dry-run"
assert_untraced d
assert_eq "$masks" "$(sigmasks d)" "signal masks after --dry-run"
assert_intact d
assert_fds d "$1=close-wait $2=close-wait $3=close-wait"
ss_closewait | awk -v p="$dpid" '$1 == p { print $2 }' | sort -n >"$IT_TMP/cw"
printf '%s\n' "$@" | sort -n >"$IT_TMP/cw.want"
assert_same_lines "$IT_TMP/cw.want" "$IT_TMP/cw" "fds of d that ss shows in CLOSE_WAIT"

# ---------------------------------------------------------------- --dry-run --json
# CLOSE_WAIT, live (accepted end and connecting end), listener, not open, stdin.
asked="$1 $dlive $dpeer $dlisten 999 0"
# shellcheck disable=SC2086 # one fd per word
run_capture "$FDCLOSE" --dry-run --json "$dpid" $asked
J=$OUT
[ "$RC" = 1 ] || fail "fdclose --dry-run --json with refused fds exited $RC, expected 1:"$'\n'"$(cat "$OUT" "$ERR")"
bad=$(json_common "$J" "$dpid") || fail "jq could not read:"$'\n'"$(cat "$J")"
[ -z "$bad" ] || fail "fdclose --dry-run --json:"$'\n'"$bad"
assert_eq "$(tr ' ' '\n' <<<"$asked")" "$(jq -r .fd "$J")" "one object per fd asked for, in order"
assert_eq cwfix "$(jq -r .comm "$J" | sort -u)" "comm"

assert_eq '"would-close"' "$(field "$J" "$1" result)" "fd $1 (CLOSE_WAIT) result"
assert_match '^"tcp .* CLOSE-WAIT"$' "$(field "$J" "$1" what)" "fd $1 what"
assert_json_tcp "$J" "$1" "$dpid"
for fd in "$dlive" "$dpeer"; do
	assert_eq '"refused"' "$(field "$J" "$fd" result)" "fd $fd (ESTABLISHED) result"
	assert_match '^"a TCP socket in ESTAB, not CLOSE-WAIT; use --force' "$(field "$J" "$fd" error)" "fd $fd error"
	assert_json_tcp "$J" "$fd" "$dpid"
done
assert_eq '"refused"' "$(field "$J" "$dlisten" result)" "fd $dlisten (LISTEN) result"
assert_match 'LISTEN' "$(field "$J" "$dlisten" error)" "fd $dlisten error"
assert_json_tcp "$J" "$dlisten" "$dpid"
assert_eq '"failed"' "$(field "$J" 999 result)" "fd 999 (not open) result"
assert_eq '"not an open fd"' "$(field "$J" 999 error)" "fd 999 error"
assert_eq '"refused"' "$(field "$J" 0 result)" "fd 0 result"
assert_match '^"fd 0 is the process.s stdin' "$(field "$J" 0 error)" "fd 0 error"
assert_eq '"file /dev/null"' "$(field "$J" 0 what)" "fd 0 what"
# Only TCP sockets carry the TCP fields: an fd that is no socket, or is not
# open at all, has no inode, addresses or state to report.
for fd in 999 0; do
	extra=$(jq -c --argjson fd "$fd" 'select(.fd == $fd) |
		with_entries(select(.key | IN("inode", "netns", "local", "remote", "state", "recv_q", "send_q")))' "$J")
	assert_eq '{}' "$extra" "TCP fields in the object of fd $fd, which is no TCP socket"
done

assert_eq "$dlinks" "$(fd_links "$dpid")" "the fds of fixture d after --dry-run --json"
assert_untraced d
assert_intact d

# ---------------------------------------------------------------- --json, for real
jpid=$(fx_pid j)
set -- $(fx_field j closewait)
remember "$jpid" "$1" "$2"
inos="$(cat "$IT_TMP/ino.$jpid.$1") $(cat "$IT_TMP/ino.$jpid.$2")"
wait_parked j
run_capture "$FDCLOSE" --json "$jpid" "$1" "$2"
J=$OUT
[ "$RC" = 0 ] || fail "fdclose --json $jpid $1 $2 exited $RC:"$'\n'"$(cat "$OUT" "$ERR")"
bad=$(json_common "$J" "$jpid") || fail "jq could not read:"$'\n'"$(cat "$J")"
[ -z "$bad" ] || fail "fdclose --json:"$'\n'"$bad"
assert_eq "$1"$'\n'"$2" "$(jq -r .fd "$J")" "one object per fd asked for, in order"
for fd in "$1" "$2"; do
	assert_eq '"closed"' "$(field "$J" "$fd" result)" "fd $fd result"
	assert_eq null "$(field "$J" "$fd" error)" "fd $fd error"
	assert_json_tcp "$J" "$fd" "$jpid"
	assert_match '^[0-9]+$' "$(field "$J" "$fd" frozen_us)" "fd $fd frozen_us"
done
# shellcheck disable=SC2086 # one inode per word
assert_not_closewait $inos
assert_untraced j
assert_intact j
assert_fds j "$1=gone $2=gone $3=close-wait"
