/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame of the x86_64 bulk close loop, shared by arch/x86_64_bulk.S and
 * arch/x86_64.c: it starts the loop's data page, which lies XB_DATA_OFFSET
 * bytes after the loop's first instruction, so the loop finds it with
 * rip-relative addressing and needs no register to point at it.
 */
#ifndef FDCLOSE_ARCH_X86_64_BULK_H
#define FDCLOSE_ARCH_X86_64_BULK_H

#define XB_DATA_OFFSET	4096
#define XB_STATE	0	/* u32, written by the loop: enum bulk_state */
#define XB_PARK_TS	16	/* struct timespec: how long to wait for fdclose */
#define XB_SIGMASK	32	/* u64: the thread's own mask, put back on the way home */
#define XB_RFLAGS	40
#define XB_RIP		48
#define XB_RSP		56
#define XB_RAX		64
#define XB_RBX		72
#define XB_RCX		80
#define XB_RDX		88
#define XB_RSI		96
#define XB_RDI		104
#define XB_RBP		112
#define XB_R8		120
#define XB_R9		128
#define XB_R10		136
#define XB_R11		144
#define XB_R12		152
#define XB_R13		160
#define XB_R14		168
#define XB_R15		176
#define XB_STACK_TOP	256	/* 72 bytes of stack for popfq, below this */
#define XB_FRAME_LEN	256

#endif
