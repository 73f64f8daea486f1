// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/pid.h"
#include "proc/proc.h"
#include "proc/target.h"

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
	struct task_stat st;
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
		ti->kthread = !task_stat_read(pid, pid, &st) && (st.flags & TASK_FLAG_KTHREAD);
	ti->fd_task = pid;
	if (ti->state == 'Z' && ti->threads > 1) {
		pid_t tid = pid_live_thread(pid);

		if (tid)
			ti->fd_task = tid;
	}
	return 0;
}

void target_comm(pid_t pid, char *comm)
{
	if (pid_comm(pid, comm) || !comm[0])
		snprintf(comm, COMM_LEN, "?");
}
