#!/usr/bin/env bash
# fdclose refuses to run with rights its caller does not have: a setuid
# root copy run by nobody, a setgid one, and one with file capabilities each
# exit 1 with one line saying why, print nothing else, and leave the
# fixture's fds alone.  The same copy without the bits runs for nobody, and
# the setuid one runs for root (real and effective ids agree).
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd setpriv setcap id

fx_start r --mode read --closewait 1
wait_parked r
pid=$(fx_pid r)
fd=$(fx_field r closewait | cut -d' ' -f1)

# Copies in a directory nobody may enter (IT_TMP itself is root's alone).
dir=$IT_TMP/bin
mkdir -m 755 "$dir" && chmod 711 "$IT_TMP" || framework_error "cannot make $dir"
install -m 0755 "$FDCLOSE" "$dir/fdclose-plain"
install -m 4755 "$FDCLOSE" "$dir/fdclose-suid"
install -m 2755 -g 0 "$FDCLOSE" "$dir/fdclose-sgid"
install -m 0755 "$FDCLOSE" "$dir/fdclose-caps"
setcap cap_sys_ptrace+ep "$dir/fdclose-caps" || framework_error "setcap failed"
# The control: on a nosuid mount the bit would do nothing and prove nothing.
install -m 4755 "$(command -v id)" "$dir/id-suid"
[ "$(setpriv --reuid=65534 --regid=65534 --clear-groups "$dir/id-suid" -u)" = 0 ] ||
	framework_error "a setuid root copy does not run as root here (nosuid mount?)"

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

for copy in suid sgid caps; do
	for args in "$pid $fd" "--list" "--version"; do
		# shellcheck disable=SC2086 # the arguments are words
		run_capture as_nobody "$dir/fdclose-$copy" $args
		assert_eq 1 "$RC" "exit status of the $copy copy, '$args', as nobody"
		assert_file_empty "$OUT" "stdout of the $copy copy, '$args', as nobody"
		assert_eq 1 "$(wc -l <"$ERR")" "lines on stderr of the $copy copy, '$args'"
		case $copy in
		suid) want='refusing to run setuid or setgid (real uid 65534, effective uid 0, real gid 65534, effective gid 65534)' ;;
		sgid) want='refusing to run setuid or setgid (real uid 65534, effective uid 65534, real gid 65534, effective gid 0)' ;;
		caps) want='refusing to run with privileges the caller does not have (file capabilities)' ;;
		esac
		grep -qF "fdclose-$copy: $want" "$ERR" ||
			fail "the $copy copy, '$args', as nobody does not say '$want':"$'\n'"$(cat "$ERR")"
	done
done
assert_intact r
assert_fds r "$fd=close-wait"

run_capture as_nobody "$dir/fdclose-plain" --version
assert_eq 0 "$RC" "exit status of the plain copy as nobody (stderr: $(cat "$ERR"))"
grep -q '^fdclose ' "$OUT" || fail "the plain copy as nobody printed no version"
# As nobody, without the bit, fdclose may not touch root's fixture, and says so.
run_capture as_nobody "$dir/fdclose-plain" "$pid" "$fd"
assert_eq 1 "$RC" "exit status of the plain copy against root's fixture as nobody"
grep -q 'refusing' "$ERR" && fail "the plain copy refuses to run: $(cat "$ERR")"
run_capture "$dir/fdclose-suid" --version
assert_eq 0 "$RC" "exit status of the setuid copy as root (stderr: $(cat "$ERR"))"
assert_intact r
assert_fds r "$fd=close-wait"
