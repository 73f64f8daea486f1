// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run one syscall inside a frozen thread.
 *
 * The worker thread gets every signal blocked while it runs our syscall (a
 * signal taken then would build a handler frame over our registers), and
 * its own registers and mask back right after.  It executes the syscall
 * instruction found by site_find() between a syscall-entry and a
 * syscall-exit stop: no single-step, no breakpoint, so the target's SIGTRAP
 * disposition is never consulted.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "common/clock.h"
#include "common/diag.h"
#include "injector/internal.h"
#include "injector/seccomp.h"
#include "proc/proc.h"

#define SYSCALL_STOP (SIGTRAP | 0x80)	/* with PTRACE_O_TRACESYSGOOD */
/* si_code of a SIGSYS that a seccomp filter raised (include/uapi/asm-generic/siginfo.h). */
#define SIGSYS_FROM_SECCOMP 1

/*
 * A thread already in a syscall offers its own instruction: prefer it.
 * Only when no thread is in an interrupt stop at all is a thread taking a
 * signal returned (frozen_prepare() then asks for another try).
 */
static struct frozen_thread *pick_worker(struct frozen *fz, size_t *foreign_len)
{
	struct frozen_thread *any = NULL;
	bool event_stops = false;
	size_t i;

	for (i = 0; i < fz->count; i++) {
		struct frozen_thread *t = &fz->threads[i];
		const struct arch_personality *arch;
		struct arch_regs regs;

		if (t->stop != STOP_EVENT)
			continue;
		event_stops = true;
		if (regs_get(t->tid, &regs))
			continue;
		arch = arch_personality_for(regs.len);
		if (!arch) {
			*foreign_len = regs.len;
			continue;
		}
		t->regs = regs;
		if (!any)
			any = t;
		if (arch->get_syscall_nr(&regs) >= 0)
			return t;
	}
	if (any || event_stops)
		return any;
	for (i = 0; i < fz->count; i++)
		if (fz->threads[i].stop == STOP_SIGNAL)
			return &fz->threads[i];
	return NULL;
}

static int save_sigmask(struct frozen_thread *t)
{
	if (ptrace(PTRACE_GETSIGMASK, t->tid, (void *)sizeof(t->sigmask), &t->sigmask))
		return -errno;
	t->sigmask_saved = true;
	return 0;
}

/*
 * The worker's signals are blocked only while it runs our code, and its own
 * registers are back in place in between: if fdclose dies between two
 * injections, the kernel resumes a thread that is just as it was found.
 */
int worker_enter(struct frozen *fz)
{
	uint64_t all = ~0ULL;

	fz->worker->dirty = true;
	if (ptrace(PTRACE_SETSIGMASK, fz->worker->tid, (void *)sizeof(all), &all))
		return -errno;
	return 0;
}

int worker_leave(struct frozen *fz)
{
	struct frozen_thread *t = fz->worker;
	struct arch_regs home = t->regs;
	int ret;

	/* As thaw() puts them back: resumed from a syscall stop, it restarts its call. */
	fz->arch->apply_restart(&home);
	ret = regs_set(t->tid, &home);
	if (!ret && fz->worker_fragile)
		ret = fz->arch->restore_fragile(t->tid, fz->worker_fragile);
	if (!ret && ptrace(PTRACE_SETSIGMASK, t->tid, (void *)sizeof(t->sigmask), &t->sigmask))
		ret = -errno;
	/* Its own again: thaw need not put them back a second time. */
	if (!ret)
		t->dirty = false;
	return ret;
}

int frozen_prepare(struct frozen *fz)
{
	size_t foreign_len = 0;
	struct frozen_thread *t = pick_worker(fz, &foreign_len);
	int ret;

	/* A 32-bit task on a 64-bit kernel this build has no personality for. */
	if (!t && foreign_len) {
		pr_err("pid %d: its %zu-byte register image is of no personality this build "
		       "supports (see ARCHITECTURES in fdclose(8)); nothing injected",
		       fz->pid, foreign_len);
		return -EOPNOTSUPP;
	}
	if (!t)
		return -ESRCH;
	/*
	 * Only threads in a signal-delivery stop: running our syscall in one
	 * would mean queueing its signal again, and the kernel drops a
	 * real-time signal it requeues into a full queue.  The caller thaws
	 * (the signal is then delivered as if never stopped) and tries again.
	 */
	if (t->stop == STOP_SIGNAL)
		return -EAGAIN;
	ret = save_sigmask(t);
	if (ret)
		return ret;
	fz->arch = arch_personality_for(t->regs.len);
	if (!fz->arch)
		return -EOPNOTSUPP;
	if (fz->arch->save_fragile) {
		ret = fz->arch->save_fragile(t->tid, &fz->worker_fragile);
		if (ret)
			return ret;
	}
	t->regs_saved = true;
	fz->worker = t;
	return site_find(fz);
}

int worker_resume(struct frozen *fz, int request, int *status)
{
	struct frozen_thread *t = fz->worker;
	int ret;

	if (ptrace(request, t->tid, NULL, NULL))
		return -errno;
	fz->worker_resumed = true;
	ret = wait_thread(fz, t->tid, frozen_deadline(fz), status);
	return ret ? ret : worker_check_alive(fz, *status);
}

int worker_check_alive(struct frozen *fz, int status)
{
	if (!WIFEXITED(status) && !WIFSIGNALED(status))
		return 0;
	fz->worker->stop = STOP_GONE;
	fz->worker->regs_saved = false;
	return -ESRCH;
}

/*
 * Resumes the worker to its next syscall stop.  SIGSTOP cannot be blocked:
 * if one arrives now it is held back and sent again after thaw().
 */
static int run_to_syscall_stop(struct frozen *fz)
{
	int status = 0, ret;

	for (;;) {
		ret = worker_resume(fz, PTRACE_SYSCALL, &status);
		if (ret)
			return ret;
		if (WSTOPSIG(status) == SYSCALL_STOP)
			return 0;
		if (status >> 16 == 0 && WSTOPSIG(status) == SIGSTOP)
			fz->stop_after_thaw = true;
	}
}

const char *rsyscall_name(enum arch_sysno sys)
{
	static const char *const names[SYSNO_COUNT] = {
		[SYSNO_CLOSE] = "close", [SYSNO_DUP3] = "dup3", [SYSNO_FCNTL] = "fcntl",
		[SYSNO_SHUTDOWN] = "shutdown", [SYSNO_MMAP] = "mmap", [SYSNO_MUNMAP] = "munmap",
		[SYSNO_MPROTECT] = "mprotect", [SYSNO_RESTART_SYSCALL] = "restart_syscall",
		[SYSNO_PIPE2] = "pipe2",
	};

	return sys < SYSNO_COUNT && names[sys] ? names[sys] : "?";
}

/*
 * The filter sees what the kernel would show it at the syscall's entry:
 * the number and arguments in the registers, and the address right after
 * the syscall instruction.
 */
int rsyscall_allowed(struct frozen *fz, enum arch_sysno sys, const uint64_t args[6])
{
	struct seccomp_data d;
	uint32_t verdict;

	if (!fz->filters)
		return 0;
	seccomp_data_fill(&d, fz->arch->audit_arch, fz->arch->sysno[sys],
			  fz->site + fz->arch->syscall_insn_len, args);
	verdict = seccomp_verdict(fz->filters, &d);
	if (seccomp_verdict_allows(verdict))
		return 0;
	fz->denied.sys = sys;
	memcpy(fz->denied.args, args, sizeof(fz->denied.args));
	fz->denied.verdict = verdict;
	return -EDOM;
}

/* Is SIGSYS pending for the thread, or for its whole process? */
static bool sigsys_pending(pid_t tid)
{
	static const char *const masks[] = { "SigPnd", "ShdPnd" };
	const char *field;
	bool pending = false;
	char *status;
	size_t len, i;

	if (proc_read_all(&status, &len, "%d/status", tid))
		return false;
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		field = proc_status_field(status, masks[i]);
		pending |= field && strtoull(field, NULL, 16) & (1ULL << (SIGSYS - 1));
	}
	free(status);
	return pending;
}

/*
 * Filters that could not be read let through a syscall they trap: the
 * kernel then forces a SIGSYS, which would kill the target at thaw.  The
 * worker stops for it before it could return to user space; it is not
 * delivered, and it is said.
 */
static int swallow_sigsys(struct frozen *fz)
{
	siginfo_t si;
	int status = 0, ret;

	if (!sigsys_pending(fz->worker->tid))
		return 0;
	for (;;) {
		ret = worker_resume(fz, PTRACE_SYSCALL, &status);
		if (ret)
			return ret;
		if (WSTOPSIG(status) == SIGSYS && status >> 16 == 0 &&
		    !ptrace(PTRACE_GETSIGINFO, fz->worker->tid, NULL, &si) &&
		    si.si_code == SIGSYS_FROM_SECCOMP)
			break;
		/* Anything else on the way (a SIGSTOP) waits for thaw, as in run_to_syscall_stop. */
		if (status >> 16 == 0 && WSTOPSIG(status) == SIGSTOP)
			fz->stop_after_thaw = true;
	}
	fz->sigsys_swallowed = true;
	return 0;
}

void exposed_add(struct frozen *fz, long long ns)
{
	fz->exposed_ns += ns;
	if (ns > fz->exposed_max_ns)
		fz->exposed_max_ns = ns;
}

/*
 * ARCH_INJECT_AT_ENTRY, first injection, the worker's pc on the syscall
 * instruction: the kernel runs the call it restarts (or restart_syscall)
 * once resumed.  Its entry stop becomes ours, and the saved image, pc
 * still on the instruction, is told to run that same call at the end.
 */
static bool takes_over_restart(const struct frozen *fz)
{
	const struct frozen_thread *t = fz->worker;

	return fz->arch->inject == ARCH_INJECT_AT_ENTRY && !fz->worker_resumed &&
	       fz->site == fz->arch->get_pc(&t->regs);
}

static int take_over_restart(struct frozen *fz, long nr, const uint64_t args[6])
{
	struct frozen_thread *t = fz->worker;
	struct arch_regs regs;
	long restarted;
	int ret = run_to_syscall_stop(fz);

	if (!ret)
		ret = regs_get(t->tid, &regs);
	if (ret)
		return ret;
	restarted = fz->arch->get_syscall_nr(&regs);
	if (restarted < 0)
		return -EPROTO;
	pr_verbose("pid %d: thread %d restarts syscall %ld; injecting at its entry", fz->pid,
		   t->tid, restarted);
	fz->arch->set_restart_nr(&t->regs, restarted);
	/* An image read at this stop, written back at this stop: x7 is the kernel's here. */
	fz->arch->set_syscall(&regs, fz->arch->get_pc(&regs), nr, args);
	return regs_set(t->tid, &regs);
}

/* Brings the worker to the entry stop of syscall nr(args), run at the site. */
static int enter_injected(struct frozen *fz, long nr, const uint64_t args[6])
{
	struct arch_regs regs;
	int ret;

	if (takes_over_restart(fz))
		return take_over_restart(fz, nr, args);
	regs = fz->worker->regs;
	fz->arch->set_syscall(&regs, fz->site, nr, args);
	ret = regs_set(fz->worker->tid, &regs);
	return ret ? ret : run_to_syscall_stop(fz);
}

int rsyscall(struct frozen *fz, enum arch_sysno sys, const uint64_t args[6],
	     int64_t *result)
{
	struct arch_regs regs;
	int ret, leave_ret;
	long long t0;
	long nr;

	if (!fz->worker) {
		ret = frozen_prepare(fz);
		if (ret)
			return ret;
	}
	nr = fz->arch->sysno[sys];
	if (nr < 0)
		return -ENOSYS;
	ret = rsyscall_allowed(fz, sys, args);
	if (ret)
		return ret;
	t0 = clock_now_ns();
	ret = worker_enter(fz);
	if (!ret)
		ret = enter_injected(fz, nr, args);
	if (!ret)
		ret = run_to_syscall_stop(fz);		/* exit */
	if (!ret)
		ret = regs_get(fz->worker->tid, &regs);
	if (!ret && fz->sigsys_watch)
		ret = swallow_sigsys(fz);
	if (ret == -ESRCH)
		return ret;	/* the worker died: nothing to put back */
	leave_ret = worker_leave(fz);
	exposed_add(fz, clock_now_ns() - t0);
	if (!ret)
		ret = leave_ret;
	if (ret)
		return ret;
	fz->injections++;
	*result = fz->arch->get_result(&regs);
	return 0;
}
