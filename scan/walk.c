// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 3: the fd tables, walked on a few threads and taken in pid order.  A
 * socket wanted (a CLOSE_WAIT, a listener with a queue) makes a holder; one
 * that a table lists but is not wanted costs a hash lookup; one in no table
 * is a candidate for pass 4.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
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

/*
 * The walk itself runs on a small pool of threads, one a CPU up to
 * WALK_WORKERS_MAX: nearly all of its time is the kernel's, a readlinkat()
 * per fd, and the tables of different processes share nothing.  Each
 * worker takes the next pid (a counter under a lock), walks it and writes
 * what it found into that pid's job only.  The calling thread is a worker
 * too, and between two jobs of its own it replays those done, in pid
 * order, through the one code that builds the result: the holders,
 * candidates, records and warnings come out exactly as from one thread,
 * and a job's findings are freed as soon as they are taken.
 *
 * When every socket in no table matters (--list, --all-closewait), the
 * other workers start before the tables are read (scan_walk_start()): the
 * dump keeps the calling thread busy for a while, and the fd tables need
 * nothing of it until their sockets are sorted.  A job walked before the
 * tables were published keeps every socket fd ("raw"); its replay sorts
 * them, as the worker would have.
 */
#define WALK_WORKERS_MAX 4
/*
 * How far the workers may run ahead of the replay: what is done but not
 * yet replayed is memory, and a calling thread busy with the tables, or one
 * the scheduler keeps off its CPU, would otherwise let it pile up.  In jobs,
 * and in hits (16 bytes each).
 */
#define WALK_AHEAD 16
#define WALK_AHEAD_HITS 16384

/* A socket fd worth keeping: one wanted or a candidate.  16 bytes: there may be many. */
struct walk_hit {
	int fd;
	bool wanted;
	uint64_t val;		/* wanted: an index in r->socks; else the inode */
};

struct walk_job {
	pid_t pid;
	int ret;		/* 0 walked, 1 passed over by --comm, or -errno */
	int comm_err;		/* raw: reading comm failed, which matters with a holder */
	size_t fds;
	unsigned long long start_time;	/* read at the first holder, 0 unknown */
	bool start_read;
	bool raw;		/* walked before the tables: every socket fd, by inode */
	bool comm_known;
	char comm[COMM_LEN];
	struct walk_hit *hits;
	size_t nhits;
	atomic_bool done;	/* set last, by the worker: the rest is then its to read */
};

struct walk_worker {
	struct walk_pool *pool;
	pthread_t thread;
	struct walk_hit *hits;	/* the job at hand's, handed to it when done */
	size_t nhits, caphits;
};

struct walk_pool {
	/*
	 * What the workers read: set before they start, or, for the tables,
	 * before ready is set (release); a worker reads ready (acquire) as it
	 * starts a job.
	 */
	const struct inode_map *want, *seen;
	const struct tcp_sock *socks;
	const char *comm;
	bool keep_unlisted;	/* a socket in no table is a candidate */
	atomic_bool ready;
	struct walk_job *jobs;
	size_t njobs;
	/* Under lock: the next job to take, how many were replayed, the hits between. */
	pthread_mutex_t lock;
	pthread_cond_t replayed_more;
	size_t next, replayed, ahead_hits;
	bool stop;
	/* The calling thread's alone. */
	unsigned int started;
	int err;
	struct walk_worker workers[WALK_WORKERS_MAX];
};

struct walk_visit {
	struct walk_worker *w;
	struct walk_job *job;
};

static int add_hit(struct walk_worker *w, int fd, bool wanted, uint64_t val)
{
	struct walk_hit *h;

	if (w->nhits == w->caphits) {
		h = array_grow(w->hits, &w->caphits, w->nhits, sizeof(*h));
		if (!h)
			return -ENOMEM;
		w->hits = h;
	}
	h = &w->hits[w->nhits++];
	h->fd = fd;
	h->wanted = wanted;
	h->val = val;
	return 0;
}

/*
 * A socket wanted (a CLOSE_WAIT, a listener with a queue) makes a holder;
 * one that a table lists but is not wanted is passed over; one in no table
 * is a candidate for pass 4.  Before the tables, every socket is kept.
 */
static int on_socket(pid_t pid, int fd, uint64_t inode, void *arg)
{
	const struct walk_visit *v = arg;
	const struct walk_pool *pool = v->w->pool;
	size_t sock;

	if (v->job->raw) {
		/* Which socket is a holder is not known yet: the start time at the first. */
		if (!v->job->start_read) {
			v->job->start_time = fdtable_start_time(pid);
			v->job->start_read = true;
		}
		return add_hit(v->w, fd, false, inode);
	}
	if (inode_map_get(pool->want, inode, &sock)) {
		/* The start time pins the holder: read once, at its first socket. */
		if (pool->socks[sock].state != TCPS_LISTEN && !v->job->start_read) {
			v->job->start_time = fdtable_start_time(pid);
			v->job->start_read = true;
		}
		return add_hit(v->w, fd, true, sock);
	}
	if (!pool->keep_unlisted || inode_map_get(pool->seen, inode, NULL))
		return 0;
	return add_hit(v->w, fd, false, inode);
}

static bool found_wanted(const struct walk_worker *w)
{
	size_t i;

	for (i = 0; i < w->nhits; i++)
		if (w->hits[i].wanted)
			return true;
	return false;
}

/* One process, in a worker: its findings are dropped, not trusted, when the walk fails. */
static void walk_job(struct walk_worker *w, struct walk_job *job)
{
	struct walk_pool *pool = w->pool;
	struct walk_visit v = { w, job };
	int ret;

	w->nhits = 0;
	job->raw = !atomic_load_explicit(&pool->ready, memory_order_acquire);
	/* --comm first: a process passed over costs one small read, not a walk. */
	if (pool->comm) {
		ret = pid_comm(job->pid, job->comm);
		if (ret || strcmp(job->comm, pool->comm)) {
			job->ret = ret ? ret : 1;
			goto done;
		}
		job->comm_known = true;
	}
	ret = fdtable_walk(job->pid, on_socket, &v, &job->fds);
	if (!ret && !job->comm_known && (job->raw ? w->nhits > 0 : found_wanted(w))) {
		ret = pid_comm(job->pid, job->comm);
		job->comm_known = !ret;
		/* Raw, the sockets may all be passed over: a failure counts only with a holder. */
		if (job->raw) {
			job->comm_err = ret;
			ret = 0;
		}
	}
	/* The hits go with the job, trimmed to their size; the next job starts afresh. */
	if (!ret && w->nhits) {
		job->hits = realloc(w->hits, w->nhits * sizeof(*job->hits));
		if (!job->hits)
			job->hits = w->hits;
		job->nhits = w->nhits;
		w->hits = NULL;
		w->nhits = w->caphits = 0;
	}
	job->ret = ret;
done:
	pthread_mutex_lock(&pool->lock);
	pool->ahead_hits += job->nhits;
	pthread_mutex_unlock(&pool->lock);
	atomic_store_explicit(&job->done, true, memory_order_release);
}

/*
 * The index of the next job to walk (njobs when there is none), once the
 * workers are not too far ahead of the replay when wait is set.
 */
static size_t next_job(struct walk_pool *pool, bool wait)
{
	size_t i;

	pthread_mutex_lock(&pool->lock);
	while (wait && !pool->stop && pool->next < pool->njobs &&
	       (pool->next >= pool->replayed + WALK_AHEAD || pool->ahead_hits > WALK_AHEAD_HITS))
		pthread_cond_wait(&pool->replayed_more, &pool->lock);
	i = pool->stop ? pool->njobs : pool->next;
	if (i < pool->njobs)
		pool->next++;
	pthread_mutex_unlock(&pool->lock);
	return i;
}

static void *worker_run(void *arg)
{
	struct walk_worker *w = arg;
	struct walk_pool *pool = w->pool;
	size_t i;

	while ((i = next_job(pool, true)) < pool->njobs)
		walk_job(w, &pool->jobs[i]);
	return NULL;
}

/* A raw hit, sorted now as on_socket() sorts them: 0 added, 1 passed over, or -ENOMEM. */
static int replay_raw_hit(struct scan_ctx *ctx, const struct walk_pool *pool,
			  const struct walk_job *job, const struct walk_hit *h)
{
	size_t sock;

	if (inode_map_get(pool->want, h->val, &sock)) {
		if (ctx->r->socks.socks[sock].state == TCPS_LISTEN)
			return add_listener_holder(ctx, job->pid, h->fd, sock);
		return fdtable_add_holder_at(ctx->r, job->pid, h->fd, sock, job->start_time);
	}
	if (!pool->keep_unlisted || inode_map_get(pool->seen, h->val, NULL))
		return 1;
	return add_candidate(ctx, job->pid, h->fd, h->val);
}

/* One job's findings into ctx, as one thread's walk would have made them. */
static int replay(struct scan_ctx *ctx, const struct walk_pool *pool, const struct walk_job *job)
{
	struct scan_result *r = ctx->r;
	size_t holders = r->count, lholders = ctx->nlholders, cands = ctx->ncands, i;
	bool comm_known = job->comm_known;
	int ret = 0;

	if (job->ret)
		return job->ret;
	for (i = 0; ret >= 0 && i < job->nhits; i++) {
		const struct walk_hit *h = &job->hits[i];

		if (job->raw)
			ret = replay_raw_hit(ctx, pool, job, h);
		else if (!h->wanted)
			ret = add_candidate(ctx, job->pid, h->fd, h->val);
		else if (r->socks.socks[h->val].state == TCPS_LISTEN)
			ret = add_listener_holder(ctx, job->pid, h->fd, (size_t)h->val);
		else
			ret = fdtable_add_holder_at(r, job->pid, h->fd, (size_t)h->val,
						    job->start_time);
	}
	if (ret > 0)
		ret = 0;
	if (job->raw && !pool->comm) {
		/* As after the tables: comm is read, and must be, for a holder only. */
		if (r->count > holders || ctx->nlholders > lholders)
			ret = ret ? ret : job->comm_err;
		else
			comm_known = false;
	}
	if (!ret)
		ret = add_walked(ctx, job->pid, job->fds, comm_known ? job->comm : NULL);
	if (ret) {
		r->count = holders;
		ctx->nlholders = lholders;
		ctx->ncands = cands;
		return ret;
	}
	for (i = holders; i < r->count; i++)
		memcpy(r->holders[i].comm, job->comm, COMM_LEN);
	for (i = lholders; i < ctx->nlholders; i++)
		memcpy(ctx->lholders[i].comm, job->comm, COMM_LEN);
	for (i = cands; i < ctx->ncands; i++)
		ctx->cands[i].netns = ctx->walked[ctx->nwalked - 1].netns;
	return 0;
}

/*
 * The jobs done from the first not yet replayed on, in pid order; after
 * -ENOMEM none is replayed, but each still counts as replayed, so that no
 * worker waits for it.
 */
static void replay_done(struct scan_ctx *ctx, struct walk_pool *pool)
{
	size_t i = pool->replayed, hits = 0;	/* only this thread writes replayed */

	while (i < pool->njobs) {
		struct walk_job *job = &pool->jobs[i];
		int ret;

		if (!atomic_load_explicit(&job->done, memory_order_acquire))
			break;
		i++;
		hits += job->nhits;
		if (pool->err)
			goto free_hits;
		ret = replay(ctx, pool, job);
		if (ret == -ENOMEM)
			pool->err = ret;
		else if (ret < 0)
			fdtable_count_failure(&ctx->r->stats, job->pid, ret, ctx->f->npids > 0);
		else if (ret == 0)
			ctx->r->stats.procs++;
free_hits:
		free(job->hits);
		job->hits = NULL;
	}
	if (i == pool->replayed)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->replayed = i;
	pool->ahead_hits -= hits;
	pthread_cond_broadcast(&pool->replayed_more);
	pthread_mutex_unlock(&pool->lock);
}

/* One worker a CPU this process may run on, at most one a pid and WALK_WORKERS_MAX. */
static unsigned int workers_wanted(size_t npids)
{
	cpu_set_t cpus;
	size_t n = 1;

	if (!sched_getaffinity(0, sizeof(cpus), &cpus))
		n = (size_t)CPU_COUNT(&cpus);
	if (n > npids)
		n = npids;
	if (n > WALK_WORKERS_MAX)
		n = WALK_WORKERS_MAX;
	return n ? (unsigned int)n : 1;
}

static void pool_free(struct walk_pool *pool)
{
	size_t i;

	for (i = 0; i < WALK_WORKERS_MAX; i++)
		free(pool->workers[i].hits);
	for (i = 0; i < pool->njobs; i++)
		free(pool->jobs[i].hits);
	free(pool->jobs);
	pthread_cond_destroy(&pool->replayed_more);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/*
 * Gives the workers the tables, once.  Only the states wanted were dumped:
 * a socket in no table is then no news, unless a namespace could not be
 * read (its CLOSE_WAIT sockets are found by asking each socket).
 */
static void pool_publish(struct scan_ctx *ctx, struct walk_pool *pool)
{
	if (atomic_load_explicit(&pool->ready, memory_order_relaxed))
		return;
	pool->want = &ctx->want;
	pool->seen = &ctx->seen;
	pool->socks = ctx->r->socks.socks;
	pool->keep_unlisted = !ctx->f->closewait_only || ctx->r->stats.netns_failed;
	atomic_store_explicit(&pool->ready, true, memory_order_release);
}

/*
 * The pool, its jobs (the pids to walk) and up to one worker a CPU besides
 * the calling thread; a thread that cannot be made leaves its share to the
 * others.  The workers block every signal: the calling thread alone takes
 * them, as before.  With tables_read, they have the tables from the start.
 * 0 or -ENOMEM.
 */
static int pool_start(struct scan_ctx *ctx, bool tables_read)
{
	struct walk_pool *pool;
	sigset_t all, old;
	size_t npids, i;
	unsigned int n;
	pid_t *pids;
	int ret;

	ret = pids_to_walk(ctx->f, ctx->set, &pids, &npids);
	if (ret)
		return ret;
	pool = calloc(1, sizeof(*pool));
	if (pool)
		pool->jobs = calloc(npids ? npids : 1, sizeof(*pool->jobs));
	if (!pool || !pool->jobs) {
		free(pool);
		free(pids);
		return -ENOMEM;
	}
	for (i = 0; i < npids; i++) {
		pool->jobs[i].pid = pids[i];
		atomic_init(&pool->jobs[i].done, false);
	}
	free(pids);
	pool->njobs = npids;
	pool->comm = ctx->f->comm;
	atomic_init(&pool->ready, false);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->replayed_more, NULL);
	for (i = 0; i < WALK_WORKERS_MAX; i++)
		pool->workers[i].pool = pool;
	if (tables_read)
		pool_publish(ctx, pool);
	pool->started = 1;
	n = workers_wanted(npids);
	if (n > 1) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (i = 1; i < n; i++) {
			if (pthread_create(&pool->workers[pool->started].thread, NULL, worker_run,
					   &pool->workers[pool->started]))
				break;
			pool->started++;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	ctx->pool = pool;
	return 0;
}

int scan_walk_start(struct scan_ctx *ctx)
{
	return pool_start(ctx, false);
}

static void pool_join(struct walk_pool *pool)
{
	unsigned int i;

	for (i = 1; i < pool->started; i++)
		pthread_join(pool->workers[i].thread, NULL);
	pool->started = 1;
}

void scan_walk_abort(struct scan_ctx *ctx)
{
	struct walk_pool *pool = ctx->pool;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->replayed_more);
	pthread_mutex_unlock(&pool->lock);
	pool_join(pool);
	pool_free(pool);
	ctx->pool = NULL;
}

/*
 * Publishes the tables to the workers, walks with them and replays every
 * job; the calling thread never waits for the replay, being the one that
 * replays.  0 or -ENOMEM.
 */
int scan_walk_finish(struct scan_ctx *ctx)
{
	struct walk_pool *pool = ctx->pool;
	size_t job;
	int ret;

	pool_publish(ctx, pool);
	while ((job = next_job(pool, false)) < pool->njobs) {
		walk_job(&pool->workers[0], &pool->jobs[job]);
		replay_done(ctx, pool);
	}
	pool_join(pool);
	replay_done(ctx, pool);
	ret = pool->err;
	pool_free(pool);
	ctx->pool = NULL;
	return ret;
}

int scan_walk(struct scan_ctx *ctx)
{
	int ret = pool_start(ctx, true);

	return ret ? ret : scan_walk_finish(ctx);
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

