// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CLOSE_WAITs in accept queues: connections the peer closed before the
 * application accepted them.  No fd holds them; their listener's holders
 * are named instead, as backlogs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "scan/internal.h"

static int cmp_listener(const void *a, const void *b)
{
	const struct tcp_sock *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->local_port != y->local_port)
		return x->local_port < y->local_port ? -1 : 1;
	return (x->inode > y->inode) - (x->inode < y->inode);
}

static bool is_wildcard(const uint8_t addr[16])
{
	static const uint8_t zero[16];

	return !memcmp(addr, zero, sizeof(zero));
}

/*
 * The listener whose accept queue holds s: same namespace, port and family
 * (a v4-mapped connection to a dual-stack listener is an IPv6 socket too),
 * the same address or a wildcard; the exact address wins, as in the
 * kernel's lookup.  Among SO_REUSEPORT twins the tables cannot tell which
 * queue it is in: the lowest inode gets it.  An index, or -1.
 */
static long find_listener(const struct tcp_table *l, const struct tcp_sock *s)
{
	size_t lo = 0, hi = l->count;
	long wildcard = -1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tcp_sock *m = &l->socks[mid];

		if (m->netns < s->netns || (m->netns == s->netns && m->local_port < s->local_port))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->count; lo++) {
		const struct tcp_sock *m = &l->socks[lo];

		if (m->netns != s->netns || m->local_port != s->local_port)
			break;
		if (m->family != s->family)
			continue;
		if (!memcmp(m->local_addr, s->local_addr, sizeof(m->local_addr)))
			return (long)lo;
		if (wildcard < 0 && is_wildcard(m->local_addr))
			wildcard = (long)lo;
	}
	return wildcard;
}

/*
 * A queued connection passes the filters by its own endpoints, or with its
 * listener's address as the local one: --local 0.0.0.0:8080 names the
 * listener as ss -tln shows it, and means its queue.
 */
static bool queued_matches(const struct scan_filter *f, const struct tcp_sock *q,
			   const struct tcp_sock *listener)
{
	struct tcp_sock as_listener;

	if (scan_sock_matches(f, q))
		return true;
	if (!listener || !f->local.set)
		return false;
	as_listener = *q;
	memcpy(as_listener.local_addr, listener->local_addr, sizeof(as_listener.local_addr));
	return scan_sock_matches(f, &as_listener);
}

/*
 * The queued CLOSE_WAITs that pass the filters join r->socks (as they
 * always did), and each listener with some of them, once.
 */
int scan_match_queues(struct scan_ctx *ctx)
{
	const struct tcp_table *q = &ctx->queued, *l = &ctx->listeners;
	struct scan_result *r = ctx->r;
	size_t *counts, i;
	int ret = 0;
	long k;

	if (l->count)
		qsort(l->socks, l->count, sizeof(*l->socks), cmp_listener);
	counts = calloc(l->count ? l->count : 1, sizeof(*counts));
	if (!counts)
		return -ENOMEM;
	for (i = 0; i < q->count && !ret; i++) {
		k = find_listener(l, &q->socks[i]);
		if (!queued_matches(ctx->f, &q->socks[i], k < 0 ? NULL : &l->socks[k]))
			continue;
		if (!age_filter_match(ctx->f, q->socks[i].age_ms)) {
			r->stats.unaged += q->socks[i].age_ms == TCP_AGE_UNKNOWN;
			continue;
		}
		if (k < 0)
			r->stats.queued_unmatched++;
		else
			counts[k]++;
		ret = tcp_table_append(&r->socks, &q->socks[i]);
	}
	for (i = 0; i < l->count && !ret; i++) {
		struct queue_count *qc;

		if (!counts[i])
			continue;
		qc = array_grow(ctx->queues, &ctx->capqueues, ctx->nqueues, sizeof(*qc));
		if (!qc) {
			ret = -ENOMEM;
			break;
		}
		ctx->queues = qc;
		ctx->queues[ctx->nqueues].listener = r->socks.count;
		ctx->queues[ctx->nqueues].closewait = counts[i];
		ctx->nqueues++;
		ret = tcp_table_append(&r->socks, &l->socks[i]);
	}
	free(counts);
	return ret;
}


static int add_backlog(struct scan_result *r, size_t *cap, const struct listener_holder *lh,
		       const struct queue_count *q)
{
	struct backlog *b;

	if (r->nbacklogs == *cap) {
		b = array_grow(r->backlogs, cap, r->nbacklogs, sizeof(*b));
		if (!b)
			return -ENOMEM;
		r->backlogs = b;
	}
	b = &r->backlogs[r->nbacklogs++];
	memset(b, 0, sizeof(*b));
	b->pid = lh ? lh->pid : 0;
	b->fd = lh ? lh->fd : -1;
	if (lh)
		memcpy(b->comm, lh->comm, COMM_LEN);
	b->listener = q->listener;
	b->closewait = q->closewait;
	return 0;
}

static int cmp_backlog(const void *a, const void *b)
{
	const struct backlog *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	if (x->fd != y->fd)
		return (x->fd > y->fd) - (x->fd < y->fd);
	return (x->listener > y->listener) - (x->listener < y->listener);
}

/* A listener nobody we walked holds counts only when no process filter was asked. */
int scan_make_backlogs(struct scan_ctx *ctx)
{
	struct scan_result *r = ctx->r;
	size_t i, j, cap = 0;
	bool held;
	int ret;

	for (i = 0; i < ctx->nqueues; i++) {
		held = false;
		for (j = 0; j < ctx->nlholders; j++) {
			if (ctx->lholders[j].sock != ctx->queues[i].listener)
				continue;
			held = true;
			ret = add_backlog(r, &cap, &ctx->lholders[j], &ctx->queues[i]);
			if (ret)
				return ret;
		}
		if (!held && !scan_process_filtered(ctx->f)) {
			ret = add_backlog(r, &cap, NULL, &ctx->queues[i]);
			if (ret)
				return ret;
		}
	}
	if (r->nbacklogs)
		qsort(r->backlogs, r->nbacklogs, sizeof(*r->backlogs), cmp_backlog);
	return 0;
}

