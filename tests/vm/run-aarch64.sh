#!/usr/bin/env bash
# tests/vm/run-aarch64.sh: fdclose on a real arm64 kernel.
#
# The aarch64 personality (arch/aarch64.c) is exercised in a throwaway VM:
# qemu-system-aarch64 -M virt under software emulation boots Debian's arm64
# kernel with an initramfs of busybox, a static arm64 fdclose, cwfix, cwctl,
# sigstorm and svefix (tests/vm/svefix.c), tests/vm/guest.sh and
# tests/vm/aarch64-init.sh as /init.
# Kernel, busybox and the static libraries come from an arm64 sysroot that
# mmdebstrap extracts from the mirror this machine's apt already uses; clang
# and lld cross-build against it.  The sysroot is kept in build/vm-aarch64
# (a rerun reuses it), the arm64 objects in build/aarch64.
#
# Prints the VM's console and ends with its line "aarch64: N passed, N
# failed"; exits 0 only when every case passed.  Like the integration tests
# it skips (says so, exits 0) only when not run as root.  Needs
# qemu-system-arm, mmdebstrap, clang, lld and cpio (tools/deps.sh vm).
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM=$ROOT/build/vm-aarch64
SYSROOT=$VM/sysroot
OBJ=$ROOT/build/aarch64
VM_NAME=aarch64
# shellcheck source=tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"

# elapsed START: seconds since START (a date +%s.%N reading), for the log.
elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# The mirror this machine's apt takes its own release's main from: as apt
# sees it once its lists are fetched, else as its sources name it (one-line
# "deb URL SUITE ..." or deb822 "URIs:"/"Suites:" stanzas).
mirror() {
	local suite url
	suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	url=$(apt-cache policy 2>/dev/null | awk -v s="$suite/main" '$3 == s { print $2; exit }')
	[ -n "$url" ] || url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$suite" '
		$1 == "deb" { sub(/\[[^]]*\] */, ""); if ($3 == s) { print $2; exit } }
		/^$/ { uri = ""; suites = "" }
		$1 == "URIs:" { uri = $2 }
		$1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == s) suites = s }
		uri != "" && suites != "" { print uri; exit }')
	echo "$url"
}

# The static libraries, busybox and the kernel, extracted (not installed) once.
fetch_sysroot() {
	local suite url gcc_major
	[ -e "$SYSROOT/.complete" ] && return 0
	suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	url=$(mirror)
	[ -n "$url" ] || vm_die "no mirror for $suite/main in apt-cache policy"
	# clang links with the gcc runtime of the same release as the host's gcc.
	gcc_major=$(gcc -dumpversion | cut -d. -f1)
	rm -rf "$SYSROOT" "$SYSROOT.tmp"
	mmdebstrap --quiet --arch=arm64 --variant=extract \
		--include="libc6-dev,libgcc-$gcc_major-dev,libcapstone-dev,libunwind-dev,busybox-static,linux-image-arm64" \
		"$suite" "$SYSROOT.tmp" "$url" >"$VM/mmdebstrap.log" 2>&1 ||
		vm_die "mmdebstrap failed (see $VM/mmdebstrap.log)"
	touch "$SYSROOT.tmp/.complete" && mv "$SYSROOT.tmp" "$SYSROOT" ||
		vm_die "cannot move the sysroot into place"
}

# fdclose through the Makefile, with arm64 objects of its own.
build_arm64() {
	local cc="clang --target=aarch64-linux-gnu --sysroot=$SYSROOT" f
	local pc_env=(PKG_CONFIG_SYSROOT_DIR="$SYSROOT"
		PKG_CONFIG_LIBDIR="$SYSROOT/usr/lib/aarch64-linux-gnu/pkgconfig:$SYSROOT/usr/share/pkgconfig")
	env "${pc_env[@]}" make -C "$ROOT" --no-print-directory -s ARCH=aarch64 OBJDIR=build/aarch64 \
		FDCLOSE=build/aarch64/fdclose CC="$cc" CFLAGS="-O2 -g" \
		LDFLAGS=-fuse-ld=lld \
		PC_CFLAGS="$(env "${pc_env[@]}" pkg-config --cflags libunwind-ptrace capstone)" \
		build >"$VM/build.log" 2>&1 || vm_die "cannot build an arm64 fdclose (see $VM/build.log)"
	for f in cwfix cwctl sigstorm; do
		$cc -fuse-ld=lld -static -O2 -D_GNU_SOURCE -I"$ROOT" -Wall -Wextra -Werror -pthread \
			-o "$OBJ/$f" "$ROOT/fixtures/$f.c" -lm >>"$VM/build.log" 2>&1 ||
			vm_die "cannot build an arm64 $f (see $VM/build.log)"
	done
	$cc -fuse-ld=lld -static -O2 -march=armv8.2-a+sve -Wall -Wextra -Werror -o "$OBJ/svefix" \
		"$ROOT/tests/vm/svefix.c" >>"$VM/build.log" 2>&1 ||
		vm_die "cannot build svefix (see $VM/build.log)"
}

build_initramfs() {
	local r=$VM/root f
	vm_root "$r" "$SYSROOT/bin/busybox" "$(ls -d "$SYSROOT"/lib/modules/* | head -1)" \
		"$ROOT/tests/vm/aarch64-init.sh"
	for f in fdclose cwfix cwctl sigstorm svefix; do
		cp "$OBJ/$f" "$r/$f" || vm_die "cannot copy $f"
	done
	vm_pack "$r" "$VM/initrd.gz"
}

# pauth-impdef: pointer authentication with the cheap algorithm (the
# architected one costs a boot of 8 s instead of 3 under emulation).
boot() {
	vm_boot "$VM/console.log" qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -smp 2 \
		-m 512 -nographic -no-reboot -kernel "$(ls "$SYSROOT"/boot/vmlinuz-* | head -1)" \
		-initrd "$VM/initrd.gz" -append "console=ttyAMA0 panic=-1 quiet rdinit=/init"
}

if [ "$(id -u)" != 0 ]; then
	echo "aarch64: skipped (needs root to extract the sysroot and build the VM)"
	exit 0
fi
mkdir -p "$VM" "$OBJ" || vm_die "cannot create $VM"
t=$(date +%s.%N)
fetch_sysroot
echo "vm-aarch64: sysroot ready in $(elapsed "$t") s"
t=$(date +%s.%N)
build_arm64
build_initramfs
echo "vm-aarch64: arm64 build and initramfs in $(elapsed "$t") s"
t=$(date +%s.%N)
boot
echo "vm-aarch64: VM ran in $(elapsed "$t") s"
vm_verdict "$VM/console.log" "$ROOT/tests/vm/aarch64-init.sh"
