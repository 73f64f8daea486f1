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
TIMEOUT=${VM_TIMEOUT:-600}

die() {
	printf 'vm-i386: %s\n' "$*" >&2
	exit 2
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
	local r=$VM/root t
	rm -rf "$r"
	mkdir -p "$r"/{bin,lib,proc,sys,dev,tmp}
	# The VM has no libc of its own: a dynamic busybox could not even start.
	readelf -l /bin/busybox 2>/dev/null | grep -q 'Requesting program interpreter' &&
		die "/bin/busybox is dynamically linked: install busybox-static"
	cp /bin/busybox "$r/bin/busybox" || die "busybox-static is not installed"
	for t in sh mount insmod ip sleep cat sed grep od head tail tr cut kill awk wc ls poweroff uname; do
		ln -s busybox "$r/bin/$t"
	done
	cp "$VM"/kernel/lib/modules/*/kernel/net/ipv4/{inet_diag,tcp_diag}.ko "$r/lib/" ||
		die "the kernel package has no inet_diag/tcp_diag modules"
	cp "$ROOT/fdclose" "$r/fdclose" || die "cannot copy fdclose"
	gcc -m32 -static -O2 -D_GNU_SOURCE -I"$ROOT" -o "$r/cwfix32" "$ROOT/fixtures/cwfix.c" ||
		die "cannot build a 32-bit cwfix (gcc-multilib)"
	gcc -static -O2 -D_GNU_SOURCE -I"$ROOT" -o "$r/cwctl" "$ROOT/fixtures/cwctl.c" ||
		die "cannot build a static cwctl"
	gcc -static -O2 -D_GNU_SOURCE -I"$ROOT" -o "$r/sigstorm" "$ROOT/fixtures/sigstorm.c" ||
		die "cannot build a static sigstorm"
	install -m 755 "$ROOT/tests/vm/i386-init.sh" "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$VM/initrd.gz" ||
		die "cannot pack the initramfs"
}

boot() {
	local kernel
	kernel=$(ls "$VM"/kernel/boot/vmlinuz-* | head -1)
	timeout "$TIMEOUT" qemu-system-x86_64 -machine accel=tcg -cpu max -smp 2 -m 512 \
		-nographic -no-reboot -kernel "$kernel" -initrd "$VM/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet rdinit=/init" </dev/null 2>&1 |
		tr -d '\r' | tee "$VM/console.log"
	case ${PIPESTATUS[0]} in
	0) ;;
	124) die "the VM did not power off within $TIMEOUT s (see $VM/console.log)" ;;
	*) die "qemu failed (see $VM/console.log)" ;;
	esac
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
line=$(grep -a '^i386: [0-9]* passed, [0-9]* failed' "$VM/console.log" | tail -1)
[ -n "$line" ] || die "the VM did not report (see $VM/console.log)"
# As many passes as the script has cases: one that never ran is no pass.
want=$(grep -ac '^PASS \|^FAIL ' "$VM/console.log")
expect=$(sed -n 's/^EXPECT=//p' "$ROOT/tests/vm/i386-init.sh")
case $line in
"i386: $expect passed, 0 failed") exit 0 ;;
*) echo "vm-i386: expected $expect passes and no failure ($want cases reported)" >&2; exit 1 ;;
esac
