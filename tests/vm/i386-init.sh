#!/bin/sh
# /init of the i386 test VM (tests/vm/run-i386.sh builds it): a 64-bit
# fdclose against a 32-bit cwfix, on a kernel that runs i386 programs.  The
# cases are tests/vm/guest.sh's, then a few against a 64-bit cwfix on this
# kernel (Debian 12's own); says "i386: N passed, N failed" and powers off.
export PATH=/bin
# How many cases pass when all is well; run-i386.sh holds the result to it.
EXPECT=24
PERSONALITY=i386
CWFIX=/cwfix32
. /guest.sh
vm_setup

# EI_CLASS, the ELF header's fifth byte: 1 for a 32-bit program.
class=$(head -c 5 /cwfix32 | tail -c 1 | od -An -tx1 | tr -d ' ')
if [ "$class" = 01 ]; then ok elf32; else bad elf32 "cwfix32 has ELF class $class"; fi

vm_cases

# x86_64 on this kernel too (Debian 12's own): parked in a call behind the
# pc, a sleep that must keep its time, the [vdso]'s syscall for a busy
# thread, and the bulk loop's mmap, mprotect and munmap.
PERSONALITY=x86_64
CWFIX=/cwfix64
for mode in read accept; do
	start "n$mode" --mode "$mode" --closewait 2 && closes "n$mode" $(field "n$mode" closewait)
done
if start nsleep --mode nanosleep --sleep-ms 3000 --slack-ms 1000 --closewait 1; then
	sleep 1
	closes nsleep "$(field nsleep closewait)"
fi
if start nbusy --mode busy --closewait 3; then
	set -- $(field nbusy closewait)
	closes nbusy "$1"
fi
if start nmany --mode read --closewait 20; then
	closes nmany $(field nmany closewait)
fi
vm_report i386
