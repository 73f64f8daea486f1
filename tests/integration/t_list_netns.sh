#!/usr/bin/env bash
# fdclose --list reads every network namespace: fixtures in two more
# namespaces, all three listening on the same address and port, are listed
# with the right namespace, as ss sees each one from inside.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

port=$((20000 + RANDOM % 20000))
fx_start here --port "$port" --closewait 2 --live 1
fx_start_netns n1 --port "$port" --closewait 3 --live 1
fx_start_netns n2 --port "$port" --v6 --closewait 1 --fork
names="here n1 n2"

ns_here=$(netns_of "$(fx_pid here)")
ns1=$(netns_of "$(fx_pid n1)")
ns2=$(netns_of "$(fx_pid n2)")
assert_eq "$(netns_of self)" "$ns_here" "netns of the fixture started here"
[ "$ns1" != "$ns_here" ] && [ "$ns2" != "$ns_here" ] && [ "$ns1" != "$ns2" ] ||
	framework_error "the fixtures do not have three distinct network namespaces"
assert_eq "$ns2" "$(netns_of "$(fx_pid n2.child)")" "netns of n2's child"

# What ss sees from inside each namespace; the default one sees only its own.
ss_closewait >"$IT_TMP/ss"
ss_closewait "$(fx_pid n1)" >>"$IT_TMP/ss"
ss_closewait "$(fx_pid n2)" >>"$IT_TMP/ss"
expected_holders $names >"$IT_TMP/want"
assert_eq 7 "$(wc -l <"$IT_TMP/want")" "holders the fixtures made"
assert_same_lines "$IT_TMP/want" <(cut -d' ' -f1,2 "$IT_TMP/ss") "ss in each namespace against the ready files"
assert_eq 2 "$(ss_closewait | wc -l)" "ss in our own namespace sees only our fixture"

fdclose_closewait >"$IT_TMP/got"
assert_same_lines "$IT_TMP/ss" "$IT_TMP/got" "fdclose --list --json against ss in every namespace"

# Each holder carries its own namespace, though the addresses are the same.
fdclose_list_json "$IT_TMP/json"
for name in $names; do
	ns=$(netns_of "$(fx_pid "$name")")
	for pid in $(fx_pid "$name") $(fx_field "$name" child); do
		assert_eq "$ns" "$(jq -r --argjson p "$pid" 'select(.pid == $p) | .netns' "$IT_TMP/json" | sort -u | xargs)" \
			"netns of the holders in pid $pid ($name)"
	done
done
assert_eq "127.0.0.1:$port [::1]:$port" "$(jq -r .local "$IT_TMP/json" | sort -u | xargs)" \
	"local addresses (the same port in every namespace)"

# --pid reaches into the other namespaces too.
fdclose_closewait --pid "$(fx_pid n1)" >"$IT_TMP/n1"
assert_same_lines <(expected_holders n1) <(cut -d' ' -f1,2 "$IT_TMP/n1") "--pid of the fixture in netns n1"

assert_intact $names
