#!/usr/bin/env bash
# demo.sh: fdclose end to end on a bundled fixture, inside a private pid and
# network namespace, so nothing outside the demo is ever touched.
set -u
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" = 0 ] || { echo "make demo needs root (ptrace and namespaces)" >&2; exit 1; }

if [ "${FDCLOSE_DEMO_INSIDE:-}" != 1 ]; then
	exec env FDCLOSE_DEMO_INSIDE=1 unshare --pid --fork --mount-proc --net bash "$0"
fi

ip link set lo up
dir=$(mktemp -d)
fdclose=./fdclose
cwfix=build/fixtures/cwfix
cwctl=build/fixtures/cwctl
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
field() { sed -n "s/^$2 //p" "$1"; }

start_fixture() {		# name, then cwfix options
	local name=$1
	shift
	"$cwfix" --ctl "$dir/$name.ctl" --ready "$dir/$name.ready" --lifetime 300 "$@" &
	pids+=($!)
	for _ in $(seq 100); do [ -s "$dir/$name.ready" ] && return 0; sleep 0.05; done
	echo "fixture $name did not come up" >&2
	exit 1
}

step "A service that leaks: 6 CLOSE_WAIT sockets, 2 healthy connections (private namespace)"
start_fixture web --closewait 6 --live 2 --mode read
start_fixture api --closewait 3 --v6 --fork --mode accept
web=$(field "$dir/web.ready" pid)
show ss -tan state close-wait

step "Find the leak: every CLOSE_WAIT socket and who holds it"
show $fdclose --list

step "Close one socket by hand, the way gdb's 'print close(fd)' would"
fd=$(field "$dir/web.ready" closewait | cut -d' ' -f1)
show $fdclose --no-syslog "$web" "$fd"
show "$cwctl" "$dir/web.ctl" status

step "End all the others, in every process that holds them (shutdown: no stop, numbers kept)"
show $fdclose --all-closewait --dry-run --quiet
show $fdclose --all-closewait --no-syslog

step "Nothing left in CLOSE_WAIT; the services still serve"
show ss -tan state close-wait
show "$cwctl" "$dir/web.ctl" live
show "$cwctl" "$dir/web.ctl" status
show "$cwctl" "$dir/api.ctl" status
show "$cwctl" "$dir/api.ctl.child" status
