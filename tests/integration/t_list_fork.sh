#!/usr/bin/env bash
# A CLOSE_WAIT socket inherited by a forked child is listed once per holder:
# the same inode under both pids.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start f --fork --closewait 3 --live 1
pid=$(fx_pid f)
child=$(fx_pid f.child)
assert_ne "" "$child" "the child's pid in the ready file"
assert_ne "$pid" "$child" "child pid"

expected_holders f >"$IT_TMP/want"
ss_closewait >"$IT_TMP/ss"
fdclose_closewait >"$IT_TMP/got"
assert_eq 6 "$(wc -l <"$IT_TMP/want")" "holders (3 fds, 2 processes)"
assert_same_lines "$IT_TMP/want" <(cut -d' ' -f1,2 "$IT_TMP/ss") "ss against the ready file"
assert_same_lines "$IT_TMP/ss" "$IT_TMP/got" "fdclose --list --json against ss"

for fd in $(fx_field f closewait); do
	ino=$(ino_of "$pid" "$fd")
	assert_eq "$ino" "$(ino_of "$child" "$fd")" "parent and child share the socket at fd $fd"
	assert_eq "$pid $child" "$(awk -v i="$ino" '$3 == i { print $1 }' "$IT_TMP/got" | sort -n | xargs)" \
		"holders of inode $ino"
done

# Holders come sorted by pid, then fd.
assert_eq "$(cut -d' ' -f1,2 "$IT_TMP/got" | sort -n -k1,1 -k2,2)" "$(cut -d' ' -f1,2 "$IT_TMP/got")" \
	"order of the holders"

fdclose_closewait --pid "$child" >"$IT_TMP/child"
assert_same_lines <(grep "^$child " "$IT_TMP/want") <(cut -d' ' -f1,2 "$IT_TMP/child") "--pid CHILD"

assert_intact f
