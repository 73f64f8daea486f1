#!/usr/bin/env bash
# --method=replace: every CLOSE_WAIT fd of a fixture now names one shared
# placeholder and the sockets are gone from the kernel's tables.  From
# inside the fixture, on each replaced fd: read gives 0 (end of file), a
# write fails with EBADF and raises no SIGPIPE, poll says hung up, and the
# application's own close returns 0.  A file the application opens
# meanwhile never gets a replaced number, only a number it closed itself.
# The close-on-exec flag of each fd is kept.  Then the same through
# --all-closewait --method=replace, in a process with a thread per CPU, in
# as many windows as --max-pause asks (one placeholder for all of them).
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures

fx_start r --mode poll --closewait 6 --live 1
wait_parked r
pid=$(fx_pid r)
read -r -a fds <<<"$(fx_field r closewait)"
assert_eq 6 "${#fds[@]}" "CLOSE_WAIT fds of r"
fx_cmd r cloexec "${fds[1]}" >/dev/null || framework_error "r: cloexec ${fds[1]} failed"
ports=$(fx_field r closewait_ports)

run_capture "$FDCLOSE" --method=replace --no-syslog "$pid" "${fds[@]}"
assert_eq 0 "$RC" "exit status of fdclose --method=replace (stderr: $(cat "$ERR"))"
assert_eq 6 "$(grep -c "^replaced fd [0-9]* in pid $pid (cwfix): tcp .* CLOSE-WAIT\$" "$OUT")" \
	"'replaced fd' lines"
grep -q "number is free again" "$ERR" && fail "replace warned of a freed number: $(cat "$ERR")"

# From outside: one pipe behind every replaced number, no socket left.
links=$(for fd in "${fds[@]}"; do readlink "/proc/$pid/fd/$fd"; done | sort -u)
[[ $links == pipe:\[*\] ]] || fail "replaced fds name '$links', not one pipe"
for fd in "${fds[@]}"; do
	flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$pid/fdinfo/$fd")
	cloexec=$(((8#$flags & 8#2000000) != 0))
	want=0
	[ "$fd" = "${fds[1]}" ] && want=1
	assert_eq "$want" "$cloexec" "close-on-exec flag of replaced fd $fd (flags $flags)"
done
for port in $ports; do
	ss -tanH "( sport = :$port or dport = :$port )" | grep -q CLOSE-WAIT &&
		fail "the connection of port $port is still in CLOSE_WAIT"
done
assert_untraced r

# From inside: what the application sees on each replaced number.
for fd in "${fds[@]}"; do
	reply=$(fx_cmd r probe "$fd") || fail "r: probe $fd: $reply"
	[[ $reply == "ok read=0 write=-9 sigpipe=0 poll="*" kind=pipe" ]] ||
		fail "fd $fd after replace: $reply (want read 0, write -EBADF, no SIGPIPE, a pipe)"
	[[ $reply =~ poll=(0x[0-9a-f]+) ]] && (($((BASH_REMATCH[1])) & 0x10)) ||
		fail "fd $fd after replace: poll does not say POLLHUP: $reply"
done
# A new file gets no replaced number; once the app closed one, it may.
reply=$(fx_cmd r newfd) || fail "r: newfd: $reply"
new=${reply#ok fd=}
for fd in "${fds[@]}"; do
	assert_ne "$fd" "$new" "the number of a new file while fd $fd is replaced"
done
assert_eq "ok close=0" "$(fx_cmd r closefd "${fds[0]}")" "the application's own close of replaced fd ${fds[0]}"
# (Each control request's connection takes the lowest free number while it
# lasts, so the freed one is looked at from outside, between requests.)
[ -e "/proc/$pid/fd/${fds[0]}" ] &&
	fail "fd ${fds[0]} still open after the application closed it: $(readlink "/proc/$pid/fd/${fds[0]}")"
reply=$(fx_cmd r newfd) || fail "r: newfd: $reply"
newer=${reply#ok fd=}
for fd in "${fds[@]:1}"; do
	assert_ne "$fd" "$newer" "the number of a new file while fd $fd is still replaced"
done
assert_intact r

# --all-closewait --method=replace, several windows, one placeholder.
fx_start m --mode threads --threads 2 --closewait 300
wait_parked m
read -r -a mfds <<<"$(fx_field m closewait)"
sweep_ok "$IT_TMP/sweep" --method=replace --max-pause 2ms --no-syslog
mpid=$(fx_pid m)
windows=$(sweep_process "$IT_TMP/sweep" "$mpid" windows)
[ "$windows" -gt 1 ] || fail "300 fds with --max-pause 2ms took $windows window(s); the test wants several"
assert_eq 300 "$(jq -r --argjson p "$mpid" 'select(.type == "holder" and .pid == $p and .result == "replaced") | .fd' "$IT_TMP/sweep" | wc -l)" \
	"holders of m replaced"
links=$(for fd in "${mfds[@]}"; do readlink "/proc/$mpid/fd/$fd"; done | sort -u)
[[ $links == pipe:\[*\] ]] || fail "fds replaced in $windows windows name '$links', not one pipe"
assert_eq 300 "$(find "/proc/$mpid/fd" -mindepth 1 -printf '%l\n' | grep -cxF "$links")" \
	"fds of m naming the placeholder (its own number closed again)"
assert_no_closewait
assert_untraced m
assert_intact m
