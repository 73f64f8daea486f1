#!/bin/sh
# /init of the i386 test VM (tests/vm/run-i386.sh builds it): a 64-bit
# fdclose against a 32-bit cwfix, on a kernel that runs i386 programs.  The
# cases are tests/vm/guest.sh's; says "i386: N passed, N failed" and powers
# off.
export PATH=/bin
# How many cases pass when all is well; run-i386.sh holds the result to it.
EXPECT=19
PERSONALITY=i386
CWFIX=/cwfix32
. /guest.sh
vm_setup

# EI_CLASS, the ELF header's fifth byte: 1 for a 32-bit program.
class=$(head -c 5 /cwfix32 | tail -c 1 | od -An -tx1 | tr -d ' ')
if [ "$class" = 01 ]; then ok elf32; else bad elf32 "cwfix32 has ELF class $class"; fi

vm_cases
vm_report i386
