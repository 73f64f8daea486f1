# tests/vm/lib.sh: what the test VMs' runners (run-i386.sh, run-aarch64.sh)
# share: an initramfs of a static busybox, the kernel's socket-diag modules,
# the guest cases (guest.sh) and an /init; a qemu boot with a deadline and
# the console kept; the verdict read off the console.  Sourced; VM_NAME
# names the VM in messages and in the result line.

vm_die() {
	printf 'vm-%s: %s\n' "$VM_NAME" "$*" >&2
	exit 2
}

# vm_root DIR BUSYBOX MODULES INIT: a fresh initramfs tree in DIR with the
# static BUSYBOX, inet_diag and tcp_diag from the kernel's module tree
# MODULES (lib/modules/VERSION), tests/vm/guest.sh and INIT as /init.
vm_root() {
	local r=$1 busybox=$2 modules=$3 init=$4 t m
	rm -rf "$r"
	mkdir -p "$r"/{bin,lib,proc,sys,dev,tmp} || vm_die "cannot create $r"
	# The VM has no libc of its own: a dynamic busybox could not even start.
	readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter' &&
		vm_die "$busybox is dynamically linked: a static busybox is needed"
	cp "$busybox" "$r/bin/busybox" || vm_die "no busybox at $busybox"
	for t in sh mount insmod ip sleep cat sed grep od head tail tr cut kill awk wc ls poweroff \
		uname date readlink sort; do
		ln -s busybox "$r/bin/$t"
	done
	for m in inet_diag tcp_diag; do
		cp "$modules/kernel/net/ipv4/$m.ko" "$r/lib/" ||
			vm_die "the kernel has no $m module in $modules"
	done
	install -m 644 "$ROOT/tests/vm/guest.sh" "$r/guest.sh" || vm_die "cannot copy guest.sh"
	install -m 755 "$init" "$r/init" || vm_die "cannot copy $init"
}

# vm_pack DIR OUT: DIR as a gzipped newc cpio archive.
vm_pack() {
	(cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) >"$2" ||
		vm_die "cannot pack the initramfs"
}

# vm_boot LOG QEMU ARGS...: runs qemu until the guest powers off (at most
# VM_TIMEOUT seconds), the console shown and kept in LOG.
vm_boot() {
	local log=$1
	shift
	timeout "${VM_TIMEOUT:-600}" "$@" </dev/null 2>&1 | tr -d '\r' | tee "$log"
	case ${PIPESTATUS[0]} in
	0) ;;
	124) vm_die "the VM did not power off within ${VM_TIMEOUT:-600} s (see $log)" ;;
	*) vm_die "qemu failed (see $log)" ;;
	esac
}

# vm_verdict LOG INIT: 0 when the console's "VM_NAME: N passed, 0 failed"
# has as many passes as INIT's EXPECT= says: a case that never ran is no pass.
vm_verdict() {
	local log=$1 init=$2 line want expect
	line=$(grep -a "^$VM_NAME: [0-9]* passed, [0-9]* failed" "$log" | tail -1)
	[ -n "$line" ] || vm_die "the VM did not report (see $log)"
	want=$(grep -ac '^PASS \|^FAIL ' "$log")
	expect=$(sed -n 's/^EXPECT=//p' "$init")
	[ "$line" = "$VM_NAME: $expect passed, 0 failed" ] && return 0
	echo "vm-$VM_NAME: expected $expect passes and no failure ($want cases reported)" >&2
	return 1
}
