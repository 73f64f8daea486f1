#!/usr/bin/env bash
# deps.sh check|install [vm]: the Debian packages fdclose needs to build, test
# and benchmark; with "vm", also those of the i386 test VM
# (tests/vm/run-i386.sh: a 32-bit libc for the fixture, a static busybox for
# the VM's userland, qemu, cpio), which only make check and make check-i386
# need.  `check` installs them when run as root and missing, or names the
# exact apt-get line to run otherwise; `install` installs them (idempotent).
set -u

DEBS="pkg-config libunwind-dev libcapstone-dev libcmocka-dev liblzma-dev \
iproute2 util-linux procps gdb strace jq man-db cppcheck clang"
TOOLS="pkg-config ss ip unshare nsenter setpriv gdb strace jq man cppcheck clang"
VM_DEBS="gcc-multilib busybox-static qemu-system-x86 cpio"
VM_TOOLS="busybox qemu-system-x86_64 cpio"

if [ "${2:-}" = vm ]; then
	DEBS="$DEBS $VM_DEBS"
	TOOLS="$TOOLS $VM_TOOLS"
fi

missing() {
	pkg-config --exists libunwind-ptrace capstone cmocka 2>/dev/null || return 0
	for t in $TOOLS; do
		command -v "$t" >/dev/null 2>&1 || return 0
	done
	if [ "${2:-}" = vm ]; then
		[ -e /usr/lib32/libc.a ] || return 0
	fi
	return 1
}

install() {
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends $DEBS; then
		apt-get update -q && apt-get install -y -q --no-install-recommends $DEBS
	fi
}

case "${1:-check}" in
install)
	install
	;;
check)
	missing "$@" || exit 0
	if [ "$(id -u)" = 0 ]; then
		echo "fdclose: installing build dependencies with apt-get" >&2
		install >&2 || exit 1
		missing "$@" && { echo "fdclose: dependencies still missing after apt-get" >&2; exit 1; }
		exit 0
	fi
	echo "fdclose: missing build dependencies; as root run:" >&2
	echo "  apt-get install -y --no-install-recommends $DEBS" >&2
	exit 1
	;;
*)
	echo "usage: $0 check|install [vm]" >&2
	exit 2
	;;
esac
