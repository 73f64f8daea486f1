// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two looks, a moment apart: what both saw is a leak, what only the first
 * saw was a connection on its way out (scan_settle).
 */
#include <stdbool.h>

#include "scan/scan.h"

static const struct holder *find_holder(const struct scan_result *r, pid_t pid, int fd)
{
	size_t lo = 0, hi = r->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct holder *h = &r->holders[mid];

		if (h->pid == pid && h->fd == fd)
			return h;
		if (h->pid < pid || (h->pid == pid && h->fd < fd))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool has_pid(const struct scan_result *r, pid_t pid)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (r->holders[i].pid == pid)
			return true;
	for (i = 0; i < r->nbacklogs; i++)
		if (r->backlogs[i].pid == pid)
			return true;
	return false;
}

int scan_settle(struct scan_result *first, const struct scan_result *second)
{
	size_t i, j, kept = 0;

	for (i = 0; i < first->count; i++) {
		const struct holder *h = &first->holders[i];
		const struct holder *o = find_holder(second, h->pid, h->fd);

		if (!o || second->socks.socks[o->sock].inode != first->socks.socks[h->sock].inode)
			continue;
		/* The later look is the truer age. */
		first->socks.socks[h->sock].age_ms = second->socks.socks[o->sock].age_ms;
		first->holders[kept++] = *h;
	}
	first->count = kept;

	kept = 0;
	for (i = 0; i < first->nbacklogs; i++) {
		struct backlog b = first->backlogs[i];
		uint64_t inode = first->socks.socks[b.listener].inode;

		for (j = 0; j < second->nbacklogs; j++) {
			const struct backlog *o = &second->backlogs[j];

			if (o->pid != b.pid || o->fd != b.fd ||
			    second->socks.socks[o->listener].inode != inode)
				continue;
			if (o->closewait < b.closewait)
				b.closewait = o->closewait;
			first->backlogs[kept++] = b;
			break;
		}
	}
	first->nbacklogs = kept;

	kept = 0;
	for (i = 0; i < first->nprocs; i++) {
		struct proc_fds p = first->procs[i];
		const struct proc_fds *o = scan_find_proc(second, p.pid);

		if (!has_pid(first, p.pid))
			continue;
		if (o)
			p = *o;
		first->procs[kept++] = p;
	}
	first->nprocs = kept;
	scan_count_ages(first);
	return 0;
}

