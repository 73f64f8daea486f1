// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "scan/fdtable.h"
#include "scan/netns.h"
#include "scan/proc.h"

/* A namespace link is "net:[4026531840]"; the buffer leaves room to spare. */
#define NS_LINK_MAX 64

/*
 * A leader that called pthread_exit() is a zombie whose ns/ links are gone
 * while its other threads live on in the namespace: ask one of them.
 */
static ssize_t read_thread_link(pid_t pid, char *link, size_t size)
{
	ssize_t n = -ENOENT;
	struct dirent *de;
	DIR *tasks;
	pid_t tid;

	tasks = proc_opendir("%d/task", (int)pid);
	if (!tasks)
		return -errno;
	while (n == -ENOENT && (de = readdir(tasks))) {
		tid = proc_parse_pid(de->d_name);
		if (tid && tid != pid)
			n = proc_readlink(link, size, "%d/task/%d/ns/net", (int)pid, (int)tid);
	}
	closedir(tasks);
	return n;
}

static int read_netns(pid_t pid, uint64_t *inode)
{
	char link[NS_LINK_MAX];
	ssize_t n;

	n = proc_readlink(link, sizeof(link), "%d/ns/net", (int)pid);
	if (n == -ENOENT)
		n = read_thread_link(pid, link, sizeof(link));
	if (n < 0)
		return (int)n;
	if (parse_link_inode(link, "net", inode)) {
		pr_verbose("pid %d: unexpected ns/net link '%s'", (int)pid, link);
		return -EINVAL;
	}
	return 0;
}

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
	if (set->nprocs == *cap) {
		size_t bigger_cap = *cap ? *cap * 2 : 256;
		struct netns_proc *bigger;

		if (bigger_cap > SIZE_MAX / sizeof(*bigger))
			return -ENOMEM;
		bigger = realloc(set->procs, bigger_cap * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		set->procs = bigger;
		*cap = bigger_cap;
	}
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
		ret = read_netns(pid, &inode);
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
