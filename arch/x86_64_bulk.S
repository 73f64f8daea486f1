/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Closes many fds in one run inside the target: copied into a scratch
 * mapping there, entered with every signal blocked, and left by stopping
 * itself with SIGSTOP, the one stop that neither a blocked mask nor a
 * handler can turn away and that, unlike int3, makes the kernel reset no
 * SIGTRAP handler.  fdclose swallows that SIGSTOP at the stop.  One side
 * effect cannot be avoided: sending a stop signal discards a SIGCONT that
 * is pending for the target at that moment (a rare state: SIGCONT is
 * seldom blocked).
 *
 * In:	%rbx fds (int32[]), %rbp results (int32[]), %r12 count,
 *	%r13 tgid, %r14 tid.  Uses %r15 as the index; no stack, no memory
 *	but the two arrays, so it runs whatever the thread was doing.
 */
	.section .rodata
	.balign 16
	.globl	x86_64_bulk_close_start
	.globl	x86_64_bulk_close_len
x86_64_bulk_close_start:
	xor	%r15d, %r15d
1:	cmp	%r12, %r15
	jae	2f
	movslq	(%rbx,%r15,4), %rdi
	mov	$3, %eax		/* close */
	syscall
	mov	%eax, (%rbp,%r15,4)
	inc	%r15
	jmp	1b
2:	mov	$234, %eax		/* tgkill(tgid, tid, SIGSTOP) */
	mov	%r13, %rdi
	mov	%r14, %rsi
	mov	$19, %edx
	syscall
	jmp	2b			/* never resumed here by fdclose */
x86_64_bulk_close_end:

	/* The length as data: C may not subtract addresses of two objects. */
	.balign 8
x86_64_bulk_close_len:
	.quad	x86_64_bulk_close_end - x86_64_bulk_close_start

	.section .note.GNU-stack, "", @progbits
