#!/bin/sh
# /init of the arm64 test VM (tests/vm/run-aarch64.sh builds it): an arm64
# fdclose against an arm64 cwfix on Debian's arm64 kernel.  The cases are
# tests/vm/guest.sh's; says "aarch64: N passed, N failed" and powers off.
export PATH=/bin
# How many cases pass when all is well; run-aarch64.sh holds the result to it.
EXPECT=21
PERSONALITY=aarch64
CWFIX=/cwfix
. /guest.sh
vm_setup

# The kernel is arm64's and the fixture too: e_machine (bytes 18-19) is 183.
machine=$(head -c 20 /cwfix | tail -c 2 | od -An -tu2 | tr -d ' ')
if [ "$(uname -m)" = aarch64 ] && [ "$machine" = 183 ]; then
	ok arm64
else
	bad arm64 "uname -m says $(uname -m), cwfix's e_machine $machine"
fi

# The -516 case made visible: a nanosleep is restarted as restart_syscall
# (128), whose entry stop fdclose takes over; the sleep's own check (no
# early end, no start over) is the nanosleep case of vm_cases.
if start restart --mode nanosleep --sleep-ms 3000 --slack-ms 1000 --closewait 1; then
	sleep 1
	out=$(/fdclose -v --no-syslog "$(field restart pid)" "$(field restart closewait)" 2>&1)
	echo "$out" | sed 's/^/    [restart] /'
	if echo "$out" | grep -q 'restarts syscall 128'; then
		ok restart
	else
		bad restart "fdclose did not take over restart_syscall's entry"
	fi
fi

# SVE: a thread interrupted in user code with live SVE state (z0-z31
# beyond their 128 bits, p0-p3), which the injected syscall's entry zeroes;
# fdclose must put it back.  A close counts only when -v shows the thread
# was caught in sve_hold; two more rounds must then find every register.
sve_case() {
	mkdir -p "$T/sve"
	/svefix "$T/sve" >"$T/sve.log" 2>&1 &
	i=0
	while [ ! -s "$T/sve/ready" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$T/sve/ready" ] || { bad sve "svefix not ready: $(cat "$T/sve.log")"; return; }
	pid=$(sed -n 's/^pid //p' "$T/sve/ready")
	caught=""
	for fd in $(sed -n 's/^closewait //p' "$T/sve/ready"); do
		sleep 0.5
		out=$(/fdclose -v --no-syslog "$pid" "$fd" 2>&1) ||
			{ bad sve "fdclose exit $?: $out"; return; }
		[ -e "/proc/$pid/fd/$fd" ] && { bad sve "fd $fd still open"; return; }
		if echo "$out" | grep -q '#0 sve_hold'; then
			caught=$fd
			echo "$out" | sed 's/^/    [sve] /'
			break
		fi
	done
	[ -n "$caught" ] || { bad sve "no close caught the thread in sve_hold"; return; }
	set -- $(cat "$T/sve/status")
	first=$2
	i=0
	while [ "$2" -lt $((first + 2)) ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
		set -- $(cat "$T/sve/status")
	done
	if [ "$2" -lt $((first + 2)) ]; then
		bad sve "svefix stopped at round $2: $(cat "$T/sve.log")"
	elif [ "$4" != 0 ]; then
		bad sve "$4 SVE register(s) changed across the injection ($*)"
	else
		ok sve
	fi
}
sve_case

vm_cases
vm_report aarch64
