#!/usr/bin/env bash
# redis (Debian's redis-server, one event loop, per-client state and epoll
# registration by fd number).  K clients are connected; one makes redis
# busy (DEBUG SLEEP), the others send a command, and all hang up while it
# sleeps: K sockets in CLOSE_WAIT.  fdclose --all-closewait with its default
# method must end them; N new clients, connected while redis still sleeps,
# must each get its own reply (ECHO of its own name), and redis must serve
# afterwards with no ghost of the old clients left.
#
# With plain close (the default of fdclose 0.1; --method=close once it
# exists) redis never learns that the old clients are gone (closing the fd
# took them out of epoll silently) and keeps their state under the freed
# numbers.  A new client that gets such a number cannot be registered with
# epoll (redis asks EPOLL_CTL_MOD for a number it believes registered:
# ENOENT, ignored), so redis never reads it: the new client hangs.  The
# planned default, shutdown, leaves the fds open: redis reads EOF on each
# when it wakes up and frees the client itself.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_cmd redis-server redis-cli timeout

K=4
N=6
PORT=6379
SLEEP_S=4

cat >"$IT_TMP/redis.conf" <<EOF
bind 127.0.0.1
port $PORT
protected-mode no
daemonize no
supervised no
save ""
appendonly no
dir $IT_TMP
logfile ""
enable-debug-command yes
EOF
srv_start redis redis-server "$IT_TMP/redis.conf"
pid=$SRV_PID
wait_listen redis "$pid" "$PORT"

# K connections, each accepted and registered (a PING answered).
cfd=()
for i in $(seq 1 $K); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || framework_error "cannot connect to redis"
	printf 'PING\r\n' >&"$fd"
	IFS= read -r -t 5 -u "$fd" line || fail "old client $i: no answer to PING"
	assert_eq $'+PONG\r' "$line" "old client $i: answer to PING"
	cfd+=("$fd")
done

# The first makes redis sleep; once it does, the others send a command it
# will not read for now, and all hang up.
in_sleep() {
	case $(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null) in
	# nanosleep, clock_nanosleep (x86_64 numbers); restart_syscall once
	# fdclose has interrupted it to inject its call
	35 | 230 | 219) return 0 ;;
	esac
	return 1
}
printf 'DEBUG SLEEP %s\r\n' "$SLEEP_S" >&"${cfd[0]}"
wait_until 3 in_sleep || fail "redis (pid $pid) does not sleep: syscall $(cat "/proc/$pid/syscall")"
for i in $(seq 2 $K); do
	printf 'ECHO old-%s\r\n' "$i" >&"${cfd[$((i - 1))]}"
done
for fd in "${cfd[@]}"; do
	exec {fd}>&-
done
closewait_sweep $K "$pid"
in_sleep || framework_error "redis woke up before the new clients came; raise SLEEP_S"

# The new clients, while redis still sleeps: it accepts them when it wakes.
new=()
for i in $(seq 1 $N); do
	client_bg "new-$i" timeout $((SLEEP_S + 4)) redis-cli -p "$PORT" ECHO "new-$i"
	new+=("new-$i")
done
clients_wait $((SLEEP_S + 6)) "${new[@]}"
assert_alive redis "$pid"
problems=
for n in "${new[@]}"; do
	p=$(reply_problem "$n" "$n")
	[ -z "$p" ] || problems+=$p$'\n'
done
# exit 124: timeout ended a client that got no answer at all.
assert_no_problems "the replies to $N new clients" "$problems"

# Still healthy: it stores and reads back, and the old clients are gone
# from its client list (one client left: the one asking).
client_bg set timeout 5 redis-cli -p "$PORT" SET after ok-after
clients_wait 6 set
assert_replies set OK
client_bg get timeout 5 redis-cli -p "$PORT" GET after
clients_wait 6 get
assert_replies get ok-after
client_bg clients timeout 5 redis-cli -p "$PORT" CLIENT LIST
clients_wait 6 clients
assert_eq 0 "$(cat "$IT_TMP/clients.rc")" "exit status of redis-cli CLIENT LIST"
# (With close, the old clients stay listed, each under an fd number that
# now names a new client too.)
assert_eq 1 "$(grep -c '^id=' "$IT_TMP/clients.body")" \
	"clients redis lists (only the one asking):"$'\n'"$(sed -E 's/^(id=[0-9]+) (addr=[^ ]+) .* (fd=[0-9]+) .* (cmd=[^ ]+) .*/\1 \2 \3 \4/' "$IT_TMP/clients.body")"$'\n'"count"
assert_alive redis "$pid"
