// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 2: each network namespace's tcp tables, read once.  Every socket a
 * table lists is noted (a socket fd in none is a candidate for pass 4); the
 * CLOSE_WAITs that pass the filters, the listeners and the CLOSE_WAITs
 * queued on them are kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "proc/proc.h"
#include "scan/internal.h"
#include "scan/sockdiag.h"

static int table_sock(const struct tcp_sock *s, void *arg)
{
	struct scan_ctx *ctx = arg;
	int ret;

	ctx->r->stats.sockets++;
	if (s->inode) {
		ret = inode_map_put(&ctx->seen, s->inode, 0);
		if (ret == -ENOMEM)
			return ret;
	}
	/* Queued ones are filtered once their listener is known. */
	if (s->state == TCPS_CLOSE_WAIT && !s->inode)
		return tcp_table_append(&ctx->queued, s);
	if (s->state == TCPS_CLOSE_WAIT && scan_sock_matches(ctx->f, s))
		return tcp_table_append(&ctx->r->socks, s);
	if (s->state == TCPS_LISTEN)
		return tcp_table_append(&ctx->listeners, s);
	return 0;
}

/*
 * Where a namespace's tables come from.  The kernel's own dump (sock_diag)
 * walks the connection hash once and formats nothing, and gives each
 * socket's age; /proc/PID/net/tcp{,6} walks the hash four times and has no
 * timers.  The dump needs the right to enter the namespace (CAP_SYS_ADMIN):
 * without it, /proc.  A recorded proc root has no namespace to enter: its
 * text only.
 */
static bool tables_by_netlink(void)
{
	return !proc_root_is_recorded();
}

struct inode_count {
	struct scan_ctx *ctx;
	size_t sockets;
};

/* A socket the walk must know is listed, though it is not wanted: its inode only. */
static int table_inode(uint64_t inode, void *arg)
{
	struct inode_count *c = arg;
	int ret;

	c->sockets++;
	if (!inode)
		return 0;
	ret = inode_map_put(&c->ctx->seen, inode, 0);
	return ret == -ENOMEM ? ret : 0;
}

static int dump_netns_tables(struct scan_ctx *ctx, const struct netns *ns)
{
	struct tcp_table t = { 0 };
	struct inode_count others = { ctx, 0 };
	size_t i;
	/*
	 * Only CLOSE_WAIT and LISTEN sockets are kept.  The others (the many
	 * established ones) matter only to tell a dead socket, in no table,
	 * from a listed one: their inodes go straight to the seen set.
	 * Without dead holders to find, the walk needs no other state: the
	 * kernel then formats CLOSE_WAIT and LISTEN sockets only, the bulk of
	 * an idle --watch pass saved.
	 */
	uint32_t states = TCP_STATE_BIT(TCPS_CLOSE_WAIT) | TCP_STATE_BIT(TCPS_LISTEN);
	uint32_t inode_states = ctx->f->closewait_only ? 0 : TCP_ALL_STATES & ~states;
	int ret = sockdiag_dump_split(ctx->set->procs[ns->first].pid, ns->inode, states, &t,
				      inode_states, table_inode, &others);

	if (!ret)
		ctx->r->stats.sockets += others.sockets;
	for (i = 0; !ret && i < t.count; i++)
		ret = table_sock(&t.socks[i], ctx);
	tcp_table_free(&t);
	return ret;
}

/* Any member's net/tcp shows the namespace's tables; the first may have exited. */
static int read_netns_tables(struct scan_ctx *ctx, const struct netns *ns)
{
	const struct netns_set *set = ctx->set;
	int ret = -ENOENT;
	size_t i;

	if (ns->nprocs && tables_by_netlink()) {
		ret = dump_netns_tables(ctx, ns);
		if (!ret || ret == -ENOMEM)
			return ret;
	}
	for (i = 0; i < ns->nprocs; i++) {
		ret = tcp_read_each(set->procs[ns->first + i].pid, ns->inode, table_sock, ctx,
				    &ctx->r->stats.malformed);
		if (!ret)
			ctx->r->stats.netns_proc++;
		if (!ret || ret == -ENOMEM)
			break;
	}
	return ret;
}

int scan_read_tables(struct scan_ctx *ctx)
{
	struct scan_result *r = ctx->r;
	const struct netns *ns;
	size_t i;
	int ret;

	for (i = 0; i < ctx->set->count; i++) {
		ns = &ctx->set->ns[i];
		ret = read_netns_tables(ctx, ns);
		if (ret == -ENOMEM)
			return ret;
		if (ret == -ENOENT || ret == -ESRCH) {
			pr_verbose("network namespace net:[%llu]: every process in it exited",
				   (unsigned long long)ns->inode);
			r->stats.netns_failed++;
			continue;
		}
		if (ret) {
			pr_warn("network namespace net:[%llu]: cannot read its TCP tables: %s",
				(unsigned long long)ns->inode, strerror(-ret));
			r->stats.netns_failed++;
			continue;
		}
		r->stats.netns++;
	}
	r->socks.malformed = r->stats.malformed;
	return 0;
}

