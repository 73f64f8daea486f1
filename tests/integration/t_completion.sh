#!/usr/bin/env bash
# The bash completion (completion/fdclose.bash) under Debian's
# bash-completion, called as bash calls it: COMP_WORDS, COMP_CWORD,
# COMP_LINE and COMP_POINT set as bash splits the line, then the function,
# then COMPREPLY.  It must offer every option --help names, the methods, the
# pids with their names (a fixture's among them, a single match bare), and
# the fds of the pid typed, CLOSE_WAIT sockets (IPv4 and IPv6) before the
# others and in that order on screen, leaving out the fds already typed.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
COMPLETION=$IT_ROOT/completion/fdclose.bash
[ -r "$BASH_COMPLETION" ] || framework_error "needs $BASH_COMPLETION (tools/deps.sh installs bash-completion)"
[ -r "$COMPLETION" ] || framework_error "$COMPLETION is missing"

# comp LINE: completes LINE, cursor at its end, in a fresh bash that sourced
# bash-completion and the completion; COMPREPLY one entry a line.  "%SELF%"
# in LINE stands for that bash's own pid, written to $IT_TMP/self.  The
# pids that bash saw in /proc just before are left in $IT_TMP/procs, the
# options compopt was given in $IT_TMP/compopt.
comp() {
	rm -f "$IT_TMP/compopt"
	bash --norc --noprofile -c '
		. "$1" || exit 99
		. "$2" || exit 99
		[ "$(complete -p fdclose)" = "complete -F _fdclose fdclose" ] || exit 99
		# Outside a real completion compopt only fails; record its options.
		dir=$3
		compopt() { local IFS=" "; printf "%s\n" "$*" >>"$dir/compopt"; }
		line=${4//%SELF%/$BASHPID}
		printf "%s\n" "$BASHPID" >"$3/self"
		# As bash splits it: at blanks, and at "=" (COMP_WORDBREAKS).
		read -ra words <<<"$line"
		COMP_WORDS=()
		for w in "${words[@]}"; do
			if [[ $w == ?*=* ]]; then
				COMP_WORDS+=("${w%%=*}" "=")
				[ -z "${w#*=}" ] || COMP_WORDS+=("${w#*=}")
			else
				COMP_WORDS+=("$w")
			fi
		done
		[[ $line != *" " ]] || COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		procs=(/proc/[0-9]*)
		printf "%s\n" "${procs[@]#/proc/}" >"$3/procs"
		_fdclose fdclose "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		[ "${#COMPREPLY[@]}" = 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	' bash "$BASH_COMPLETION" "$COMPLETION" "$IT_TMP" "$1" >"$IT_TMP/reply" 2>"$IT_TMP/reply.err"
	local rc=$?
	[ "$rc" != 99 ] || framework_error "cannot load the completion: $(cat "$IT_TMP/reply.err")"
	[ "$rc" = 0 ] || fail "completing '$1': bash exited $rc: $(cat "$IT_TMP/reply.err")"
	assert_file_empty "$IT_TMP/reply.err" "completing '$1': stderr"
	cat "$IT_TMP/reply"
}

# assert_reply LINE EXPECTED...: COMPREPLY is exactly EXPECTED, in that order.
assert_reply() {
	local line=$1 got want
	shift
	got=$(comp "$line")
	want=$([ $# = 0 ] || printf '%s\n' "$@")
	[ "$got" = "$want" ] ||
		fail "completing '$line': expected '${want//$'\n'/ | }', got '${got//$'\n'/ | }'"
}

# ---- options: exactly those --help names, short and long
"$FDCLOSE" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '-?-[a-zA-Z-]+' |
	sort >"$IT_TMP/help-opts"
[ "$(wc -l <"$IT_TMP/help-opts")" -ge 30 ] || framework_error "too few options in --help: $(cat "$IT_TMP/help-opts")"
comp "fdclose -" | sort >"$IT_TMP/comp-opts"
assert_same_lines "$IT_TMP/help-opts" "$IT_TMP/comp-opts" "options offered after '-' against --help"
assert_reply "fdclose --me" --method
assert_reply "fdclose --all" --all-closewait
assert_reply "fdclose -n --dr" --dry-run
# --list and --all-closewait take filters, no operands: options only.
comp "fdclose --list " | sort >"$IT_TMP/list-opts"
assert_same_lines "$IT_TMP/help-opts" "$IT_TMP/list-opts" "after --list, options only"
assert_reply "fdclose -nl --p" --pid --port
# Options that take a free value get nothing; one that takes none gets
# nothing after "=".
assert_reply "fdclose --timeout "
assert_reply "fdclose --port "
assert_reply "fdclose --list=x"

# ---- --method's values, however it is spelled
assert_reply "fdclose --method " close replace shutdown
assert_reply "fdclose --method=" close replace shutdown
assert_reply "fdclose --method=s" shutdown
assert_reply "fdclose -m r" replace
assert_reply "fdclose -nm c" close
assert_reply "fdclose --all-closewait -n --method=re" replace

# ---- --format's values; --watch takes a duration, and no operands follow it
assert_reply "fdclose --list --format " table json prometheus
assert_reply "fdclose -l --format=p" prometheus
assert_reply "fdclose --watch "
assert_reply "fdclose --watch 10s --dry-r" --dry-run

# ---- pids, with their names
fx_start a --mode read --closewait 3 --live 2
# Enough live connections that some fd numbers have two digits (start with
# 1) even when the runner passes no fds of its own down.
fx_start b --v6 --mode accept --closewait 2 --live 5
pa=$(fx_pid a)
pb=$(fx_pid b)
comp "fdclose " >"$IT_TMP/pids"
grep -qxF "$pa (cwfix)" "$IT_TMP/pids" || fail "'fdclose ' does not offer '$pa (cwfix)':"$'\n'"$(cat "$IT_TMP/pids")"
grep -qxF "$pb (cwfix)" "$IT_TMP/pids" || fail "'fdclose ' does not offer '$pb (cwfix)':"$'\n'"$(cat "$IT_TMP/pids")"
grep -qxF "1 (bash)" "$IT_TMP/pids" || fail "'fdclose ' does not offer the namespace's init '1 (bash)':"$'\n'"$(cat "$IT_TMP/pids")"
bad=$(grep -vE '^[1-9][0-9]* \(.+\)$' "$IT_TMP/pids")
[ -z "$bad" ] || fail "pid entries not of the form 'PID (comm)':"$'\n'"$bad"
# Every pid bash saw in /proc a moment before, each once, and no other.
assert_same_lines "$IT_TMP/procs" <(cut -d' ' -f1 "$IT_TMP/pids") "pids offered against /proc"
# Its own pid is the newest: nothing else starts with it, so it is the
# single match, inserted bare.
comp "fdclose %SELF%" >"$IT_TMP/one"
assert_eq "$(cat "$IT_TMP/self")" "$(cat "$IT_TMP/one")" "completing 'fdclose' and the completing bash's own pid"
comp "fdclose -n --pid " >"$IT_TMP/pids"
grep -qxF "$pa (cwfix)" "$IT_TMP/pids" || fail "'fdclose -n --pid ' does not offer '$pa (cwfix)':"$'\n'"$(cat "$IT_TMP/pids")"
comp "fdclose --list -p $pa" >"$IT_TMP/pids"
bad=$(grep -vE "^$pa( \(.+\))?\$" "$IT_TMP/pids")
[ -z "$bad" ] || fail "'fdclose --list -p $pa' offers pids that do not start with $pa:"$'\n'"$bad"
grep -qE "^$pa( \(cwfix\))?\$" "$IT_TMP/pids" || fail "'fdclose --list -p $pa' does not offer $pa"

# ---- fds of the pid typed: CLOSE_WAIT first, then the rest, each in order
# expected_fds NAME [FD...]: the fixture's CLOSE_WAIT fds by its ready file,
# then every other fd in /proc, leaving out the FDs given.
expected_fds() {
	local cw skip=" ${*:2} "
	cw=$(fx_field "$1" closewait | tr ' ' '\n' | sort -n)
	{
		echo "$cw"
		find "/proc/$(fx_pid "$1")/fd" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | grep -vxF "$cw"
	} | awk -v skip="$skip" 'index(skip, " " $0 " ") == 0'
}

for n in a b; do
	pid=$(fx_pid "$n")
	k=$(fx_field "$n" closewait | wc -w)
	live=$(fx_field "$n" live)
	[ "$k" -ge 2 ] && [ -n "$live" ] || framework_error "fixture $n: closewait '$(fx_field "$n" closewait)', live '$live'"
	# Sockets that are not in CLOSE_WAIT (the listener, the live ends) and
	# 0, 1, 2 must come after the CLOSE_WAIT ones: a numeric sort alone
	# would put them first.
	mapfile -t want < <(expected_fds "$n")
	[ "${want[0]}" != 0 ] || framework_error "fixture $n: expected list starts with 0"
	assert_reply "fdclose $pid " "${want[@]}"
	grep -qx -- '-o nosort' "$IT_TMP/compopt" ||
		fail "fdclose $pid: the completion does not ask bash to keep its order (compopt: $(cat "$IT_TMP/compopt" 2>/dev/null))"
	assert_reply "fdclose -n -m close $pid " "${want[@]}"
	assert_reply "fdclose --method=shutdown --force $pid " "${want[@]}"
	# The fds already typed are left out.
	first=${want[0]}
	mapfile -t want < <(expected_fds "$n" "$first" 0)
	assert_reply "fdclose $pid $first 0 " "${want[@]}"
	# A prefix: only the fds that start with it, in the same order.
	mapfile -t want < <(expected_fds "$n" | grep '^1')
	[ "${#want[@]}" -ge 2 ] || framework_error "fixture $n: fewer than two fds start with 1"
	assert_reply "fdclose $pid 1" "${want[@]}"
	# After --, a word that looks like an option is the pid's fd (none).
	assert_reply "fdclose -- $pid -"
done

# No fds for a pid that is not there or not a number.
assert_reply "fdclose 999999 "
assert_reply "fdclose x1 "
assert_intact a b
