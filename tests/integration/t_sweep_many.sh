#!/usr/bin/env bash
# One process, five threads, 2,000 CLOSE_WAIT sockets: one fdclose
# --all-closewait closes them all; the process object gives its fd count
# before and after (as /proc shows it), its limit, how long it was frozen and
# in how many windows.  Then 1,000 more with --max-pause 2ms: however many
# windows that takes, all are closed and the process is intact.  No timing
# is asserted: speed is `make bench`'s.
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_sweep_fixtures

ulimit -n 8192 || framework_error "cannot raise RLIMIT_NOFILE to 8192"
fx_start m --mode threads --threads 4 --closewait 2000 --live 2
pid=$(fx_pid m)
assert_eq 2000 "$(fx_field m closewait | wc -w)" "CLOSE_WAIT fds of m"
assert_eq 2000 "$(ss_closewait | wc -l)" "CLOSE_WAIT holders (ss)"
fd_inodes m >"$IT_TMP/inodes"
wait_parked m
fds0=$(fd_count "$pid")

sweep_ok "$IT_TMP/out"
fds1=$(fd_count "$pid")
assert_eq $((fds0 - 2000)) "$fds1" "fds of m after"
assert_eq "closed=2000 processes=1 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/out")" "summary"
assert_same_lines <(expected_holders m) \
	<(jq -r 'select(.type == "holder" and .result == "closed") | "\(.pid) \(.fd)"' "$IT_TMP/out") "holders closed"
p=$(jq -c 'select(.type == "process")' "$IT_TMP/out")
assert_eq 1 "$(grep -c . <<<"$p")" "process objects"
assert_eq "$pid cwfix $fds0 $fds1 8192 5" \
	"$(jq -r '"\(.pid) \(.comm) \(.fds_before) \(.fds_after) \(.nofile) \(.threads)"' <<<"$p")" \
	"pid comm fds_before fds_after nofile threads"
read -r frozen maxw windows < <(jq -r '"\(.frozen_us) \(.max_window_us) \(.windows)"' <<<"$p")
log "frozen ${frozen} us in $windows window(s), the longest ${maxw} us"
[ "$frozen" -gt 0 ] || fail "frozen_us is $frozen for 2,000 closes"
[ "$windows" -ge 1 ] || fail "windows is $windows"
[ "$maxw" -gt 0 ] && [ "$maxw" -le "$frozen" ] || fail "max_window_us $maxw is not within (0, frozen_us $frozen]"
assert_eq "$frozen" "$(tail -n 1 "$IT_TMP/out" | jq .frozen_us_max)" "frozen_us_max of the summary (one process)"
# Every holder was frozen in one of the process's windows.
assert_eq "" "$(jq -c 'select(.type == "holder" and ((.frozen_us | type) != "number" or .frozen_us > '"$frozen"'))' "$IT_TMP/out" | head -3)" \
	"holders whose frozen_us is missing or more than the process's"

assert_fds_gone "$IT_TMP/inodes"
assert_no_closewait
assert_untraced m
assert_intact m
reply=$(fx_cmd m live) || fail "m: live: $reply"

# Short windows, the process running in between.
fx_start m2 --mode read --closewait 1000 --live 1
fd_inodes m2 >"$IT_TMP/inodes2"
sweep_ok "$IT_TMP/out2" --max-pause 2ms
assert_eq "closed=1000 processes=1 failed=0 skipped=0" "$(sweep_summary "$IT_TMP/out2")" "summary with --max-pause 2ms"
log "--max-pause 2ms: $(jq -r 'select(.type == "process") | "frozen \(.frozen_us) us in \(.windows) window(s), the longest \(.max_window_us) us"' "$IT_TMP/out2")"
assert_fds_gone "$IT_TMP/inodes2"
assert_no_closewait
assert_untraced m2
assert_intact m2 m
