#!/usr/bin/env bash
# fdclose --list names exactly the CLOSE_WAIT holders the kernel has, over
# IPv4, IPv6 and v4-mapped IPv6, and never an ESTABLISHED or LISTEN socket;
# the table has a header and one line per holder.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start a --closewait 3 --live 2
fx_start b --v6 --closewait 2 --live 1 --cw-bytes 100
fx_start c --v4mapped --closewait 2 --live 1 --cw-bytes 7
names="a b c"

# Three independent views: the ready files, ss, and fdclose.
expected_holders $names >"$IT_TMP/want"
ss_closewait >"$IT_TMP/ss"
fdclose_closewait >"$IT_TMP/got"
assert_eq 7 "$(wc -l <"$IT_TMP/want")" "CLOSE_WAIT fds the fixtures made"
assert_same_lines "$IT_TMP/want" <(cut -d' ' -f1,2 "$IT_TMP/ss") "ss against the fixtures' ready files"
assert_same_lines "$IT_TMP/ss" "$IT_TMP/got" "fdclose --list --json against ss -tanpe state close-wait"

# Each holder's socket is the one behind its fd, in its fixture's family.
fdclose_list_json "$IT_TMP/json"
for name in $names; do
	pid=$(fx_pid "$name")
	port=$(fx_field "$name" port)
	case $(fx_field "$name" family) in
	v4) addr=127.0.0.1 ;;
	v6) addr='[::1]' ;;
	v4mapped) addr='[::ffff:127.0.0.1]' ;;
	esac
	set -- $(fx_field "$name" closewait_ports)
	for fd in $(fx_field "$name" closewait); do
		line=$(jq -c --argjson p "$pid" --argjson f "$fd" 'select(.pid == $p and .fd == $f)' "$IT_TMP/json")
		assert_eq 1 "$(grep -c . <<<"$line")" "entries for pid $pid fd $fd"
		assert_eq "$(ino_of "$pid" "$fd")" "$(jq -r .inode <<<"$line")" "inode of pid $pid fd $fd"
		assert_eq "$addr:$port" "$(jq -r .local <<<"$line")" "local address of pid $pid fd $fd"
		assert_eq "$addr:$1" "$(jq -r .remote <<<"$line")" "remote address of pid $pid fd $fd"
		assert_eq cwfix "$(jq -r .comm <<<"$line")" "comm of pid $pid"
		assert_eq "$(netns_of "$pid")" "$(jq -r .netns <<<"$line")" "netns of pid $pid fd $fd"
		shift
	done
done
# The FIN counts one in the receive queue, unread data the rest.
assert_eq "1 1 1 8 8 101 101" "$(jq -r '"\(.recv_q)"' "$IT_TMP/json" | sort -n | xargs)" \
	"recv_q of the CLOSE_WAIT sockets"

# No live connection end and no listener, by inode.
for name in $names; do
	pid=$(fx_pid "$name")
	for fd in $(fx_field "$name" live) $(fx_field "$name" live_peer) $(fx_field "$name" listen); do
		ino=$(ino_of "$pid" "$fd")
		[ -n "$ino" ] || fail "fixture $name fd $fd is not a socket"
		! jq -e --argjson i "$ino" 'select(.inode == $i)' "$IT_TMP/json" >/dev/null ||
			fail "fdclose lists pid $pid fd $fd (inode $ino), which is not in CLOSE_WAIT"
	done
done
[ "$(ss -H -tan state established | wc -l)" -ge 8 ] ||
	framework_error "the fixtures' live connections are missing"

# The table: a header, then one line per holder; after an empty line, a line per process.
assert_exit 0 "$FDCLOSE" --list
assert_file_empty "$ERR" "fdclose --list on stderr"
assert_eq 3 "$(sed '1,/^$/d' "$OUT" | grep -c ' fds of ')" "process lines of fdclose --list"
sed -i '/^$/,$d' "$OUT"
assert_eq $((7 + 1)) "$(wc -l <"$OUT")" "lines of fdclose --list (header + holders)"
assert_match '^Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Age +Process +PID +FD$' \
	"$(head -1 "$OUT")" "table header"
while read -r pid fd _ local remote recvq sendq; do
	n=$(tail -n +2 "$OUT" | awk -v p="$pid" -v f="$fd" -v l="$local" -v r="$remote" '
		{ delete seen; for (i = 1; i <= NF; i++) seen[$i] = 1 }
		seen[p] && seen[f] && seen[l] && seen[r] { n++ } END { print n + 0 }')
	assert_eq 1 "$n" "table lines naming pid $pid fd $fd $local $remote"
done <"$IT_TMP/got"

assert_intact $names
