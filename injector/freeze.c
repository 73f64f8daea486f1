// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Seize every thread of a process and put it all back.
 *
 * PTRACE_SEIZE + PTRACE_INTERRUPT stops a thread without sending SIGSTOP, so
 * a job-control state is never invented or lost.  Only the worker thread
 * ever runs while frozen; every other thread keeps its registers untouched
 * and is detached exactly as it stopped.
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sched.h>
#include <setjmp.h>
#include <unistd.h>

#include "common/array.h"
#include "common/clock.h"
#include "common/diag.h"
#include "injector/internal.h"
#include "proc/pid.h"
#include "proc/proc.h"

/* How long thaw() waits for a thread that never stopped before leaving it. */
#define LATE_STOP_GRACE_NS (100 * 1000000LL)
#define DEADLINE_TICK_US 5000

/*
 * PTRACE_SEIZE of a thread whose process is in execve() waits for the
 * exec, and the kernel restarts it after every signal (-ERESTARTNOINTR);
 * the exec meanwhile waits for us to reap the threads it killed.  The only
 * way out of that wait is to leave it from the signal handler: seize_escape
 * is armed around each PTRACE_SEIZE.
 */
static sigjmp_buf *volatile seize_escape;
static volatile long long seize_deadline_ns;

/* Interrupts a blocking waitpid() once a deadline has passed, or escapes a seize. */
static void on_deadline_tick(int sig)
{
	(void)sig;
	if (seize_escape && clock_now_ns() > seize_deadline_ns)
		siglongjmp(*seize_escape, 1);
}

void injector_init(void)
{
	struct sigaction sa = { .sa_handler = on_deadline_tick };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: waitpid returns EINTR */
}

/*
 * While a target is held, SIGALRM ticks every DEADLINE_TICK_US after the
 * window's timeout, so a blocking waitpid() never outlives its deadline by
 * more than a tick, and the fast path stays one syscall per wait.
 */
static void deadline_arm(unsigned int timeout_ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 },
		.it_interval = { .tv_usec = DEADLINE_TICK_US },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void deadline_disarm(void)
{
	struct itimerval off = { 0 };

	setitimer(ITIMER_REAL, &off, NULL);
}

/* Threads interrupted that never stopped: seized until fdclose exits. */
static size_t threads_left_seized;

static void add_stop_signals(sigset_t *set)
{
	sigaddset(set, SIGTSTP);
	sigaddset(set, SIGTTIN);
	sigaddset(set, SIGTTOU);
}

void signals_hold(sigset_t *old)
{
	sigset_t hold;

	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	/* ^Z, or a background job touching the terminal, must not stop us mid-window. */
	add_stop_signals(&hold);
	sigprocmask(SIG_BLOCK, &hold, old);
}

/*
 * A thread still seized would stay in its interrupt stop as soon as it
 * stops, for as long as fdclose is stopped: keep the stop signals held then,
 * until exit releases it.
 */
void signals_release(const sigset_t *old)
{
	sigset_t mask = *old;

	if (threads_left_seized)
		add_stop_signals(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
}

long long frozen_deadline(const struct frozen *fz)
{
	return clock_now_ns() + (long long)fz->timeout_ms * 1000000LL;
}

int remote_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

int remote_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

int syscall_error(int64_t result)
{
	return result < 0 && result >= -4095 ? (int)result : 0;
}

/* The image, then whatever its personality keeps in regsets of its own. */
int regs_get(pid_t tid, struct arch_regs *regs)
{
	struct iovec iov = { .iov_base = regs->bytes, .iov_len = sizeof(regs->bytes) };
	const struct arch_personality *arch;

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov))
		return -errno;
	regs->len = iov.iov_len;
	regs->scno = -1;
	arch = arch_personality_for(regs->len);
	return arch && arch->load_regsets ? arch->load_regsets(tid, regs) : 0;
}

int regs_set(pid_t tid, const struct arch_regs *regs)
{
	struct iovec iov = { .iov_base = (void *)regs->bytes, .iov_len = regs->len };
	const struct arch_personality *arch = arch_personality_for(regs->len);

	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov))
		return -errno;
	return arch && arch->store_regsets ? arch->store_regsets(tid, regs) : 0;
}

static int add_thread(struct frozen *fz, pid_t tid)
{
	struct frozen_thread *t = array_grow(fz->threads, &fz->cap, fz->count, sizeof(*t));

	if (!t)
		return -ENOMEM;
	fz->threads = t;
	t = &fz->threads[fz->count++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return 0;
}

/*
 * A main thread that called pthread_exit() is a zombie and refuses SEIZE
 * with EPERM while the rest of the process lives on; so does a thread on
 * its way out, as every thread but one is during an exec.  The fd table is
 * shared, so the other threads are enough.
 */
static bool thread_is_exiting(pid_t pid, pid_t tid)
{
	struct task_stat st;
	int ret = task_stat_read(pid, tid, &st);

	if (ret)
		return ret == -ENOENT;	/* gone already */
	return st.state == 'Z' || st.state == 'X' || (st.flags & TASK_FLAG_EXITING);
}

/*
 * An exec from a thread other than the main one gives the execing thread
 * the main thread's number: we already hold it, under its old number,
 * which now names nobody (waitpid says ECHILD, and it counts as gone).
 */
static bool traced_by_us(pid_t pid, pid_t tid)
{
	const char *v;
	char *status;
	size_t len;
	bool ours;

	if (proc_read_all(&status, &len, "%d/task/%d/status", pid, tid))
		return false;
	v = proc_status_field(status, "TracerPid");
	ours = v && strtol(v, NULL, 10) == getpid();
	free(status);
	return ours;
}

/* PTRACE_SEIZE that ends at the deadline; 0, -ETIMEDOUT or -errno. */
static int seize_bounded(pid_t tid, long long deadline)
{
	sigjmp_buf escape;
	int ret;

	if (sigsetjmp(escape, 1)) {
		seize_escape = NULL;
		return -ETIMEDOUT;
	}
	seize_deadline_ns = deadline;
	for (;;) {
		seize_escape = &escape;
		ret = ptrace(PTRACE_SEIZE, tid, NULL, (void *)(long)PTRACE_O_TRACESYSGOOD) ? -errno : 0;
		seize_escape = NULL;
		/* EAGAIN: the thread is between two states of an exec. */
		if (ret != -EAGAIN)
			return ret;
		if (clock_now_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
}

/*
 * What an EPERM from PTRACE_SEIZE means: -ESRCH for a thread on its way out
 * (nothing to hold), 0 for one that is ours already, else the result of a
 * second try (a main thread that was an exec's zombie a moment ago, whose
 * number the execing thread has taken since).
 */
static int seize_after_eperm(struct frozen *fz, pid_t tid)
{
	int ret;

	if (thread_is_exiting(fz->pid, tid))
		return -ESRCH;
	if (traced_by_us(fz->pid, tid))
		return 0;
	ret = seize_bounded(tid, fz->deadline_ns);
	return ret == -EPERM && thread_is_exiting(fz->pid, tid) ? -ESRCH : ret;
}

/* Seizes tid and holds it in fz, not yet interrupted: 1, 0 (gone or exiting) or -errno. */
static int seize_thread(struct frozen *fz, pid_t tid)
{
	int ret = seize_bounded(tid, fz->deadline_ns);

	if (ret == -EPERM)
		ret = seize_after_eperm(fz, tid);
	if (ret == -ESRCH)
		return 0;	/* exited since the listing, or exiting */
	if (ret)
		return ret;
	ret = add_thread(fz, tid);
	if (ret) {
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return ret;
	}
	return 1;
}

/*
 * Interrupts the threads seized since index from: all the seizes first,
 * then all the interrupts, so that the kernel's work of each kind runs back
 * to back and no interrupted thread waits for the next seize.
 */
static int interrupt_from(struct frozen *fz, size_t from)
{
	int first_err = 0;
	size_t i;

	/* Every seized thread, even after a failure: thaw detaches only stopped ones. */
	for (i = from; i < fz->count; i++)
		if (ptrace(PTRACE_INTERRUPT, fz->threads[i].tid, NULL, NULL) && errno != ESRCH &&
		    !first_err)
			first_err = -errno;
	return first_err;
}

/*
 * The thread ids listed in /proc/PID/task, into a growing array: 0 or
 * -errno.  The directory stays open across rounds and is re-read from
 * offset 0: raw getdents64 keeps the frozen window free of stdio's extra
 * syscalls.  A page of entries (some 120 threads) a call: a larger buffer
 * on the stack would fault in pages of it that a small process never uses,
 * at 10-30 us each on a virtual machine with shadow page tables.
 */
static int list_threads(struct frozen *fz, pid_t **tids, size_t *n)
{
	char buf[4096];
	size_t cap = *n = 0;
	ssize_t got;

	if (lseek(fz->task_fd, 0, SEEK_SET) < 0)
		return -errno;
	while ((got = syscall(SYS_getdents64, fz->task_fd, buf, sizeof(buf))) > 0) {
		ssize_t off = 0;

		while (off < got) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			pid_t tid = proc_parse_pid(de->d_name), *bigger;

			off += de->d_reclen;
			if (!tid)
				continue;
			bigger = array_grow(*tids, &cap, *n, sizeof(*bigger));
			if (!bigger)
				return -ENOMEM;
			*tids = bigger;
			(*tids)[(*n)++] = tid;
		}
	}
	/* The task directory of a process that has died since it was opened. */
	if (got < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return 0;
}

static int compare_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/*
 * Seizes, then interrupts, each of tids[0..n) not held yet; returns how
 * many, or -errno.  What is held is looked up in a sorted copy: a linear
 * search for each of 1,000 listed threads cost a millisecond.
 */
static int seize_listed(struct frozen *fz, const pid_t *tids, size_t n)
{
	size_t held = fz->count, i;
	pid_t *sorted = NULL;
	int ret = 0, seized = 0, interrupt_ret;

	if (held) {
		sorted = malloc(held * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		for (i = 0; i < held; i++)
			sorted[i] = fz->threads[i].tid;
		qsort(sorted, held, sizeof(*sorted), compare_pid);
	}
	for (i = 0; i < n; i++) {
		if (held && bsearch(&tids[i], sorted, held, sizeof(*sorted), compare_pid))
			continue;
		if (!fz->count)
			clock_gettime(CLOCK_MONOTONIC, &fz->frozen_at);
		ret = seize_thread(fz, tids[i]);
		if (ret < 0)
			break;
		seized += ret;
	}
	free(sorted);
	interrupt_ret = interrupt_from(fz, held);
	if (ret >= 0)
		ret = interrupt_ret;
	return ret < 0 ? ret : seized;
}

/* Linear: only a leader's wait, after every other thread's, looks others up. */
static struct frozen_thread *find_thread(struct frozen *fz, pid_t tid)
{
	size_t i;

	for (i = 0; i < fz->count; i++)
		if (fz->threads[i].tid == tid)
			return &fz->threads[i];
	return NULL;
}

static void note_stop(struct frozen_thread *t, int status)
{
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		t->stop = STOP_GONE;
	} else if (status >> 16 == PTRACE_EVENT_STOP) {
		t->stop = STOP_EVENT;
	} else {
		/* Dequeued a signal just before our interrupt: hand it back at detach. */
		t->stop = STOP_SIGNAL;
		t->signal = WSTOPSIG(status);
	}
}

/*
 * Waits for tid's next status, noting on the way that of any other thread
 * of fz.  A killed process's leader is reported only once its tracer has
 * reaped every other thread: waiting for it alone would last until the
 * deadline and then blame a thread that "did not stop".
 */
int wait_thread(struct frozen *fz, pid_t tid, long long deadline_ns, int *status)
{
	/*
	 * Any other thread reports its own end: wait for it alone.  Each
	 * waitpid(-1) walks every tracee in the kernel, so consuming a
	 * thousand stops through it costs tens of milliseconds.
	 */
	while (tid != fz->pid) {
		pid_t r = waitpid(tid, status, __WALL);

		if (r == tid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;	/* ECHILD: the number names nobody now (exec) */
		if (clock_now_ns() > deadline_ns)
			return -ETIMEDOUT;
	}
	for (;;) {
		struct frozen_thread *other;
		int st;
		pid_t r = waitpid(tid, status, __WALL | WNOHANG);

		if (r == tid)
			return 0;
		if (r < 0)
			return -errno;	/* ECHILD: the number names nobody now (exec) */
		if (clock_now_ns() > deadline_ns)
			return -ETIMEDOUT;
		r = waitpid(-1, &st, __WALL);
		if (r == tid) {
			*status = st;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		other = r > 0 ? find_thread(fz, r) : NULL;
		if (other)
			note_stop(other, st);
	}
}

static int wait_stopped(struct frozen *fz, struct frozen_thread *t, long long deadline)
{
	int status, ret;

	if (t->stop != STOP_NONE)
		return 0;
	ret = wait_thread(fz, t->tid, deadline, &status);
	if (ret == -ECHILD) {
		t->stop = STOP_GONE;
		return 0;
	}
	if (!ret)
		note_stop(t, status);
	return ret;
}

/*
 * The leader last: a killed process's leader is reported only once every
 * other thread has been, and by then those are.
 */
static int wait_all_stopped(struct frozen *fz, long long deadline)
{
	struct frozen_thread *leader = NULL;
	size_t i;
	int ret;

	for (i = 0; i < fz->count; i++) {
		if (fz->threads[i].tid == fz->pid) {
			leader = &fz->threads[i];
			continue;
		}
		ret = wait_stopped(fz, &fz->threads[i], deadline);
		if (ret)
			return ret;
	}
	return leader ? wait_stopped(fz, leader, deadline) : 0;
}

static bool any_thread_held(const struct frozen *fz)
{
	size_t i;

	for (i = 0; i < fz->count; i++)
		if (fz->threads[i].stop == STOP_EVENT || fz->threads[i].stop == STOP_SIGNAL)
			return true;
	return false;
}

/*
 * True when the kernel counts exactly the threads we hold stopped: then no
 * thread is left that we have not seen.  The count is the thread group's
 * own (signal->nr_threads): the link count of /proc/PID/task is 2 plus it
 * (proc_task_getattr() in fs/proc/base.c), one fstat of the directory we
 * hold open, where listing it again cost 1-2 ms for 1,000 threads.  Every
 * thread we hold is in that count, a traced one even once killed, until we
 * reap it; so an equal count leaves no room for a stranger.  Anything else
 * (a zombie main thread, a thread on its way out) is answered by the
 * listing.
 */
static bool all_threads_held(const struct frozen *fz)
{
	size_t held = 0, i;
	struct stat st;

	if (fstat(fz->task_fd, &st) || st.st_nlink < 2)
		return false;
	for (i = 0; i < fz->count; i++)
		held += fz->threads[i].stop == STOP_EVENT || fz->threads[i].stop == STOP_SIGNAL;
	return st.st_nlink - 2 == held;
}

int freeze(struct frozen *fz, pid_t pid, unsigned int timeout_ms)
{
	pid_t *tids = NULL;
	size_t n;
	int ret;

	memset(fz, 0, sizeof(*fz));
	fz->pid = pid;
	fz->timeout_ms = timeout_ms;
	fz->task_fd = proc_open(O_RDONLY | O_DIRECTORY, "%d/task", pid);
	if (fz->task_fd < 0)
		return fz->task_fd == -ENOENT ? -ESRCH : fz->task_fd;
	fz->deadline_ns = frozen_deadline(fz);
	/* Listed before the window opens: a thread born since is found below. */
	ret = list_threads(fz, &tids, &n);
	if (ret)
		goto close_task_dir;
	deadline_arm(timeout_ms);
	sched_boost(fz, n);
	ret = seize_listed(fz, tids, n);
	/* Once every known thread is stopped none can start another. */
	for (;;) {
		if (ret < 0)
			goto thaw_seized;
		ret = wait_all_stopped(fz, fz->deadline_ns);
		if (ret)
			goto thaw_seized;
		if (all_threads_held(fz))
			break;
		ret = list_threads(fz, &tids, &n);
		if (!ret)
			ret = seize_listed(fz, tids, n);
		if (ret == 0)
			break;	/* a quiet re-read, every thread stopped */
	}
	free(tids);
	tids = NULL;
	if (!any_thread_held(fz)) {
		ret = -ESRCH;
		goto thaw_seized;
	}
	return 0;

thaw_seized:
	free(tids);
	thaw(fz);
	return ret;

close_task_dir:
	free(tids);
	close(fz->task_fd);
	fz->task_fd = -1;
	return ret == -ENOENT ? -ESRCH : ret;
}

/* A thread we interrupted but that never stopped cannot be detached running. */
static void detach_late(struct frozen *fz, struct frozen_thread *t)
{
	int status;

	if (wait_thread(fz, t->tid, clock_now_ns() + LATE_STOP_GRACE_NS, &status)) {
		pr_warn("thread %d did not stop in time; it is released when fdclose exits",
			t->tid);
		threads_left_seized++;
		return;
	}
	note_stop(t, status);
}

static int restore_thread(struct frozen *fz, struct frozen_thread *t)
{
	int ret = 0;

	if (!t->dirty)
		return 0;
	if (t->regs_saved) {
		struct arch_regs regs = t->regs;

		fz->arch->apply_restart(&regs);
		ret = regs_set(t->tid, &regs);
	}
	if (t->sigmask_saved &&
	    ptrace(PTRACE_SETSIGMASK, t->tid, (void *)sizeof(t->sigmask), &t->sigmask) && !ret)
		ret = -errno;
	return ret;
}

int thaw(struct frozen *fz)
{
	int first_err = 0;
	size_t i;

	for (i = fz->count; i-- > 0;) {
		struct frozen_thread *t = &fz->threads[i];
		int ret;

		if (t->stop == STOP_NONE)
			detach_late(fz, t);
		if (t->stop != STOP_EVENT && t->stop != STOP_SIGNAL)
			continue;
		ret = restore_thread(fz, t);
		if (ptrace(PTRACE_DETACH, t->tid, NULL,
			   (void *)(long)(t->stop == STOP_SIGNAL ? t->signal : 0)) && !ret)
			ret = errno == ESRCH ? 0 : -errno;
		if (ret && !first_err)
			first_err = ret;
	}
	clock_gettime(CLOCK_MONOTONIC, &fz->thawed_at);
	sched_unboost(fz);
	deadline_disarm();
	if (fz->task_fd >= 0)
		close(fz->task_fd);
	fz->task_fd = -1;
	if (fz->stop_after_thaw)
		kill(fz->pid, SIGSTOP);
	free(fz->threads);
	fz->threads = NULL;
	fz->worker = NULL;
	free(fz->worker_fragile);
	fz->worker_fragile = NULL;
	fz->count = fz->cap = 0;
	return first_err;
}

long long frozen_us(const struct frozen *fz)
{
	return timespec_diff_us(&fz->frozen_at, &fz->thawed_at);
}
