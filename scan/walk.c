// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 3: the fd tables, in pid order.  A socket wanted (a CLOSE_WAIT, a
 * listener with a queue) makes a holder; one that a table lists but is not
 * wanted costs a hash lookup; one in no table is a candidate for pass 4.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "scan/internal.h"

/*
 * Whether the walk can find anything the caller wants: a CLOSE_WAIT socket
 * with a file that is old enough, or of unknown age (drop_young counts
 * those), or a listener with a queue.  Only dead holders, which no table
 * lists, need the walk otherwise.
 */
bool scan_walk_wanted(const struct scan_ctx *ctx)
{
	const struct tcp_table *t = &ctx->r->socks;
	size_t i;

	if (!ctx->f->closewait_only || ctx->nqueues)
		return true;
	for (i = 0; i < t->count; i++)
		if (t->socks[i].inode && (t->socks[i].age_ms == TCP_AGE_UNKNOWN ||
					  age_filter_match(ctx->f, t->socks[i].age_ms)))
			return true;
	return false;
}

/* The holders to find: CLOSE_WAIT sockets with a file, and listeners with a queue. */
int scan_map_wanted(struct scan_ctx *ctx)
{
	const struct tcp_table *t = &ctx->r->socks;
	size_t i;
	int ret;

	ret = inode_map_init(&ctx->want, t->count);
	if (ret)
		return ret;
	for (i = 0; i < t->count; i++) {
		ret = inode_map_put(&ctx->want, t->socks[i].inode, i);
		if (ret == -ENOMEM)
			return ret;
	}
	return 0;
}

static int cmp_netns_proc_pid(const void *a, const void *b)
{
	const struct netns_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int scan_index_by_pid(struct scan_ctx *ctx)
{
	size_t n = ctx->set->nprocs;

	ctx->by_pid = malloc((n ? n : 1) * sizeof(*ctx->by_pid));
	if (!ctx->by_pid)
		return -ENOMEM;
	if (n)
		memcpy(ctx->by_pid, ctx->set->procs, n * sizeof(*ctx->by_pid));
	qsort(ctx->by_pid, n, sizeof(*ctx->by_pid), cmp_netns_proc_pid);
	return 0;
}

static uint64_t netns_of_pid(const struct scan_ctx *ctx, pid_t pid)
{
	struct netns_proc key = { .pid = pid };
	const struct netns_proc *p;

	p = bsearch(&key, ctx->by_pid, ctx->set->nprocs, sizeof(key), cmp_netns_proc_pid);
	return p ? p->netns : 0;
}

static int add_listener_holder(struct scan_ctx *ctx, pid_t pid, int fd, size_t sock)
{
	struct listener_holder *h;

	if (ctx->nlholders == ctx->caplholders) {
		h = array_grow(ctx->lholders, &ctx->caplholders, ctx->nlholders, sizeof(*h));
		if (!h)
			return -ENOMEM;
		ctx->lholders = h;
	}
	h = &ctx->lholders[ctx->nlholders++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	h->fd = fd;
	h->sock = sock;
	return 0;
}

static int add_candidate(struct scan_ctx *ctx, pid_t pid, int fd, uint64_t inode)
{
	struct candidate *c;

	if (ctx->ncands == ctx->capcands) {
		c = array_grow(ctx->cands, &ctx->capcands, ctx->ncands, sizeof(*c));
		if (!c)
			return -ENOMEM;
		ctx->cands = c;
	}
	c = &ctx->cands[ctx->ncands++];
	c->pid = pid;
	c->fd = fd;
	c->inode = inode;
	c->netns = 0;
	c->family = 0;
	return 0;
}

static int on_socket(pid_t pid, int fd, uint64_t inode, void *arg)
{
	struct scan_ctx *ctx = arg;
	size_t sock;

	if (inode_map_get(&ctx->want, inode, &sock)) {
		if (ctx->r->socks.socks[sock].state == TCPS_LISTEN)
			return add_listener_holder(ctx, pid, fd, sock);
		return fdtable_add_holder(ctx->r, pid, fd, sock);
	}
	if (inode_map_get(&ctx->seen, inode, NULL))
		return 0;
	/*
	 * Only the states wanted were dumped: a socket in no table is then no
	 * news, unless a namespace could not be read (its CLOSE_WAIT sockets
	 * are found by asking each socket).
	 */
	if (ctx->f->closewait_only && !ctx->r->stats.netns_failed)
		return 0;
	return add_candidate(ctx, pid, fd, inode);
}

static int add_walked(struct scan_ctx *ctx, pid_t pid, size_t fds, const char *comm)
{
	struct walked *w;

	if (ctx->nwalked == ctx->capwalked) {
		w = array_grow(ctx->walked, &ctx->capwalked, ctx->nwalked, sizeof(*w));
		if (!w)
			return -ENOMEM;
		ctx->walked = w;
	}
	w = &ctx->walked[ctx->nwalked++];
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->netns = netns_of_pid(ctx, pid);
	w->fds = fds;
	if (comm) {
		memcpy(w->comm, comm, COMM_LEN);
		w->comm_known = true;
	}
	return 0;
}

/*
 * One process: 1 when --comm passes it over, 0 when walked, or -errno (its
 * findings are then dropped, not trusted).
 */
static int walk_pid(struct scan_ctx *ctx, pid_t pid)
{
	struct scan_result *r = ctx->r;
	size_t holders = r->count, lholders = ctx->nlholders, cands = ctx->ncands, fds, i;
	char comm[COMM_LEN];
	bool comm_known = false;
	int ret;

	/* --comm first: a process passed over costs one small read, not a walk. */
	if (ctx->f->comm) {
		ret = pid_comm(pid, comm);
		if (ret)
			return ret;
		if (strcmp(comm, ctx->f->comm))
			return 1;
		comm_known = true;
	}
	ret = fdtable_walk(pid, on_socket, ctx, &fds);
	if (!ret && !comm_known && (r->count > holders || ctx->nlholders > lholders)) {
		ret = pid_comm(pid, comm);
		comm_known = !ret;
	}
	if (!ret)
		ret = add_walked(ctx, pid, fds, comm_known ? comm : NULL);
	if (ret) {
		r->count = holders;
		ctx->nlholders = lholders;
		ctx->ncands = cands;
		return ret;
	}
	for (i = holders; i < r->count; i++)
		memcpy(r->holders[i].comm, comm, COMM_LEN);
	for (i = lholders; i < ctx->nlholders; i++)
		memcpy(ctx->lholders[i].comm, comm, COMM_LEN);
	for (i = cands; i < ctx->ncands; i++)
		ctx->cands[i].netns = ctx->walked[ctx->nwalked - 1].netns;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/*
 * Without a filter: every process whose namespace we could read (the others
 * are already counted).  With one: the pids asked for, each once.  In pid
 * order, which the walked records rely on.
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

int scan_walk(struct scan_ctx *ctx)
{
	size_t npids, i;
	pid_t *pids;
	int ret;

	ret = pids_to_walk(ctx->f, ctx->set, &pids, &npids);
	if (ret)
		return ret;
	for (i = 0; i < npids; i++) {
		ret = walk_pid(ctx, pids[i]);
		if (ret == -ENOMEM)
			break;
		if (ret < 0)
			fdtable_count_failure(&ctx->r->stats, pids[i], ret, ctx->f->npids > 0);
		else if (ret == 0)
			ctx->r->stats.procs++;
		ret = 0;
	}
	free(pids);
	return ret;
}


struct walked *scan_find_walked(struct scan_ctx *ctx, pid_t pid)
{
	size_t lo = 0, hi = ctx->nwalked;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ctx->walked[mid].pid == pid)
			return &ctx->walked[mid];
		if (ctx->walked[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

