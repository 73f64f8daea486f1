#!/bin/sh
# /init of the arm64 test VM (tests/vm/run-aarch64.sh builds it): an arm64
# fdclose against an arm64 cwfix on Debian's arm64 kernel.  The cases are
# tests/vm/guest.sh's; says "aarch64: N passed, N failed" and powers off.
export PATH=/bin
# How many cases pass when all is well; run-aarch64.sh holds the result to it.
EXPECT=19
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

vm_cases
vm_report aarch64
