// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 4: the socket fds found in no table.  Most are unix sockets, which
 * their own table settles when there are many; the kernel names the rest
 * (an xattr); a TCP one is asked for its state through a reference of our
 * own: a CLOSE_WAIT of a namespace we could not read, or a dead connection
 * (an RST or ss -K took it out of every table, the fd stays).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/array.h"
#include "common/diag.h"
#include "proc/proc.h"
#include "scan/internal.h"
#include "scan/sockprobe.h"

/*
 * Below this many candidates in one namespace, an xattr each is cheaper
 * than reading that namespace's unix table whole.
 */
#define KNOWN_TABLES_MIN 32

static const struct sock_probe *probe = &sock_probe_kernel;

void scan_set_sock_probe(const struct sock_probe *p)
{
	probe = p ? p : &sock_probe_kernel;
}

static int known_sock(const struct tcp_sock *s, void *arg)
{
	struct inode_map *known = arg;

	if (s->inode && inode_map_put(known, s->inode, 0) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

static const struct netns *find_netns(const struct netns_set *set, uint64_t inode)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		if (set->ns[i].inode == inode)
			return &set->ns[i];
	return NULL;
}

/*
 * Is reading the unix table of ns cheaper than an xattr for each of its
 * ncand candidates?  An xattr costs about 5 us; a socket in the table
 * about 0.25 us over netlink (our own namespace) and 1.2 us in
 * /proc/PID/net/unix.  sockstat says how many sockets there are (of every
 * kind, so this errs towards the xattrs).  Without it, guess: after a --pid
 * or --comm walk the table could dwarf the candidates; after a full walk
 * the candidates are most of it.
 */
static bool table_is_cheaper(const struct scan_ctx *ctx, const struct netns *ns, size_t ncand,
			     bool own)
{
	uint64_t used;
	size_t i;

	if (ncand < KNOWN_TABLES_MIN)
		return false;
	for (i = 0; i < ns->nprocs; i++)
		if (!sock_count_netns(ctx->set->procs[ns->first + i].pid, &used))
			return (uint64_t)ncand * (own ? 20 : 4) >= used;
	return !scan_process_filtered(ctx->f);
}

/* The unix sockets of one namespace: our own over netlink, another from any member. */
static int read_known(struct scan_ctx *ctx, const struct netns *ns, bool own,
		      struct inode_map *known)
{
	int ret = -ENOENT;
	size_t i;

	if (own) {
		ret = sock_unix_inodes_here(known);
		if (!ret || ret == -ENOMEM)
			return ret;
	}
	for (i = 0; i < ns->nprocs; i++) {
		ret = sock_read_unix_inodes(ctx->set->procs[ns->first + i].pid, known);
		if (!ret || ret == -ENOMEM)
			break;
	}
	return ret;
}

struct netns_count {
	uint64_t netns;
	size_t n;
};

/*
 * The namespaces of the candidates and how many each has.  There are few
 * namespaces and the candidates come in runs of one process, so a look at
 * the last one found mostly answers, where sorting 100,000 would not.
 */
static int count_by_netns(const struct scan_ctx *ctx, struct netns_count **out, size_t *nout)
{
	struct netns_count *v = NULL, *bigger;
	size_t i, k, n = 0, cap = 0, last = 0;

	for (i = 0; i < ctx->ncands; i++) {
		uint64_t ns = ctx->cands[i].netns;

		if (n && v[last].netns == ns) {
			v[last].n++;
			continue;
		}
		for (k = 0; k < n && v[k].netns != ns; k++)
			;
		if (k == n) {
			if (n == cap) {
				bigger = array_grow(v, &cap, n, sizeof(*v));
				if (!bigger) {
					free(v);
					return -ENOMEM;
				}
				v = bigger;
			}
			v[n].netns = ns;
			v[n++].n = 0;
		}
		v[k].n++;
		last = k;
	}
	*out = v;
	*nout = n;
	return 0;
}

/*
 * Most candidates are unix sockets: where there are many, the namespace's
 * unix table settles them.  (UDP is left to the xattr: even an empty udp
 * table costs a walk of the whole UDP hash, dearer than a few xattrs.)
 */
static int drop_known(struct scan_ctx *ctx)
{
	size_t i, nns, kept = 0;
	struct netns_count *counts;
	struct inode_map known;
	const struct netns *ns;
	uint64_t own = 0;
	bool any = false;
	int ret;

	if (ctx->ncands < KNOWN_TABLES_MIN)
		return 0;
	ret = count_by_netns(ctx, &counts, &nns);
	if (ret)
		return ret;
	ret = inode_set_init(&known, ctx->ncands);
	if (ret)
		goto free_counts;
	/* A recorded proc root has no self/: no namespace is ours then. */
	self_netns(&own);
	for (i = 0; i < nns; i++) {
		bool is_own = own && counts[i].netns == own;

		ns = find_netns(ctx->set, counts[i].netns);
		if (!ns || !table_is_cheaper(ctx, ns, counts[i].n, is_own))
			continue;
		ret = read_known(ctx, ns, is_own, &known);
		if (ret == -ENOMEM)
			goto free_known;
		any |= !ret;
		ret = 0;	/* not readable: the xattr answers instead */
	}
	for (i = 0; any && i < ctx->ncands; i++)
		if (!inode_map_get(&known, ctx->cands[i].inode, NULL))
			ctx->cands[kept++] = ctx->cands[i];
	if (any)
		ctx->ncands = kept;
free_known:
	inode_map_free(&known);
free_counts:
	free(counts);
	return ret;
}

/* A process whose comm we did not need yet; 0 or -errno (it exited). */
static int comm_of(struct scan_ctx *ctx, pid_t pid, char comm[COMM_LEN])
{
	struct walked *w = scan_find_walked(ctx, pid);
	int ret;

	if (!w)
		return -ESRCH;
	if (!w->comm_known) {
		ret = pid_comm(pid, w->comm);
		if (ret)
			return ret;
		w->comm_known = true;
	}
	memcpy(comm, w->comm, COMM_LEN);
	return 0;
}

/* A socket two processes hold (a fork) joins r->socks once. */
static int add_extra_sock(struct scan_ctx *ctx, const struct tcp_sock *s, size_t *idx)
{
	struct tcp_table *t = &ctx->r->socks;
	int ret;

	if (inode_map_get(&ctx->extra, s->inode, idx))
		return 0;
	*idx = t->count;
	ret = tcp_table_append(t, s);
	if (!ret)
		ret = inode_map_put(&ctx->extra, s->inode, *idx);
	return ret;
}

static int add_found(struct scan_ctx *ctx, const struct candidate *c, const struct tcp_sock *s,
		     bool dead)
{
	struct scan_result *r = ctx->r;
	char comm[COMM_LEN];
	struct holder *h;
	size_t idx;
	int ret;

	ret = comm_of(ctx, c->pid, comm);
	if (ret)
		return ret == -ENOMEM ? ret : 0;	/* exited: nothing is held any more */
	ret = add_extra_sock(ctx, s, &idx);
	if (!ret)
		ret = fdtable_add_holder(r, c->pid, c->fd, idx);
	if (ret)
		return ret;
	h = &r->holders[r->count - 1];
	memcpy(h->comm, comm, COMM_LEN);
	h->dead = dead;
	if (dead)
		r->stats.dead++;
	else
		r->stats.unlisted++;
	return 0;
}

/* rx, tx and uid as the socket gave them, if it could be asked. */
static int add_dead(struct scan_ctx *ctx, const struct candidate *c, uint32_t uid,
		    uint32_t rx_queue, uint32_t tx_queue)
{
	struct tcp_sock d;

	if (!scan_dead_matches(ctx->f, uid))
		return 0;
	memset(&d, 0, sizeof(d));
	d.age_ms = TCP_AGE_UNKNOWN;
	d.inode = c->inode;
	d.netns = c->netns;
	d.family = (uint8_t)c->family;
	d.state = TCPS_CLOSE;
	d.uid = uid;
	d.rx_queue = rx_queue;
	d.tx_queue = tx_queue;
	return add_found(ctx, c, &d, true);
}

/*
 * A CLOSE_WAIT socket that no table we read lists lives in a namespace we
 * could not read: one without a process left, most often.
 */
static int add_unlisted(struct scan_ctx *ctx, const struct candidate *c, struct tcp_sock *s)
{
	if (!s->netns)
		s->netns = c->netns;
	if (!scan_sock_matches(ctx->f, s))
		return 0;
	return add_found(ctx, c, s, false);
}

/*
 * 0 when settled (listed or not), 1 when the socket is TCP but could not be
 * asked, or -ENOMEM.  A TCP socket in CLOSE that never carried a segment
 * was never connected (a socket() not yet connect()ed, a bind() without
 * listen()): not a dead connection.
 */
static int probe_candidate(struct scan_ctx *ctx, struct candidate *c)
{
	struct sock_state st;
	char proto[32];
	int ret;

	ctx->r->stats.probed++;
	if (probe->protocol(c->pid, c->fd, proto, sizeof(proto)) ||
	    !sock_proto_is_tcp(proto, &c->family))
		return 0;
	ret = probe->inspect(c->pid, c->fd, c->inode, &st);
	switch (ret) {
	case 0:
		break;
	case -ESTALE:		/* the fd holds another object now */
	case -ESRCH:
	case -EBADF:
	case -ENOENT:
	case -EPROTOTYPE:	/* not plain TCP after all */
		return 0;
	default:
		return 1;
	}
	if (st.sock.state == TCPS_CLOSE_WAIT)
		return add_unlisted(ctx, c, &st.sock);
	if (st.sock.state == TCPS_CLOSE && st.carried)
		return add_dead(ctx, c, st.sock.uid, st.sock.rx_queue, st.sock.tx_queue);
	return 0;
}

static int cmp_candidate_netns(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return (x->netns > y->netns) - (x->netns < y->netns);
}

/*
 * When the socket cannot be asked (no pidfd_getfd() before Linux 5.6, or
 * no ptrace access) only the tables can judge, and a socket made after
 * they were read is in none yet: read them again now; what is still missing
 * is called dead.  A socket of a namespace we cannot read would be too: the
 * price of not asking, counted in stats.dead_unverified.
 */
static int judge_unverified(struct scan_ctx *ctx)
{
	size_t i, j, n = ctx->ncands, dead, malformed = 0;
	struct candidate *c = ctx->cands;
	struct inode_map now;
	int ret;

	ret = inode_set_init(&now, 64);
	if (ret)
		return ret;
	qsort(c, n, sizeof(*c), cmp_candidate_netns);
	for (i = 0; i < n; i = j) {
		const struct netns *ns = find_netns(ctx->set, c[i].netns);
		size_t k;

		for (j = i; j < n && c[j].netns == c[i].netns; j++)
			;
		for (k = 0; ns && k < ns->nprocs; k++) {
			ret = tcp_read_each(ctx->set->procs[ns->first + k].pid, ns->inode,
					    known_sock, &now, &malformed);
			if (ret == -ENOMEM)
				goto free_now;
			if (!ret)
				break;
		}
	}
	for (i = 0; i < n; i++) {
		struct stat st;

		if (inode_map_get(&now, c[i].inode, NULL))
			continue;
		/* The owner, and proof the fd still is that socket. */
		if (proc_stat(&st, "%d/fd/%d", (int)c[i].pid, c[i].fd) ||
		    (uint64_t)st.st_ino != c[i].inode)
			continue;
		dead = ctx->r->stats.dead;
		ret = add_dead(ctx, &c[i], (uint32_t)st.st_uid, 0, 0);
		if (ret)
			goto free_now;
		ctx->r->stats.dead_unverified += ctx->r->stats.dead - dead;
	}
	ret = 0;
free_now:
	inode_map_free(&now);
	return ret;
}

int scan_resolve_candidates(struct scan_ctx *ctx)
{
	size_t i, unverified = 0;
	int ret;

	if (!ctx->ncands)
		return 0;
	ret = drop_known(ctx);
	if (ret)
		return ret;
	ret = inode_map_init(&ctx->extra, 16);
	if (ret)
		return ret;
	for (i = 0; i < ctx->ncands; i++) {
		ret = probe_candidate(ctx, &ctx->cands[i]);
		if (ret < 0)
			return ret;
		if (ret > 0)
			ctx->cands[unverified++] = ctx->cands[i];
	}
	ctx->ncands = unverified;
	if (!unverified)
		return 0;
	pr_verbose("%zu TCP socket fd(s) in no table could not be asked for their state; "
		   "judging them by the tables alone", unverified);
	return judge_unverified(ctx);
}

