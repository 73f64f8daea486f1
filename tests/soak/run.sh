#!/usr/bin/env bash
# tests/soak/run.sh [N]: N (default 1000) injections into one soakfix
# (fixtures/soakfix.c), 32 threads that keep checking themselves, and proof
# that none of them noticed.  Root only.
#
# Rounds: the fixture makes K new CLOSE_WAIT sockets ("make K"), fdclose
# closes them, one fd per run, a few (2-4) per run, or all K >= 8 in one run
# (the injected bulk loop); one round in three uses --method=replace.  After
# each round, from outside: every fd closed is gone from /proc/PID/fd (or its
# number names another file), every fd replaced names a pipe; then the
# fixture's "release" finds the same from inside (and closes the placeholders
# itself, as an application does on end of file), no thread is left traced
# or in a tracing stop, and its "check" must say "ok disturbances=0".
# An injection is one fd acted on.  The last line is always
#   soak: N injections, D disturbances
# (D as the fixture counted them); exit 0 only if D is 0, every fdclose run
# exited 0 and acted on every fd it was given, and every check from outside
# passed.
#
# It runs in a pid and network namespace of its own (loopback up) and only
# ever points fdclose at the fixture it started.  SOAK_INSIDE=1 says the
# caller already made them (tests/integration/t_soak.sh, inside run.sh's);
# SOAK_FDCLOSE another binary to soak; SOAK_SEED the round plan's seed;
# SOAK_TMP a scratch directory (kept); SOAK_SLACK_MS the fixture's slack.
set -u
N=${1:-1000}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
FDCLOSE=${SOAK_FDCLOSE:-$HERE/fdclose}
FIX=$HERE/build/fixtures

[[ $N =~ ^[1-9][0-9]{0,6}$ ]] || { echo "usage: $0 [N] (injections, 1-9999999)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "soak: needs root" >&2; exit 2; }
for f in "$FDCLOSE" "$FIX/soakfix" "$FIX/cwctl"; do
	[ -x "$f" ] || { echo "soak: $f is not built (make build fixtures)" >&2; exit 2; }
done
if [ -z "${SOAK_INSIDE:-}" ]; then
	# shellcheck disable=SC2016 # expanded by the inner bash
	exec env SOAK_INSIDE=1 unshare --kill-child --pid --fork --mount-proc --net -- \
		bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi

if [ -n "${SOAK_TMP:-}" ]; then
	T=$SOAK_TMP
	mkdir -p "$T" || exit 2
else
	T=$(mktemp -d /tmp/fdclose-soak.XXXXXX) || exit 2
fi
fix=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -z "$fix" ] || { kill -TERM "$fix"; wait "$fix"; } 2>/dev/null
	[ -n "${SOAK_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

injections=0 planned=0 problems=0 disturbances=0 runs=0 rounds=0
declare -A kind_runs kind_fds
start=$SECONDS

problem() {
	problems=$((problems + 1))
	[ "$problems" -gt 20 ] || echo "soak: round $rounds: $*" >&2
}

finish() {
	echo "# soak: $rounds rounds, $runs fdclose runs, $((SECONDS - start)) s, $problems failure(s) seen from outside"
	echo "soak: $injections injections, $disturbances disturbances"
	[ "$disturbances" = 0 ] && [ "$problems" = 0 ]
	exit $?
}

# ---------------------------------------------------------------- the fixture

"$FIX/soakfix" --ctl "$T/ctl" --ready "$T/ready" --slack-ms "${SOAK_SLACK_MS:-300}" \
	</dev/null 2>"$T/fix.log" &
fix=$!
for _ in $(seq 200); do
	[ -s "$T/ready" ] || ! kill -0 "$fix" 2>/dev/null || sleep 0.05
done
pid=$(awk '$1 == "pid" { print $2 }' "$T/ready" 2>/dev/null)
# Ours and nobody else's: the pid we started, our child.
if [ "$pid" != "$fix" ] || [ "$(awk '$1 == "PPid:" { print $2 }' "/proc/$pid/status")" != "$$" ]; then
	echo "soak: soakfix (pid $fix) did not start: $(cat "$T/fix.log")" >&2
	fix=
	problem "no fixture"
	finish
fi

ctl() {
	"$FIX/cwctl" -t 10 "$T/ctl" "$@"
}

# fd_links: "fd link" of each fd of the fixture, into the array LINK.
declare -A LINK
fd_links() {
	local fd l
	LINK=()
	while read -r fd l; do
		LINK[$fd]=$l
	done < <(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%f %l\n' 2>/dev/null)
}

untraced() {
	awk '$1 == "TracerPid:" && $2 != 0 { print FILENAME ": traced by " $2; bad = 1 }
	     $1 == "State:" && $2 == "t" { print FILENAME ": in a tracing stop"; bad = 1 }
	     END { exit bad }' /proc/"$pid"/task/*/status
}

# ---------------------------------------------------------------- one round

# round KIND METHOD K GROUP: K new CLOSE_WAIT fds, acted on GROUP at a time
# (0: 2-4 at random), with METHOD.
round() {
	local kind=$1 method=$2 k=$3 group=$4 reply fd i n g want words line acted
	local -a fds run
	local -A sock pipe
	rounds=$((rounds + 1))
	planned=$((planned + k))
	reply=$(ctl make "$k") || { problem "make $k: $reply"; return 1; }
	read -r -a fds <<<"${reply#ok fds=}"
	[ "${#fds[@]}" = "$k" ] || { problem "make $k: $reply"; return 1; }
	fd_links
	for fd in "${fds[@]}"; do
		[[ ${LINK[$fd]:-} == socket:\[*\] ]] || { problem "fd $fd is ${LINK[$fd]:-not open}, not a socket"; return 1; }
		sock[$fd]=${LINK[$fd]}
	done
	case $method in close) words=closed ;; replace) words=replaced ;; esac
	for ((i = 0; i < k; i += g)); do
		g=$group
		[ "$g" != 0 ] || g=$((2 + RANDOM % 3))
		run=("${fds[@]:i:g}")
		runs=$((runs + 1))
		kind_runs[$kind]=$((${kind_runs[$kind]:-0} + 1))
		"$FDCLOSE" --no-syslog --method="$method" "$pid" "${run[@]}" >"$T/out" 2>"$T/err"
		n=$?
		[ "$n" = 0 ] || problem "fdclose --method=$method $pid ${run[*]} exited $n: $(head -c 600 "$T/err")"
		acted=0
		while read -r line; do
			for fd in "${run[@]}"; do
				[[ $line == "$words fd $fd in pid $pid "* ]] && acted=$((acted + 1))
			done
		done <"$T/out"
		[ "$acted" = "${#run[@]}" ] ||
			problem "fdclose --method=$method $pid ${run[*]}: $acted of ${#run[@]} $words: $(cat "$T/out" "$T/err" | head -c 600)"
		injections=$((injections + acted))
		kind_fds[$kind]=$((${kind_fds[$kind]:-0} + acted))
	done
	# From outside: closed ones gone (or the number reused), replaced ones a pipe.
	fd_links
	for fd in "${fds[@]}"; do
		line=${LINK[$fd]:-}
		if [ "$method" = close ]; then
			[ "$line" != "${sock[$fd]}" ] || problem "fd $fd still names ${sock[$fd]} after close"
		else
			[[ $line == pipe:\[*\] ]] || problem "fd $fd names '${line:-nothing}' after replace, not a pipe"
			pipe[$fd]=$line
		fi
	done
	if [ "$method" = close ]; then want="ok gone=$k replaced=0"; else want="ok gone=0 replaced=$k"; fi
	reply=$(ctl release)
	[ "$reply" = "$want" ] || problem "release: '$reply', expected '$want'"
	if [ "$method" = replace ]; then
		fd_links
		for fd in "${fds[@]}"; do
			[ "${LINK[$fd]:-}" != "${pipe[$fd]}" ] ||
				problem "fd $fd still names its placeholder ${pipe[$fd]} after release"
		done
	fi
	line=$(untraced) || problem "$line"
	reply=$(ctl check)
	n=$?
	[ "$n" != 2 ] || { problem "the fixture does not answer: $reply"; finish; }
	if [[ $reply =~ disturbances=([0-9]+) ]]; then
		if [ "${BASH_REMATCH[1]}" != "$disturbances" ]; then
			echo "soak: round $rounds ($kind): $reply" >&2
			disturbances=${BASH_REMATCH[1]}
		fi
	else
		problem "check: $reply"
	fi
}

# ---------------------------------------------------------------- the plan

# One cycle, with the K of each round drawn at random (seeded: SOAK_SEED).
seed=${SOAK_SEED:-$((SRANDOM % 1000000))}
RANDOM=$seed
echo "# soak: $N injections into soakfix pid $pid (32 threads), seed $seed"
plan=(one few bulk one replace-one few replace-few bulk replace-bulk)
next=1000
while [ "$planned" -lt "$N" ]; do
	for kind in "${plan[@]}"; do
		left=$((N - planned))
		[ "$left" -gt 0 ] || break
		case $kind in
		one) k=$((3 + RANDOM % 6)) g=1 m=close ;;
		few) k=$((4 + RANDOM % 6)) g=0 m=close ;;
		bulk) k=$((8 + RANDOM % 41)) g=bulk m=close ;;
		replace-one) k=$((1 + RANDOM % 3)) g=1 m=replace ;;
		replace-few) k=$((3 + RANDOM % 5)) g=0 m=replace ;;
		replace-bulk) k=$((8 + RANDOM % 25)) g=bulk m=replace ;;
		esac
		[ "$k" -le "$left" ] || k=$left
		[ "$g" != bulk ] || g=$k
		round "$kind" "$m" "$k" "$g" || break 2
		if [ "$problems" -gt 20 ]; then
			echo "soak: more than 20 failures; stopping" >&2
			break 2
		fi
	done
	if [ "$injections" -ge "$next" ]; then
		echo "# soak: $injections injections, $disturbances disturbances, $((SECONDS - start)) s"
		next=$(((injections / 1000 + 1) * 1000))
	fi
done
for kind in one few bulk replace-one replace-few replace-bulk; do
	echo "# soak: $kind: ${kind_fds[$kind]:-0} fds in ${kind_runs[$kind]:-0} runs"
done
finish
