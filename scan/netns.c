// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/diag.h"
#include "proc/pid.h"
#include "proc/proc.h"
#include "scan/netns.h"

static void count_failure(struct netns_set *set, pid_t pid, int err)
{
	switch (err) {
	case -ENOENT:
	case -ESRCH:
		set->vanished++;
		break;
	case -EACCES:
	case -EPERM:
		set->denied++;
		break;
	default:
		set->unreadable++;
		pr_verbose("pid %d: reading its network namespace: %s", (int)pid,
			   strerror(-err));
		break;
	}
}

static int add_proc(struct netns_set *set, size_t *cap, pid_t pid, uint64_t inode)
{
	struct netns_proc *bigger = array_grow(set->procs, cap, set->nprocs, sizeof(*bigger));

	if (!bigger)
		return -ENOMEM;
	set->procs = bigger;
	set->procs[set->nprocs].netns = inode;
	set->procs[set->nprocs].pid = pid;
	set->nprocs++;
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct netns_proc *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Sorting by namespace makes each one a run of procs[], lowest pid first. */
static int group(struct netns_set *set)
{
	struct netns *ns = NULL;
	size_t i, n = 0;

	if (!set->nprocs)
		return 0;
	qsort(set->procs, set->nprocs, sizeof(*set->procs), cmp_proc);
	for (i = 0; i < set->nprocs; i++)
		if (i == 0 || set->procs[i].netns != set->procs[i - 1].netns)
			n++;
	set->ns = calloc(n, sizeof(*set->ns));
	if (!set->ns)
		return -ENOMEM;
	for (i = 0; i < set->nprocs; i++) {
		if (i == 0 || set->procs[i].netns != set->procs[i - 1].netns) {
			ns = &set->ns[set->count++];
			ns->inode = set->procs[i].netns;
			ns->pid = set->procs[i].pid;
			ns->first = i;
		}
		ns->nprocs++;
	}
	return 0;
}

static int walk(struct netns_set *set, DIR *dir)
{
	size_t cap = 0;
	uint64_t inode;
	int ret;

	for (;;) {
		struct dirent *de;
		pid_t pid;

		errno = 0;
		de = readdir(dir);
		if (!de)
			return errno ? -errno : 0;
		pid = proc_parse_pid(de->d_name);
		if (!pid)
			continue;
		ret = pid_netns(pid, &inode);
		if (ret) {
			count_failure(set, pid, ret);
			continue;
		}
		ret = add_proc(set, &cap, pid, inode);
		if (ret)
			return ret;
	}
}

int netns_discover(struct netns_set *set)
{
	DIR *dir;
	int ret;

	dir = proc_opendir(".");
	if (!dir)
		return -errno;
	ret = walk(set, dir);
	closedir(dir);
	if (ret)
		goto free_set;
	ret = group(set);
	if (ret)
		goto free_set;
	return 0;

free_set:
	netns_set_free(set);
	return ret;
}

void netns_set_free(struct netns_set *set)
{
	free(set->ns);
	free(set->procs);
	memset(set, 0, sizeof(*set));
}
