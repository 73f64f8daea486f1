// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The scan in four passes:
 *
 * 1. find the network namespaces;
 * 2. read each one's tcp tables once: keep the CLOSE_WAIT sockets that pass
 *    the filters and the listeners, note every inode (so that a socket fd in
 *    no table can be told apart), and match the CLOSE_WAITs without a file
 *    (accept queues) to their listeners;
 * 3. walk the fd tables: a socket wanted is a holder; one in a table but
 *    not wanted costs a hash lookup; one in no table is a candidate;
 * 4. ask about the candidates: most are unix sockets, which their own table
 *    settles when there are many, the rest the kernel names (an xattr), and
 *    for the TCP ones the socket itself tells its state.  Only then are
 *    comm, fd counts and limits read, for the processes listed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/pid.h"
#include "proc/proc.h"
#include "scan/internal.h"

void scan_filter_init(struct scan_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->port = -1;
	f->uid = -1;
	f->older_than_ms = -1;
	f->local.port = -1;
	f->remote.port = -1;
}

static int cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* limits are read only here, for the few processes listed. */
static void fill_proc(struct scan_ctx *ctx, struct proc_fds *p, pid_t pid, const char *comm)
{
	struct walked *w = scan_find_walked(ctx, pid);

	p->pid = pid;
	memcpy(p->comm, w && w->comm_known ? w->comm : comm, COMM_LEN);
	p->fds = w ? w->fds : 0;
	if (pid_nofile_limit(pid, &p->nofile)) {
		p->nofile = 0;
		p->nofile_unknown = true;
	}
}

/* Holders and backlogs are both in pid order: merge their pids. */
static int make_procs(struct scan_ctx *ctx)
{
	struct scan_result *r = ctx->r;
	size_t i = 0, j = 0, n = r->count + r->nbacklogs;
	pid_t last = 0;

	if (!n)
		return 0;
	r->procs = calloc(n, sizeof(*r->procs));
	if (!r->procs)
		return -ENOMEM;
	while (i < r->count || j < r->nbacklogs) {
		bool take_holder = j == r->nbacklogs ||
				   (i < r->count && r->holders[i].pid <= r->backlogs[j].pid);
		pid_t pid = take_holder ? r->holders[i].pid : r->backlogs[j].pid;
		const char *comm = take_holder ? r->holders[i].comm : r->backlogs[j].comm;

		if (take_holder)
			i++;
		else
			j++;
		if (!pid || pid == last)
			continue;
		last = pid;
		fill_proc(ctx, &r->procs[r->nprocs++], pid, comm);
	}
	return 0;
}

static void ctx_free(struct scan_ctx *ctx)
{
	scan_walk_abort(ctx);
	free(ctx->by_pid);
	inode_map_free(&ctx->seen);
	inode_map_free(&ctx->want);
	inode_map_free(&ctx->extra);
	tcp_table_free(&ctx->listeners);
	tcp_table_free(&ctx->queued);
	free(ctx->queues);
	free(ctx->cands);
	free(ctx->walked);
	free(ctx->lholders);
}

/*
 * --older-than, applied to the holders once they are known rather than to
 * the tables, so that the count of sockets it could not age names only
 * sockets the process filters selected; each socket counts once, however
 * many processes hold it.  A dead socket has no CLOSE_WAIT age: left out.
 */
static int drop_young(const struct scan_filter *f, struct scan_result *r)
{
	bool *counted;
	size_t i, kept = 0;

	if (f->older_than_ms < 0)
		return 0;
	counted = calloc(r->socks.count ? r->socks.count : 1, sizeof(*counted));
	if (!counted)
		return -ENOMEM;
	for (i = 0; i < r->count; i++) {
		const struct holder *h = &r->holders[i];
		int64_t age = r->socks.socks[h->sock].age_ms;

		if (!h->dead && age_filter_match(f, age)) {
			r->holders[kept++] = *h;
			continue;
		}
		if (!h->dead && age == TCP_AGE_UNKNOWN && !counted[h->sock]) {
			counted[h->sock] = true;
			r->stats.unaged++;
		}
	}
	r->count = kept;
	free(counted);
	return 0;
}

/*
 * Another fdclose at work holds its own references to the sockets it is
 * closing (pidfd_getfd): they are not leaks, and injecting into it would
 * strand its target.  Holders are sorted by pid, so each pid is asked once.
 */
static void drop_other_fdclose(struct scan_result *r)
{
	pid_t self = getpid(), last = 0;
	bool drop = false;
	size_t i, kept = 0;

	for (i = 0; i < r->count; i++) {
		const struct holder *h = &r->holders[i];

		if (h->pid != last) {
			last = h->pid;
			drop = h->pid != self && proc_is_fdclose(h->pid);
		}
		if (!drop)
			r->holders[kept++] = *h;
	}
	r->count = kept;
}

int scan_closewait(const struct scan_filter *f, struct scan_result *r)
{
	struct netns_set set = { 0 };
	struct scan_ctx ctx = { .f = f, .r = r, .set = &set };
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
	ret = inode_set_init(&ctx.seen, 1024);
	/*
	 * When every socket in no table matters, the walk will be wanted
	 * whatever the tables hold: it starts now, beside their dump.
	 */
	if (!ret && !f->closewait_only)
		ret = scan_walk_start(&ctx);
	if (!ret)
		ret = scan_read_tables(&ctx);
	if (ret)
		goto free_all;
	if (!r->stats.netns) {
		ret = -ENOENT;	/* not even our own: "nothing found" would be a lie */
		goto free_all;
	}
	ret = scan_match_queues(&ctx);
	if (ret || !scan_walk_wanted(&ctx))
		goto free_all;
	ret = scan_map_wanted(&ctx);
	if (!ret)
		ret = scan_index_by_pid(&ctx);
	if (!ret)
		ret = ctx.pool ? scan_walk_finish(&ctx) : scan_walk(&ctx);
	if (!ret)
		ret = scan_resolve_candidates(&ctx);
	if (!ret)
		ret = scan_make_backlogs(&ctx);
	if (ret)
		goto free_all;
	if (r->count)
		qsort(r->holders, r->count, sizeof(*r->holders), cmp_holder);
	drop_other_fdclose(r);
	ret = drop_young(f, r);
	if (!ret)
		ret = make_procs(&ctx);
	if (!ret)
		scan_count_ages(r);
free_all:
	ctx_free(&ctx);
	netns_set_free(&set);
	return ret;
}

const struct proc_fds *scan_find_proc(const struct scan_result *r, pid_t pid)
{
	size_t i;

	for (i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	return NULL;
}

void scan_result_free(struct scan_result *r)
{
	tcp_table_free(&r->socks);
	free(r->holders);
	free(r->backlogs);
	free(r->procs);
	memset(r, 0, sizeof(*r));
}
