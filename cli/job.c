// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/audit.h"
#include "cli/refuse.h"
#include "cli/backtrace.h"
#include "cli/job.h"
#include "common/diag.h"
#include "injector/injector.h"
#include "injector/seccomp.h"
#include "proc/pid.h"
#include "proc/proc.h"

/* 0 while the pinned process lives (a zombie too), -ESRCH once it was reaped. */
static int job_pinned_alive(const struct job *job)
{
	return job->pidfd >= 0 && pidfd_reaped(job->pidfd) ? -ESRCH : 0;
}

/*
 * The pidfd was opened before the status was read and still names a
 * process after it: so what was read was that process's.  With a start
 * time from the scan, the one read now (also under the pin) must be the
 * same, or the scan saw another process under this pid.  0, or -ESRCH
 * with why set.
 */
static int job_check_identity(struct job *job, char *why, size_t size)
{
	struct task_stat st;
	int ret;

	ret = job_pinned_alive(job);
	if (!ret && job->start_time)
		ret = task_stat_read(job->pid, job->pid, &st);
	if (!ret && job->start_time)
		ret = job_pinned_alive(job);
	if (ret) {
		/* Gone as if before the inspection: the callers pass over it quietly. */
		job->inspected = false;
		snprintf(why, size, "pid %d: no such process", job->pid);
		return -ESRCH;
	}
	if (job->start_time && st.start_time != job->start_time) {
		snprintf(why, size, "pid %d (%s): not the process the scan saw: the number was "
			 "reused (started at tick %llu, not %llu); left alone", job->pid,
			 job->ti.comm, st.start_time, job->start_time);
		return -ESRCH;
	}
	return 0;
}

void job_release(struct job *job)
{
	if (job->pidfd >= 0)
		close(job->pidfd);
	job->pidfd = -1;
}

int job_admit(const struct options *opt, struct job *job, char *why, size_t size)
{
	int ret;

	job->fds_after = SIZE_MAX;
	/* Before anything is read of it: then a reused pid cannot pass for it. */
	job->pidfd = (int)syscall(SYS_pidfd_open, job->pid, 0);
	if (job->pidfd < 0 && errno == ESRCH)
		ret = -ESRCH;
	else
		ret = target_inspect(job->pid, &job->ti);
	if (ret) {
		job->ti.pid = job->pid;
		target_comm(job->pid, job->ti.comm);
		if (ret == -ESRCH)
			snprintf(why, size, "pid %d: no such process", job->pid);
		else
			snprintf(why, size, "pid %d: cannot read its /proc entry: %s", job->pid,
				 strerror(-ret));
		return ret;
	}
	job->inspected = true;
	ret = job_check_identity(job, why, size);
	if (ret)
		return ret;
	return target_refuse(&job->ti, opt->method->needs_ptrace, why, size);
}

void job_settle_all(struct job *job, enum op_result result, int err, const char *why)
{
	size_t i;

	for (i = 0; i < job->n; i++) {
		struct op_target *t = &job->targets[i];

		if (t->result != OP_PENDING)
			continue;
		t->result = result;
		t->error = err;
		snprintf(t->why, sizeof(t->why), "%s", why);
	}
}

static bool job_has_pending(const struct job *job)
{
	size_t i;

	for (i = 0; i < job->n; i++)
		if (job->targets[i].result == OP_PENDING)
			return true;
	return false;
}

static void after_act(const struct options *opt, struct job *job)
{
	if (job->after_act)
		job->after_act(opt, job, job->arg);
}

static void audit_job(const struct options *opt, const struct job *job)
{
	size_t i;

	for (i = 0; i < job->n; i++)
		audit_target(opt->method, &job->ti, &job->targets[i], &job->descs[i]);
}

/* What the filter's answer would have done to the target. */
static const char *seccomp_consequence(uint32_t verdict)
{
	switch (seccomp_verdict_action(verdict)) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		return "that would kill it";
	case SECCOMP_RET_TRAP:
		return "the SIGSYS would kill it unless it handles that signal";
	case SECCOMP_RET_ERRNO:
		return "the call would fail without running";
	default:
		return "the call would go to its supervisor instead of running";
	}
}

static void explain_seccomp(const struct job *job, int err)
{
	const struct seccomp_denial *d = &job->stats.denied;
	char verdict[64];

	if (err == -EDOM) {
		seccomp_verdict_describe(d->verdict, verdict, sizeof(verdict));
		pr_err("pid %d (%s): its seccomp filter answers %s(%lld) with %s, and %s: "
		       "fdclose did not inject it (each fd's line says what was done); "
		       "--method=shutdown injects nothing", job->pid, job->ti.comm,
		       rsyscall_name(d->sys), (long long)d->args[0], verdict,
		       seccomp_consequence(d->verdict));
		return;
	}
	pr_err("pid %d (%s) runs under a seccomp filter that fdclose cannot read (%s; "
	       "that needs CAP_SYS_ADMIN and a kernel with CONFIG_CHECKPOINT_RESTORE), so "
	       "it cannot tell whether an injected syscall would kill it; nothing was done: "
	       "--method=shutdown injects nothing, and with PID FD... --force injects "
	       "anyway", job->pid, job->ti.comm, strerror(-job->stats.filters_unread));
}

static void explain(const struct job *job, int err)
{
	if (err == -EDOM || err == -ENOMSG)
		explain_seccomp(job, err);
	else
		target_explain(&job->ti, err);
	if (job->stats.sigsys_swallowed)
		pr_warn("pid %d (%s): an injected syscall raised SIGSYS under the process's "
			"seccomp filter; fdclose took the signal back, so it was not delivered",
			job->pid, job->ti.comm);
}

void job_act(const struct options *opt, struct job *job)
{
	struct op_params params = {
		.timeout_ms = opt->timeout_ms,
		.max_pause_us = opt->max_pause_us,
		/* The loop's own syscalls would run under a seccomp filter too. */
		.bulk_allowed = job->ti.seccomp == 0,
		.threads = job->ti.threads,
		.seccomp_filtered = job->ti.seccomp == 2,
		.force_unchecked = opt->force,
		.pinned = job->pidfd >= 0,
		.pin = job->pidfd,
		.releaser = job->releaser,
	};
	sigset_t held;
	int ret;

	/* The evidence first, in a window of its own: a failure to take it stops nothing. */
	if (opt->backtrace && job_has_pending(job))
		backtrace_take(opt, &job->ti);
	if (opt->dry_run) {
		job_settle_all(job, OP_WOULD, 0, "");
		after_act(opt, job);
		return;
	}
	/* The pid still names the admitted process; the method checks again once it holds it. */
	if (job_pinned_alive(job)) {
		job_settle_all(job, OP_SKIPPED, -ESRCH, "the process exited");
		after_act(opt, job);
		return;
	}
	/* A ^C now must not leave the target frozen: it lands after thaw. */
	signals_hold(&held);
	ret = opt->method->run(job->pid, job->ti.fd_task, job->targets, job->n, &params,
			       &job->stats);
	if (ret || job->stats.sigsys_swallowed)
		explain(job, ret);
	audit_job(opt, job);
	after_act(opt, job);
	signals_release(&held);
}
