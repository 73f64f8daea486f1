// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/refuse.h"
#include "common/diag.h"
#include "proc/proc.h"

#define CAP_SYS_PTRACE_BIT 19

int target_refuse(const struct target_info *ti, bool stops_target, char *why, size_t size)
{
	char comm[COMM_LEN];

	if (ti->kthread) {
		snprintf(why, size, "pid %d (%s) is a kernel thread: it has no file "
			 "descriptors to close", ti->pid, ti->comm);
		return -EPERM;
	}
	if ((ti->state == 'Z' || ti->state == 'X') && ti->fd_task == ti->pid) {
		snprintf(why, size, "pid %d (%s) is a zombie: its fds are already closed; "
			 "its parent has to reap it", ti->pid, ti->comm);
		return -ESRCH;
	}
	if (ti->pid == getpid() || ti->pid == getppid()) {
		snprintf(why, size, "pid %d is fdclose itself or its parent", ti->pid);
		return -EPERM;
	}
	if (stops_target && ti->tracer) {
		target_comm(ti->tracer, comm);
		snprintf(why, size, "pid %d (%s) is already traced by pid %d (%s): "
			 "detach that tracer first (quit gdb or strace), or use "
			 "--method=shutdown, which needs no ptrace",
			 ti->pid, ti->comm, ti->tracer, comm);
		return -EBUSY;
	}
	if (stops_target && ti->seccomp == 1) {
		snprintf(why, size, "pid %d (%s) runs in seccomp strict mode: only read, "
			 "write, exit and sigreturn are allowed there, so no syscall can be "
			 "injected; --method=shutdown runs none in it", ti->pid, ti->comm);
		return -EPERM;
	}
	return 0;
}

static bool have_cap_sys_ptrace(void)
{
	unsigned long long caps;
	const char *v;
	char *status;
	size_t len;
	bool have;

	if (proc_read_all(&status, &len, "self/status"))
		return geteuid() == 0;
	v = proc_status_field(status, "CapEff");
	caps = v ? strtoull(v, NULL, 16) : 0;
	have = caps & (1ULL << CAP_SYS_PTRACE_BIT);
	free(status);
	return have;
}

static int yama_scope(void)
{
	char buf[16];

	if (proc_read_buf(buf, sizeof(buf), "sys/kernel/yama/ptrace_scope") <= 0)
		return -1;	/* no Yama */
	return atoi(buf);
}

static void explain_eperm(const struct target_info *ti)
{
	bool cap = have_cap_sys_ptrace();
	int scope = yama_scope();

	if (scope == 3) {
		pr_err("pid %d (%s): ptrace is disabled on this host "
		       "(kernel.yama.ptrace_scope=3, until reboot), and pidfd_getfd with it: "
		       "no method of fdclose can work; only ss -K (SOCK_DESTROY) can end "
		       "these connections from outside", ti->pid, ti->comm);
	} else if (!cap && ti->uid != getuid()) {
		pr_err("pid %d (%s) belongs to uid %u and fdclose runs as uid %u: "
		       "run it as root or with CAP_SYS_PTRACE", ti->pid, ti->comm,
		       (unsigned int)ti->uid, (unsigned int)getuid());
	} else if (!cap && scope >= 1) {
		pr_err("pid %d (%s): kernel.yama.ptrace_scope=%d allows tracing only %s "
		       "without CAP_SYS_PTRACE: run fdclose as root or with CAP_SYS_PTRACE",
		       ti->pid, ti->comm, scope, scope == 1 ? "descendants" : "by admins");
	} else if (!cap) {
		pr_err("pid %d (%s) may not be traced (not dumpable, e.g. setuid, or an "
		       "LSM forbids it): run fdclose as root or with CAP_SYS_PTRACE",
		       ti->pid, ti->comm);
	} else {
		pr_err("pid %d (%s) may not be traced although fdclose has CAP_SYS_PTRACE: "
		       "an LSM (SELinux, AppArmor) or another tracer forbids it",
		       ti->pid, ti->comm);
	}
}

void target_explain(const struct target_info *ti, int err)
{
	switch (err) {
	case -EPERM:
		explain_eperm(ti);
		break;
	case -EACCES:
		/* Yama and capabilities say EPERM; AppArmor and SELinux say EACCES. */
		pr_err("pid %d (%s): a security module (AppArmor, SELinux) denies fdclose "
		       "ptrace access to it (EACCES; its denial is in the kernel or audit "
		       "log); pidfd_getfd is denied with it, so no method of fdclose can "
		       "work: allow ptrace for fdclose in the policy, or end the connections "
		       "with ss -K (SOCK_DESTROY)", ti->pid, ti->comm);
		break;
	case -ESRCH:
		pr_err("pid %d (%s) exited", ti->pid, ti->comm);
		break;
	case -ETIMEDOUT:
		pr_err("pid %d (%s): a thread did not stop in time (see --timeout); "
		       "nothing was changed", ti->pid, ti->comm);
		break;
	case -ERANGE:
		pr_err("pid %d (%s): freezing its %u thread(s) takes longer than --max-pause "
		       "allows (at least ~10 us a thread); the fds not closed yet are left "
		       "open: give --max-pause %ums or more", ti->pid, ti->comm, ti->threads,
		       ti->threads / 50 + 1);
		break;
	case -ETIME:
		pr_err("pid %d (%s): the injected close loop did not finish in time "
		       "(see --timeout); each fd's own line says whether it was closed",
		       ti->pid, ti->comm);
		break;
	case -ENOSYS:
		pr_err("pid %d (%s): this kernel has no pidfd_getfd (Linux 5.6 and later "
		       "have it), which --method=shutdown needs: --method=close or replace "
		       "works here", ti->pid, ti->comm);
		break;
	case -EXDEV:
		pr_err("pid %d (%s): its main thread has exited, and pidfd_getfd reaches "
		       "a process's fds only through it: --method=close or replace works "
		       "here", ti->pid, ti->comm);
		break;
	case -EBUSY:
		pr_err("pid %d (%s): each of 101 times it was stopped, every thread was "
		       "taking a signal (a signal storm?); the fds not closed yet are "
		       "left open, try again", ti->pid, ti->comm);
		break;
	default:
		pr_errno(err, "pid %d (%s): cannot freeze", ti->pid, ti->comm);
		break;
	}
}
