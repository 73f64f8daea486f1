// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/audit.h"
#include "cli/job.h"
#include "common/diag.h"
#include "injector/injector.h"
#include "scan/fdtable.h"

int job_admit(const struct options *opt, struct job *job, char *why, size_t size)
{
	int ret;

	job->fds_after = SIZE_MAX;
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

static void after_act(const struct options *opt, struct job *job)
{
	if (job->after_act)
		job->after_act(opt, job, job->arg);
}

static void audit_job(const struct options *opt, const struct job *job)
{
	size_t i;

	for (i = 0; i < job->n; i++)
		audit_target(opt->method, &job->ti, &job->targets[i]);
}

void job_act(const struct options *opt, struct job *job)
{
	struct op_params params = {
		.timeout_ms = opt->timeout_ms,
		.max_pause_us = opt->max_pause_us,
		/* The loop's own syscalls would run under a seccomp filter too. */
		.bulk_allowed = job->ti.seccomp == 0,
		.threads = job->ti.threads,
	};
	sigset_t held;
	int ret;

	if (opt->dry_run) {
		job_settle_all(job, OP_WOULD, 0, "");
		after_act(opt, job);
		return;
	}
	/* A ^C now must not leave the target frozen: it lands after thaw. */
	signals_hold(&held);
	ret = opt->method->run(job->pid, job->ti.fd_task, job->targets, job->n, &params,
			       &job->stats);
	if (ret)
		target_explain(&job->ti, ret);
	if (proc_count_fds(job->ti.fd_task, &job->fds_after))
		job->fds_after = SIZE_MAX;
	audit_job(opt, job);
	after_act(opt, job);
	signals_release(&held);
}
