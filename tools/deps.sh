#!/usr/bin/env bash
# deps.sh check|install [vm]: the Debian packages fdclose needs to build, test
# and benchmark; with "vm", also those only make check, make check-arch and
# make check-i386 need: the i386 test VM's (tests/vm/run-i386.sh: a 32-bit
# libc for the fixture, a static busybox for the VM's userland, qemu, cpio),
# the arm64 test VM's (tests/vm/run-aarch64.sh: qemu-system-aarch64,
# mmdebstrap for an arm64 sysroot, lld to link against it) and the real
# servers the t_method_* integration tests run by hand (redis, nginx,
# haproxy), and those of the packaging checks (tools/lint.sh and
# tools/package.sh: the bash completion under bash-completion, the .deb built
# with debhelper and checked with lintian; tools/hardening.sh: hardening-check
# from devscripts; tools/contrib.sh: systemd-analyze verify of the units, the
# Kubernetes manifest read with python3-yaml).  The integration tests parse
# the Prometheus text with python3-prometheus-client (t_list_prometheus,
# t_watch) and run the Ansible role with ansible-core (t_ansible).
# clang-tidy is for tools/lint.sh, libclang-rt-dev (libFuzzer, which clang
# only recommends) for make fuzz, libcap2-bin (setcap) for t_setid.
# `check` installs them when run
# as root and missing, or names the exact apt-get line to run otherwise;
# `install` installs them (idempotent).
#
# Debian's maintainer scripts start a service as soon as its package is
# installed.  No daemon may be left running on this machine (the tests start
# their own, in namespaces of their own), so while apt-get runs,
# /usr/sbin/policy-rc.d forbids every start (exit 101), and afterwards is
# put back as it was.
set -u

DEBS="pkg-config libunwind-dev libcapstone-dev libcmocka-dev liblzma-dev \
iproute2 util-linux procps gdb strace jq man-db cppcheck clang clang-tidy libclang-rt-dev \
libcap2-bin python3-prometheus-client ansible-core"
TOOLS="pkg-config ss ip unshare nsenter setpriv setcap gdb strace jq man cppcheck clang \
clang-tidy ansible-playbook"
VM_DEBS="gcc-multilib busybox-static qemu-system-x86 qemu-system-arm mmdebstrap lld cpio"
VM_TOOLS="busybox qemu-system-x86_64 qemu-system-aarch64 mmdebstrap ld.lld cpio"
SERVER_DEBS="redis-server nginx haproxy"
SERVER_TOOLS="redis-server redis-cli nginx haproxy"
PKG_DEBS="bash-completion debhelper dpkg-dev lintian devscripts systemd python3-yaml"
PKG_TOOLS="dh dpkg-buildpackage dpkg-deb lintian hardening-check systemd-analyze"
POLICY=/usr/sbin/policy-rc.d
POLICY_SAVED=$POLICY.fdclose-saved

if [ "${2:-}" = vm ]; then
	DEBS="$DEBS $VM_DEBS $SERVER_DEBS $PKG_DEBS"
	TOOLS="$TOOLS $VM_TOOLS $SERVER_TOOLS $PKG_TOOLS"
fi

missing() {
	pkg-config --exists libunwind-ptrace capstone cmocka 2>/dev/null || return 0
	# Debian's python3, not whatever python3 comes first on PATH.
	/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || return 0
	for t in $TOOLS; do
		# nginx and haproxy live in /usr/sbin, off a user's PATH.
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || return 0
	done
	# libFuzzer's runtime, where clang looks for it.
	[ -e "$(clang -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a" ] || return 0
	if [ "${2:-}" = vm ]; then
		[ -e /usr/lib32/libc.a ] || return 0
		[ -e /usr/share/bash-completion/bash_completion ] || return 0
		/usr/bin/python3 -c 'import yaml' 2>/dev/null || return 0
	fi
	return 1
}

# policy_deny / policy_restore: a policy-rc.d that forbids starting any
# service, and the one that was there before (if any) back.
policy_deny() {
	if [ -e "$POLICY" ] && [ ! -e "$POLICY_SAVED" ]; then
		mv "$POLICY" "$POLICY_SAVED" || return 1
	fi
	printf '#!/bin/sh\n# fdclose tools/deps.sh: no service starts while it installs.\nexit 101\n' \
		>"$POLICY.tmp" && chmod 755 "$POLICY.tmp" && mv "$POLICY.tmp" "$POLICY"
}

policy_restore() {
	rm -f "$POLICY" "$POLICY.tmp"
	[ ! -e "$POLICY_SAVED" ] || mv "$POLICY_SAVED" "$POLICY"
}

apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends $DEBS; then
		apt-get update -q && apt-get install -y -q --no-install-recommends $DEBS
	fi
}

install() {
	local rc
	policy_deny || { echo "fdclose: cannot write $POLICY" >&2; return 1; }
	trap 'policy_restore; exit 1' INT TERM HUP
	apt_install
	rc=$?
	policy_restore
	trap - INT TERM HUP
	return $rc
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
