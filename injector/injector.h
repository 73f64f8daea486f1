/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How to act: run syscalls inside a frozen process.  Arch-neutral; what
 * differs by CPU comes from arch/arch.h.
 *
 *   freeze()   seize every thread (PTRACE_SEIZE + PTRACE_INTERRUPT, no SIGSTOP)
 *   rsyscall() run one syscall on one thread, give back its result
 *   thaw()     put back registers and signal masks, detach every thread
 */
#ifndef FDCLOSE_INJECTOR_H
#define FDCLOSE_INJECTOR_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "arch/arch.h"

enum thread_stop {
	STOP_NONE,		/* seized, not (yet) stopped */
	STOP_EVENT,		/* PTRACE_EVENT_STOP: interrupt or group stop */
	STOP_SIGNAL,		/* signal-delivery stop: resume with that signal */
	STOP_GONE,		/* exited while we held it */
};

struct frozen_thread {
	pid_t tid;
	enum thread_stop stop;
	int signal;		/* STOP_SIGNAL: the signal to hand back */
	bool sigmask_saved;
	uint64_t sigmask;	/* the thread's own mask, put back at thaw */
	bool regs_saved;
	struct arch_regs regs;	/* as found, put back at thaw */
	/*
	 * Registers or mask changed since the thread was found (our code runs
	 * in it): thaw puts them back.  A worker that left our code has its
	 * own already, and a thread never touched needs nothing.
	 */
	bool dirty;
};

enum sched_boost {
	BOOST_NONE,
	BOOST_FIFO,
	BOOST_NICE,
};

struct seccomp_filters;

/* A syscall the target's seccomp filter would not let run. */
struct seccomp_denial {
	enum arch_sysno sys;
	uint64_t args[6];
	uint32_t verdict;	/* SECCOMP_RET_* and its data */
};

struct frozen {
	pid_t pid;
	unsigned int timeout_ms;
	long long deadline_ns;	/* of the freeze: every seize and wait ends by then */
	int task_fd;		/* /proc/PID/task, re-read until no thread is new */
	struct frozen_thread *threads;
	size_t count;
	size_t cap;
	/* The thread that runs our syscalls, once chosen. */
	struct frozen_thread *worker;
	const struct arch_personality *arch;
	uint64_t site;		/* address of a verified syscall instruction */
	/* The worker has left the stop it was frozen at (see ARCH_INJECT_AT_ENTRY). */
	bool worker_resumed;
	/* What a syscall would destroy of the worker's state (save_fragile), or NULL. */
	void *worker_fragile;
	size_t injections;
	/*
	 * How long the worker had fdclose's registers or a blocked mask (what
	 * a SIGKILL of fdclose would leave it with): all injections together,
	 * the longest one, and the close loop's run until it parked.
	 */
	long long exposed_ns;
	long long exposed_max_ns;
	long long loop_ns;
	bool stop_after_thaw;	/* a SIGSTOP arrived mid-window: send it again */
	/*
	 * The caller may allow the bulk loop (its sleep and mask syscalls are
	 * not checked against a seccomp filter); after it ran, scratch_left
	 * says that it restored its thread by itself and its mapping stays.
	 */
	bool bulk_allowed;
	bool scratch_left;
	/*
	 * The worker's seccomp filters: rsyscall() runs each syscall through
	 * them first and injects none they would not let run.  NULL: no
	 * filter, or (sigsys_watch) filters that could not be read, and a
	 * SIGSYS an injected syscall raises is then swallowed.
	 */
	const struct seccomp_filters *filters;
	bool sigsys_watch;
	struct seccomp_denial denied;	/* why rsyscall() returned -EDOM */
	bool sigsys_swallowed;
	/* fdclose's own scheduling, raised for the window and put back. */
	enum sched_boost sched_boosted;
	int sched_policy;
	struct sched_param sched_param;
	int nice;
	struct timespec frozen_at;
	struct timespec thawed_at;
};

/* Call once at start-up: the SIGALRM handler that ends any wait at its deadline. */
void injector_init(void);
/* Readies the instruction decoder for arch before any target is frozen; 0 or -errno. */
int site_decoder_prepare(const struct arch_personality *arch);

/*
 * Stops every thread of pid, including threads born meanwhile.  Returns 0,
 * or -errno with the process left as it was: -ESRCH (gone), -EPERM (may not
 * trace it), -ETIMEDOUT (a thread did not stop in time).
 */
int freeze(struct frozen *fz, pid_t pid, unsigned int timeout_ms);
/*
 * Runs syscall sys(args) in the frozen process, numbered for the worker
 * thread's personality.  Returns 0 when the syscall
 * ran, with its return value (-errno included) in *result; or -errno when
 * the injection itself failed, in which case *result is untouched: -EDOM
 * when fz->filters would not let it run (fz->denied says how; nothing was
 * injected).
 */
int rsyscall(struct frozen *fz, enum arch_sysno sys, const uint64_t args[6],
	     int64_t *result);
/*
 * Closes fds[0..n) in the frozen process and stores each close's return
 * value in results[].  Many fds cost about one injection: a small loop runs
 * from a scratch mapping that is removed afterwards.  Returns 0, or -errno
 * when the injection failed (results then say -ECANCELED where unknown;
 * -ETIME when the loop did not finish before the deadline).
 */
int rclose_many(struct frozen *fz, const int *fds, int *results, size_t n);
/*
 * The placeholder of replace (see replace.c), kept across the windows of
 * one process so that every replaced fd shares one open file description.
 */
struct placeholder {
	int num;		/* its number in the target, -1 while there is none */
	int ref;		/* fdclose's own reference to it, or -1 */
	pid_t fd_task;		/* the task whose fd table holds it */
	int pidfd;		/* of fd_task, for pidfd_getfd(); -1 when none */
};

void placeholder_init(struct placeholder *ph, pid_t fd_task, int pidfd);
/*
 * Points each of fds[0..n) at the placeholder, made first when there is none
 * still valid, keeping the close-on-exec flags given; each result is 0 or
 * -errno (pipe2's failure, e.g. -EMFILE, for all of them).  Returns 0, or
 * -errno when the injection failed (results then say -ECANCELED where
 * unknown).  Without a reference of fdclose's own the placeholder's number
 * is closed at once; else placeholder_release() closes it, in the last
 * window.
 */
int rreplace_many(struct frozen *fz, const int *fds, const bool *cloexec, int *results,
		  size_t n, struct placeholder *ph);
/* Closes the placeholder's own number in the target and drops our reference. */
int placeholder_release(struct frozen *fz, struct placeholder *ph);
/* Puts everything back and detaches; returns 0 or the first -errno met. */
int thaw(struct frozen *fz);
/* "close", "dup3", ...: the name of a syscall fdclose injects. */
const char *rsyscall_name(enum arch_sysno sys);
/*
 * 0 when fz->filters let sys(args) run in the worker, else -EDOM with
 * fz->denied filled: the check rsyscall() makes, for a plan made ahead.
 */
int rsyscall_allowed(struct frozen *fz, enum arch_sysno sys, const uint64_t args[6]);
/*
 * fdclose holds SIGINT, SIGTERM, SIGHUP and SIGQUIT while a target is
 * frozen, so they take effect only once it is restored, and the stop
 * signals SIGTSTP, SIGTTIN and SIGTTOU likewise.
 */
void signals_hold(sigset_t *old);
void signals_release(const sigset_t *old);
/* Microseconds from the first seize to the last detach. */
long long frozen_us(const struct frozen *fz);

#endif
