#!/usr/bin/env bash
# fdclose --all-closewait reaches into every network namespace: a fixture
# here, a forked pair and a sleeper each in a namespace of their own (the
# same port in all), and one whose sockets live in a namespace no process
# is in any more.  All are closed in one run, each holder reported with its
# own namespace; ss inside each namespace then shows no CLOSE_WAIT socket.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

port=$((20000 + RANDOM % 20000))
fx_start here --port "$port" --closewait 1 --live 1
fx_start_netns n1 --port "$port" --fork --mode poll --closewait 3 --live 1
fx_start_netns n2 --port "$port" --v6 --mode nanosleep --sleep-ms 200 --closewait 2 --live 1
fx_start_netns o --closewait 2 --live 1 --unshare-net
names="here n1 n2 o"
export CWCTL_TIMEOUT=10
p1=$(fx_pid n1)
p2=$(fx_pid n2)
po=$(fx_pid o)
ns_here=$(netns_of self)
[ "$(netns_of "$p1")" != "$ns_here" ] && [ "$(netns_of "$p2")" != "$ns_here" ] &&
	[ "$(netns_of "$p1")" != "$(netns_of "$p2")" ] ||
	framework_error "n1 and n2 do not have namespaces of their own"
sock_ns=$(fx_field o sock_netns)
assert_ne "$sock_ns" "$(netns_of "$po")" "o left the namespace of its sockets"

# ss in each namespace it can enter; o's sockets only o itself can tell.
ss_closewait_all "$p1" "$p2" >"$IT_TMP/before"
assert_same_lines <(expected_holders here n1 n2) <(cut -d' ' -f1,2 "$IT_TMP/before") "ss in each namespace"
assert_fds o "$(all_cw o)"
fd_inodes $names >"$IT_TMP/inodes"

sweep_ok "$IT_TMP/out"
assert_same_lines <(expected_holders $names) <(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/out") \
	"holders closed"
assert_same_lines "$IT_TMP/before" <(sweep_holders "$IT_TMP/out" closed | awk -v o="$po" '$1 != o') \
	"holders closed (but o's) against ss in each namespace"
assert_eq "closed=8 processes=5 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/out")" "summary"
for n in here n1 n1.child n2; do
	p=$(fx_pid "$n")
	assert_eq "$(netns_of "$p")" "$(jq -r --argjson p "$p" 'select(.type == "holder" and .pid == $p) | .netns' "$IT_TMP/out" | sort -u | xargs)" \
		"netns of the holders of $n"
done
assert_eq "$sock_ns" "$(jq -r --argjson p "$po" 'select(.type == "holder" and .pid == $p) | .netns' "$IT_TMP/out" | sort -u | xargs)" \
	"netns of o's holders (the namespace its sockets live in)"
assert_eq "127.0.0.1:$port [::1]:$port" \
	"$(jq -r 'select(.type == "holder" and .pid != '"$po"') | .local' "$IT_TMP/out" | sort -u | xargs)" \
	"local addresses: the same port in three namespaces"

assert_fds_gone "$IT_TMP/inodes"
for n in here n1 n1.child n2 o; do
	assert_fds "$n" "$(all_gone "$n")"
	assert_untraced "$n"
done
assert_no_closewait "$p1" "$p2"
assert_intact $names
