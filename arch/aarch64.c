// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * aarch64.  The register image is struct user_pt_regs; the syscall number of
 * a stopped thread is not in it but in the NT_ARM_SYSTEM_CALL regset, which
 * the load and store hooks carry in arch_regs.scno.
 *
 * The kernel rewinds an interrupted syscall before the ptrace stop (pc back
 * on the svc, x0 = orig_x0) and turns -ERESTART_RESTARTBLOCK into
 * restart_syscall only after the tracer resumes the thread
 * (arch/arm64/kernel/signal.c, do_signal): no restart rule is left for us
 * to apply, and the injector takes over the entry stop of the call the
 * kernel restarts instead (ARCH_INJECT_AT_ENTRY).  At syscall stops the
 * kernel shows x7 as 0 or 1 and puts its own value back afterwards
 * (ptrace.c, report_syscall): every image written here starts from one read
 * at an interrupt stop or at the same syscall stop, so the thread's x7 is
 * never replaced by the kernel's marker.
 *
 * SVE state beyond FPSIMD, which a syscall zeroes, is saved at the freeze
 * stop and written back after each injection (save_fragile).
 *
 * 32-bit (compat) tasks give a 72-byte NT_PRSTATUS: no personality here
 * matches it, and the injector refuses them.  There is no bulk loop: many
 * fds cost one injection each.  This file is plain C so that its register
 * shuffles are unit-tested on every host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include <asm-generic/unistd.h>
#include <capstone/capstone.h>
#include <linux/audit.h>
#include <linux/elf.h>

#include "arch/arch.h"

#ifndef NT_ARM_SSVE
#define NT_ARM_SSVE 0x40b	/* linux/elf.h before 5.19 */
#endif

/* struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h), in 64-bit words. */
enum { A_X0 = 0, A_X8 = 8, A_SP = 31, A_PC = 32, A_PSTATE = 33, A_WORDS = 34 };

static uint64_t reg_get(const struct arch_regs *r, unsigned int idx)
{
	uint64_t v;

	memcpy(&v, r->bytes + idx * 8, 8);
	return v;
}

static void reg_set(struct arch_regs *r, unsigned int idx, uint64_t v)
{
	memcpy(r->bytes + idx * 8, &v, 8);
}

static int scno_load(pid_t tid, struct arch_regs *r)
{
	int32_t nr = -1;
	struct iovec iov = { .iov_base = &nr, .iov_len = sizeof(nr) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &iov))
		return -errno;
	r->scno = nr;
	return 0;
}

/*
 * Written at every store: at a syscall-entry stop it is what the kernel
 * runs; elsewhere -1 (as an interrupt stop showed it) keeps the kernel's
 * restart logic away from the image on the way back to user space.
 */
static int scno_store(pid_t tid, const struct arch_regs *r)
{
	int32_t nr = (int32_t)r->scno;
	struct iovec iov = { .iov_base = &nr, .iov_len = sizeof(nr) };

	return ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &iov) ? -errno : 0;
}

/*
 * struct user_sve_header (arch/arm64/include/uapi/asm/ptrace.h): the
 * registers follow in SVE format when SVE_PT_REGS_SVE is set in flags,
 * which the kernel does only while the thread's SVE state is live.
 */
struct sve_header {
	uint32_t size;
	uint32_t max_size;
	uint16_t vl;
	uint16_t max_vl;
	uint16_t flags;
	uint16_t reserved;
};

#define SVE_PT_REGS_SVE 1

/*
 * A syscall entry zeroes the SVE registers beyond their FPSIMD part, the
 * predicates and FFR, and leaves streaming mode (arch/arm64/kernel/
 * syscall.c, fp_user_discard).  A thread interrupted in user code may hold
 * either state live: the one whose regset is in SVE format is kept, as a
 * type word then the regset, and written back after each injection.
 */
static const unsigned int sve_regsets[] = { NT_ARM_SVE, NT_ARM_SSVE };

static int sve_read(pid_t tid, unsigned int type, uint8_t **out)
{
	struct sve_header h = { 0 };
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	uint8_t *buf;

	*out = NULL;
	/* EINVAL or ENODEV: no SVE (or no SME) on this CPU or kernel. */
	if (ptrace(PTRACE_GETREGSET, tid, (void *)(unsigned long)type, &iov))
		return 0;
	if (iov.iov_len < sizeof(h) || !(h.flags & SVE_PT_REGS_SVE) || h.size < sizeof(h))
		return 0;
	buf = malloc(sizeof(uint32_t) + h.size);
	if (!buf)
		return -ENOMEM;
	iov.iov_base = buf + sizeof(uint32_t);
	iov.iov_len = h.size;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)(unsigned long)type, &iov)) {
		free(buf);
		return -errno;
	}
	memcpy(buf, &type, sizeof(uint32_t));
	*out = buf;
	return 0;
}

static int sve_save(pid_t tid, void **state)
{
	size_t i;
	int ret;

	*state = NULL;
	for (i = 0; i < sizeof(sve_regsets) / sizeof(sve_regsets[0]); i++) {
		uint8_t *buf;

		ret = sve_read(tid, sve_regsets[i], &buf);
		if (ret || buf) {
			*state = buf;
			return ret;
		}
	}
	return 0;
}

static int sve_restore(pid_t tid, const void *state)
{
	const uint8_t *buf = state;
	struct sve_header h;
	struct iovec iov;
	uint32_t type;

	memcpy(&type, buf, sizeof(type));
	memcpy(&h, buf + sizeof(type), sizeof(h));
	iov.iov_base = (void *)(buf + sizeof(type));
	iov.iov_len = h.size;
	return ptrace(PTRACE_SETREGSET, tid, (void *)(unsigned long)type, &iov) ? -errno : 0;
}

static uint64_t aarch64_get_pc(const struct arch_regs *r)
{
	return reg_get(r, A_PC);
}

static uint64_t aarch64_get_sp(const struct arch_regs *r)
{
	return reg_get(r, A_SP);
}

static long aarch64_get_syscall_nr(const struct arch_regs *r)
{
	return r->scno < 0 ? -1 : (long)r->scno;
}

static int64_t aarch64_get_result(const struct arch_regs *r)
{
	return (int64_t)reg_get(r, A_X0);
}

/*
 * x8 for a thread that will execute the svc at pc, scno for one already at
 * its entry stop: both, so the image means the same call at either.
 */
static void aarch64_set_syscall(struct arch_regs *r, uint64_t pc, long nr,
				const uint64_t args[6])
{
	unsigned int i;

	reg_set(r, A_PC, pc);
	reg_set(r, A_X8, (uint64_t)nr);
	r->scno = nr;
	for (i = 0; i < 6; i++)
		reg_set(r, A_X0 + i, args[i]);
}

/* The kernel applied its restart rules before the stop already. */
static bool aarch64_apply_restart(struct arch_regs *r)
{
	(void)r;
	return false;
}

/* The saved image keeps scno -1: only x8 says what its svc will run. */
static void aarch64_set_restart_nr(struct arch_regs *r, long nr)
{
	reg_set(r, A_X8, (uint64_t)nr);
}

static const struct arch_personality aarch64_personality = {
	.name = "aarch64",
	.regs_len = A_WORDS * 8,
	.word_size = 8,
	.syscall_insn = { 0x01, 0x00, 0x00, 0xd4 },	/* svc #0 */
	.syscall_insn_len = 4,
	.cs_arch = CS_ARCH_ARM64,
	.cs_mode = CS_MODE_ARM,
	.cs_syscall_id = ARM64_INS_SVC,
	.insn_align = 4,
	.inject = ARCH_INJECT_AT_ENTRY,
	/* The generic table (include/uapi/asm-generic/unistd.h), which arm64 uses. */
	.sysno = {
		[SYSNO_CLOSE] = __NR_close,
		[SYSNO_DUP3] = __NR_dup3,
		[SYSNO_FCNTL] = __NR3264_fcntl,
		[SYSNO_SHUTDOWN] = __NR_shutdown,
		[SYSNO_MMAP] = __NR3264_mmap,
		[SYSNO_MUNMAP] = __NR_munmap,
		[SYSNO_MPROTECT] = __NR_mprotect,
		[SYSNO_RESTART_SYSCALL] = __NR_restart_syscall,
		[SYSNO_PIPE2] = __NR_pipe2,
	},
	.audit_arch = AUDIT_ARCH_AARCH64,
	.red_zone = 0,
	.load_regsets = scno_load,
	.store_regsets = scno_store,
	.save_fragile = sve_save,
	.restore_fragile = sve_restore,
	.get_pc = aarch64_get_pc,
	.get_sp = aarch64_get_sp,
	.get_syscall_nr = aarch64_get_syscall_nr,
	.get_result = aarch64_get_result,
	.set_syscall = aarch64_set_syscall,
	.apply_restart = aarch64_apply_restart,
	.set_restart_nr = aarch64_set_restart_nr,
	.bulk = NULL,
};

const struct arch_personality *const arch_personalities[] = {
	&aarch64_personality,
	NULL,
};

const struct arch_personality *arch_native(void)
{
	return &aarch64_personality;
}
