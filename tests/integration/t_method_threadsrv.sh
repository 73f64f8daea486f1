#!/usr/bin/env bash
# A thread-per-connection server (build/fixtures/threadsrv) keeps each
# connection's state in the thread that holds its fd number.  K clients ask
# for slow work and hang up while their threads work: K sockets in
# CLOSE_WAIT.  fdclose --all-closewait with its default method must end
# them without freeing the numbers: N new clients, connected while the old
# threads still work, must each get its own reply and nothing else, and the
# server must still serve afterwards.
#
# With plain close (the default of fdclose 0.1; --method=close once it
# exists) the freed numbers go to the first K new clients; each old thread
# wakes up, writes its reply to "its" fd, now a new client's socket, and
# closes it: those clients receive another client's reply ("threadsrv reply
# to old-1") and lose their own.  The planned default, shutdown, leaves the
# fds open: the old threads' writes fail with EPIPE and the numbers stay
# taken until the threads close them.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_cmd curl
need_fixture_bins threadsrv

K=4
N=6
OLD_MS=4000
NEW_MS=4000

srv_start threadsrv "$THREADSRV" --ready "$IT_TMP/threadsrv.ready" --lifetime 60
pid=$SRV_PID
wait_until 10 test -s "$IT_TMP/threadsrv.ready" ||
	fail "threadsrv not ready:"$'\n'"$(cat "$IT_TMP/threadsrv.log")"
port=$(awk '$1 == "port" { print $2 }' "$IT_TMP/threadsrv.ready")
wait_listen threadsrv "$pid" "$port"
base=http://127.0.0.1:$port

# The old clients: each thread reads the request, then works for OLD_MS;
# the client gives up after a second (curl exits 28) and hangs up.
old=()
for i in $(seq 1 $K); do
	http_get_bg "old-$i" "$base/old-$i?ms=$OLD_MS" --max-time 1
	old+=("old-$i")
done
clients_wait 5 "${old[@]}"
for n in "${old[@]}"; do
	assert_eq 28 "$(cat "$IT_TMP/$n.rc")" "curl exit status of $n, which gives up before its reply"
done
closewait_sweep $K "$pid"

# The new clients, while the old threads still work: each must get its own
# reply and nothing else.
new=()
for i in $(seq 1 $N); do
	http_get_bg "new-$i" "$base/new-$i?ms=$NEW_MS"
	new+=("new-$i")
done
clients_wait 15 "${new[@]}"
assert_alive threadsrv "$pid"
problems=
for n in "${new[@]}"; do
	p=$(reply_problem "$n" "threadsrv reply to $n")
	[ -z "$p" ] || problems+=$p$'\n'
done
assert_no_problems "the replies to $N new clients" "$problems"

# Still healthy: it serves a new client at once, and every thread is done.
http_get_bg after "$base/after" --max-time 5
clients_wait 6 after
assert_replies after "threadsrv reply to after"
http_get_bg stats "$base/stats" --max-time 5
clients_wait 6 stats
assert_eq "served=$((K + N + 1)) write_errors=$K threads=0" "$(cat "$IT_TMP/stats.body")" "threadsrv's stats"
# And, as threadsrv saw it, every old reply went nowhere (its write failed:
# EPIPE), every new one went out.  (With close, the old writes succeed,
# into new clients' sockets, and some new ones fail with EBADF.)
for i in $(seq 1 $K); do
	assert_match "^done old-$i fd=[0-9]+ write: " "$(grep "^done old-$i " "$IT_TMP/threadsrv.log")" \
		"threadsrv's log of old-$i, whose client hung up"
done
for i in $(seq 1 $N); do
	assert_match "^done new-$i fd=[0-9]+ ok\$" "$(grep "^done new-$i " "$IT_TMP/threadsrv.log")" \
		"threadsrv's log of new-$i"
done
assert_alive threadsrv "$pid"
log "threadsrv: $(cat "$IT_TMP/stats.body")"
