#!/usr/bin/env bash
# CLOSE_WAIT connections still in a listener's accept queue (the peer
# connected and hung up before the application accepted) have no fd: fdclose
# --all-closewait reports them against the listener's pid and fd (text: a
# line about the accept queue; JSON: an object of type backlog with the
# count) and counts them neither as closed nor as failed; the fds in
# CLOSE_WAIT of the same process are closed as usual.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

fx_start q --closewait 2 --backlog 3 --live 1
fx_start_netns r --v6 --mode poll --closewait 1 --backlog 1
pid=$(fx_pid q)
rpid=$(fx_pid r)
lfd=$(fx_field q listen)
port=$(fx_field q port)
lino=$(ino_of "$pid" "$lfd")

# queued [PID]: the CLOSE_WAIT sockets without fd ss sees (in PID's netns).
queued() {
	if [ -n "${1:-}" ]; then
		nsenter --net="/proc/$1/ns/net" ss -H -tane state close-wait
	else
		ss -H -tane state close-wait
	fi | grep -c ' ino:0 '
}
assert_eq 3 "$(queued)" "queued CLOSE_WAIT connections (ss)"
assert_eq 1 "$(queued "$rpid")" "queued CLOSE_WAIT connections in r's netns (ss)"
fd_inodes q r >"$IT_TMP/inodes"

sweep_ok "$IT_TMP/out"
assert_same_lines <(expected_holders q r) <(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/out") \
	"holders closed"
assert_eq "closed=3 processes=2 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/out")" "summary"
b=$(jq -c --argjson p "$pid" 'select(.type == "backlog" and .pid == $p)' "$IT_TMP/out")
assert_eq 1 "$(grep -c . <<<"$b")" "backlog objects for q"
assert_eq "$lfd cwfix $lino 127.0.0.1:$port 3 $(netns_of "$pid")" \
	"$(jq -r '"\(.fd) \(.comm) \(.inode) \(.local) \(.closewait) \(.netns)"' <<<"$b")" "q's backlog object"
b=$(jq -c --argjson p "$rpid" 'select(.type == "backlog" and .pid == $p)' "$IT_TMP/out")
assert_eq "$(fx_field r listen) [::1]:$(fx_field r port) 1 $(netns_of "$rpid")" \
	"$(jq -r '"\(.fd) \(.local) \(.closewait) \(.netns)"' <<<"$b")" "r's backlog object (another netns)"
assert_eq 2 "$(jq -s 'map(select(.type == "backlog")) | length' "$IT_TMP/out")" "backlog objects"
assert_fds_gone "$IT_TMP/inodes"

# Text: the accept queue is named; nothing to close is no failure.
assert_exit 0 "$FDCLOSE" --all-closewait --method=close
line=$(grep -F "accept queue" "$OUT" | grep -E "pid ${pid}([^0-9]|$)") ||
	fail "no line about q's accept queue:"$'\n'"$(cat "$OUT")"
assert_match "(^|[^0-9])3 " "$line" "the count in '$line'"
assert_match "fd $lfd([^0-9]|\$)" "$line" "the listener's fd in '$line'"
assert_match "127\\.0\\.0\\.1:$port" "$line" "the listener's address in '$line'"
assert_eq "closed 0 sockets in 0 processes; 0 failed; 0 skipped" "$(tail -n 1 "$OUT")" "summary line"

# The queue is as it was; the fixtures too.
assert_eq 3 "$(queued)" "queued CLOSE_WAIT connections after"
assert_eq 1 "$(queued "$rpid")" "queued CLOSE_WAIT connections in r's netns after"
assert_eq "$lino" "$(ino_of "$pid" "$lfd")" "q's listener"
assert_fds q "$(all_gone q)"
assert_fds r "$(all_gone r)"
assert_untraced q
assert_untraced r
assert_intact q r
