#!/usr/bin/env bash
# run.sh [PATTERN...]: run the integration tests (every t_*.sh here, or those
# whose name contains a PATTERN), each in its own pid, mount and network
# namespaces, so that fdclose --list and everything a test does only ever
# see processes the test started.  A test exits 0 (pass), 77 (skip: allowed
# only when not root), 99 (framework error) or anything else (fail); each has
# IT_TIMEOUT seconds (default 60), or more when its header says so in a line
# "# it-timeout: SECONDS" (t_ansible: ansible-playbook alone starts slowly).  Prints one line per test, the output of
# each failure, and last exactly one line:
#   integration: N passed, N failed, N skipped
# Exits 1 if any test failed.  IT_KEEP=1 keeps each test's scratch directory.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)

# Tests see the same fd table wherever they run: an fd that a terminal, an
# editor or a CI agent passed down would otherwise shift the fixtures' fd
# numbers, and a test that passes here could fail there.  Bash keeps the
# script it reads on 255.
close_inherited_fds() {
	local fd n
	for fd in /proc/$$/fd/*; do
		n=${fd##*/}
		[ "$n" -gt 2 ] && [ "$n" -ne 255 ] && eval "exec $n>&-"
	done
	return 0
}
close_inherited_fds
TIMEOUT=${IT_TIMEOUT:-60}
passed=0
failed=0
skipped=0

select_tests() {
	local t p
	for t in "$HERE"/t_*.sh; do
		[ -e "$t" ] || continue
		[ $# -eq 0 ] && { echo "$t"; continue; }
		for p in "$@"; do
			case ${t##*/} in *"$p"*) echo "$t"; break ;; esac
		done
	done
}

# limit_of TEST: its time limit, the larger of IT_TIMEOUT and its own.
limit_of() {
	local own
	own=$(sed -n 's/^# it-timeout: \([0-9][0-9]*\)$/\1/p' "$1" | head -1)
	if [ -n "$own" ] && [ "$own" -gt "$TIMEOUT" ]; then echo "$own"; else echo "$TIMEOUT"; fi
}

# Runs one test, its output to $2; prints the exit code.
run_one() {
	local t=$1 out=$2 scratch=$3 limit
	limit=$(limit_of "$t")
	if [ "$(id -u)" = 0 ]; then
		# The namespace's init is the bash -c, not the test: when it ends the
		# kernel kills whatever the test left, and --kill-child ends the
		# whole namespace when timeout ends unshare.
		# fdclose's run lock (/run/fdclose.lock) is host-wide: each test gets
		# a private one bound over it in its own mount namespace, so that two
		# suites (two worktrees, say) can run at once; fdclose runs inside one
		# test still share it.
		[ -e /run/fdclose.lock ] || (umask 077 && : >>/run/fdclose.lock)
		mkdir -p "$scratch" && : >"$scratch/fdclose.lock"
		IT_TMP=$scratch timeout -k 5 "$limit" \
			unshare --kill-child --pid --fork --mount-proc --net -- \
			bash -c 'mount --bind "$IT_TMP/fdclose.lock" /run/fdclose.lock || exit 99
				ip link set lo up || exit 99; bash "$1"; exit $?' bash "$t" \
			>"$out" 2>&1 </dev/null
	else
		IT_TMP=$scratch timeout -k 5 "$limit" bash "$t" >"$out" 2>&1 </dev/null
	fi
	echo $?
}

report() {
	local name=$1 rc=$2 out=$3 secs=$4 why=
	case $rc in
	0) passed=$((passed + 1)); printf '  PASS  %s (%ss)\n' "$name" "$secs"; return ;;
	77)
		if [ "$(id -u)" != 0 ]; then
			skipped=$((skipped + 1))
			printf '  SKIP  %s: %s\n' "$name" "$(grep -m1 '^SKIP' "$out" | sed 's/^SKIP: //')"
			return
		fi
		why="skipped, but skipping is not allowed as root" ;;
	99) why="framework error" ;;
	124 | 137) why="timed out after $(limit_of "$HERE/$name.sh")s" ;;
	*) why="exit $rc" ;;
	esac
	failed=$((failed + 1))
	printf '  FAIL  %s (%s, %ss)\n' "$name" "$why" "$secs"
	sed 's/^/        | /' "$out"
}

main() {
	local tests t name dir rc start
	if [ "$(id -u)" = 0 ]; then
		for t in unshare timeout ip; do
			command -v "$t" >/dev/null || {
				echo "run.sh: needs $t" >&2
				echo "integration: 0 passed, 1 failed, 0 skipped"
				exit 1
			}
		done
	fi
	IT_HOST_NETNS=$(stat -L -c %i /proc/self/ns/net)
	IT_HOST_PIDNS=$(stat -L -c %i /proc/self/ns/pid)
	export IT_HOST_NETNS IT_HOST_PIDNS
	tests=$(select_tests "$@")
	if [ -z "$tests" ]; then
		echo "run.sh: no test matches: $*" >&2
		echo "integration: 0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	for t in $tests; do
		name=$(basename "$t" .sh)
		dir=$(mktemp -d "/tmp/fdclose-it-$name.XXXXXX")
		start=$SECONDS
		rc=$(run_one "$t" "$dir/output" "$dir/scratch")
		report "$name" "$rc" "$dir/output" $((SECONDS - start))
		if [ -n "${IT_KEEP:-}" ]; then
			echo "        (kept $dir)"
		else
			rm -rf "$dir"
		fi
	done
	echo "integration: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

main "$@"
