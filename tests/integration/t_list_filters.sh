#!/usr/bin/env bash
# --pid and --port select exactly the right holders; usage errors exit 2
# with one line on stderr that names the problem; --help exits 0.
. "$(dirname "$0")/lib.sh"

need_fdclose

# The usage, as --help prints it: the lines before the first empty one.
assert_exit 0 "$FDCLOSE" --help
assert_file_empty "$ERR" "fdclose --help on stderr"
usage=$(sed '/^$/q' "$OUT" | sed '$d')
assert_match '^usage: fdclose ' "$usage" "first line of --help"
for opt in --list --json --pid --port --help; do
	grep -q -- "$opt" "$OUT" || fail "--help does not mention $opt"
done

usage_error() {
	local what=$1
	shift
	assert_exit 2 "$FDCLOSE" "$@"
	assert_file_empty "$OUT" "stdout of fdclose $*"
	assert_eq 1 "$(wc -l <"$ERR")" "lines on stderr of fdclose $*"
	assert_match "^fdclose: .*$what.*; see fdclose --help$" "$(cat "$ERR")" "message of fdclose $*"
}
usage_error 70000 --list --port 70000
usage_error "'-1'" --list --port -1
usage_error abc --list --pid abc
usage_error "'0'" --list --pid 0
usage_error bogus --list --bogus
usage_error port --list --port
usage_error operands --list 123
usage_error 'filters select sockets for --list, --all-closewait and --watch' --pid 1 1 3

need_root
need_fixtures

fx_start a --closewait 2 --live 1
fx_start b --v6 --closewait 3 --fork
fx_start c --v4mapped --closewait 1
a=$(fx_pid a)
b=$(fx_pid b)
bc=$(fx_pid b.child)
c=$(fx_pid c)

# filter_is "OPTIONS" "pid fd..." MESSAGE: exactly those holders.
filter_is() {
	fdclose_closewait $1 | cut -d' ' -f1,2 >"$IT_TMP/got"
	assert_same_lines <(printf '%s' "$2" | sed '/^$/d') "$IT_TMP/got" "fdclose --list $1: $3"
}
# holders_of_fd NAME INDEX: the "pid fd" lines of its INDEXth CLOSE_WAIT fd.
holders_of_fd() {
	local fd
	fd=$(fx_field "$1" closewait | cut -d' ' -f"$2")
	echo "$(fx_pid "$1") $fd"
	[ -z "$(fx_field "$1" child)" ] || echo "$(fx_field "$1" child) $fd"
}
remote_port() {
	fx_field "$1" closewait_ports | cut -d' ' -f"$2"
}

filter_is "" "$(expected_holders a b c)" "everything"
filter_is "--pid $a" "$(expected_holders a)" "one process"
filter_is "--pid $bc" "$(expected_holders b | grep "^$bc ")" "the forked child only"
filter_is "--pid $a --pid $c" "$(expected_holders a c)" "two processes"
filter_is "--pid $b -p $bc" "$(expected_holders b)" "parent and child"
filter_is "--port $(fx_field b port)" "$(expected_holders b)" "a local port"
filter_is "--port $(remote_port b 2)" "$(holders_of_fd b 2)" "a remote port"
filter_is "--port $(remote_port a 1) --pid $a" "$(holders_of_fd a 1)" "remote port and pid"
filter_is "--port $(remote_port a 1) --pid $c" "" "a port of another process"
filter_is "--port $(fx_field c port) --pid $a --pid $c" "$(expected_holders c)" "a local port, two pids"

# A live connection's ports match no CLOSE_WAIT socket.
live_port=$(ss -H -tan state established | awk -v p=":$(fx_field a port)" 'index($3, p) { split($4, r, ":"); print r[2]; exit }')
assert_ne "" "$live_port" "port of a live connection of a"
filter_is "--port $live_port" "" "the port of an ESTABLISHED connection"

assert_intact a b c
