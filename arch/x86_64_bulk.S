/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Closes many fds in one run inside the target, copied into a scratch
 * mapping there and entered with every signal blocked.  It needs nothing
 * from outside the thread: no pid number (a pid namespace numbers them
 * otherwise), no signal, no stack of the application.
 *
 * When the closes are done it parks: it says so in its frame and sleeps in
 * ppoll() on no fds.  fdclose sees the state, interrupts the sleep and puts
 * the thread back itself.  ppoll leaves the thread's restart block alone
 * (nanosleep and clock_nanosleep reset it on entry, whatever their mode),
 * so a restart_syscall the application still has pending restarts the
 * application's call, not ours; interrupted, ppoll writes back the time
 * that is left, so each restart waits only for the rest.
 *
 * If nobody comes back (fdclose was killed, or stopped longer than the
 * park), the loop goes home by itself: it marks its frame, puts back the
 * thread's signal mask and every general register and flag fdclose found,
 * restart rules already applied, and jumps to where the thread was.  Only
 * the scratch mapping is left behind.
 *
 * In:	%rbx fds (int32[]), %rbp results (int32[]), %r12 count; the frame
 *	at XB_DATA_OFFSET from the first instruction.  %r15 is the index.
 */
#include "arch/x86_64_bulk.h"

#define FRAME(field)	(.Lbase + XB_DATA_OFFSET + (field))(%rip)

	.section .rodata
	.balign 16
	.globl	x86_64_bulk_close_start
	.globl	x86_64_bulk_close_len
x86_64_bulk_close_start:
.Lbase:
	xor	%r15d, %r15d
1:	cmp	%r12, %r15
	jae	2f
	movslq	(%rbx,%r15,4), %rdi
	mov	$3, %eax		/* close */
	syscall
	mov	%eax, (%rbp,%r15,4)
	inc	%r15
	jmp	1b

2:	movl	$1, FRAME(XB_STATE)	/* BULK_PARKED */
3:	mov	$271, %eax		/* ppoll(NULL, 0, &park, NULL, 8) */
	xor	%edi, %edi
	xor	%esi, %esi
	lea	FRAME(XB_PARK_TS), %rdx
	xor	%r10d, %r10d
	mov	$8, %r8d
	syscall
	cmp	$-4, %rax		/* -EINTR: wait for the rest */
	je	3b

.Lhome:
	movl	$2, FRAME(XB_STATE)	/* BULK_HOME: fdclose must not restore us again */
	mov	$14, %eax		/* rt_sigprocmask(SIG_SETMASK, &mask, NULL, 8) */
	mov	$2, %edi
	lea	FRAME(XB_SIGMASK), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	lea	FRAME(XB_STACK_TOP), %rsp
	pushq	FRAME(XB_RFLAGS)
	popfq				/* no instruction below changes a flag */
	mov	FRAME(XB_RAX), %rax
	mov	FRAME(XB_RBX), %rbx
	mov	FRAME(XB_RCX), %rcx
	mov	FRAME(XB_RDX), %rdx
	mov	FRAME(XB_RSI), %rsi
	mov	FRAME(XB_RDI), %rdi
	mov	FRAME(XB_RBP), %rbp
	mov	FRAME(XB_R8), %r8
	mov	FRAME(XB_R9), %r9
	mov	FRAME(XB_R10), %r10
	mov	FRAME(XB_R11), %r11
	mov	FRAME(XB_R12), %r12
	mov	FRAME(XB_R13), %r13
	mov	FRAME(XB_R14), %r14
	mov	FRAME(XB_R15), %r15
	mov	FRAME(XB_RSP), %rsp
	jmp	*FRAME(XB_RIP)
x86_64_bulk_close_end:

	/* The length as data: C may not subtract addresses of two objects. */
	.balign 8
x86_64_bulk_close_len:
	.quad	x86_64_bulk_close_end - x86_64_bulk_close_start

	.section .note.GNU-stack, "", @progbits
