// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seccomp interpreter on hand-written filters, then against the kernel:
 * children install filters (no privilege needed with no_new_privs) whose
 * verdicts are only ALLOW or ERRNO and report what their syscalls saw.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "arch/arch.h"
#include "injector/seccomp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define LD_ABS(k) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (k))
#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
/* Little-endian, as every arch fdclose supports: the low half comes first. */
#define OFF_IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define OFF_IP_HI (OFF_IP_LO + 4)
#define OFF_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define OFF_ARG_HI(i) (OFF_ARG_LO(i) + 4)
#define RUN(prog, d) seccomp_run((prog), ARRAY_SIZE(prog), (d))

/* Syscall numbers of the hand-written programs: any will do, these are x86_64's. */
enum { NR_READ = 0, NR_WRITE = 1, NR_CLOSE = 3, NR_MPROTECT = 10, NR_IOCTL = 16,
       NR_GETPPID = 110 };

static struct seccomp_data sd(long nr, uint64_t a0, uint64_t a1)
{
	const uint64_t args[6] = { a0, a1, 0, 0, 0, 0 };
	struct seccomp_data d;

	seccomp_data_fill(&d, AUDIT_ARCH_X86_64, nr, 0x401000, args);
	return d;
}

static void test_data_fill_and_layout(void **state)
{
	const uint64_t args[6] = { 0x100000002ULL, 3, 4, 5, 6, 0xffffffffffffffffULL };
	const struct sock_filter lo[] = { LD_ABS(OFF_ARG_LO(0)), BPF_STMT(BPF_RET | BPF_A, 0) };
	const struct sock_filter hi[] = { LD_ABS(OFF_ARG_HI(0)), BPF_STMT(BPF_RET | BPF_A, 0) };
	struct seccomp_data d;

	(void)state;
	seccomp_data_fill(&d, AUDIT_ARCH_X86_64, 3, 0x7f0000401000ULL, args);
	assert_int_equal(d.nr, 3);
	assert_int_equal(d.arch, AUDIT_ARCH_X86_64);
	assert_true(d.instruction_pointer == 0x7f0000401000ULL);
	assert_true(d.args[5] == 0xffffffffffffffffULL);
	assert_int_equal(RUN(lo, &d), 2);
	assert_int_equal(RUN(hi, &d), 1);
	/* A 32-bit ABI's registers hold 32 bits: -1 reads 0xffffffff, high half 0. */
	seccomp_data_fill(&d, AUDIT_ARCH_I386, 6, 0x1ffff0000ULL, args);
	assert_true(d.instruction_pointer == 0xffff0000ULL);
	assert_true(d.args[0] == 2);
	assert_true(d.args[5] == 0xffffffffULL);
}

/* libseccomp's shape: arch check, then a chain of nr tests, default action last. */
static void test_arch_check_then_kill(void **state)
{
	const struct sock_filter prog[] = {
		LD_ABS(OFF_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		LD_ABS(OFF_NR),
		BPF_JUMP(BPF_JGE | BPF_JMP | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(ENOSYS)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_CLOSE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 7),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct seccomp_data d = sd(NR_READ, 0, 0);

	(void)state;
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_ALLOW);
	d = sd(NR_CLOSE, 5, 0);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_TRAP | 7);
	d = sd(0x40000000 | NR_CLOSE, 5, 0);		/* an x32 number */
	assert_int_equal(RUN(prog, &d), ERRNO(ENOSYS));
	d.arch = AUDIT_ARCH_I386;
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_KILL_PROCESS);
}

/* systemd's shape: one JEQ per allowed nr, all jumping to a shared RET. */
static void test_nr_jump_table(void **state)
{
	const struct sock_filter prog[] = {
		LD_ABS(OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_READ, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_WRITE, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_IOCTL, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_GETPPID, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	/* A binary split the way libseccomp's optimizer emits it. */
	const struct sock_filter tree[] = {
		LD_ABS(OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, NR_IOCTL, 0, 3),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_GETPPID, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 200, 3, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(EACCES)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct seccomp_data d;
	long nr;

	(void)state;
	for (nr = 0; nr < 300; nr++) {
		bool listed = nr == NR_READ || nr == NR_WRITE || nr == NR_IOCTL ||
			      nr == NR_GETPPID;

		d = sd(nr, 0, 0);
		assert_int_equal(RUN(prog, &d), listed ? SECCOMP_RET_ALLOW : ERRNO(EPERM));
	}
	d = sd(NR_GETPPID, 0, 0);
	assert_int_equal(RUN(tree, &d), SECCOMP_RET_ALLOW);
	d = sd(250, 0, 0);
	assert_int_equal(RUN(tree, &d), SECCOMP_RET_ALLOW);
	d = sd(150, 0, 0);
	assert_int_equal(RUN(tree, &d), SECCOMP_RET_LOG);
	d = sd(NR_WRITE, 0, 0);
	assert_int_equal(RUN(tree, &d), SECCOMP_RET_ALLOW);
	d = sd(NR_MPROTECT, 0, 0);
	assert_int_equal(RUN(tree, &d), ERRNO(EACCES));
}

/*
 * libseccomp's 64-bit argument tests: high half first, then the low half.
 * mprotect(addr, len, prot): EPERM when prot has PROT_EXEC (systemd's
 * MemoryDenyWriteExecute), ioctl(fd, req) allowed only for req == 0x5401,
 * close(fd) killed for fd > 0x1_0000_0000.
 */
static void test_argument_hi_lo_comparisons(void **state)
{
	const struct sock_filter prog[] = {
		LD_ABS(OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_MPROTECT, 0, 4),
		LD_ABS(OFF_ARG_LO(2)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x4, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_IOCTL, 0, 6),
		LD_ABS(OFF_ARG_HI(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
		LD_ABS(OFF_ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x5401, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(ENOTTY)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* close: hi > 1, or hi == 1 and lo > 0 */
		LD_ABS(OFF_ARG_HI(0)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 1, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3),
		LD_ABS(OFF_ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct seccomp_data d;

	(void)state;
	d = sd(NR_MPROTECT, 0x7000, 0x1000);
	d.args[2] = 0x1 | 0x4;
	assert_int_equal(RUN(prog, &d), ERRNO(EPERM));
	d.args[2] = 0x1 | 0x2;
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_ALLOW);
	d = sd(NR_IOCTL, 3, 0x5401);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_ALLOW);
	d = sd(NR_IOCTL, 3, 0x100005401ULL);
	assert_int_equal(RUN(prog, &d), ERRNO(ENOTTY));
	d = sd(NR_IOCTL, 3, 0x5402);
	assert_int_equal(RUN(prog, &d), ERRNO(ENOTTY));
	d = sd(NR_CLOSE, 0x100000000ULL, 0);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_ALLOW);
	d = sd(NR_CLOSE, 0x100000001ULL, 0);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_KILL_THREAD);
	d = sd(NR_CLOSE, 0x200000000ULL, 0);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_KILL_THREAD);
	d = sd(NR_CLOSE, 0xffffffffULL, 0);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_ALLOW);
}

/* Syscalls allowed only from one code range: the injected one comes from elsewhere. */
static void test_instruction_pointer_checks(void **state)
{
	const struct sock_filter prog[] = {
		LD_ABS(OFF_IP_HI),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x7f00, 0, 3),
		LD_ABS(OFF_IP_LO),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x10000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	const uint64_t args[6] = { 0 };
	struct seccomp_data d;

	(void)state;
	seccomp_data_fill(&d, AUDIT_ARCH_X86_64, NR_CLOSE, 0x7f0010000002ULL, args);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_ALLOW);
	seccomp_data_fill(&d, AUDIT_ARCH_X86_64, NR_CLOSE, 0x7f000fffffffULL, args);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_TRAP);
	seccomp_data_fill(&d, AUDIT_ARCH_X86_64, NR_CLOSE, 0x7f0110000002ULL, args);
	assert_int_equal(RUN(prog, &d), SECCOMP_RET_TRAP);
}

/* Returns the program's A: every ALU op, both operand forms, scratch words. */
static void test_alu_and_scratch(void **state)
{
	const struct sock_filter prog[] = {
		LD_ABS(OFF_NR),				/* A = 7 */
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 6),		/* 42 */
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),		/* X = 64 */
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),		/* 106 */
		BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 6),		/* 100 */
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 7),		/* 14 */
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 0x100),	/* 0x10e */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x10c),	/* 0x10c */
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 0x1),	/* 0x10d */
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 4),		/* 0x10d0 */
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 1),		/* 0x868 */
		BPF_STMT(BPF_ALU | BPF_NEG, 0),			/* -0x868 */
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_MEM, 3),			/* 42 */
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),		/* 42 - 0x868 */
		BPF_STMT(BPF_STX, 15),
		BPF_STMT(BPF_LDX | BPF_MEM, 3),			/* X = 42 */
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0),
		BPF_STMT(BPF_LDX | BPF_IMM, 2),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),		/* unsigned */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_X, 0),		/* 0 or 2 */
		BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),		/* 2 */
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),		/* 0 */
		BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0),		/* -2 */
		BPF_STMT(BPF_ST, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),		/* 64 */
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0),		/* << (64 & 31): unchanged */
		BPF_STMT(BPF_LDX | BPF_IMM, 33),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0),		/* >> 1, logical: 0x7fffffff */
		BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 33),	/* 0x7fffffff again */
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 2),		/* 0xfffffffe, wraps */
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 3),		/* 1, wraps */
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct seccomp_data d = sd(7, 0, 0);

	(void)state;
	assert_int_equal(RUN(prog, &d), 1);
}

static void test_division_by_zero_and_ret_a(void **state)
{
	const struct sock_filter div_x[] = {
		BPF_STMT(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW),
		LD_ABS(OFF_ARG_LO(0)),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_IMM, ERRNO(EPERM) * 2),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	const struct sock_filter div_k0[] = {
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	/* A and X start at zero: ret A returns KILL_THREAD. */
	const struct sock_filter ret_a[] = { BPF_STMT(BPF_RET | BPF_A, 0) };
	const struct sock_filter ret_x[] = {
		BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_LOG),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct seccomp_data d = sd(NR_CLOSE, 2, 0);

	(void)state;
	assert_int_equal(RUN(div_x, &d), ERRNO(EPERM));
	d = sd(NR_CLOSE, 0, 0);
	assert_int_equal(RUN(div_x, &d), SECCOMP_RET_KILL_THREAD);
	/* The kernel refuses to install a division by a constant zero. */
	assert_int_equal(seccomp_prog_check(div_k0, ARRAY_SIZE(div_k0)), -EINVAL);
	assert_int_equal(RUN(div_k0, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(RUN(ret_a, &d), SECCOMP_RET_KILL_THREAD);
	assert_int_equal(RUN(ret_x, &d), SECCOMP_RET_LOG);
}

/* Jumps to the last instruction are fine; one further is refused, never followed. */
static void test_jumps_at_the_end(void **state)
{
	const struct sock_filter ja_last[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct sock_filter ja_past[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct sock_filter ja_huge[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct sock_filter jeq_last[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct sock_filter jf_past[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct sock_filter jt_255[] = {
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 255, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct sock_filter no_ret[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_IMM, 0),
	};
	struct seccomp_data d = sd(NR_CLOSE, 0, 0);

	(void)state;
	assert_int_equal(RUN(ja_last, &d), SECCOMP_RET_ALLOW);
	assert_int_equal(RUN(jeq_last, &d), SECCOMP_RET_ALLOW);
	assert_int_equal(RUN(ja_past, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(RUN(ja_huge, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(RUN(jf_past, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(RUN(jt_255, &d), SECCOMP_RET_KILL_PROCESS);
	/* Even unreachable, an instruction after the last RET is refused. */
	assert_int_equal(RUN(no_ret, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(seccomp_run(NULL, 0, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(seccomp_run(ja_last, 0, &d), SECCOMP_RET_KILL_PROCESS);
}

/* Everything outside seccomp's subset is refused, reached or not. */
static void test_outside_the_subset_kills(void **state)
{
	static const struct sock_filter bad[] = {
		LD_ABS(64),					/* past seccomp_data */
		LD_ABS(2),					/* unaligned */
		LD_ABS(0xfffff000),				/* an ancillary load */
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3),		/* classic BPF has it, seccomp not */
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 0xffffffff),
		BPF_STMT(BPF_ST, 16),
		BPF_STMT(BPF_LDX | BPF_MEM, 16),
		BPF_STMT(BPF_RET | BPF_X, 0),
		BPF_STMT(BPF_JMP | BPF_JA | BPF_X, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_IMM, 0),
		BPF_STMT(0xffff, 0),
	};
	struct seccomp_data d = sd(NR_CLOSE, 0, 0);
	struct sock_filter prog[3];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		prog[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		prog[1] = bad[i];
		prog[2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		assert_int_equal(RUN(prog, &d), SECCOMP_RET_KILL_PROCESS);
	}
}

/*
 * The kernel's proof that scratch words are written before they are read is
 * a single forward pass: these show where it is stricter or looser than
 * the paths a run can take.
 */
static void test_scratch_memory_proof(void **state)
{
	const struct sock_filter unwritten[] = {
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	const struct sock_filter one_path[] = {
		LD_ABS(OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_CLOSE, 0, 1),
		BPF_STMT(BPF_ST, 0),
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	/* Every run that reads M[0] wrote it, yet the pass carries across the RET. */
	const struct sock_filter across_ret[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3),
		BPF_STMT(BPF_ST, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 2, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(1)),
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	/* Dead code after a JA inherits nothing, so it may read anything. */
	const struct sock_filter dead[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 2),
		BPF_STMT(BPF_LDX | BPF_MEM, 9),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
		BPF_STMT(BPF_ST, 4),
		BPF_STMT(BPF_LD | BPF_MEM, 4),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct seccomp_data d = sd(NR_CLOSE, 0, 0);

	(void)state;
	assert_int_equal(seccomp_prog_check(unwritten, ARRAY_SIZE(unwritten)), -EINVAL);
	assert_int_equal(seccomp_prog_check(one_path, ARRAY_SIZE(one_path)), -EINVAL);
	assert_int_equal(seccomp_prog_check(across_ret, ARRAY_SIZE(across_ret)), -EINVAL);
	assert_int_equal(RUN(across_ret, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(seccomp_prog_check(dead, ARRAY_SIZE(dead)), 0);
	assert_int_equal(RUN(dead, &d), SECCOMP_RET_ALLOW);
}

static void test_verdict_combination(void **state)
{
	struct sock_filter ret[][1] = {
		{ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) },		/* 0 */
		{ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG) },
		{ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 1) },
		{ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF) },
		{ BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)) },			/* 4 */
		{ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 2) },
		{ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD) },
		{ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS) },	/* 7 */
		{ BPF_STMT(BPF_RET | BPF_K, ERRNO(EACCES)) },			/* 8 */
		{ BPF_STMT(BPF_RET | BPF_K, 0x00010000) },		/* unknown, below TRAP */
		{ BPF_STMT(BPF_RET | BPF_K, 0x7ffe0000) },		/* unknown, below ALLOW */
	};
	struct seccomp_prog progs[3];
	struct seccomp_filters f = { progs, 0 };
	struct seccomp_data d = sd(NR_CLOSE, 0, 0);
	size_t i, j;

	(void)state;
	assert_int_equal(seccomp_verdict(&f, &d), SECCOMP_RET_ALLOW);
	/* Of two filters, the more restrictive action wins, whichever is newer. */
	for (i = 0; i < 8; i++) {
		for (j = 0; j < 8; j++) {
			progs[0] = (struct seccomp_prog){ ret[i], 1 };
			progs[1] = (struct seccomp_prog){ ret[j], 1 };
			f.count = 2;
			assert_int_equal(seccomp_verdict(&f, &d), ret[i > j ? i : j][0].k);
		}
	}
	/* Equal actions: the newest filter, progs[0], gives the data. */
	progs[0] = (struct seccomp_prog){ ret[8], 1 };
	progs[1] = (struct seccomp_prog){ ret[4], 1 };
	assert_int_equal(seccomp_verdict(&f, &d), ERRNO(EACCES));
	progs[0] = (struct seccomp_prog){ ret[4], 1 };
	progs[1] = (struct seccomp_prog){ ret[8], 1 };
	assert_int_equal(seccomp_verdict(&f, &d), ERRNO(EPERM));
	/* Unknown actions rank by their value, then kill the process. */
	progs[0] = (struct seccomp_prog){ ret[10], 1 };
	progs[1] = (struct seccomp_prog){ ret[0], 1 };
	progs[2] = (struct seccomp_prog){ ret[0], 1 };
	f.count = 3;
	assert_int_equal(seccomp_verdict(&f, &d), 0x7ffe0000);
	assert_int_equal(seccomp_verdict_action(0x7ffe0000), SECCOMP_RET_KILL_PROCESS);
	/* ... so LOG, ranked below it, beats an action that would kill. */
	progs[1] = (struct seccomp_prog){ ret[1], 1 };
	assert_int_equal(seccomp_verdict(&f, &d), SECCOMP_RET_LOG);
	progs[1] = (struct seccomp_prog){ ret[9], 1 };
	progs[2] = (struct seccomp_prog){ ret[5], 1 };
	assert_int_equal(seccomp_verdict(&f, &d), 0x00010000);
	progs[2] = (struct seccomp_prog){ ret[6], 1 };
	assert_int_equal(seccomp_verdict(&f, &d), SECCOMP_RET_KILL_THREAD);
}

static void test_verdict_allows_and_describe(void **state)
{
	static const struct {
		uint32_t verdict;
		bool allows;
		const char *text;
	} cases[] = {
		{ SECCOMP_RET_ALLOW, true, "allow" },
		{ SECCOMP_RET_ALLOW | 5, true, "allow" },
		{ SECCOMP_RET_LOG, true, "log" },
		{ SECCOMP_RET_TRACE | 9, false, "trace" },
		{ SECCOMP_RET_USER_NOTIF, false, "user_notif" },
		{ ERRNO(EPERM), false, "errno EPERM" },
		{ ERRNO(0), false, "errno 0" },
		{ ERRNO(0xffff), false, "errno 4095" },
		{ SECCOMP_RET_TRAP, false, "trap" },
		{ SECCOMP_RET_KILL_THREAD, false, "kill_thread" },
		{ SECCOMP_RET_KILL_PROCESS | 3, false, "kill_process" },
		{ 0x7ffe0000, false, "kill_process (unknown action 0x7ffe0000)" },
		{ 0xc0000000, false, "kill_process (unknown action 0xc0000000)" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(seccomp_verdict_allows(cases[i].verdict), cases[i].allows);
		seccomp_verdict_describe(cases[i].verdict, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
	seccomp_verdict_describe(ERRNO(EPERM), buf, 4);
	assert_string_equal(buf, "err");
}

/* ---- against the kernel ---- */

#define MAX_PROBES 8
#define MAX_CHAIN 4

struct probe {
	long nr;
	uint64_t args[6];
};

struct kernel_report {
	int install_err;		/* errno of the first refused filter, or 0 */
	long ret[MAX_PROBES];
	int err[MAX_PROBES];
};

/*
 * Lets the child install its next filter, report and exit (every installed
 * filter sees those calls too), then runs the body.
 */
static const struct sock_filter prologue[] = {
	LD_ABS(OFF_NR),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 3, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 2, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 1, 0),
	BPF_STMT(BPF_JMP | BPF_JA, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static struct seccomp_prog with_prologue(const struct sock_filter *body, size_t len)
{
	struct seccomp_prog p;

	p.len = ARRAY_SIZE(prologue) + len;
	p.insns = calloc(p.len, sizeof(*p.insns));
	assert_non_null(p.insns);
	memcpy(p.insns, prologue, sizeof(prologue));
	memcpy(p.insns + ARRAY_SIZE(prologue), body, len * sizeof(*body));
	return p;
}

static void child_probe(int fd, const struct seccomp_filters *f, const struct probe *p,
			const bool *run, size_t n)
{
	struct kernel_report r;
	size_t i;

	memset(&r, 0, sizeof(r));
	prctl(PR_SET_DUMPABLE, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		_exit(3);
	/* Oldest first, so that progs[0] ends up the newest. */
	for (i = f->count; i-- > 0 && !r.install_err;) {
		struct sock_fprog fp = { (unsigned short)f->progs[i].len, f->progs[i].insns };

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp))
			r.install_err = errno;
	}
	for (i = 0; i < n && !r.install_err; i++) {
		if (!run[i])
			continue;
		errno = 0;
		r.ret[i] = syscall(p[i].nr, p[i].args[0], p[i].args[1], p[i].args[2],
				   p[i].args[3], p[i].args[4], p[i].args[5]);
		r.err[i] = r.ret[i] == -1 ? errno : 0;
	}
	/*
	 * Straight to exit_group: a sanitizer's _exit() would make syscalls
	 * the filters under test may fail.
	 */
	syscall(SYS_exit_group, write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 4);
	_exit(5);
}

static void kernel_run(const struct seccomp_filters *f, const struct probe *p, const bool *run,
		       size_t n, struct kernel_report *r)
{
	int pipefd[2], status;
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		child_probe(pipefd[1], f, p, run, n);
	}
	close(pipefd[1]);
	got = read(pipefd[0], r, sizeof(*r));
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || got != (ssize_t)sizeof(*r))
		fail_msg("probe child: status 0x%x, report %zd bytes", status, got);
}

/* What the probe's syscall returns when the filters let it run: see probe_for(). */
static int allowed_errno(long nr)
{
	return nr == SYS_close ? EBADF : 0;
}

/* A verdict the child can survive and we can see: ALLOW, LOG or ERRNO(1..). */
static bool observable(uint32_t v)
{
	uint32_t action = seccomp_verdict_action(v);

	if (action == SECCOMP_RET_ERRNO)
		return (v & SECCOMP_RET_DATA) != 0;
	return seccomp_verdict_allows(v);
}

/*
 * Installs f in a child, runs the probes whose predicted verdict is
 * observable, and checks each against seccomp_verdict().  Returns how many
 * probes ran, or -1 when the kernel refused the filters (as we must have).
 */
static int expect_kernel_agrees(const struct seccomp_filters *f, const struct probe *p, size_t n,
				const char *what)
{
	uint32_t audit_arch = arch_native()->audit_arch;
	uint32_t verdict[MAX_PROBES];
	bool run[MAX_PROBES], valid = true;
	struct kernel_report r;
	int ran = 0;
	size_t i;

	for (i = 0; i < f->count; i++)
		if (seccomp_prog_check(f->progs[i].insns, f->progs[i].len))
			valid = false;
	for (i = 0; i < n; i++) {
		struct seccomp_data d;

		/* No program here reads instruction_pointer: the child's is unknown. */
		seccomp_data_fill(&d, audit_arch, p[i].nr, 0, p[i].args);
		verdict[i] = seccomp_verdict(f, &d);
		run[i] = observable(verdict[i]);
	}
	kernel_run(f, p, run, n, &r);
	if (!valid || r.install_err) {
		if (valid || r.install_err != EINVAL)
			fail_msg("%s: we say %s, the kernel says %s", what,
				 valid ? "valid" : "invalid", strerror(r.install_err));
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint32_t v = verdict[i], data = v & SECCOMP_RET_DATA;
		int want;

		if (!run[i])
			continue;
		ran++;
		if (seccomp_verdict_action(v) == SECCOMP_RET_ERRNO)
			want = data > 4095 ? 4095 : (int)data;
		else
			want = allowed_errno(p[i].nr);
		if (r.err[i] != want)
			fail_msg("%s, probe %zu (nr %ld, args %#llx %#llx): predicted 0x%08x, "
				 "kernel gave errno %d", what, i, p[i].nr,
				 (unsigned long long)p[i].args[0],
				 (unsigned long long)p[i].args[1], v, r.err[i]);
	}
	return ran;
}

static void free_chain(struct seccomp_filters *f)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		free(f->progs[i].insns);
}

/* Hand-picked filters: arg-dependent, arch-dependent, ALU, combination rules. */
static void test_kernel_agrees_on_chosen_filters(void **state)
{
	uint32_t native = arch_native()->audit_arch;
	const struct sock_filter by_arg[] = {
		LD_ABS(OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 7),
		LD_ABS(OFF_ARG_HI(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12345678, 0, 5),
		LD_ABS(OFF_ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x80000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(101)),
		LD_ABS(OFF_ARG_LO(5)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(102)),
	};
	const struct sock_filter by_arch[] = {
		LD_ABS(OFF_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(110)),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(111)),
	};
	const struct sock_filter foreign_arch[] = {
		LD_ABS(OFF_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native ^ 0x80000000u, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(112)),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(113)),
	};
	/*
	 * ERRNO(((nr + arg0) >> (arg1 & 31)) & 0x7ff | 0x100 | X's initial value):
	 * shifts by X of 32 and more, and A and X starting at 0.
	 */
	const struct sock_filter alu[] = {
		BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_STMT(BPF_ST, 2),
		LD_ABS(OFF_NR),
		BPF_STMT(BPF_ALU | BPF_NEG, 0),
		BPF_STMT(BPF_ALU | BPF_NEG, 0),
		BPF_STMT(BPF_ST, 0),
		LD_ABS(OFF_ARG_LO(0)),
		BPF_STMT(BPF_LDX | BPF_MEM, 0),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_ST, 1),
		LD_ABS(OFF_ARG_LO(1)),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_MEM, 1),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0),
		BPF_STMT(BPF_LDX | BPF_MEM, 2),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x7ff),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, ERRNO(0x100)),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	const struct sock_filter capped[] = { BPF_STMT(BPF_RET | BPF_K, ERRNO(0xffff)) };
	const struct sock_filter e103[] = { BPF_STMT(BPF_RET | BPF_K, ERRNO(103)) };
	const struct sock_filter e104[] = { BPF_STMT(BPF_RET | BPF_K, ERRNO(104)) };
	const struct sock_filter log[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG) };
	const struct sock_filter trace[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE) };
	const struct sock_filter notif[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF) };
	const struct sock_filter unknown[] = { BPF_STMT(BPF_RET | BPF_K, 0x00060000) };
	const struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	const struct sock_filter across_ret[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3),
		BPF_STMT(BPF_ST, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 2, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(1)),
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	const struct sock_filter dead[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_LDX | BPF_MEM, 9),
		BPF_STMT(BPF_RET | BPF_K, ERRNO(105)),
	};
	const struct sock_filter mod[] = {
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct probe probes[MAX_PROBES] = {
		{ SYS_getppid, { 0, 0x1234567880000001ULL, 0, 0, 0, 0 } },
		{ SYS_getppid, { 0, 0x1234567880000000ULL, 0, 0, 0, 0 } },
		{ SYS_getppid, { 0, 0x1234567780000001ULL, 0, 0, 0, 0x10 } },
		{ SYS_getppid, { 0, 0x1234567880000001ULL, 0, 0, 0, 0xef } },
		{ SYS_getppid, { 0, 0x1234567880000000ULL, 0, 0, 0, 0x10 } },
		{ SYS_getpid, { 0xfff0, 3, 0, 0, 0, 0x10 } },
		{ SYS_close, { 0x40000000, 36, 0, 0, 0, 0 } },
		{ SYS_getuid, { 0x100000007ULL, 0x7fffffe1, 0, 0, 0, 0 } },
	};
	const struct {
		const char *what;
		const struct sock_filter *p[MAX_CHAIN];
		size_t len[MAX_CHAIN];
		size_t count;
		int ran;	/* probes that must have run; -1 for refused */
	} cases[] = {
		{ "by_arg", { by_arg }, { ARRAY_SIZE(by_arg) }, 1, 8 },
		{ "by_arch", { by_arch }, { ARRAY_SIZE(by_arch) }, 1, 8 },
		{ "foreign_arch", { foreign_arch }, { ARRAY_SIZE(foreign_arch) }, 1, 8 },
		{ "alu", { alu }, { ARRAY_SIZE(alu) }, 1, 8 },
		{ "capped", { capped }, { 1 }, 1, 8 },
		{ "tie", { e103, e104 }, { 1, 1 }, 2, 8 },
		{ "tie, then allow", { e104, e103, allow }, { 1, 1, 1 }, 3, 8 },
		{ "errno<log", { log, by_arg }, { 1, ARRAY_SIZE(by_arg) }, 2, 8 },
		{ "errno<trace", { trace, e104 }, { 1, 1 }, 2, 8 },
		{ "errno<notif", { e103, notif }, { 1, 1 }, 2, 8 },
		{ "errno<unknown", { unknown, e103 }, { 1, 1 }, 2, 8 },
		{ "log<allow", { allow, log }, { 1, 1 }, 2, 8 },
		{ "across_ret", { across_ret }, { ARRAY_SIZE(across_ret) }, 1, -1 },
		{ "dead", { dead }, { ARRAY_SIZE(dead) }, 1, 8 },
		{ "mod", { mod }, { ARRAY_SIZE(mod) }, 1, -1 },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct seccomp_prog progs[MAX_CHAIN];
		struct seccomp_filters f = { progs, cases[i].count };

		for (j = 0; j < cases[i].count; j++)
			progs[j] = with_prologue(cases[i].p[j], cases[i].len[j]);
		assert_int_equal(expect_kernel_agrees(&f, probes, MAX_PROBES, cases[i].what),
				 cases[i].ran);
		free_chain(&f);
	}
}

/* ---- random programs against the kernel ---- */

#define MAX_UNITS 40
#define UNIT_MAX 6
#define INIT_LEN (2 * BPF_MEMWORDS)
#define MAX_BODY (INIT_LEN + MAX_UNITS * UNIT_MAX)
#define JUMP_REACH 30		/* units; 30 * UNIT_MAX stays below 255 */
#define FUZZ_CHAINS 700
#define FUZZ_SEED 0x5ecc0a9u

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dULL) >> 32);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return rnd(r) % n;
}

/*
 * A body is a run of units, each a few instructions that jumps never land
 * inside (a guarded division must stay guarded); a jump unit ends with its
 * jump, whose targets are later units.  The last units are RETs.
 */
struct unit {
	struct sock_filter insn[UNIT_MAX];
	size_t len;
	bool jump;
	size_t jt, jf;		/* target units */
};

struct gen {
	struct rng rng;
	uint32_t pool[8];
	struct unit units[MAX_UNITS];
	size_t count;
};

static uint32_t pick_k(struct gen *g)
{
	return below(&g->rng, 4) ? g->pool[below(&g->rng, 8)] : rnd(&g->rng);
}

static void put(struct unit *u, uint16_t code, uint32_t k)
{
	u->insn[u->len++] = (struct sock_filter)BPF_STMT(code, k);
}

static void gen_load(struct gen *g, struct unit *u)
{
	static const uint16_t mem_ops[] = { BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX };
	/* nr, arch and the args; never instruction_pointer, unknown in the child. */
	uint32_t off = below(&g->rng, 14) * 4;

	switch (below(&g->rng, 6)) {
	case 0:
	case 1:
		put(u, BPF_LD | BPF_W | BPF_ABS, off < 8 ? off : off + 8);
		break;
	case 2:
		put(u, below(&g->rng, 2) ? BPF_LD | BPF_IMM : BPF_LDX | BPF_IMM, pick_k(g));
		break;
	case 3:
		put(u, mem_ops[below(&g->rng, 4)], below(&g->rng, BPF_MEMWORDS));
		break;
	case 4:
		put(u, below(&g->rng, 2) ? BPF_MISC | BPF_TAX : BPF_MISC | BPF_TXA, 0);
		break;
	default:
		put(u, below(&g->rng, 2) ? BPF_LD | BPF_W | BPF_LEN : BPF_LDX | BPF_W | BPF_LEN, 0);
		break;
	}
}

static void gen_alu(struct gen *g, struct unit *u)
{
	static const uint16_t ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR,
					BPF_LSH, BPF_RSH, BPF_DIV, BPF_NEG };
	uint16_t op = ops[below(&g->rng, ARRAY_SIZE(ops))];
	uint32_t k = pick_k(g);

	if (op == BPF_NEG) {
		put(u, BPF_ALU | BPF_NEG, 0);
	} else if (below(&g->rng, 2) && op != BPF_DIV) {
		put(u, BPF_ALU | op | BPF_X, 0);
	} else if (op == BPF_DIV && below(&g->rng, 2)) {
		/* X made odd first, so the division by X never ends the program. */
		put(u, BPF_ST, 15);
		put(u, BPF_MISC | BPF_TXA, 0);
		put(u, BPF_ALU | BPF_OR | BPF_K, 1);
		put(u, BPF_MISC | BPF_TAX, 0);
		put(u, BPF_LD | BPF_MEM, 15);
		put(u, BPF_ALU | BPF_DIV | BPF_X, 0);
	} else {
		if (op == BPF_LSH || op == BPF_RSH)
			k &= 31;
		if (op == BPF_DIV && !k)
			k = 3;
		put(u, BPF_ALU | op | BPF_K, k);
	}
}

static void gen_jump(struct gen *g, struct unit *u, size_t i, size_t count)
{
	static const uint16_t ops[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET };
	size_t reach = count - 1 - i < JUMP_REACH ? count - 1 - i : JUMP_REACH;

	u->jump = true;
	u->jt = i + 1 + below(&g->rng, (uint32_t)reach);
	u->jf = i + 1 + below(&g->rng, (uint32_t)reach);
	if (!below(&g->rng, 5))
		put(u, BPF_JMP | BPF_JA, 0);
	else
		put(u, BPF_JMP | ops[below(&g->rng, 4)] | (below(&g->rng, 3) ? BPF_K : BPF_X),
		    pick_k(g));
}

static void gen_ret(struct gen *g, struct unit *u)
{
	switch (below(&g->rng, 4)) {
	case 0:
		put(u, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		break;
	case 1:
		/* ERRNO of whatever A holds, in 0x100..0xfff. */
		put(u, BPF_ALU | BPF_AND | BPF_K, 0x0eff);
		put(u, BPF_ALU | BPF_OR | BPF_K, ERRNO(0x100));
		put(u, BPF_RET | BPF_A, 0);
		break;
	default:
		put(u, BPF_RET | BPF_K, ERRNO(100 + below(&g->rng, 0x10000 - 100)));
		break;
	}
}

static void gen_units(struct gen *g)
{
	size_t i, rets = 1 + below(&g->rng, 3);

	g->count = 1 + rets + below(&g->rng, MAX_UNITS - rets);
	for (i = 0; i < g->count; i++) {
		struct unit *u = &g->units[i];
		uint32_t kind = below(&g->rng, 10);

		memset(u, 0, sizeof(*u));
		if (i + rets >= g->count || kind == 0)
			gen_ret(g, u);
		else if (kind < 4)
			gen_jump(g, u, i, g->count);
		else if (kind < 7)
			gen_load(g, u);
		else
			gen_alu(g, u);
	}
}

/* Lays the units out after the scratch initialisation; returns the length. */
static size_t emit(const struct gen *g, struct sock_filter *out)
{
	size_t start[MAX_UNITS + 1], pos = INIT_LEN, i;

	for (i = 0; i < BPF_MEMWORDS; i++) {
		out[2 * i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, g->pool[i % 8] + i);
		out[2 * i + 1] = (struct sock_filter)BPF_STMT(BPF_ST, i);
	}
	for (i = 0; i < g->count; i++) {
		start[i] = pos;
		pos += g->units[i].len;
	}
	for (i = 0; i < g->count; i++) {
		const struct unit *u = &g->units[i];
		struct sock_filter *last = &out[start[i] + u->len - 1];

		memcpy(&out[start[i]], u->insn, u->len * sizeof(*out));
		if (!u->jump)
			continue;
		if (last->code == (BPF_JMP | BPF_JA)) {
			last->k = (uint32_t)(start[u->jt] - start[i] - u->len);
		} else {
			last->jt = (uint8_t)(start[u->jt] - start[i] - u->len);
			last->jf = (uint8_t)(start[u->jf] - start[i] - u->len);
		}
	}
	return pos;
}

/* Breaks one rule the kernel checks, or changes an opcode to another. */
static void mutate(struct rng *r, struct sock_filter *body, size_t len)
{
	static const struct sock_filter repl[] = {
		LD_ABS(64), LD_ABS(2), LD_ABS(0xfffff000),
		BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_LDX | BPF_MEM, 16),
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 7), BPF_STMT(BPF_ALU | BPF_MOD | BPF_X, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0),
		BPF_STMT(BPF_RET | BPF_X, 0), BPF_STMT(BPF_JMP | BPF_JA, 300),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 0, 255),
		BPF_STMT(BPF_LD | BPF_MEM, 3), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
	};
	size_t at = below(r, (uint32_t)len);

	switch (below(r, 4)) {
	case 0:
		body[at] = repl[below(r, ARRAY_SIZE(repl))];
		break;
	case 1:
		/* Forget one initial store: reads of that word may now be unproven. */
		body[2 * below(r, BPF_MEMWORDS) + 1] =
			(struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
		break;
	case 2:
		body[len - 1] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TXA, 0);
		break;
	default:
		body[at].code = (uint16_t)below(r, 0x100);
		break;
	}
}

static void gen_probes(struct gen *g, struct probe *p, size_t n)
{
	static const long nrs[] = { SYS_getppid, SYS_getpid, SYS_getuid, SYS_geteuid,
				    SYS_getgid, SYS_getegid, SYS_gettid, SYS_close };
	size_t i, j;

	for (i = 0; i < n; i++) {
		p[i].nr = nrs[below(&g->rng, ARRAY_SIZE(nrs))];
		for (j = 0; j < 6; j++)
			p[i].args[j] = (uint64_t)pick_k(g) << 32 | pick_k(g);
		/* close() of an fd no process has, whatever the filter looked at. */
		if (p[i].nr == SYS_close)
			p[i].args[0] |= 0x40000000;
	}
}

static void gen_pool(struct gen *g)
{
	size_t i;

	g->pool[0] = arch_native()->audit_arch;
	g->pool[1] = 0;
	g->pool[2] = SYS_getppid;
	g->pool[3] = SYS_close;
	for (i = 4; i < 8; i++)
		g->pool[i] = rnd(&g->rng);
}

static void test_kernel_agrees_on_random_filters(void **state)
{
	struct sock_filter body[MAX_BODY];
	struct probe probes[MAX_PROBES];
	unsigned int chain, refused = 0, ran = 0;
	struct gen g;

	(void)state;
	g.rng.s = FUZZ_SEED;
	for (chain = 0; chain < FUZZ_CHAINS; chain++) {
		struct seccomp_prog progs[MAX_CHAIN];
		struct seccomp_filters f = { progs, 1 + below(&g.rng, 3) };
		char what[64];
		size_t i, len;
		int n;

		gen_pool(&g);
		for (i = 0; i < f.count; i++) {
			gen_units(&g);
			len = emit(&g, body);
			if (!below(&g.rng, 4))
				mutate(&g.rng, body, len);
			progs[i] = with_prologue(body, len);
		}
		gen_probes(&g, probes, MAX_PROBES);
		snprintf(what, sizeof(what), "random chain %u (seed %#x)", chain, FUZZ_SEED);
		n = expect_kernel_agrees(&f, probes, MAX_PROBES, what);
		if (n < 0)
			refused++;
		else
			ran += (unsigned int)n;
		free_chain(&f);
	}
	print_message("%u chains, %u refused by both, %u syscalls compared\n", FUZZ_CHAINS,
		      refused, ran);
	/* The generator must exercise both sides, or this test proves little. */
	assert_true(refused > FUZZ_CHAINS / 20);
	assert_true(ran > FUZZ_CHAINS * 2);
}

/* ---- reading a tracee's filters (root only) ---- */

static const struct sock_filter older_body[] = {
	LD_ABS(OFF_NR),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, ERRNO(120)),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static const struct sock_filter newer_body[] = {
	LD_ABS(OFF_NR),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, ERRNO(121)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* Forks a child that installs f (oldest last in f) and sleeps; 0 filters is fine. */
static pid_t spawn_sleeper(const struct seccomp_filters *f)
{
	int pipefd[2];
	char c = 0;
	pid_t pid;
	size_t i;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		/* Whatever a failed assertion skips, the sleeper goes with us. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (f->count && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(3);
		for (i = f->count; i-- > 0;) {
			struct sock_fprog fp = { (unsigned short)f->progs[i].len,
						 f->progs[i].insns };

			if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp))
				_exit(4);
		}
		if (write(pipefd[1], &c, 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	return pid;
}

static int seize_and_stop(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) || ptrace(PTRACE_INTERRUPT, pid, NULL, NULL))
		return -errno;
	if (waitpid(pid, &status, __WALL) != pid)
		return -errno;
	return WIFSTOPPED(status) ? 0 : -ECHILD;
}

static void reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, __WALL);
}

static bool can_read_filters(void)
{
	/* The kernel answers EACCES to a reader that is itself filtered. */
	return geteuid() == 0 && prctl(PR_GET_SECCOMP) == 0;
}

static void test_filters_read_newest_first(void **state)
{
	struct seccomp_prog progs[2];
	struct seccomp_filters in = { progs, 2 }, none = { NULL, 0 }, out, out_bare;
	int untraced, err, bare_err;
	struct seccomp_data d;
	uint64_t args[6] = { 0 };
	pid_t pid;

	(void)state;
	if (!can_read_filters())
		skip();
	progs[0] = with_prologue(newer_body, ARRAY_SIZE(newer_body));
	progs[1] = with_prologue(older_body, ARRAY_SIZE(older_body));
	/* Every child is reaped before the first assertion can leave the test. */
	pid = spawn_sleeper(&in);
	untraced = seccomp_filters_read(pid, &out);
	err = seize_and_stop(pid);
	if (!err)
		err = seccomp_filters_read(pid, &out);
	reap(pid);
	pid = spawn_sleeper(&none);
	bare_err = seize_and_stop(pid);
	if (!bare_err)
		bare_err = seccomp_filters_read(pid, &out_bare);
	reap(pid);
	if (err == -EINVAL) {
		free_chain(&in);
		skip();		/* a kernel without CONFIG_CHECKPOINT_RESTORE */
	}

	assert_int_equal(untraced, -ESRCH);	/* not our tracee yet */
	assert_int_equal(err, 0);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.progs[0].len, progs[0].len);
	assert_memory_equal(out.progs[0].insns, progs[0].insns, progs[0].len * 8);
	assert_int_equal(out.progs[1].len, progs[1].len);
	assert_memory_equal(out.progs[1].insns, progs[1].insns, progs[1].len * 8);
	seccomp_data_fill(&d, arch_native()->audit_arch, SYS_getppid, 0, args);
	assert_int_equal(seccomp_verdict(&out, &d), ERRNO(121));
	seccomp_data_fill(&d, arch_native()->audit_arch, SYS_close, 0, args);
	assert_int_equal(seccomp_verdict(&out, &d), SECCOMP_RET_LOG);
	seccomp_filters_free(&out);
	assert_null(out.progs);
	assert_int_equal(bare_err, -EINVAL);	/* no filter at all */
	assert_int_equal(out_bare.count, 0);
	free_chain(&in);
}

/* A reader under a seccomp filter of its own is refused, root or not. */
static void test_filters_read_by_a_filtered_reader(void **state)
{
	struct seccomp_prog prog;
	struct seccomp_filters in = { &prog, 1 };
	int status;
	pid_t helper;

	(void)state;
	if (!can_read_filters())
		skip();
	prog = with_prologue(older_body, ARRAY_SIZE(older_body));
	helper = fork();
	assert_true(helper >= 0);
	if (helper == 0) {
		struct seccomp_filters out;
		struct sock_fprog fp = { (unsigned short)prog.len, prog.insns };
		pid_t pid = spawn_sleeper(&in);
		int err;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp))
			_exit(3);
		err = seize_and_stop(pid);
		if (!err)
			err = seccomp_filters_read(pid, &out);
		reap(pid);
		_exit(err == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(helper, &status, 0), helper);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(prog.insns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_fill_and_layout),
		cmocka_unit_test(test_arch_check_then_kill),
		cmocka_unit_test(test_nr_jump_table),
		cmocka_unit_test(test_argument_hi_lo_comparisons),
		cmocka_unit_test(test_instruction_pointer_checks),
		cmocka_unit_test(test_alu_and_scratch),
		cmocka_unit_test(test_division_by_zero_and_ret_a),
		cmocka_unit_test(test_jumps_at_the_end),
		cmocka_unit_test(test_outside_the_subset_kills),
		cmocka_unit_test(test_scratch_memory_proof),
		cmocka_unit_test(test_verdict_combination),
		cmocka_unit_test(test_verdict_allows_and_describe),
		cmocka_unit_test(test_kernel_agrees_on_chosen_filters),
		cmocka_unit_test(test_kernel_agrees_on_random_filters),
		cmocka_unit_test(test_filters_read_newest_first),
		cmocka_unit_test(test_filters_read_by_a_filtered_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
