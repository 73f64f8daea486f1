/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A target's seccomp filters, read through ptrace and run here exactly as the
 * kernel runs them, so fdclose can tell before injecting a syscall whether
 * the target's own filter would fail it, trap it or kill the target for it.
 */
#ifndef FDCLOSE_SECCOMP_H
#define FDCLOSE_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* One classic-BPF program, as the task installed it. */
struct seccomp_prog {
	struct sock_filter *insns;
	size_t len;
};

/*
 * Every filter of a task, progs[0] the newest: the order in which the kernel
 * runs them, and the reverse of PTRACE_SECCOMP_GET_FILTER's indices (its
 * index 0 is the oldest filter).
 */
struct seccomp_filters {
	struct seccomp_prog *progs;
	size_t count;
};

/*
 * Reads every filter of tid, which the caller has ptrace-seized and stopped.
 * Returns 0, or -errno: -EACCES without CAP_SYS_ADMIN or when fdclose itself
 * runs under a seccomp filter, -ESRCH when tid is gone or is not our stopped
 * tracee, -EINVAL when the kernel lacks CONFIG_CHECKPOINT_RESTORE or tid has
 * no filter, -EMEDIUMTYPE for a filter the kernel holds no classic copy of,
 * -ENOMEM.  On error *f is empty; on success free it with
 * seccomp_filters_free().  A filter that another, running, thread adds with
 * SECCOMP_FILTER_FLAG_TSYNC meanwhile may be missed: stop them all first.
 */
int seccomp_filters_read(pid_t tid, struct seccomp_filters *f);
void seccomp_filters_free(struct seccomp_filters *f);

/*
 * Returns 0 when the kernel would accept insns as a seccomp filter (its
 * classic-BPF checker and seccomp's own), else -EINVAL.
 */
int seccomp_prog_check(const struct sock_filter *insns, size_t len);

/*
 * Returns one classic-BPF program's value on d, with the kernel's semantics.
 * A program the kernel would have refused (an opcode outside the seccomp
 * subset, a jump past the end, a load outside seccomp_data, a scratch word
 * read where it may be unwritten, ...) yields SECCOMP_RET_KILL_PROCESS.
 */
uint32_t seccomp_run(const struct sock_filter *insns, size_t len, const struct seccomp_data *d);

/*
 * Returns the value the kernel acts on when all filters see d: that of the
 * most restrictive action, the newest filter's among equals; ALLOW when
 * there is no filter.
 */
uint32_t seccomp_verdict(const struct seccomp_filters *f, const struct seccomp_data *d);

/* Returns the action of a verdict, unknown actions mapped to KILL_PROCESS. */
uint32_t seccomp_verdict_action(uint32_t verdict);

/*
 * Returns true when a syscall with that verdict runs in the target: ALLOW
 * or LOG.  ERRNO skips it and returns -data (ERRNO with data 0 returns 0:
 * a close that "succeeds" without closing), TRAP raises SIGSYS, KILL kills,
 * TRACE stops for the tracer (fdclose itself, which unless it asked for
 * PTRACE_O_TRACESECCOMP gets -ENOSYS), USER_NOTIF waits on a supervisor.
 */
bool seccomp_verdict_allows(uint32_t verdict);

/*
 * Writes "kill_process", "kill_thread", "trap", "errno EPERM", "user_notif",
 * "trace", "log" or "allow" into buf; an unknown action reads
 * "kill_process (unknown action 0x...)".
 */
void seccomp_verdict_describe(uint32_t verdict, char *buf, size_t size);

/*
 * Fills d as the kernel would for syscall nr(args) entered by a thread of
 * the audit_arch ABI, ip being the address right after the syscall
 * instruction.  For a 32-bit ABI (no __AUDIT_ARCH_64BIT) ip and args are
 * cut to 32 bits, as the thread's registers are.
 */
void seccomp_data_fill(struct seccomp_data *d, uint32_t audit_arch, long nr, uint64_t ip,
		       const uint64_t args[6]);

#endif
