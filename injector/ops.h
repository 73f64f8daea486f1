/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operations on the fds of one process: every fd is verified, under the
 * freeze (or, for shutdown, through fdclose's own reference), to be the
 * very object that was chosen before anything is done.
 */
#ifndef FDCLOSE_OPS_H
#define FDCLOSE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "injector/evidence.h"
#include "injector/injector.h"
#include "proc/fd.h"

/* Method-neutral: what the words are comes from the method (cli/method.c). */
enum op_result {
	OP_PENDING,		/* not acted on yet */
	OP_DONE,
	OP_WOULD,		/* --dry-run */
	OP_SKIPPED,		/* closed, reused or changed by the app meanwhile */
	OP_REFUSED,		/* a guard rail said no */
	OP_FAILED,
};

struct op_target {
	struct fd_ident id;	/* the fd, and the object it must still be */
	/*
	 * fdclose's own reference to it (pidfd_getfd), when describing took
	 * one: the act uses it rather than take another, and closes it (then
	 * has_ref is false); one the act never reached is the caller's to close.
	 */
	bool has_ref;
	int ref;
	/*
	 * The TCP state the socket must still be in under the freeze
	 * (TCPS_CLOSE_WAIT, or TCPS_CLOSE for a dead one), 0 for no check.
	 */
	int require_state;
	enum op_result result;
	int error;		/* -errno for OP_FAILED and OP_SKIPPED */
	char why[256];		/* OP_REFUSED and OP_FAILED: what to tell the user */
	char held_by[160];	/* OP_DONE: other holders keeping the socket alive */
	bool still_open;	/* closed here, yet the socket lives on elsewhere */
	bool cloexec;		/* replace: the fd's close-on-exec flag, kept */
};

struct releaser;

struct op_params {
	unsigned int timeout_ms;	/* deadline of each wait on the target */
	long long max_pause_us;		/* bound on one frozen window */
	/*
	 * May many fds be closed by the injected loop?  Not in a target with a
	 * seccomp filter: the loop's own syscalls (ppoll, rt_sigprocmask)
	 * could be denied or kill it.
	 */
	bool bulk_allowed;
	unsigned int threads;		/* of the target, from /proc; 0 unknown */
	/*
	 * The target runs under a seccomp filter (Seccomp: 2): each injected
	 * syscall is first run through the worker's filters.  Filters that
	 * cannot be read refuse the target, unless force_unchecked.
	 */
	bool seccomp_filtered;
	bool force_unchecked;
	/*
	 * A pidfd of the process admitted (pinned): the method's pidfd_getfd
	 * goes through it, and once a freeze holds the pid's threads the pin
	 * must not have been reaped, or the pid names another process now.
	 */
	bool pinned;
	int pin;
	/* Takes the references once a window is done with them; NULL: closed there. */
	struct releaser *releaser;
};

struct op_stats {
	long long frozen_us;	/* all windows together */
	long long max_window_us;
	size_t windows;
	size_t threads;
	size_t injections;
	long long exposed_us;		/* see struct frozen's exposed_ns */
	long long exposed_max_us;
	long long loop_us;
	long long last_window_us;	/* the latest window that did the work */
	long long refs_us;		/* taking fdclose's references, between windows */
	long long release_us;		/* dropping them: the last one frees the socket */
	bool evidence_printed;		/* -v: the worker's evidence, once */
	struct seccomp_denial denied;	/* after -EDOM: what the filter said */
	int filters_unread;		/* -errno: the filters could not be read */
	bool sigsys_swallowed;		/* an injected syscall raised SIGSYS */
};

/*
 * Each acts on every OP_PENDING target of pid.  fd_task is the task whose fd
 * table /proc shows (see struct target_info).  Returns 0 when the process
 * could be acted on (each target then has its own result), or -errno when it
 * could not; targets not reached are then OP_FAILED with it.
 *
 * ops_close() closes each fd inside pid, in as few frozen windows as
 * max_pause_us allows.  -ERANGE: max_pause_us cannot be kept, because
 * freezing the process alone takes longer (said before anything is done
 * when its thread count shows it).  For it and ops_replace(): -EDOM, the
 * target's seccomp filter would fail, trap or kill an injected syscall
 * (stats->denied says which and how; nothing was injected where the plan
 * showed it); -ENOMSG, the target has a filter that could not be read
 * (stats->filters_unread says why) and force_unchecked was not given.
 */
int ops_close(pid_t pid, pid_t fd_task, struct op_target *targets, size_t n,
	      const struct op_params *params, struct op_stats *stats);
/*
 * ops_replace() points each fd, in the same frozen windows, at one shared
 * placeholder: the read end of a pipe whose write end is closed.  The
 * socket is released and the number stays taken until the process closes
 * it.  -EMFILE: the process has no two free fds for the placeholder.
 */
int ops_replace(pid_t pid, pid_t fd_task, struct op_target *targets, size_t n,
		const struct op_params *params, struct op_stats *stats);
/*
 * ops_shutdown() ends each TCP connection with shutdown(SHUT_RDWR) on a
 * reference of fdclose's own (pidfd_getfd): no ptrace, no stop, the fd
 * stays open in pid.  -ENOSYS: no pidfd_getfd (Linux < 5.6); -EPERM: may
 * not take the process's fds; -ESRCH: gone; -EXDEV: its main thread exited,
 * and pidfd_getfd() reaches the fds only through it.
 */
int ops_shutdown(pid_t pid, pid_t fd_task, struct op_target *targets, size_t n,
		 const struct op_params *params, struct op_stats *stats);
/*
 * --backtrace: freezes pid on its own, reads every thread's registers, the
 * instruction at its pc and its stack into ev, and thaws it; nothing is
 * injected.  0, or -errno as freeze() says it (ev then empty).
 */
int ops_backtrace(pid_t pid, const struct op_params *params, struct evidence *ev);

#endif
