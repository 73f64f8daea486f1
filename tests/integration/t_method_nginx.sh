#!/usr/bin/env bash
# nginx (Debian's, a master and 2 workers, each an event loop) proxies to a
# slow upstream (build/fixtures/threadsrv) with proxy_ignore_client_abort
# on: a client that gives up leaves its socket in CLOSE_WAIT until the
# upstream answers.  K clients do; fdclose --all-closewait with its default
# method must end those sockets, and N new clients, connected while the old
# upstream requests are still pending, must each get its own response and
# nothing else; nginx must keep its processes and serve afterwards.
#
# With plain close (the default of fdclose 0.1; --method=close once it
# exists) the worker still holds each old request, with its client's fd
# number; the number goes to a new client, and when the old upstream
# response arrives the worker writes it there: new clients receive other
# clients' responses.  The planned default, shutdown, leaves the fds open:
# the old responses fail with EPIPE and nginx closes the fds itself.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_cmd nginx curl
need_fixture_bins threadsrv

K=6
N=8
PORT=8080
OLD_MS=4000
NEW_MS=3000

srv_start upstream "$THREADSRV" --ready "$IT_TMP/upstream.ready" --lifetime 60
up_pid=$SRV_PID
wait_until 10 test -s "$IT_TMP/upstream.ready" ||
	fail "threadsrv not ready:"$'\n'"$(cat "$IT_TMP/upstream.log")"
up_port=$(awk '$1 == "port" { print $2 }' "$IT_TMP/upstream.ready")
wait_listen upstream "$up_pid" "$up_port"

mkdir -p "$IT_TMP/nginx" || framework_error "mkdir"
cat >"$IT_TMP/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
user root;
pid $IT_TMP/nginx/nginx.pid;
error_log $IT_TMP/nginx/error.log info;
events {
	worker_connections 256;
}
http {
	log_format t '\$request_uri \$status \$body_bytes_sent';
	access_log $IT_TMP/nginx/access.log t;
	client_body_temp_path $IT_TMP/nginx/body;
	proxy_temp_path $IT_TMP/nginx/proxy;
	fastcgi_temp_path $IT_TMP/nginx/fastcgi;
	uwsgi_temp_path $IT_TMP/nginx/uwsgi;
	scgi_temp_path $IT_TMP/nginx/scgi;
	keepalive_timeout 30s;
	upstream slow {
		server 127.0.0.1:$up_port;
	}
	server {
		listen 127.0.0.1:$PORT;
		location / {
			proxy_pass http://slow;
			proxy_ignore_client_abort on;
			proxy_read_timeout 20s;
		}
	}
}
EOF
# -e: the error log before the config is read, not /var/log/nginx.
srv_start nginx nginx -e "$IT_TMP/nginx/error.log" -p "$IT_TMP/nginx" -c "$IT_TMP/nginx.conf"
pid=$SRV_PID
wait_listen nginx "$pid" "$PORT"
workers_of() {
	ps -o pid= --ppid "$pid" | xargs
}
wait_until 5 eval '[ "$(workers_of | wc -w)" = 2 ]' ||
	fail "nginx (pid $pid) does not have 2 workers: $(workers_of)"
workers=$(workers_of)
base=http://127.0.0.1:$PORT

# The old clients give up after a second; their requests stay with the
# upstream for OLD_MS.
old=()
for i in $(seq 1 $K); do
	http_get_bg "old-$i" "$base/old-$i?ms=$OLD_MS" --max-time 1
	old+=("old-$i")
done
clients_wait 5 "${old[@]}"
for n in "${old[@]}"; do
	assert_eq 28 "$(cat "$IT_TMP/$n.rc")" "curl exit status of $n, which gives up before its response"
done
cw_workers=$(ss_closewait | cut -d' ' -f1 | sort -u | xargs)
# shellcheck disable=SC2086 # one pid per word
closewait_sweep $K $workers
log "CLOSE_WAIT holders were the workers $cw_workers of $workers"

# The new clients, keep-alive: a quick request, then a slow one on the same
# connection, pending when the old upstream responses come back.
new=()
for i in $(seq 1 $N); do
	client_bg "new-$i" curl -sS --max-time 15 "$base/new-$i-a?ms=0" "$base/new-$i-b?ms=$NEW_MS"
	new+=("new-$i")
done
# Which worker accepts a connection is the kernel's choice; the test proves
# something only if a worker that held CLOSE_WAIT sockets got new clients.
new_in_cw_worker() {
	local w
	for w in $cw_workers; do
		ss -H -tnp state established "sport = :$PORT" | grep -q "pid=$w," && return 0
	done
	return 1
}
wait_until 3 new_in_cw_worker ||
	framework_error "no new client went to a worker that held CLOSE_WAIT sockets ($cw_workers):"$'\n'"$(ss -H -tnp state established "sport = :$PORT")"
clients_wait 15 "${new[@]}"
assert_alive nginx "$pid"
assert_eq "$workers" "$(workers_of)" "nginx's workers (none may have died)"
problems=
for n in "${new[@]}"; do
	p=$(reply_problem "$n" "threadsrv reply to $n-a" "threadsrv reply to $n-b")
	[ -z "$p" ] || problems+=$p$'\n'
done
assert_no_problems "the responses to $N new clients" "$problems"

# Still healthy: a new client is served, and every worker still lives.
http_get_bg after "$base/after?ms=0" --max-time 5
clients_wait 6 after
assert_replies after "threadsrv reply to after"
assert_alive nginx "$pid"
assert_eq "$workers" "$(workers_of)" "nginx's workers (none may have died)"
# As nginx saw it: no byte of an old response went out (the write failed,
# EPIPE), each new one went out whole, once.  (With close, the old
# responses are sent, to new clients.)
for i in $(seq 1 $K); do
	assert_eq "/old-$i?ms=$OLD_MS 200 0" "$(grep "^/old-$i?" "$IT_TMP/nginx/access.log")" \
		"nginx's access log of old-$i, whose client hung up (uri status body_bytes_sent)"
done
for i in $(seq 1 $N); do
	for r in a b; do
		ms=$([ $r = a ] && echo 0 || echo "$NEW_MS")
		body="threadsrv reply to new-$i-$r"
		assert_eq "/new-$i-$r?ms=$ms 200 $((${#body} + 1))" "$(grep "^/new-$i-$r?" "$IT_TMP/nginx/access.log")" \
			"nginx's access log of new-$i-$r (uri status body_bytes_sent)"
	done
done
! grep -qE '\[(alert|emerg|crit)\]' "$IT_TMP/nginx/error.log" ||
	fail "nginx logged alerts:"$'\n'"$(grep -E '\[(alert|emerg|crit)\]' "$IT_TMP/nginx/error.log" | head -10)"
