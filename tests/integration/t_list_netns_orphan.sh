#!/usr/bin/env bash
# A network namespace with no process left in it still has the sockets made
# there: here the fixture makes its CLOSE_WAIT sockets in a namespace of its
# own and then moves to another (unshare(CLONE_NEWNET)).  No /proc/PID/ns/net
# names the sockets' namespace any more, yet they are leaked in the process
# and fdclose --list must name them, with that namespace.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start_netns o --closewait 2 --live 1 --unshare-net
pid=$(fx_pid o)
sock_ns=$(fx_field o sock_netns)
assert_ne "$sock_ns" "$(netns_of "$pid")" "the fixture left the namespace of its sockets"
for p in /proc/[0-9]*; do
	[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" != "$sock_ns" ] ||
		framework_error "${p#/proc/} is still in the sockets' namespace"
done
assert_fds o "$(for fd in $(fx_field o closewait); do printf '%s=close-wait ' "$fd"; done | sed 's/ $//')"

fdclose_list_json "$IT_TMP/json" --pid "$pid"
assert_same_lines <(expected_holders o) <(jq -r '"\(.pid) \(.fd)"' "$IT_TMP/json") \
	"holders in a namespace without processes"
for fd in $(fx_field o closewait); do
	assert_eq "$(ino_of "$pid" "$fd") $sock_ns" \
		"$(jq -r --argjson f "$fd" 'select(.fd == $f) | "\(.inode) \(.netns)"' "$IT_TMP/json")" \
		"inode and netns of fd $fd"
done
assert_intact o
