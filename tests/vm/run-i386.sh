#!/usr/bin/env bash
# tests/vm/run-i386.sh: fdclose against real 32-bit processes.
#
# This machine's kernel cannot run i386 programs, so the i386 personality
# (arch/x86_64.c) is exercised in a throwaway VM: Debian's own amd64 kernel
# (fetched with apt-get download, never installed), an initramfs holding
# busybox, the static fdclose, a static 32-bit cwfix and cwctl, and
# tests/vm/i386-init.sh as /init.  qemu runs it under software emulation.
# Prints the VM's console and ends with its line
# "i386: N passed, N failed"; exits 0 only when every case passed.  Like the
# integration tests it skips (says so, exits 0) only when not run as root.
#
# Needs gcc-multilib, busybox-static, qemu-system-x86 and cpio, which
# `make check` and `make check-i386` install.  Scratch lives in build/vm.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM=$ROOT/build/vm

VM_NAME=i386
# shellcheck source=tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"

die() {
	vm_die "$@"
}

# The newest linux-image-*-amd64 that linux-image-amd64 depends on.
fetch_kernel() {
	local pkg deb
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || die "cannot tell which kernel linux-image-amd64 depends on"
	deb=$(ls "$VM/$pkg"_*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		(cd "$VM" && apt-get download "$pkg") >/dev/null 2>&1 ||
			die "apt-get download $pkg failed"
		deb=$(ls "$VM/$pkg"_*.deb | head -1)
	fi
	rm -rf "$VM/kernel"
	mkdir -p "$VM/kernel" || die "cannot create $VM/kernel"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$VM/kernel" ./boot \
		--wildcards './lib/modules/*/kernel/net/ipv4/inet_diag.ko' \
		'./lib/modules/*/kernel/net/ipv4/tcp_diag.ko' ||
		die "cannot unpack $deb"
}

build_initramfs() {
	local r=$VM/root
	vm_root "$r" /bin/busybox "$(ls -d "$VM"/kernel/lib/modules/* | head -1)" \
		"$ROOT/tests/vm/i386-init.sh"
	cp "$ROOT/fdclose" "$r/fdclose" || die "cannot copy fdclose"
	gcc -m32 -static -O2 -D_GNU_SOURCE -I"$ROOT" -o "$r/cwfix32" "$ROOT/fixtures/cwfix.c" ||
		die "cannot build a 32-bit cwfix (gcc-multilib)"
	gcc -static -O2 -pthread -D_GNU_SOURCE -I"$ROOT" -o "$r/cwfix64" "$ROOT/fixtures/cwfix.c" -lm ||
		die "cannot build a static 64-bit cwfix"
	gcc -static -O2 -D_GNU_SOURCE -I"$ROOT" -o "$r/cwctl" "$ROOT/fixtures/cwctl.c" ||
		die "cannot build a static cwctl"
	gcc -static -O2 -D_GNU_SOURCE -I"$ROOT" -o "$r/sigstorm" "$ROOT/fixtures/sigstorm.c" ||
		die "cannot build a static sigstorm"
	vm_pack "$r" "$VM/initrd.gz"
}

boot() {
	vm_boot "$VM/console.log" qemu-system-x86_64 -machine accel=tcg -cpu max -smp 2 -m 512 \
		-nographic -no-reboot -kernel "$(ls "$VM"/kernel/boot/vmlinuz-* | head -1)" \
		-initrd "$VM/initrd.gz" -append "console=ttyS0 panic=-1 quiet rdinit=/init"
}

if [ "$(id -u)" != 0 ]; then
	echo "i386: skipped (needs root to fetch the kernel and build the VM)"
	exit 0
fi
[ -x "$ROOT/fdclose" ] || die "build fdclose first (make build)"
mkdir -p "$VM" || die "cannot create $VM"
fetch_kernel
build_initramfs
boot
vm_verdict "$VM/console.log" "$ROOT/tests/vm/i386-init.sh"
