# tests/vm/guest.sh: the cases every test VM runs, sourced by its /init
# (tests/vm/i386-init.sh, tests/vm/aarch64-init.sh) under busybox sh as pid
# 1.  The init sets PERSONALITY (the name fdclose -v must show) and CWFIX
# (the fixture of that personality), calls vm_setup, its own cases, then
# vm_cases and vm_report.  Every process here was started by this script:
# the VM has no other.

vm_setup() {
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	mount -t tmpfs tmp /tmp
	insmod /lib/inet_diag.ko 2>/dev/null
	insmod /lib/tcp_diag.ko 2>/dev/null
	ip link set lo up
	echo "kernel $(uname -r) $(uname -m)"
}

passed=0
failed=0
T=/tmp

ok() {
	passed=$((passed + 1))
	echo "PASS $1"
}

bad() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
}

# field NAME KEY: a line of the fixture's ready file, without its key.
field() {
	sed -n "s/^$2 //p" "$T/$1.ready"
}

# start NAME ARGS...: a cwfix of the personality under test, once its
# ready file is written.
start() {
	name=$1
	shift
	"$CWFIX" --ctl "$T/$name.ctl" --ready "$T/$name.ready" --lifetime 120 "$@" \
		</dev/null >"$T/$name.log" 2>&1 &
	i=0
	while [ ! -s "$T/$name.ready" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$T/$name.ready" ] || { bad "$name" "fixture not ready: $(cat "$T/$name.log")"; return 1; }
	# Let it reach its parked call.
	sleep 0.3
}

# closes NAME FD...: fdclose closes them, -v shows the personality under
# test at work, the fds are gone, and the fixture says it is intact.
closes() {
	name=$1
	shift
	pid=$(field "$name" pid)
	out=$(/fdclose -v --no-syslog "$pid" "$@" 2>&1)
	rc=$?
	echo "$out" | sed "s/^/    [$name] /"
	[ "$rc" = 0 ] || { bad "$name" "fdclose exit $rc"; return 1; }
	echo "$out" | grep -q "$PERSONALITY" ||
		{ bad "$name" "no sign of the $PERSONALITY personality in -v"; return 1; }
	for fd in "$@"; do
		[ -e "/proc/$pid/fd/$fd" ] && { bad "$name" "fd $fd still open"; return 1; }
	done
	reply=$(/cwctl -t 20 "$(field "$name" ctl)" status 2>&1)
	case $reply in
	ok*) ok "$name" ;;
	*) bad "$name" "fixture not intact: $reply" ;;
	esac
}

vm_cases() {
	for mode in read accept poll futex; do
		start "$mode" --mode "$mode" --closewait 3 || continue
		set -- $(field "$mode" closewait)
		closes "$mode" "$1" "$2"
	done
	# epoll_wait returns EINTR after any ptrace stop, on every architecture.
	if start epoll --mode epoll --eintr-ok --closewait 2; then
		closes epoll $(field epoll closewait)
	fi

	# Many fds in one window (one injection each where the personality has no
	# bulk loop).
	if start many --mode read --closewait 20; then
		closes many $(field many closewait)
	fi

	# Sleeps: the close lands a second in; the sleep must neither end early nor
	# start over, whichever restart rule the kernel applies.  A second of slack:
	# under software emulation a wakeup can be late on its own.
	for mode in nanosleep clock_nanosleep clock_nanosleep_abs; do
		start "$mode" --mode "$mode" --sleep-ms 3000 --slack-ms 1000 --closewait 1 || continue
		sleep 1
		closes "$mode" "$(field "$mode" closewait)"
	done

	# Registers: a computation runs across several injections.
	if start busy --mode busy --closewait 4; then
		set -- $(field busy closewait)
		for fd in "$@"; do
			closes busy "$fd"
		done
	fi

	# Threads: a worker other than the main thread may run the close.
	if start threads --mode threads --threads 4 --closewait 2; then
		set -- $(field threads closewait)
		closes threads "$1" "$2"
	fi

	# Real-time signals queued during the injections arrive, each exactly once.
	if start sig --mode signals --closewait 8 --live 1; then
		pid=$(field sig pid)
		/sigstorm "$pid" RTMIN 5000 >"$T/storm" 2>&1 &
		storm=$!
		failed_fds=""
		for fd in $(field sig closewait); do
			/fdclose --no-syslog "$pid" "$fd" >"$T/sig.out" 2>&1 || {
				failed_fds="$failed_fds $fd"
				tail -2 "$T/sig.out" | sed "s/^/    [sig $fd] /"
			}
		done
		wait "$storm"
		reply=$(/cwctl -t 20 "$(field sig ctl)" expect-signals 5000 2>&1)
		status=$(/cwctl -t 20 "$(field sig ctl)" status 2>&1)
		case "$failed_fds / $(cat "$T/storm") / $reply / $status" in
		" / sent 5000 / ok"*" / ok"*) ok sig ;;
		*) bad sig "failed:$failed_fds; storm: $(cat "$T/storm"); signals: $reply; status: $status" ;;
		esac
	fi

	# A process stopped with SIGSTOP is still stopped afterwards.
	if start stopped --mode read --closewait 2; then
		pid=$(field stopped pid)
		kill -STOP "$pid"
		sleep 0.2
		before=$(sed 's/.*) //' "/proc/$pid/stat" | cut -c1)
		set -- $(field stopped closewait)
		/fdclose --no-syslog "$pid" "$1" "$2" >/dev/null 2>&1
		rc=$?
		sleep 0.2
		state=$(sed 's/.*) //' "/proc/$pid/stat" | cut -c1)
		kill -CONT "$pid"
		if [ "$before" != T ]; then
			bad stopped "SIGSTOP did not stop it (state $before)"
		elif [ "$rc" != 0 ]; then
			bad stopped "fdclose exit $rc"
		elif [ "$state" != T ]; then
			bad stopped "state $state after the close, not T"
		elif [ -e "/proc/$pid/fd/$1" ] || [ -e "/proc/$pid/fd/$2" ]; then
			bad stopped "fds still open"
		else
			reply=$(/cwctl -t 20 "$(field stopped ctl)" status 2>&1)
			case $reply in
			ok*) ok stopped ;;
			*) bad stopped "fixture not intact: $reply" ;;
			esac
		fi
	fi

	# --method=replace: each number now names one pipe (pipe2, dup3 and
	# close injected: the stack buffer and the ABI's numbers) and the
	# fixture is intact.
	if start replace --mode poll --closewait 3; then
		pid=$(field replace pid)
		set -- $(field replace closewait)
		out=$(/fdclose --no-syslog --method=replace "$pid" "$@" 2>&1)
		rc=$?
		echo "$out" | sed 's/^/    [replace] /'
		links=$(for fd in "$@"; do readlink "/proc/$pid/fd/$fd"; done | sort -u)
		reply=$(/cwctl -t 20 "$(field replace ctl)" status 2>&1)
		if [ "$rc" != 0 ]; then
			bad replace "fdclose --method=replace exit $rc"
		elif [ "$(echo "$links" | wc -l)" != 1 ] || [ "${links#pipe:}" = "$links" ]; then
			bad replace "replaced fds name '$links', not one pipe"
		else
			case $reply in
			ok*) ok replace ;;
			*) bad replace "fixture not intact: $reply" ;;
			esac
		fi
	fi

	# --all-closewait: the VM is its own machine, so every CLOSE_WAIT socket
	# here is one of ours.
	if start sweep --mode accept --closewait 5; then
		pid=$(field sweep pid)
		out=$(/fdclose --no-syslog --all-closewait --method=close 2>&1)
		rc=$?
		echo "$out" | sed 's/^/    [sweep] /'
		open=""
		for fd in $(field sweep closewait); do
			[ -e "/proc/$pid/fd/$fd" ] && open="$open $fd"
		done
		# The kernel's own count: no socket left in CLOSE_WAIT (state 08).
		left=$(awk '$4 == "08"' /proc/net/tcp /proc/net/tcp6 | wc -l)
		reply=$(/cwctl -t 20 "$(field sweep ctl)" status 2>&1)
		if [ "$rc" != 0 ]; then
			bad sweep "fdclose --all-closewait exit $rc"
		elif [ -n "$open" ]; then
			bad sweep "fds still open:$open"
		elif [ "$left" != 0 ]; then
			bad sweep "$left socket(s) still in CLOSE_WAIT"
		else
			case $reply in
			ok*) ok sweep ;;
			*) bad sweep "fixture not intact: $reply" ;;
			esac
		fi
	fi
}

# vm_report NAME: the line the host's runner looks for, then power off.
vm_report() {
	echo "$1: $passed passed, $failed failed"
	poweroff -f
}
