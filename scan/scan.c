// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The scan in three passes, cheapest filter first: find the network
 * namespaces, read each one's tcp tables once keeping only CLOSE_WAIT, and
 * only then walk the fd tables, looking for just those socket inodes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "scan/fdtable.h"
#include "scan/netns.h"
#include "scan/scan.h"

void scan_filter_init(struct scan_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->port = -1;
}

/* Any member's net/tcp shows the namespace's tables; the first may have exited. */
static int read_netns_tables(const struct netns_set *set, const struct netns *ns,
			     struct tcp_table *t)
{
	int ret = -ENOENT;
	size_t i;

	for (i = 0; i < ns->nprocs; i++) {
		ret = tcp_read(t, set->procs[ns->first + i].pid, ns->inode,
			       TCP_STATE_BIT(TCPS_CLOSE_WAIT));
		if (!ret || ret == -ENOMEM)
			break;
	}
	return ret;
}

static int read_tables(const struct netns_set *set, struct scan_result *r)
{
	size_t i;
	int ret;

	for (i = 0; i < set->count; i++) {
		ret = read_netns_tables(set, &set->ns[i], &r->socks);
		if (ret == -ENOMEM)
			return ret;
		if (ret == -ENOENT || ret == -ESRCH) {
			pr_verbose("network namespace net:[%llu]: every process in it exited",
				   (unsigned long long)set->ns[i].inode);
			r->stats.netns_failed++;
			continue;
		}
		if (ret) {
			pr_warn("network namespace net:[%llu]: cannot read its TCP tables: %s",
				(unsigned long long)set->ns[i].inode, strerror(-ret));
			r->stats.netns_failed++;
			continue;
		}
		r->stats.netns++;
	}
	r->stats.malformed = r->socks.malformed;
	return 0;
}

static void keep_port(struct tcp_table *t, int port)
{
	size_t i, kept = 0;

	if (port < 0)
		return;
	for (i = 0; i < t->count; i++)
		if (t->socks[i].local_port == port || t->socks[i].remote_port == port)
			t->socks[kept++] = t->socks[i];
	t->count = kept;
}

/* Sockets without a file (inode 0) have no holder to find. */
static int map_inodes(const struct tcp_table *t, struct inode_map *want)
{
	size_t i;
	int ret;

	ret = inode_map_init(want, t->count);
	if (ret)
		return ret;
	for (i = 0; i < t->count; i++) {
		ret = inode_map_put(want, t->socks[i].inode, i);
		if (ret == -ENOMEM) {
			inode_map_free(want);
			return ret;
		}
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/*
 * Without a filter: every process whose namespace we could read (the others
 * are already counted).  With one: the pids asked for, each once.
 */
static int pids_to_walk(const struct scan_filter *f, const struct netns_set *set,
			pid_t **pids, size_t *npids)
{
	size_t i, n = f->npids ? f->npids : set->nprocs, kept = 0;
	pid_t *p;

	p = calloc(n ? n : 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		p[i] = f->npids ? f->pids[i] : set->procs[i].pid;
	qsort(p, n, sizeof(*p), cmp_pid);
	for (i = 0; i < n; i++)
		if (i == 0 || p[i] != p[i - 1])
			p[kept++] = p[i];
	*pids = p;
	*npids = kept;
	return 0;
}

static int cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

static int find_holders(const struct scan_filter *f, const struct netns_set *set,
			struct scan_result *r)
{
	struct inode_map want;
	size_t npids;
	pid_t *pids;
	int ret;

	ret = map_inodes(&r->socks, &want);
	if (ret)
		return ret;
	if (!want.count)
		goto free_want;
	ret = pids_to_walk(f, set, &pids, &npids);
	if (ret)
		goto free_want;
	if (npids)	/* 0 would mean every process to fdtable_collect() */
		ret = fdtable_collect(&want, pids, npids, f->npids > 0, r);
	free(pids);
	if (!ret && r->count)
		qsort(r->holders, r->count, sizeof(*r->holders), cmp_holder);
free_want:
	inode_map_free(&want);
	return ret;
}

int scan_closewait(const struct scan_filter *f, struct scan_result *r)
{
	struct netns_set set = { 0 };
	int ret;

	ret = netns_discover(&set);
	if (ret)
		return ret;
	/* With a filter, other processes' troubles are none of the user's business. */
	if (!f->npids) {
		r->stats.vanished += set.vanished;
		r->stats.denied += set.denied;
		r->stats.unreadable += set.unreadable;
	}
	ret = read_tables(&set, r);
	if (ret)
		goto free_set;
	if (!r->stats.netns) {
		ret = -ENOENT;	/* not even our own: "nothing found" would be a lie */
		goto free_set;
	}
	keep_port(&r->socks, f->port);
	ret = find_holders(f, &set, r);
free_set:
	netns_set_free(&set);
	return ret;
}

void scan_result_free(struct scan_result *r)
{
	tcp_table_free(&r->socks);
	free(r->holders);
	memset(r, 0, sizeof(*r));
}
