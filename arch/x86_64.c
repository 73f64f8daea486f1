// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * x86_64 and its i386 personality.  Each ABI is described as data: where its
 * registers sit in the NT_PRSTATUS image and which numbers its syscalls have.
 */
#include <string.h>

#include <capstone/capstone.h>
#include <linux/audit.h>

#include "arch/arch.h"
#include "arch/x86_64_bulk.h"

/* The kernel's internal restart codes (include/linux/errno.h). */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

struct reg_layout {
	unsigned int word;	/* register width in the image, bytes */
	unsigned int pc;	/* offsets, in words */
	unsigned int result;	/* the syscall number on entry, result on exit */
	unsigned int orig;	/* the syscall in progress, -1 for none */
	unsigned int sp;
	unsigned int args[6];
	long nr_restart_syscall;
};

/* struct user_regs_struct of x86_64 (arch/x86/include/asm/user_64.h). */
static const struct reg_layout x86_64_layout = {
	.word = 8,
	.pc = 16,		/* rip */
	.result = 10,		/* rax */
	.orig = 15,		/* orig_rax */
	.sp = 19,		/* rsp */
	.args = { 14, 13, 12, 7, 9, 8 },	/* rdi rsi rdx r10 r8 r9 */
	.nr_restart_syscall = 219,
};

/* struct user_regs_struct of i386 (arch/x86/include/asm/user_32.h). */
static const struct reg_layout i386_layout = {
	.word = 4,
	.pc = 12,		/* eip */
	.result = 6,		/* eax */
	.orig = 11,		/* orig_eax */
	.sp = 15,		/* esp */
	.args = { 0, 1, 2, 3, 4, 5 },	/* ebx ecx edx esi edi ebp */
	.nr_restart_syscall = 0,
};

static uint64_t reg_get(const struct reg_layout *l, const struct arch_regs *r,
			unsigned int idx)
{
	if (l->word == 8) {
		uint64_t v;

		memcpy(&v, r->bytes + idx * 8, 8);
		return v;
	} else {
		uint32_t v;

		memcpy(&v, r->bytes + idx * 4, 4);
		return v;
	}
}

/* A register read as a signed value of its own width. */
static int64_t reg_get_signed(const struct reg_layout *l, const struct arch_regs *r,
			      unsigned int idx)
{
	uint64_t v = reg_get(l, r, idx);

	return l->word == 8 ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v;
}

static void reg_set(const struct reg_layout *l, struct arch_regs *r, unsigned int idx,
		    uint64_t v)
{
	if (l->word == 8) {
		memcpy(r->bytes + idx * 8, &v, 8);
	} else {
		uint32_t v32 = (uint32_t)v;

		memcpy(r->bytes + idx * 4, &v32, 4);
	}
}

static void layout_set_syscall(const struct reg_layout *l, struct arch_regs *r,
			       uint64_t pc, long nr, const uint64_t args[6])
{
	unsigned int i;

	reg_set(l, r, l->pc, pc);
	reg_set(l, r, l->result, (uint64_t)nr);
	reg_set(l, r, l->orig, (uint64_t)-1);
	for (i = 0; i < 6; i++)
		reg_set(l, r, l->args[i], args[i]);
}

/*
 * At a ptrace stop inside signal handling the kernel has not yet applied its
 * restart rules (arch/x86/kernel/signal.c); with no signal to deliver it
 * would re-execute the syscall instruction, or restart_syscall for calls
 * that keep their own state, such as the remaining time of a nanosleep.
 * orig is then set to -1 so applying this twice is harmless.
 */
static bool layout_apply_restart(const struct reg_layout *l, struct arch_regs *r)
{
	int64_t orig = reg_get_signed(l, r, l->orig);
	int64_t result = reg_get_signed(l, r, l->result);
	uint64_t pc = reg_get(l, r, l->pc);

	if (orig < 0)
		return false;
	switch (result) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		reg_set(l, r, l->result, (uint64_t)orig);
		break;
	case -ERESTART_RESTARTBLOCK:
		reg_set(l, r, l->result, (uint64_t)l->nr_restart_syscall);
		break;
	default:
		return false;
	}
	reg_set(l, r, l->pc, pc - 2);	/* syscall and int $0x80 are both 2 bytes */
	reg_set(l, r, l->orig, (uint64_t)-1);
	return true;
}

#define DEFINE_ACCESSORS(abi)							\
static uint64_t abi##_get_pc(const struct arch_regs *r)				\
{										\
	return reg_get(&abi##_layout, r, abi##_layout.pc);			\
}										\
static uint64_t abi##_get_sp(const struct arch_regs *r)				\
{										\
	return reg_get(&abi##_layout, r, abi##_layout.sp);			\
}										\
static long abi##_get_syscall_nr(const struct arch_regs *r)			\
{										\
	int64_t nr = reg_get_signed(&abi##_layout, r, abi##_layout.orig);	\
	return nr < 0 ? -1 : (long)nr;						\
}										\
static int64_t abi##_get_result(const struct arch_regs *r)			\
{										\
	return reg_get_signed(&abi##_layout, r, abi##_layout.result);		\
}										\
static void abi##_set_syscall(struct arch_regs *r, uint64_t pc, long nr,	\
			      const uint64_t args[6])				\
{										\
	layout_set_syscall(&abi##_layout, r, pc, nr, args);			\
}										\
static bool abi##_apply_restart(struct arch_regs *r)				\
{										\
	return layout_apply_restart(&abi##_layout, r);				\
}

DEFINE_ACCESSORS(x86_64)
DEFINE_ACCESSORS(i386)

/* arch/x86_64_bulk.S */
extern const uint8_t x86_64_bulk_close_start[];
extern const uint64_t x86_64_bulk_close_len;

static size_t x86_64_bulk_code(const uint8_t **code)
{
	*code = x86_64_bulk_close_start;
	return (size_t)x86_64_bulk_close_len;
}

/* Indexes of struct user_regs_struct (arch/x86/include/asm/user_64.h). */
enum {
	X_R15, X_R14, X_R13, X_R12, X_RBP, X_RBX, X_R11, X_R10, X_R9, X_R8,
	X_RAX, X_RCX, X_RDX, X_RSI, X_RDI, X_ORIG_RAX, X_RIP, X_CS, X_EFLAGS, X_RSP,
};

static void frame_put(uint8_t *frame, unsigned int off, uint64_t v)
{
	memcpy(frame + off, &v, sizeof(v));
}

static void x86_64_bulk_fill_frame(uint8_t *frame, const struct arch_regs *home,
				   uint64_t sigmask, unsigned int park_s)
{
	static const struct { unsigned char frame_off, reg; } map[] = {
		{ XB_RFLAGS, X_EFLAGS }, { XB_RIP, X_RIP }, { XB_RSP, X_RSP },
		{ XB_RAX, X_RAX }, { XB_RBX, X_RBX }, { XB_RCX, X_RCX }, { XB_RDX, X_RDX },
		{ XB_RSI, X_RSI }, { XB_RDI, X_RDI }, { XB_RBP, X_RBP }, { XB_R8, X_R8 },
		{ XB_R9, X_R9 }, { XB_R10, X_R10 }, { XB_R11, X_R11 }, { XB_R12, X_R12 },
		{ XB_R13, X_R13 }, { XB_R14, X_R14 }, { XB_R15, X_R15 },
	};
	size_t i;

	memset(frame, 0, XB_FRAME_LEN);
	frame_put(frame, XB_PARK_TS, park_s);	/* tv_sec; tv_nsec stays 0 */
	frame_put(frame, XB_SIGMASK, sigmask);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		frame_put(frame, map[i].frame_off, reg_get(&x86_64_layout, home, map[i].reg));
}

/* The loop's inputs, in callee-saved registers that syscall leaves alone. */
static void x86_64_bulk_set_entry(struct arch_regs *r, uint64_t pc, uint64_t fds,
				  uint64_t results, uint64_t count)
{
	const struct reg_layout *l = &x86_64_layout;

	reg_set(l, r, l->pc, pc);
	reg_set(l, r, l->orig, (uint64_t)-1);
	reg_set(l, r, X_RBX, fds);
	reg_set(l, r, X_RBP, results);
	reg_set(l, r, X_R12, count);
}

static const struct arch_bulk_loop x86_64_bulk = {
	.code = x86_64_bulk_code,
	.data_offset = XB_DATA_OFFSET,
	.frame_len = XB_FRAME_LEN,
	.fill_frame = x86_64_bulk_fill_frame,
	.set_entry = x86_64_bulk_set_entry,
};

static const struct arch_personality x86_64_personality = {
	.name = "x86_64",
	.regs_len = 27 * 8,
	.word_size = 8,
	.syscall_insn = { 0x0f, 0x05 },
	.syscall_insn_len = 2,
	.cs_arch = CS_ARCH_X86,
	.cs_mode = CS_MODE_64,
	.cs_syscall_id = X86_INS_SYSCALL,
	.insn_align = 1,
	.inject = ARCH_INJECT_AT_STOP,
	.sysno = {
		[SYSNO_CLOSE] = 3,
		[SYSNO_DUP3] = 292,
		[SYSNO_FCNTL] = 72,
		[SYSNO_SHUTDOWN] = 48,
		[SYSNO_MMAP] = 9,
		[SYSNO_MUNMAP] = 11,
		[SYSNO_MPROTECT] = 10,
		[SYSNO_RESTART_SYSCALL] = 219,
		[SYSNO_PIPE2] = 293,
	},
	.audit_arch = AUDIT_ARCH_X86_64,
	.red_zone = 128,
	.get_pc = x86_64_get_pc,
	.get_sp = x86_64_get_sp,
	.get_syscall_nr = x86_64_get_syscall_nr,
	.get_result = x86_64_get_result,
	.set_syscall = x86_64_set_syscall,
	.apply_restart = x86_64_apply_restart,
	.bulk = &x86_64_bulk,
};

/* An i386 process on an x86_64 kernel enters the kernel with int $0x80. */
static const struct arch_personality i386_personality = {
	.name = "i386",
	.regs_len = 17 * 4,
	.word_size = 4,
	.syscall_insn = { 0xcd, 0x80 },
	.syscall_insn_len = 2,
	.cs_arch = CS_ARCH_X86,
	.cs_mode = CS_MODE_32,
	.cs_syscall_id = X86_INS_INT,
	.insn_align = 1,
	.inject = ARCH_INJECT_AT_STOP,
	.sysno = {
		[SYSNO_CLOSE] = 6,
		[SYSNO_DUP3] = 330,
		[SYSNO_FCNTL] = 55,
		[SYSNO_SHUTDOWN] = 373,
		[SYSNO_MMAP] = 192,	/* mmap2: the offset is in pages */
		[SYSNO_MUNMAP] = 91,
		[SYSNO_MPROTECT] = 125,
		[SYSNO_RESTART_SYSCALL] = 0,
		[SYSNO_PIPE2] = 331,
	},
	.audit_arch = AUDIT_ARCH_I386,
	.red_zone = 0,
	.get_pc = i386_get_pc,
	.get_sp = i386_get_sp,
	.get_syscall_nr = i386_get_syscall_nr,
	.get_result = i386_get_result,
	.set_syscall = i386_set_syscall,
	.apply_restart = i386_apply_restart,
};

const struct arch_personality *const arch_personalities[] = {
	&x86_64_personality,
	&i386_personality,
	NULL,
};

const struct arch_personality *arch_native(void)
{
	return &x86_64_personality;
}
