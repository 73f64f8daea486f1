/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside injector/ only. */
#ifndef FDCLOSE_INJECTOR_INTERNAL_H
#define FDCLOSE_INJECTOR_INTERNAL_H

#include "injector/injector.h"

/* Waits for a stop or exit of tid until deadline_ns; 0, -ETIMEDOUT or -errno. */
int wait_thread(struct frozen *fz, pid_t tid, long long deadline_ns, int *status);
/* Counts ns of the worker running with fdclose's registers or mask. */
void exposed_add(struct frozen *fz, long long ns);
long long frozen_deadline(const struct frozen *fz);
/* Reads len bytes at addr in pid's memory; 0, -EFAULT when short, or -errno. */
int remote_read(pid_t pid, uint64_t addr, void *buf, size_t len);
int remote_write(pid_t pid, uint64_t addr, const void *buf, size_t len);
/* A syscall result in -4095..-1 is an error (returned), anything else a value (0). */
int syscall_error(int64_t result);
int regs_get(pid_t tid, struct arch_regs *regs);
int regs_set(pid_t tid, const struct arch_regs *regs);
/*
 * Resumes the worker with request (PTRACE_SYSCALL or PTRACE_CONT) and waits
 * for its next stop: 0 with *status, -ESRCH when it died, or -errno.
 */
int worker_resume(struct frozen *fz, int request, int *status);
/*
 * Around our code in the worker: enter blocks every signal; leave puts its
 * own registers (restart rules applied) and mask back.  0 or -errno.
 */
int worker_enter(struct frozen *fz);
int worker_leave(struct frozen *fz);
/* -ESRCH, with the worker marked gone, when status says it died; else 0. */
int worker_check_alive(struct frozen *fz, int status);
/*
 * Chooses the worker thread, blocks its signals, saves its registers, finds
 * a site; 0 or -errno, -EAGAIN when every thread is in a signal-delivery
 * stop (thaw, which delivers those signals untouched, and freeze again).
 */
int frozen_prepare(struct frozen *fz);
/* Finds and verifies a syscall instruction for fz->worker; 0 or -errno. */
int site_find(struct frozen *fz);
/* True when code starts with arch's syscall instruction, as capstone decodes it. */
bool site_is_syscall(const struct arch_personality *arch, const uint8_t *code, size_t len,
		     uint64_t addr);
/* The instruction at the start of code, as capstone writes it ("syscall"); 0 or -errno. */
int site_insn_text(const struct arch_personality *arch, const uint8_t *code, size_t len,
		   uint64_t addr, char *buf, size_t size);
/* Offset of a syscall instruction in an ELF image's executable segment, or -errno. */
long site_scan_code(const struct arch_personality *arch, const uint8_t *img, size_t len);

/* fdclose's priority while a target is held: see boost.c. */
void sched_boost(struct frozen *fz, size_t target_threads);
void sched_unboost(struct frozen *fz);
/* The runnable-task count in /proc/loadavg's text, or -EINVAL. */
int loadavg_runnable(const char *text);
/* True when real-time priority shortens the window rather than lengthening it. */
bool boost_pays_off(int runnable_others, int online_cpus, size_t target_threads, int our_cpus);

#endif
