#!/usr/bin/env bash
# fdclose --list --format=prometheus, and --textfile DIR: the text parses
# with the reference parser (python3-prometheus-client, through
# prom_parse.py, which also checks the naming rules), and every gauge says
# what the kernel and the fixtures say: CLOSE_WAIT sockets per (network
# namespace, command), each socket once; accept-queue CLOSE_WAITs; the open
# fds of each command against its limit; the oldest age; the sockets
# scanned.  A command name with a quote and a backslash comes out escaped
# and reads back as it was.  --textfile replaces DIR/fdclose.prom by rename
# (a new inode each time, no temporary file left), prints nothing else, and
# a missing DIR is an error.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_prom_parser

fx_start a --closewait 3 --backlog 2 --live 1
fx_start b --v6 --mode accept --closewait 2
fx_start_netns c --closewait 1 --live 2
# A process named cw"x\y (comm is the file's name).
odd='cw"x\y'
cp "$CWFIX" "$IT_TMP/$odd"
fx_start_prog d "$IT_TMP" "$IT_TMP/$odd" --closewait 2
ns=$(netns_of self)
nsc=$(netns_of "$(fx_pid c)")
sleep 1.1	# every socket at least a second in CLOSE_WAIT

"$FDCLOSE" --list --format=prometheus >"$IT_TMP/out.prom" 2>"$IT_TMP/out.err"
assert_eq 0 $? "exit status of --list --format=prometheus"
assert_file_empty "$IT_TMP/out.err" "stderr of --list --format=prometheus"
prom_parse "$IT_TMP/out.prom" "$IT_TMP/out.tsv"
log "$(wc -l <"$IT_TMP/out.tsv") samples"

# Sockets per (netns, comm): a and b share the namespace and the name.
assert_eq 5 "$(prom_value "$IT_TMP/out.tsv" fdclose_closewait_sockets "comm=cwfix,netns=$ns")" "CLOSE_WAIT sockets of cwfix in our netns"
assert_eq 1 "$(prom_value "$IT_TMP/out.tsv" fdclose_closewait_sockets "comm=cwfix,netns=$nsc")" "CLOSE_WAIT sockets of cwfix in c's netns"
assert_eq 2 "$(prom_value "$IT_TMP/out.tsv" fdclose_closewait_sockets "comm=$odd,netns=$ns")" "CLOSE_WAIT sockets of '$odd' (escaped and read back)"
assert_eq 3 "$(awk -F'\t' '$2 == "fdclose_closewait_sockets"' "$IT_TMP/out.tsv" | wc -l)" "closewait series"
total=$(awk -F'\t' '$2 == "fdclose_closewait_sockets" { s += $4 } END { print s }' "$IT_TMP/out.tsv")
# ss also lists the accept-queue ones, which have no holder: only those with one.
want=$(( $(ss -Htanp state close-wait | grep -c 'pid=') + $(nsenter --net="/proc/$(fx_pid c)/ns/net" ss -Htanp state close-wait | grep -c 'pid=') ))
assert_eq "$want" "$total" "CLOSE_WAIT sockets in all, against ss"
assert_eq 2 "$(prom_value "$IT_TMP/out.tsv" fdclose_accept_queue_closewait_sockets "comm=cwfix,netns=$ns")" "accept-queue CLOSE_WAITs of a"

# The oldest age: at least the second slept, less than the test has run.
age=$(prom_value "$IT_TMP/out.tsv" fdclose_closewait_oldest_age_seconds "comm=cwfix,netns=$ns")
awk -v a="$age" -v s="$SECONDS" 'BEGIN { exit !(a >= 1 && a <= s + 1) }' ||
	fail "oldest age of cwfix's sockets: '$age' s, not within 1..$((SECONDS + 1))"

# fds per command against the limit, from /proc.
fds=$(($(fd_count "$(fx_pid a)") + $(fd_count "$(fx_pid b)") + $(fd_count "$(fx_pid c)")))
assert_eq "$fds" "$(prom_value "$IT_TMP/out.tsv" fdclose_process_open_fds comm=cwfix)" "open fds of the cwfix processes"
assert_eq "$(fd_count "$(fx_pid d)")" "$(prom_value "$IT_TMP/out.tsv" fdclose_process_open_fds "comm=$odd")" "open fds of '$odd'"
want=$(for f in a b c; do echo "$(fd_count "$(fx_pid $f)") $(nofile_of "$(fx_pid $f)")"; done |
	awk '{ r = $1 / $2; if (r > m) m = r } END { printf "%.6f", m }')
got=$(prom_value "$IT_TMP/out.tsv" fdclose_process_fds_limit_ratio comm=cwfix)
assert_eq "$want" "$(awk -v g="$got" 'BEGIN { printf "%.6f", g }')" "fds over the limit, the nearest cwfix"

# What the scan read: every TCP socket of both namespaces, both fixtures' processes.
want=$(( $(ss -Htan | wc -l) + $(nsenter --net="/proc/$(fx_pid c)/ns/net" ss -Htan | wc -l) ))
assert_eq "$want" "$(prom_value "$IT_TMP/out.tsv" fdclose_scanned_sockets -)" "sockets scanned, against ss -tan"
assert_eq 2 "$(prom_value "$IT_TMP/out.tsv" fdclose_scanned_network_namespaces -)" "network namespaces scanned"
[ "$(prom_value "$IT_TMP/out.tsv" fdclose_scanned_processes -)" -ge 4 ] || fail "processes scanned: fewer than the 4 fixtures"
grep -q 'pid=\|port=' "$IT_TMP/out.prom" && fail "a pid or port label in the text"
grep -q '_total' "$IT_TMP/out.prom" && fail "--list has no counters, yet the text has a _total"
# The raw escape, as the format wants it.
grep -qF 'comm="cw\"x\\y"' "$IT_TMP/out.prom" || fail "comm cw\"x\\y is not escaped as cw\\\"x\\\\y:"$'\n'"$(grep closewait_sockets "$IT_TMP/out.prom")"

# Filters apply: --comm cwfix leaves d out.
"$FDCLOSE" --list --format=prometheus --comm cwfix >"$IT_TMP/f.prom" || fail "--list --format=prometheus --comm cwfix failed"
prom_parse "$IT_TMP/f.prom" "$IT_TMP/f.tsv"
assert_eq "" "$(prom_value "$IT_TMP/f.tsv" fdclose_closewait_sockets "comm=$odd,netns=$ns")" "'$odd' with --comm cwfix"

# --textfile: the file, nothing on stdout, replaced by rename, no temporary left.
dir=$IT_TMP/textfile
mkdir "$dir"
out=$("$FDCLOSE" --list --textfile "$dir" 2>&1)
assert_eq 0 $? "exit status of --list --textfile"
assert_eq "" "$out" "output of --list --textfile"
[ -f "$dir/fdclose.prom" ] || fail "no $dir/fdclose.prom"
assert_eq 644 "$(stat -c %a "$dir/fdclose.prom")" "mode of fdclose.prom"
prom_parse "$dir/fdclose.prom" "$IT_TMP/t.tsv"
assert_eq 5 "$(prom_value "$IT_TMP/t.tsv" fdclose_closewait_sockets "comm=cwfix,netns=$ns")" "CLOSE_WAIT sockets in the textfile"
ino1=$(stat -c %i "$dir/fdclose.prom")
"$FDCLOSE" --list --textfile "$dir" --format=table >"$IT_TMP/t.table" || fail "--list --textfile --format=table failed"
grep -q 'Recv-Q' "$IT_TMP/t.table" || fail "--format=table with --textfile printed no table"
assert_ne "$ino1" "$(stat -c %i "$dir/fdclose.prom")" "inode of fdclose.prom after a rewrite (rename, not rewrite in place)"
assert_eq "fdclose.prom" "$(ls -A "$dir")" "files in the textfile directory"

# Errors.
# --format, --textfile and --watch (t_list_prometheus and t_watch run them).
assert_usage_error "--format takes table, json or prometheus, not 'yaml'" --list --format yaml
assert_usage_error "--json is --format=json: it excludes --format=table" --list -j --format=table
assert_usage_error "--json is --format=json: it excludes --format=prometheus" --list --format=prometheus --json
assert_usage_error "--format is given twice" --list --format json --format json
assert_usage_error "--format=prometheus goes with --list" --all-closewait --format=prometheus
assert_usage_error "--format=prometheus goes with --list" 1 3 --format=prometheus
assert_usage_error "--textfile goes with --list and --watch" --all-closewait --textfile /tmp
assert_usage_error "--textfile takes a directory" --list --textfile ''
"$FDCLOSE" --list --textfile "$IT_TMP/nonexistent" >"$IT_TMP/e.out" 2>&1
assert_eq 1 $? "exit status with a missing --textfile directory"
grep -q "nonexistent/fdclose.prom" "$IT_TMP/e.out" || fail "the error does not name the file: $(cat "$IT_TMP/e.out")"
"$FDCLOSE" --list --json --format=prometheus >"$IT_TMP/e.out" 2>&1
assert_eq 2 $? "exit status of --json --format=prometheus"
"$FDCLOSE" --all-closewait --format=prometheus >"$IT_TMP/e.out" 2>&1
assert_eq 2 $? "exit status of --all-closewait --format=prometheus"
"$FDCLOSE" --list --format=yaml >"$IT_TMP/e.out" 2>&1
assert_eq 2 $? "exit status of --format=yaml"

# --format=json is --json (ages aside, which move).
strip='del(.age_ms, .oldest_ms, .ages)'
"$FDCLOSE" --list --json | jq -c "$strip" >"$IT_TMP/j1" || fail "--list --json failed"
"$FDCLOSE" --list --format=json | jq -c "$strip" >"$IT_TMP/j2" || fail "--list --format=json failed"
assert_same_lines "$IT_TMP/j1" "$IT_TMP/j2" "--format=json against --json"
assert_intact a b c d
