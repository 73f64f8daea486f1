#!/usr/bin/env bash
# haproxy (Debian's 2.6, one process, its connection state in a table
# indexed by fd number) in HTTP mode in front of a slow server
# (build/fixtures/threadsrv).  K clients give up while the server works and
# hang up: haproxy, without "option abortonclose", waits for the server and
# leaves K client sockets in CLOSE_WAIT.  fdclose --all-closewait with its
# default method must end them; N new clients, connected while the old
# requests are still with the server, must each get its own response and
# nothing else, and haproxy must keep running and serving.
#
# With plain close (the default of fdclose 0.1; --method=close once it
# exists) the freed numbers are still in haproxy's fd table, owned by the
# old connections; the next accept gets one of them and haproxy's own check
# that the slot is free fails: it aborts (SIGSEGV, its ABORT_NOW) and
# every client, old and new, loses its connection.  The planned default,
# shutdown, leaves the fds open: haproxy sees the error on each when it
# writes the old responses and closes them itself.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_cmd haproxy curl
need_fixture_bins threadsrv

K=4
N=6
PORT=8081
OLD_MS=4000
NEW_MS=3000

srv_start upstream "$THREADSRV" --ready "$IT_TMP/upstream.ready" --lifetime 60
up_pid=$SRV_PID
wait_until 10 test -s "$IT_TMP/upstream.ready" ||
	fail "threadsrv not ready:"$'\n'"$(cat "$IT_TMP/upstream.log")"
up_port=$(awk '$1 == "port" { print $2 }' "$IT_TMP/upstream.ready")
wait_listen upstream "$up_pid" "$up_port"

cat >"$IT_TMP/haproxy.cfg" <<EOF
global
	nbthread 2
	log stdout format raw local0 info
defaults
	mode http
	log global
	option httplog
	timeout connect 2s
	timeout client 30s
	timeout server 30s
frontend fe
	bind 127.0.0.1:$PORT
	default_backend slow
backend slow
	server up 127.0.0.1:$up_port
EOF
haproxy -c -q -f "$IT_TMP/haproxy.cfg" >"$IT_TMP/haproxy-check.log" 2>&1 ||
	framework_error "haproxy rejects the config:"$'\n'"$(cat "$IT_TMP/haproxy-check.log")"
# -db: in the foreground, this very process.
srv_start haproxy haproxy -db -f "$IT_TMP/haproxy.cfg"
pid=$SRV_PID
wait_listen haproxy "$pid" "$PORT"
base=http://127.0.0.1:$PORT

# The old clients give up after a second; the server works OLD_MS.
old=()
for i in $(seq 1 $K); do
	http_get_bg "old-$i" "$base/old-$i?ms=$OLD_MS" --max-time 1
	old+=("old-$i")
done
clients_wait 5 "${old[@]}"
for n in "${old[@]}"; do
	assert_eq 28 "$(cat "$IT_TMP/$n.rc")" "curl exit status of $n, which gives up before its response"
done
closewait_sweep $K "$pid"

# The new clients, keep-alive: a quick request, then a slow one on the same
# connection, pending when the old responses come back.
new=()
for i in $(seq 1 $N); do
	client_bg "new-$i" curl -sS --max-time 15 "$base/new-$i-a?ms=0" "$base/new-$i-b?ms=$NEW_MS"
	new+=("new-$i")
done
clients_wait 15 "${new[@]}"
assert_alive haproxy "$pid"
problems=
for n in "${new[@]}"; do
	p=$(reply_problem "$n" "threadsrv reply to $n-a" "threadsrv reply to $n-b")
	[ -z "$p" ] || problems+=$p$'\n'
done
assert_no_problems "the responses to $N new clients" "$problems"

# Still healthy: a new client is served at once.
http_get_bg after "$base/after?ms=0" --max-time 5
clients_wait 6 after
assert_replies after "threadsrv reply to after"
assert_alive haproxy "$pid"
