/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the target was doing when fdclose stopped it, for the incident
 * record: the instruction at the pc as capstone decodes it and the stack as
 * libunwind-ptrace walks it, no debug info needed (names come from the
 * dynamic symbol tables when there are any).  Only with --verbose: the walk
 * costs about a millisecond of frozen time.
 */
#ifndef FDCLOSE_EVIDENCE_H
#define FDCLOSE_EVIDENCE_H

#include "injector/injector.h"

/* Prints, via pr_verbose, where the worker thread of fz stood. */
void evidence_print(const struct frozen *fz);

#define EVIDENCE_FRAMES 16

struct evidence_frame {
	uint64_t pc;
	char function[96];		/* "" where there is no symbol */
	uint64_t function_offset;
	char module[160];		/* the mapped file; "" for anonymous memory */
	uint64_t module_offset;		/* where pc is in that file */
};

/* One thread, as --backtrace shows it. */
struct thread_evidence {
	pid_t tid;
	const char *arch;		/* its personality's name */
	long syscall;			/* the syscall it is in, -1 when in user code */
	uint64_t pc;
	char insn[64];			/* the instruction at pc; "" when unreadable */
	bool walked;			/* false: another ABI's frames, not walked */
	size_t nframes;
	struct evidence_frame frames[EVIDENCE_FRAMES];
};

struct evidence {
	pid_t pid;
	struct thread_evidence *threads;
	size_t count;
	long long frozen_us;		/* how long the process was held for it */
};

/*
 * Every stopped thread of fz: registers, the instruction at the pc
 * (capstone) and the stack (libunwind-ptrace; names from the symbol tables
 * where there are any, else module+offset, no debug info needed).  0 or
 * -errno; free with evidence_free().
 */
int evidence_collect(const struct frozen *fz, struct evidence *ev);
void evidence_free(struct evidence *ev);

#endif
