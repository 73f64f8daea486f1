#!/usr/bin/env bash
# Sockets shared by a parent and its forked child: fdclose --all-closewait
# closes each in both holders and counts it once; the process objects give
# each process's fd count before and after (exactly what /proc shows) and
# its limit.  A fixture beside them, not forked, is closed in the same run.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

fx_start f --fork --mode poll --closewait 3 --live 1
fx_start g --mode read --closewait 2 --live 1
pid=$(fx_pid f)
child=$(fx_pid f.child)
gpid=$(fx_pid g)
assert_intact f g

ss_closewait >"$IT_TMP/before"
assert_eq 8 "$(wc -l <"$IT_TMP/before")" "CLOSE_WAIT holders (3 sockets twice, 2 once)"
assert_same_lines <(expected_holders f g) <(cut -d' ' -f1,2 "$IT_TMP/before") "ss against the ready files"
assert_eq 5 "$(cut -d' ' -f3 "$IT_TMP/before" | sort -u | wc -l)" "distinct CLOSE_WAIT sockets"
fd_inodes f g >"$IT_TMP/inodes"
for fd in $(fx_field f closewait); do
	assert_eq "$(ino_of "$pid" "$fd")" "$(ino_of "$child" "$fd")" "parent and child share the socket of fd $fd"
done

# Idle fixtures (no request since they parked again): exact fd counts.
wait_parked f
wait_parked f.child
wait_parked g
declare -A fds0
for p in "$pid" "$child" "$gpid"; do
	fds0[$p]=$(fd_count "$p")
done
sweep_ok "$IT_TMP/out"
declare -A fds1
for p in "$pid" "$child" "$gpid"; do
	fds1[$p]=$(fd_count "$p")
done

assert_same_lines "$IT_TMP/before" <(sweep_holders "$IT_TMP/out" closed) "holders closed against ss before"
assert_eq 8 "$(jq -s 'map(select(.type == "holder")) | length' "$IT_TMP/out")" "holder objects"
assert_eq "closed=5 processes=3 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/out")" "summary (each socket once)"
assert_eq "$(printf '%s\n' "$pid" "$child" "$gpid" | sort -n | xargs)" \
	"$(jq -r 'select(.type == "process") | .pid' "$IT_TMP/out" | sort -n | xargs)" "process objects"
for p in "$pid" "$child" "$gpid"; do
	case $p in "$gpid") k=2 ;; *) k=3 ;; esac
	assert_eq "${fds0[$p]}" "$(sweep_process "$IT_TMP/out" "$p" fds_before)" "fds_before of pid $p"
	assert_eq "${fds1[$p]}" "$(sweep_process "$IT_TMP/out" "$p" fds_after)" "fds_after of pid $p"
	assert_eq $((fds0[$p] - k)) "${fds1[$p]}" "fds of pid $p after closing $k"
	assert_eq "$(nofile_of "$p")" "$(sweep_process "$IT_TMP/out" "$p" nofile)" "nofile of pid $p"
	assert_eq cwfix "$(sweep_process "$IT_TMP/out" "$p" comm)" "comm of pid $p"
	assert_eq "$(ls "/proc/$p/task" | wc -l)" "$(sweep_process "$IT_TMP/out" "$p" threads)" "threads of pid $p"
	# Frozen once: a few fds take one window.
	assert_eq 1 "$(sweep_process "$IT_TMP/out" "$p" windows)" "windows of pid $p"
done

assert_fds f "$(all_gone f)"
assert_fds f.child "$(all_gone f.child)"
assert_fds g "$(all_gone g)"
assert_fds_gone "$IT_TMP/inodes"
assert_no_closewait
for n in f f.child g; do
	assert_untraced "$n"
done
assert_intact f g
reply=$(fx_cmd f live) || fail "live connection of f: $reply"

# A socket whose last other reference travels in an SCM_RIGHTS message
# nobody receives: closing the fd leaves it in CLOSE_WAIT.  Confirmed from
# outside, it must not count as closed: it is a failure (exit 1) and its
# holder says why; the other sockets are closed as usual.  One over IPv4,
# one over IPv6: the confirmation reads each family that had a socket closed.
fx_start i --mode poll --closewait 3 --inflight 1
fx_start j --v6 --mode poll --closewait 2 --inflight 1
ipid=$(fx_pid i)
jpid=$(fx_pid j)
jheld=$(fx_field j inflight)
jheld=$(ino_of "$jpid" "$jheld")
set -- $(fx_field i closewait)
assert_eq "$1" "$(fx_field i inflight)" "i's fd in flight"
held=$(ino_of "$ipid" "$1")
sweep_json "$IT_TMP/inflight"
assert_eq 1 "$RC" "exit status with a socket still alive after its last visible holder closed it"
assert_eq "closed=3 processes=2 failed=2 skipped=0" "$(sweep_summary "$IT_TMP/inflight")" "summary with a socket in flight in each family"
assert_eq "$jheld" "$(jq -r --argjson p "$jpid" 'select(.type == "holder" and .pid == $p and .held_by != null and (.held_by | test("still in CLOSE_WAIT"))) | .inode' "$IT_TMP/inflight")" \
	"the IPv6 socket in flight, said to be still in CLOSE_WAIT"
why=$(jq -r --argjson p "$ipid" --argjson f "$1" 'select(.type == "holder" and .pid == $p and .fd == $f) |
	[.error, .held_by] | map(select(. != null)) | join("; ")' "$IT_TMP/inflight")
[ -n "$why" ] || fail "the holder of the socket still in CLOSE_WAIT does not say why: $(jq -c --argjson f "$1" 'select(.fd == $f)' "$IT_TMP/inflight")"
log "in flight: $why"
assert_fds i "$1=gone $2=gone $3=gone"
ss -H -tane state close-wait | grep -q " ino:$held " ||
	framework_error "the socket in flight is not in CLOSE_WAIT any more"
assert_untraced i
assert_intact i
