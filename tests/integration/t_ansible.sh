#!/usr/bin/env bash
# contrib/ansible: the playbook and role run by ansible-playbook (Debian's
# ansible-core) over the local connection, against real CLOSE_WAIT
# fixtures in this test's namespaces.  Two inventory hosts, each with
# filters of its own as host variables (alpha: --comm cwfix; beta: --port
# of fixture b), in a dry run: the report has one table per host with a row
# for each socket its filters select (pid, fd, both ends, "would-shut-down")
# and the totals of both; nothing changed.  Then localhost with
# fdclose_act=true and fdclose_method=close: the report says "closed" for
# every socket, the fixtures' fds are gone, and the play reports a change.
# it-timeout: 180
. "$(dirname "$0")/lib.sh"

need_root
need_fdclose
need_fixtures
need_cmd ansible-playbook
export HOME=$IT_TMP/home ANSIBLE_LOCAL_TEMP=$IT_TMP/ansible-local ANSIBLE_REMOTE_TEMP=$IT_TMP/ansible-remote
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
mkdir -p "$HOME"
PLAYBOOK=$IT_ROOT/contrib/ansible/fdclose.yml

fx_start a --closewait 3 --live 1
fx_start b --v6 --mode accept --closewait 2
port_b=$(fx_field b port)

# row REPORT HOST PID FD RESULT: the table row of that holder under ## HOST.
row() {
	awk -v h="## $2" '/^## / { on = ($0 == h) } on' "$1" |
		awk -F' [|] ' -v pid="$3" -v fd="$4" '$1 == "| " pid && $3 == fd'
}

# run_task LOG: the status lines of the task that ran fdclose.
run_task() {
	awk '/^TASK / { on = /Run fdclose --all-closewait --json/; next } on && /^(ok|changed|failed|fatal)/' "$1" |
		sort | paste -sd' '
}

# Dry run, two hosts with filters of their own.
cat >"$IT_TMP/inventory" <<INV
alpha ansible_connection=local fdclose_comm=cwfix
beta ansible_connection=local fdclose_port=$port_b
[all:vars]
fdclose_binary=$FDCLOSE
fdclose_become=false
fdclose_extra_args=["--no-syslog"]
INV
ansible-playbook -i "$IT_TMP/inventory" "$PLAYBOOK" -e "fdclose_report=$IT_TMP/dry.md" \
	>"$IT_TMP/dry.log" 2>&1 || fail "ansible-playbook (dry run) failed:"$'\n'"$(tail -30 "$IT_TMP/dry.log")"
[ -s "$IT_TMP/dry.md" ] || fail "no report: $(tail -20 "$IT_TMP/dry.log")"
log "report:"$'\n'"$(cat "$IT_TMP/dry.md")"
grep -q '^Dry run (nothing was changed)' "$IT_TMP/dry.md" || fail "the report does not say it was a dry run"
assert_eq "## alpha ## beta ## Totals" "$(grep '^## ' "$IT_TMP/dry.md" | paste -sd' ')" "sections of the report"
ss_closewait >"$IT_TMP/ss"
while read -r pid fd _ local remote _; do
	if [ "$pid" = "$(fx_pid b)" ]; then hosts="alpha beta"; else hosts="alpha"; fi
	for h in $hosts; do
		r=$(row "$IT_TMP/dry.md" "$h" "$pid" "$fd")
		[ -n "$r" ] || fail "no row for fd $fd of pid $pid under $h"
		[[ $r == *"| $local |"* && $r == *"| $remote |"* && $r == *"| would-shut-down |" ]] ||
			fail "row for fd $fd of pid $pid under $h: '$r' (want $local, $remote, would-shut-down)"
	done
	[ "$pid" = "$(fx_pid b)" ] || [ -z "$(row "$IT_TMP/dry.md" beta "$pid" "$fd")" ] ||
		fail "fd $fd of pid $pid (port $local) under beta, whose --port is $port_b"
done <"$IT_TMP/ss"
assert_eq 5 "$(awk '/^## alpha/ { on = 1; next } /^## / { on = 0 } on && /^\| [0-9]/' "$IT_TMP/dry.md" | wc -l)" "rows under alpha"
assert_eq 2 "$(awk '/^## beta/ { on = 1; next } /^## / { on = 0 } on && /^\| [0-9]/' "$IT_TMP/dry.md" | wc -l)" "rows under beta"
grep -q '^Summary: method shutdown, would end 5 sockets in 2 processes, 0 failed, 0 skipped; exit status 0' "$IT_TMP/dry.md" ||
	fail "alpha's summary line"
assert_eq "| 2 | 7 | 7 | 0 | 0 | 3 | 0 |" "$(tail -1 "$IT_TMP/dry.md")" "totals of the dry run"
assert_eq "ok: [alpha] ok: [beta]" "$(run_task "$IT_TMP/dry.log")" "the task that ran fdclose, in a dry run"
assert_fds a "$(all_cw a)"
assert_fds b "$(all_cw b)"

# Act, on localhost, with a method of our own.
ansible-playbook -i localhost, -c local "$PLAYBOOK" -e "fdclose_report=$IT_TMP/act.md" \
	-e fdclose_act=true -e fdclose_method=close -e "fdclose_binary=$FDCLOSE" \
	-e fdclose_become=false -e '{"fdclose_extra_args": ["--no-syslog"]}' \
	>"$IT_TMP/act.log" 2>&1 || fail "ansible-playbook (act) failed:"$'\n'"$(tail -30 "$IT_TMP/act.log")"
log "report:"$'\n'"$(cat "$IT_TMP/act.md")"
grep -q '^Acted;' "$IT_TMP/act.md" || fail "the report does not say it acted"
while read -r pid fd _ local remote _; do
	r=$(row "$IT_TMP/act.md" localhost "$pid" "$fd")
	[[ $r == *"| closed |" ]] || fail "row for fd $fd of pid $pid: '$r', not closed"
done <"$IT_TMP/ss"
assert_eq "| 1 | 5 | 5 | 0 | 0 | 2 | 0 |" "$(tail -1 "$IT_TMP/act.md")" "totals of the run that acted"
assert_eq "changed: [localhost]" "$(run_task "$IT_TMP/act.log")" "the task that ran fdclose, when it acted"
assert_fds a "$(all_gone a)"
assert_fds b "$(all_gone b)"
assert_intact a b
assert_no_closewait
