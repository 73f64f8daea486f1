/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What differs by CPU, behind one interface.  The Makefile compiles exactly
 * one arch/$(ARCH).c; nothing in injector/ or scan/ tests an architecture
 * macro.  A personality is a syscall ABI (x86_64, or i386 tracees on an
 * x86_64 kernel), told apart by the size of the register image that
 * PTRACE_GETREGSET NT_PRSTATUS returns for the thread.
 */
#ifndef FDCLOSE_ARCH_H
#define FDCLOSE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Big enough for the NT_PRSTATUS image of every supported personality. */
#define ARCH_REGS_MAX 512
#define ARCH_INSN_MAX 8

/*
 * A thread's general registers exactly as NT_PRSTATUS gives them, and what
 * a personality keeps in regsets of their own (its load and store hooks).
 */
struct arch_regs {
	union {
		uint8_t bytes[ARCH_REGS_MAX];
		uint64_t align;
	};
	size_t len;
	/*
	 * The syscall number, where the kernel keeps it out of the image
	 * (arm64: NT_ARM_SYSTEM_CALL); -1 for none.  Unused elsewhere.
	 */
	int64_t scno;
};

/*
 * How an injection begins from a thread held at an interrupt stop.
 *
 * AT_STOP (x86): the interrupted syscall is still in the image at the stop
 * (orig_rax and a -ERESTART* result); the injector writes its own image
 * there, and apply_restart() turns the saved one into what the kernel
 * would have run next.
 *
 * AT_ENTRY (arm64): the kernel has already rewound the interrupted call
 * (pc on the svc, x0 = orig_x0) and decides whether it becomes
 * restart_syscall only once the tracer resumes the thread: at the stop the
 * -ERESTART_RESTARTBLOCK is gone.  A thread whose pc is on the syscall
 * instruction is therefore resumed untouched to the entry stop of the call
 * the kernel restarts; the injection takes that call over, and the saved
 * image, pc back on the instruction, runs that same call again at the end.
 */
enum arch_inject {
	ARCH_INJECT_AT_STOP,
	ARCH_INJECT_AT_ENTRY,
};

enum arch_sysno {
	SYSNO_CLOSE,
	SYSNO_DUP3,
	SYSNO_FCNTL,
	SYSNO_SHUTDOWN,
	SYSNO_MMAP,
	SYSNO_MUNMAP,
	SYSNO_MPROTECT,
	SYSNO_RESTART_SYSCALL,
	SYSNO_PIPE2,
	SYSNO_COUNT
};

/* Where the bulk loop is, as its frame's first 32-bit word says. */
enum bulk_state {
	BULK_RUNNING = 0,	/* closing, or not yet started */
	BULK_PARKED = 1,	/* done, sleeping until fdclose takes the thread back */
	BULK_HOME = 2,		/* gave up waiting: restored the thread by itself */
};

/*
 * A position-independent loop that closes fds[0..count), stores each
 * result in results[], then parks (see arch/x86_64_bulk.S).  Its data page,
 * data_offset bytes after the code's start (a multiple of the page size),
 * begins with a frame of frame_len bytes; the state word is its first.
 */
struct arch_bulk_loop {
	/* Returns the code's length and points *code at it. */
	size_t (*code)(const uint8_t **code);
	size_t data_offset;
	size_t frame_len;
	/*
	 * Writes the frame: state BULK_RUNNING, the park time, and how to go
	 * home unattended: the signal mask and the register image home, whose
	 * restart rules the caller has already applied.
	 */
	void (*fill_frame)(uint8_t *frame, const struct arch_regs *home, uint64_t sigmask,
			   unsigned int park_s);
	/* Sets up regs to enter the loop at pc, with no syscall in progress. */
	void (*set_entry)(struct arch_regs *regs, uint64_t pc, uint64_t fds, uint64_t results,
			  uint64_t count);
};

struct arch_personality {
	const char *name;
	size_t regs_len;		/* NT_PRSTATUS size that selects it */
	unsigned int word_size;		/* bytes in a pointer of the tracee */
	/* The instruction that enters the kernel, as bytes and as capstone sees it. */
	uint8_t syscall_insn[ARCH_INSN_MAX];
	size_t syscall_insn_len;
	int cs_arch;
	int cs_mode;
	unsigned int cs_syscall_id;
	/* Every instruction starts at a multiple of this (1 on x86, 4 on arm64). */
	unsigned int insn_align;
	/* Syscall numbers of this ABI; -1 where the ABI has none. */
	long sysno[SYSNO_COUNT];
	/* The AUDIT_ARCH_* token a seccomp filter sees in seccomp_data.arch. */
	uint32_t audit_arch;
	/* Bytes below the stack pointer that the ABI lets a function use freely. */
	unsigned int red_zone;

	enum arch_inject inject;

	/*
	 * Read and write what the personality keeps beyond NT_PRSTATUS, after
	 * the image itself was read or before it is written; NULL where
	 * NT_PRSTATUS is all.  0 or -errno.
	 */
	int (*load_regsets)(pid_t tid, struct arch_regs *regs);
	int (*store_regsets)(pid_t tid, const struct arch_regs *regs);
	/*
	 * State beyond the register image that entering the kernel with a
	 * syscall destroys, which a thread stopped outside a syscall may
	 * hold (arm64: SVE and streaming-SVE registers beyond FPSIMD).
	 * save_fragile reads it into a malloc'd *state, NULL when the thread
	 * holds none; restore_fragile writes it back.  NULL hooks: none
	 * exists.  0 or -errno.
	 */
	int (*save_fragile)(pid_t tid, void **state);
	int (*restore_fragile)(pid_t tid, const void *state);
	/* Returns the program counter. */
	uint64_t (*get_pc)(const struct arch_regs *regs);
	/* Returns the stack pointer. */
	uint64_t (*get_sp)(const struct arch_regs *regs);
	/* Returns the syscall number the thread was in, or -1 when in none. */
	long (*get_syscall_nr)(const struct arch_regs *regs);
	/* Returns the syscall result register, sign-extended. */
	int64_t (*get_result)(const struct arch_regs *regs);
	/*
	 * Turns regs into "execute syscall nr(args) at pc": the number and
	 * arguments in their registers, and no syscall in progress so the
	 * kernel's restart logic leaves the image alone.
	 */
	void (*set_syscall)(struct arch_regs *regs, uint64_t pc, long nr,
			    const uint64_t args[6]);
	/*
	 * Rewrites a saved image taken at a ptrace stop inside signal handling
	 * into the form the kernel would have given it on its way back to
	 * user space with no signal delivered: an interrupted syscall that
	 * asks to be restarted is rewound to run again (or to run
	 * restart_syscall).  Returns true when it restarted something.
	 */
	bool (*apply_restart)(struct arch_regs *regs);
	/*
	 * AT_ENTRY: makes a saved image whose pc is on the syscall
	 * instruction run syscall nr there (the call the kernel restarts, as
	 * seen at its entry stop), leaving its arguments as they are.
	 */
	void (*set_restart_nr)(struct arch_regs *regs, long nr);

	/* The loop that closes many fds in one injection; NULL where there is none. */
	const struct arch_bulk_loop *bulk;
};

/* The native personality, for messages and unit tests. */
const struct arch_personality *arch_native(void);
/* Every personality this build knows, NULL-terminated (arch/$(ARCH).c). */
extern const struct arch_personality *const arch_personalities[];

/* Returns the personality whose register image has that size, or NULL. */
static inline const struct arch_personality *arch_personality_for(size_t regs_len)
{
	const struct arch_personality *const *p;

	for (p = arch_personalities; *p; p++)
		if ((*p)->regs_len == regs_len)
			return *p;
	return NULL;
}

#endif
