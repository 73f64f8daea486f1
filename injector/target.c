// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "injector/target.h"
#include "scan/proc.h"

#define PF_KTHREAD 0x00200000UL	/* include/linux/sched.h */
#define CAP_SYS_PTRACE_BIT 19

static long status_long(const char *status, const char *name, long fallback)
{
	const char *v = proc_status_field(status, name);

	return v ? strtol(v, NULL, 10) : fallback;
}

/*
 * The last number of NSpid is the pid in the process's own pid namespace:
 * 1 for that namespace's init, which takes every process there with it.
 */
static bool is_last_nspid_one(const char *nspid)
{
	const char *end, *last;

	if (!nspid)
		return false;
	end = nspid + strcspn(nspid, "\n");
	for (last = end; last > nspid && last[-1] != '\t' && last[-1] != ' '; last--)
		;
	return end - last == 1 && *last == '1';
}

static void copy_comm(char *comm, const char *v)
{
	size_t n = v ? strcspn(v, "\n") : 0;

	if (!n) {
		snprintf(comm, COMM_LEN, "?");
		return;
	}
	if (n >= COMM_LEN)
		n = COMM_LEN - 1;
	memcpy(comm, v, n);
	comm[n] = '\0';
}

static bool is_kthread(pid_t pid)
{
	struct proc_stat_info st;

	return !proc_read_stat(pid, &st) && (st.flags & PF_KTHREAD);
}

/* A live thread of a process whose main thread is a zombie, or 0. */
static pid_t live_thread(pid_t pid)
{
	struct dirent *de;
	pid_t found = 0;
	DIR *dir = proc_opendir("%d/task", pid);

	if (!dir)
		return 0;
	while (!found && (de = readdir(dir))) {
		pid_t tid = proc_parse_pid(de->d_name);
		struct proc_stat_info st;
		char *stat;
		size_t len;

		if (!tid || tid == pid || proc_read_all(&stat, &len, "%d/task/%d/stat", pid, tid))
			continue;
		if (!proc_parse_stat(stat, &st) && st.state != 'Z' && st.state != 'X')
			found = tid;
		free(stat);
	}
	closedir(dir);
	return found;
}

int target_parse_status(const char *status, pid_t pid, struct target_info *ti,
			bool *kthread_known)
{
	const char *state;

	if (status_long(status, "Tgid", pid) != pid)
		return -ESRCH;	/* a thread id, not a process */
	copy_comm(ti->comm, proc_status_field(status, "Name"));
	state = proc_status_field(status, "State");
	ti->state = '?';
	if (state)
		ti->state = state[0];
	ti->tracer = (pid_t)status_long(status, "TracerPid", 0);
	ti->uid = (uid_t)status_long(status, "Uid", 0);
	ti->seccomp = (int)status_long(status, "Seccomp", 0);
	ti->threads = (unsigned int)status_long(status, "Threads", 1);
	ti->ns_init = pid == 1 || is_last_nspid_one(proc_status_field(status, "NSpid"));
	/* Linux 6.x says "Kthread:" in status; older kernels need stat's flags. */
	*kthread_known = proc_status_field(status, "Kthread") != NULL;
	ti->kthread = *kthread_known && status_long(status, "Kthread", 0) == 1;
	return 0;
}

int target_inspect(pid_t pid, struct target_info *ti)
{
	bool kthread_known;
	char *status;
	size_t len;
	int ret;

	memset(ti, 0, sizeof(*ti));
	ti->pid = pid;
	ret = proc_read_all(&status, &len, "%d/status", pid);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	ret = target_parse_status(status, pid, ti, &kthread_known);
	free(status);
	if (ret)
		return ret;
	if (!kthread_known)
		ti->kthread = is_kthread(pid);
	ti->fd_task = pid;
	if (ti->state == 'Z' && ti->threads > 1) {
		pid_t tid = live_thread(pid);

		if (tid)
			ti->fd_task = tid;
	}
	return 0;
}

void target_comm(pid_t pid, char *comm)
{
	char buf[64];
	int fd = proc_open(0, "%d/comm", pid);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	copy_comm(comm, buf);
}

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
	int fd = proc_open(0, "sys/kernel/yama/ptrace_scope");
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;	/* no Yama */
	buf[n] = '\0';
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
