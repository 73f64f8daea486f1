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
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"
#include "scan/fdtable.h"
#include "scan/netns.h"
#include "scan/proc.h"
#include "scan/scan.h"
#include "scan/sockdiag.h"
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

/* A socket fd that no table we read lists. */
struct candidate {
	pid_t pid;
	int fd;
	uint64_t inode;
	uint64_t netns;		/* of its process; 0 unknown */
	int family;		/* once the kernel named it TCP */
};

/* A process whose fd table was walked to the end. */
struct walked {
	pid_t pid;
	uint64_t netns;
	size_t fds;
	bool comm_known;
	char comm[COMM_LEN];
};

/* A holder of a listener that has CLOSE_WAITs in its accept queue. */
struct listener_holder {
	pid_t pid;
	int fd;
	size_t sock;
	char comm[COMM_LEN];
};

struct queue_count {
	size_t listener;	/* index in r->socks */
	size_t closewait;
};

struct scan_ctx {
	const struct scan_filter *f;
	struct scan_result *r;
	const struct netns_set *set;
	struct netns_proc *by_pid;	/* set->procs sorted by pid */
	struct inode_map seen;		/* every socket a table lists */
	struct inode_map want;		/* inode -> index in r->socks */
	struct inode_map extra;		/* dead and unlisted sockets: inode -> index */
	struct tcp_table listeners;
	struct tcp_table queued;	/* CLOSE_WAIT without a file, unfiltered */
	struct queue_count *queues;
	size_t nqueues;
	struct candidate *cands;
	size_t ncands, capcands;
	struct walked *walked;		/* by pid: the walk goes in pid order */
	size_t nwalked, capwalked;
	struct listener_holder *lholders;
	size_t nlholders, caplholders;
};

/* Room for one more element in an array of *cap; the array, or NULL. */
static void *grow_array(void *v, size_t *cap, size_t size)
{
	size_t bigger = *cap ? *cap * 2 : 16;

	if (bigger > SIZE_MAX / size)
		return NULL;
	v = realloc(v, bigger * size);
	if (v)
		*cap = bigger;
	return v;
}

void scan_filter_init(struct scan_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->port = -1;
	f->uid = -1;
	f->older_than_ms = -1;
	f->local.port = -1;
	f->remote.port = -1;
}

/* The socket filters; the process filters (pids, comm) apply in the walk. */
static bool sock_matches(const struct scan_filter *f, const struct tcp_sock *s)
{
	if (f->port >= 0 && s->local_port != f->port && s->remote_port != f->port)
		return false;
	if (f->uid >= 0 && s->uid != f->uid)
		return false;
	return addr_filter_match(&f->local, s->family, s->local_addr, s->local_port) &&
	       addr_filter_match(&f->remote, s->family, s->remote_addr, s->remote_port);
}

/* A dead socket has no endpoint left: only filters that name none let it through. */
static bool dead_matches(const struct scan_filter *f, uint32_t uid)
{
	return f->port < 0 && !f->local.set && !f->remote.set && (f->uid < 0 || uid == f->uid);
}

static bool process_filtered(const struct scan_filter *f)
{
	return f->npids || f->comm;
}

/* ------------------------------------------------------------------ tables */

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
	if (s->state == TCPS_CLOSE_WAIT && sock_matches(ctx->f, s))
		return tcp_table_append(&ctx->r->socks, s);
	if (s->state == TCPS_LISTEN)
		return tcp_table_append(&ctx->listeners, s);
	return 0;
}

/*
 * The kernel's own dump (sock_diag) walks the connection hash once and
 * formats nothing; /proc/PID/net/tcp{,6} walks it four times.  The dump
 * needs the right to enter the namespace; the recorded trees of the unit
 * tests have no namespace to enter, and take the /proc path.
 */
static int dump_netns_tables(struct scan_ctx *ctx, const struct netns *ns)
{
	struct tcp_table t = { 0 };
	size_t i;
	/*
	 * Without dead holders to find, the walk needs no other state: the
	 * kernel then formats CLOSE_WAIT and LISTEN sockets only, not the
	 * (many more) established ones, the bulk of an idle --watch pass.
	 */
	uint32_t states = ctx->f->closewait_only ?
		TCP_STATE_BIT(TCPS_CLOSE_WAIT) | TCP_STATE_BIT(TCPS_LISTEN) : TCP_ALL_STATES;
	int ret = sockdiag_dump(ctx->set->procs[ns->first].pid, ns->inode, states, &t);

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

	if (ns->nprocs) {
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

static int read_tables(struct scan_ctx *ctx)
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

/* ------------------------------------------------------------ accept queues */

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

	if (sock_matches(f, q))
		return true;
	if (!listener || !f->local.set)
		return false;
	as_listener = *q;
	memcpy(as_listener.local_addr, listener->local_addr, sizeof(as_listener.local_addr));
	return sock_matches(f, &as_listener);
}

/*
 * The queued CLOSE_WAITs that pass the filters join r->socks (as they
 * always did), and each listener with some of them, once.
 */
static int match_queues(struct scan_ctx *ctx)
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
		qc = realloc(ctx->queues, (ctx->nqueues + 1) * sizeof(*qc));
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

/*
 * Whether the walk can find anything the caller wants: a CLOSE_WAIT socket
 * with a file that is old enough, or of unknown age (drop_young counts
 * those), or a listener with a queue.  Only dead holders, which no table
 * lists, need the walk otherwise.
 */
static bool walk_wanted(const struct scan_ctx *ctx)
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
static int map_wanted(struct scan_ctx *ctx)
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

/* --------------------------------------------------------------------- walk */

static int cmp_netns_proc_pid(const void *a, const void *b)
{
	const struct netns_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int index_by_pid(struct scan_ctx *ctx)
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
		h = grow_array(ctx->lholders, &ctx->caplholders, sizeof(*h));
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
		c = grow_array(ctx->cands, &ctx->capcands, sizeof(*c));
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
		w = grow_array(ctx->walked, &ctx->capwalked, sizeof(*w));
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
		ret = proc_read_comm(pid, comm);
		if (ret)
			return ret;
		if (strcmp(comm, ctx->f->comm))
			return 1;
		comm_known = true;
	}
	ret = fdtable_walk(pid, on_socket, ctx, &fds);
	if (!ret && !comm_known && (r->count > holders || ctx->nlholders > lholders)) {
		ret = proc_read_comm(pid, comm);
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

static int walk(struct scan_ctx *ctx)
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

/* --------------------------------------------------------------- candidates */

static struct walked *find_walked(struct scan_ctx *ctx, pid_t pid)
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

static int known_sock(const struct tcp_sock *s, void *arg)
{
	struct inode_map *known = arg;

	if (s->inode && inode_map_put(known, s->inode, 0) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

/*
 * fdclose's own namespace, when the proc root is the real /proc (a recorded
 * tree has no self/); 0 otherwise.
 */
static uint64_t own_netns(void)
{
	struct stat st;

	return proc_stat(&st, "self/ns/net") ? 0 : (uint64_t)st.st_ino;
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
	return !process_filtered(ctx->f);
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
				bigger = grow_array(v, &cap, sizeof(*v));
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
	uint64_t own;
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
	own = own_netns();
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
	struct walked *w = find_walked(ctx, pid);
	int ret;

	if (!w)
		return -ESRCH;
	if (!w->comm_known) {
		ret = proc_read_comm(pid, w->comm);
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

	if (!dead_matches(ctx->f, uid))
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
	if (!sock_matches(ctx->f, s))
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

static int resolve_candidates(struct scan_ctx *ctx)
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

/* ------------------------------------------------------------------ results */

static int add_backlog(struct scan_result *r, size_t *cap, const struct listener_holder *lh,
		       const struct queue_count *q)
{
	struct backlog *b;

	if (r->nbacklogs == *cap) {
		b = grow_array(r->backlogs, cap, sizeof(*b));
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
static int make_backlogs(struct scan_ctx *ctx)
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
		if (!held && !process_filtered(ctx->f)) {
			ret = add_backlog(r, &cap, NULL, &ctx->queues[i]);
			if (ret)
				return ret;
		}
	}
	if (r->nbacklogs)
		qsort(r->backlogs, r->nbacklogs, sizeof(*r->backlogs), cmp_backlog);
	return 0;
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
	struct walked *w = find_walked(ctx, pid);

	p->pid = pid;
	memcpy(p->comm, w && w->comm_known ? w->comm : comm, COMM_LEN);
	p->fds = w ? w->fds : 0;
	if (proc_nofile_limit(pid, &p->nofile)) {
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
	if (!ret)
		ret = read_tables(&ctx);
	if (ret)
		goto free_all;
	if (!r->stats.netns) {
		ret = -ENOENT;	/* not even our own: "nothing found" would be a lie */
		goto free_all;
	}
	ret = match_queues(&ctx);
	if (ret || !walk_wanted(&ctx))
		goto free_all;
	ret = map_wanted(&ctx);
	if (!ret)
		ret = index_by_pid(&ctx);
	if (!ret)
		ret = walk(&ctx);
	if (!ret)
		ret = resolve_candidates(&ctx);
	if (!ret)
		ret = make_backlogs(&ctx);
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

/* ------------------------------------------------------------------- settle */

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

static const struct proc_fds *find_proc_fds(const struct scan_result *r, pid_t pid)
{
	size_t i;

	for (i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
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
		const struct proc_fds *o = find_proc_fds(second, p.pid);

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

void scan_result_free(struct scan_result *r)
{
	tcp_table_free(&r->socks);
	free(r->holders);
	free(r->backlogs);
	free(r->procs);
	memset(r, 0, sizeof(*r));
}
