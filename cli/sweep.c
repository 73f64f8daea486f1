// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose --all-closewait: scan every namespace, group the holders by
 * process, close each process's CLOSE_WAIT fds in as few frozen windows as
 * --max-pause allows, then confirm from outside that the sockets are gone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/audit.h"
#include "cli/cli.h"
#include "cli/job.h"
#include "cli/output.h"
#include "cli/report.h"
#include "cli/sweep.h"
#include "common/clock.h"
#include "common/diag.h"
#include "common/releaser.h"
#include "common/json.h"
#include "injector/injector.h"
#include "injector/ops.h"
#include "proc/target.h"
#include "proc/pid.h"
#include "proc/proc.h"
#include "scan/fdtable.h"
#include "scan/sockdiag.h"

/*
 * Where a pass's wall time went, in microseconds, for the summary: what
 * make bench sets beside ss -K.  act is the act's own work beyond the
 * references, the frozen windows and the release.
 */
struct phases {
	long long scan;		/* the tables, the fd walk, --settle's wait */
	long long admit;	/* pinning and inspecting each process */
	long long references;	/* pidfd_getfd of each fd, checked against the scan */
	long long frozen;	/* the windows: every target's frozen time */
	long long act;
	long long release;	/* closing the references (the last one frees the socket):
				 * with the releaser, handing them over and the wait for it */
	long long confirm;	/* reading each namespace's tables again */
	long long report;	/* every line of output and the audit */
};

/* Below this many holders a thread to close the references costs more than it saves. */
#define RELEASER_MIN_REFS 64

struct tally {
	size_t closed;			/* sockets the method ended, in every holder */
	size_t failed;
	size_t skipped;
	size_t processes;		/* processes where something was closed */
	long long *frozen_us;		/* per process acted on, sorted */
	size_t nfrozen;
};

static void sleep_us(long long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --settle: act only on what stayed in CLOSE_WAIT across the interval. */
static int scan_settled(const struct options *opt, struct scan_result *r)
{
	struct scan_result second = { 0 };
	int ret = scan_closewait(&opt->filter, r);

	if (ret || !opt->settle_us)
		return ret;
	sleep_us(opt->settle_us);
	ret = scan_closewait(&opt->filter, &second);
	if (!ret)
		ret = scan_settle(r, &second);
	scan_result_free(&second);
	return ret;
}

static void target_from_holder(const struct options *opt, const struct scan_result *r,
			       const struct inode_map *protected, const struct holder *h,
			       struct op_target *t, struct fd_desc *d)
{
	const struct method *m = opt->method;
	const struct tcp_sock *s = &r->socks.socks[h->sock];
	size_t unused;

	fd_desc_for_socket(&t->id, d, h->fd, s->inode);
	d->kind = FDK_TCP;
	d->tcp = *s;
	d->dead = h->dead;
	t->require_state = h->dead ? TCPS_CLOSE : TCPS_CLOSE_WAIT;
	if (inode_map_get(protected, s->inode, &unused)) {
		t->result = OP_SKIPPED;
		snprintf(t->why, sizeof(t->why), "fdclose or its parent holds this socket too");
	} else if (h->dead && !opt->include_dead) {
		t->result = OP_SKIPPED;
		snprintf(t->why, sizeof(t->why), "a dead TCP socket; --include-dead %s it too",
			 m->sockets_only ? "with --method=close closes" : "acts on");
	} else if (h->dead && m->sockets_only) {
		t->result = OP_SKIPPED;
		snprintf(t->why, sizeof(t->why), "a dead TCP socket has no connection to %s; "
			 "--method=close frees its fd", m->verb);
	}
}

/*
 * One process of the sweep through the job pipeline.  A method that ends the
 * socket itself (shutdown) acts once per socket: its other holders were
 * served by then, and ended records which.
 */
static void act_on_process(const struct options *opt, struct job *job,
			   struct inode_map *ended, struct phases *ph)
{
	long long t0 = clock_now_ns(), t1;
	char why[256];
	size_t i, unused;
	int ret;

	ret = job_admit(opt, job, why, sizeof(why));
	t1 = clock_now_ns();
	ph->admit += (t1 - t0) / 1000;
	if (ret && !job->inspected) {
		job_settle_all(job, OP_SKIPPED, -ESRCH, "the process exited");
		goto release;
	}
	if (ret) {
		pr_err("%s", why);
		job_settle_all(job, ret == -ESRCH ? OP_SKIPPED : OP_FAILED, ret, why);
		goto release;
	}
	for (i = 0; opt->method->once_per_socket && i < job->n; i++) {
		struct op_target *t = &job->targets[i];

		if (t->result == OP_PENDING && inode_map_get(ended, t->id.ino, &unused))
			t->result = opt->dry_run ? OP_WOULD : OP_DONE;
	}
	job_act(opt, job);
	/* For the process line: what the act left it ("16,003 -> 12 fds"). */
	if (!opt->dry_run && pid_count_fds(job->ti.fd_task, &job->fds_after))
		job->fds_after = SIZE_MAX;
	ph->references += job->stats.refs_us;
	ph->frozen += job->stats.frozen_us;
	ph->release += job->stats.release_us;
	ph->act += (clock_now_ns() - t1) / 1000 - job->stats.refs_us - job->stats.frozen_us -
		   job->stats.release_us;
	for (i = 0; opt->method->once_per_socket && i < job->n; i++)
		if (job->targets[i].result == OP_DONE || job->targets[i].result == OP_WOULD)
			inode_map_put(ended, job->targets[i].id.ino, i);
release:
	job_release(job);
}

static void report_process(const struct options *opt, const struct scan_result *r,
			   const struct job *job)
{
	const struct proc_fds *p = scan_find_proc(r, job->pid);
	struct json_line j = { 0 };

	report_targets(opt, &job->ti, job->targets, job->descs, job->n, &job->stats);
	if (!p || diag_quiet)
		return;
	if (!opt->json) {
		output_process_line(stdout, p, opt->dry_run ? SIZE_MAX : job->fds_after);
		return;
	}
	/* --list's process object, and what the act did to the process. */
	json_begin(&j);
	output_process_fields(&j, p);
	json_add_u64(&j, "fds_before", p->fds);
	if (job->fds_after != SIZE_MAX && !opt->dry_run)
		json_add_u64(&j, "fds_after", job->fds_after);
	json_add_str(&j, "method", opt->method->name);
	json_add_i64(&j, "frozen_us", job->stats.frozen_us);
	json_add_i64(&j, "max_window_us", job->stats.max_window_us);
	json_add_u64(&j, "windows", job->stats.windows);
	json_add_u64(&j, "threads", job->stats.threads);
	if (json_end(&j, stdout))
		pr_errno(ENOMEM, "writing JSON");
	json_free(&j);
}

/* The holders of one process start at h; returns how many there are. */
static size_t holders_of(const struct holder *h, size_t left)
{
	size_t n = 1;

	while (n < left && h[n].pid == h[0].pid)
		n++;
	return n;
}

static int make_jobs(const struct options *opt, const struct scan_result *r,
		     const struct inode_map *protected, struct job **jobsp, size_t *njobs)
{
	struct op_target *targets;
	struct fd_desc *descs;
	struct job *jobs;
	size_t i, n = 0;

	/* No holder, no job: the caller frees jobs[0]'s arrays only when there is one. */
	*jobsp = NULL;
	*njobs = 0;
	if (!r->count)
		return 0;
	targets = calloc(r->count, sizeof(*targets));
	descs = calloc(r->count, sizeof(*descs));
	jobs = calloc(r->count, sizeof(*jobs));
	if (!targets || !descs || !jobs) {
		free(targets);
		free(descs);
		free(jobs);
		return -ENOMEM;
	}
	for (i = 0; i < r->count; i++)
		target_from_holder(opt, r, protected, &r->holders[i], &targets[i], &descs[i]);
	for (i = 0; i < r->count; i += jobs[n++].n) {
		jobs[n].pid = r->holders[i].pid;
		jobs[n].start_time = r->holders[i].start_time;
		jobs[n].targets = &targets[i];
		jobs[n].descs = &descs[i];
		jobs[n].n = holders_of(&r->holders[i], r->count - i);
		jobs[n].fds_after = SIZE_MAX;
	}
	*jobsp = jobs;
	*njobs = n;
	return 0;
}

/*
 * fdclose never acts on itself or on the shell that runs it; a socket they
 * hold too would outlive any close elsewhere, so its other holders are
 * skipped.  Returns 0 or -ENOMEM.
 */
static int drop_own_holders(struct scan_result *r, struct inode_map *protected)
{
	pid_t self = getpid(), parent = getppid();
	size_t i, kept = 0;
	int ret = inode_map_init(protected, r->count ? r->count : 1);

	if (ret)
		return ret;
	for (i = 0; i < r->count; i++) {
		const struct holder *h = &r->holders[i];

		if (h->pid != self && h->pid != parent) {
			r->holders[kept++] = *h;
			continue;
		}
		ret = inode_map_put(protected, r->socks.socks[h->sock].inode, 0);
		if (ret == -ENOMEM)
			return ret;
	}
	r->count = kept;
	return 0;
}

/*
 * Confirms from outside, once every holder had its turn: a socket closed
 * everywhere must no longer be in CLOSE_WAIT in the tables of its
 * namespace.  If it still is, a holder fdclose could not see keeps it
 * alive, and it does not count as gone.  Each namespace's tables are read
 * once, through a process of that namespace that took part.
 */
static void confirm_gone(struct job *jobs, size_t njobs)
{
	size_t i, j, k;

	for (i = 0; i < njobs; i++) {
		struct tcp_table table = { 0 };
		unsigned int families = 0;
		uint64_t ns = 0;

		pid_netns(jobs[i].pid, &ns);	/* 0 when gone: nothing to confirm there */

		for (k = 0; k < i && ns; k++)
			if (jobs[k].confirmed_netns == ns)
				ns = 0;		/* that namespace was read already */
		jobs[i].confirmed_netns = ns;
		for (k = i; k < njobs && ns; k++)
			for (j = 0; j < jobs[k].n; j++)
				if (jobs[k].targets[j].result == OP_DONE &&
				    jobs[k].targets[j].require_state == TCPS_CLOSE_WAIT &&
				    jobs[k].descs[j].tcp.netns == ns)
					families |= jobs[k].descs[j].tcp.family == AF_INET ?
						    TCP_DUMP_V4 : TCP_DUMP_V6;
		if (!families || tcp_table_read_inodes(&table, jobs[i].ti.fd_task, ns,
						       TCP_STATE_BIT(TCPS_CLOSE_WAIT), families))
			continue;
		for (k = i; k < njobs; k++) {
			for (j = 0; j < jobs[k].n; j++) {
				struct op_target *t = &jobs[k].targets[j];

				if (t->result != OP_DONE || t->require_state != TCPS_CLOSE_WAIT ||
				    jobs[k].descs[j].tcp.netns != ns ||
				    !tcp_find_inode(&table, t->id.ino))
					continue;
				t->still_open = true;
				snprintf(t->held_by, sizeof(t->held_by), "but the socket is "
					 "still in CLOSE_WAIT: a holder fdclose could not see keeps it");
			}
		}
		tcp_table_free(&table);
	}
}

enum sock_outcome { GONE, SKIPPED, FAILED };

struct sock_outcome_entry {
	uint64_t inode;
	enum sock_outcome outcome;
};

static enum sock_outcome outcome_of(const struct op_target *t)
{
	if (t->result == OP_FAILED || t->result == OP_REFUSED || t->still_open)
		return FAILED;
	if (t->result == OP_DONE || t->result == OP_WOULD)
		return GONE;
	return SKIPPED;
}

static int compare_outcomes(const void *a, const void *b)
{
	const struct sock_outcome_entry *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (int)x->outcome - (int)y->outcome;
}

static int compare_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Per socket, across all its holders: failed beats skipped beats gone. */
static int tally_sockets(const struct job *jobs, size_t njobs, size_t count, struct tally *t)
{
	struct sock_outcome_entry *e = calloc(count ? count : 1, sizeof(*e));
	size_t i, j, n = 0;

	memset(t, 0, sizeof(*t));
	t->frozen_us = calloc(njobs ? njobs : 1, sizeof(*t->frozen_us));
	if (!e || !t->frozen_us) {
		free(e);
		return -ENOMEM;
	}
	for (i = 0; i < njobs; i++) {
		bool acted = false;

		for (j = 0; j < jobs[i].n; j++) {
			e[n].inode = jobs[i].targets[j].id.ino;
			e[n++].outcome = outcome_of(&jobs[i].targets[j]);
			acted |= jobs[i].targets[j].result == OP_DONE ||
				 jobs[i].targets[j].result == OP_WOULD;
		}
		if (acted) {
			t->processes++;
			t->frozen_us[t->nfrozen++] = jobs[i].stats.frozen_us;
		}
	}
	qsort(e, n, sizeof(*e), compare_outcomes);
	for (i = 0; i < n; i = j) {
		enum sock_outcome worst = e[i].outcome;

		for (j = i; j < n && e[j].inode == e[i].inode; j++)
			if (e[j].outcome > worst)
				worst = e[j].outcome;
		t->closed += worst == GONE;
		t->skipped += worst == SKIPPED;
		t->failed += worst == FAILED;
	}
	free(e);
	qsort(t->frozen_us, t->nfrozen, sizeof(*t->frozen_us), compare_ll);
	return 0;
}

static void add_phases(struct json_line *j, const struct phases *ph)
{
	json_object_begin(j, "phases_us");
	json_add_i64(j, "scan", ph->scan);
	json_add_i64(j, "admit", ph->admit);
	json_add_i64(j, "references", ph->references);
	json_add_i64(j, "frozen", ph->frozen);
	json_add_i64(j, "act", ph->act);
	json_add_i64(j, "release", ph->release);
	json_add_i64(j, "confirm", ph->confirm);
	json_add_i64(j, "report", ph->report);
	json_object_end(j);
}

static void print_summary(const struct options *opt, const struct tally *t,
			  const struct phases *ph, long long wall_us)
{
	long long median = t->nfrozen ? t->frozen_us[t->nfrozen / 2] : 0;
	long long max = t->nfrozen ? t->frozen_us[t->nfrozen - 1] : 0;
	struct json_line j = { 0 };

	if (!opt->json) {
		printf("%s%s %zu socket%s in %zu process%s; %zu failed; %zu skipped\n",
		       opt->dry_run ? "would " : "",
		       opt->dry_run ? opt->method->verb : opt->method->done, t->closed,
		       t->closed == 1 ? "" : "s", t->processes, t->processes == 1 ? "" : "es",
		       t->failed, t->skipped);
		if (t->nfrozen && !opt->dry_run)
			pr_verbose("frozen per process: median %lld us, max %lld us; "
				   "%lld us in all: scan %lld, admit %lld, references %lld, "
				   "frozen %lld, act %lld, release %lld, confirm %lld, "
				   "report %lld", median, max, wall_us, ph->scan, ph->admit,
				   ph->references, ph->frozen, ph->act, ph->release,
				   ph->confirm, ph->report);
		fflush(stdout);
		return;
	}
	json_begin(&j);
	json_add_str(&j, "type", "summary");
	json_add_bool(&j, "summary", true);
	json_add_bool(&j, "dry_run", opt->dry_run);
	json_add_str(&j, "method", opt->method->name);
	json_add_u64(&j, "done", t->closed);
	json_add_u64(&j, "processes", t->processes);
	json_add_u64(&j, "failed", t->failed);
	json_add_u64(&j, "skipped", t->skipped);
	json_add_i64(&j, "frozen_us_median", median);
	json_add_i64(&j, "frozen_us_max", max);
	json_add_i64(&j, "wall_us", wall_us);
	add_phases(&j, ph);
	if (json_end(&j, stdout))
		pr_errno(ENOMEM, "writing JSON");
	json_free(&j);
	fflush(stdout);
}

static void report_backlogs(const struct options *opt, const struct scan_result *r)
{
	struct json_line j = { 0 };
	char ep[TCP_ENDPOINT_LEN];
	size_t i;

	for (i = 0; i < r->nbacklogs && !diag_quiet; i++) {
		const struct backlog *b = &r->backlogs[i];
		const struct tcp_sock *s = &r->socks.socks[b->listener];

		if (!opt->json) {
			output_backlog_line(stdout, r, b);
			continue;
		}
		tcp_format_endpoint(ep, sizeof(ep), s->family, s->local_addr, s->local_port);
		json_begin(&j);
		json_add_str(&j, "type", "backlog");
		if (b->pid) {
			json_add_i64(&j, "pid", b->pid);
			json_add_i64(&j, "fd", b->fd);
			json_add_str(&j, "comm", b->comm);
		} else {
			/* No process we could read holds the listener, as --list says. */
			json_add_null(&j, "pid");
			json_add_null(&j, "fd");
			json_add_null(&j, "comm");
		}
		json_add_u64(&j, "inode", s->inode);
		json_add_str(&j, "local", ep);
		json_add_u64(&j, "netns", s->netns);
		json_add_u64(&j, "closewait", b->closewait);
		if (json_end(&j, stdout))
			pr_errno(ENOMEM, "writing JSON");
	}
	json_free(&j);
}

int sweep_pass(const struct options *opt, struct scan_result *r, struct sweep_totals *out,
	       bool (*stopping)(void))
{
	struct inode_map protected = { 0 };
	long long start = clock_now_ns();
	struct job *jobs = NULL;
	struct inode_map ended = { 0 };
	struct tally t = { 0 };
	struct phases ph = { 0 };
	struct releaser releaser;
	bool threaded;
	long long t0;
	size_t njobs = 0, i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = scan_settled(opt, r);
	out->scan_s = (double)(clock_now_ns() - start) / 1e9;
	ph.scan = (clock_now_ns() - start) / 1000;
	if (ret) {
		pr_errno(ret, "scanning for CLOSE_WAIT sockets");
		return ret;
	}
	out->found = r->count;
	report_unread(&opt->filter, &r->stats);
	report_unaged(&r->stats);
	ret = drop_own_holders(r, &protected);
	if (!ret)
		ret = make_jobs(opt, r, &protected, &jobs, &njobs);
	inode_map_free(&protected);
	if (!ret)
		ret = inode_map_init(&ended, r->count ? r->count : 1);
	if (ret)
		goto free_jobs;
	audit_open(!opt->no_syslog && !opt->dry_run);
	/*
	 * The references of a few sockets are closed where their window ends;
	 * those of many, on a thread of their own meanwhile.
	 */
	threaded = r->count >= RELEASER_MIN_REFS && !opt->dry_run;
	if (threaded && releaser_start(&releaser))
		pr_verbose("closing fdclose's references on the main thread");
	/* Confirm only once every holder had its turn: a shared socket lives until then. */
	for (i = 0; i < njobs; i++) {
		jobs[i].releaser = threaded ? &releaser : NULL;
		if (stopping && stopping())
			job_settle_all(&jobs[i], OP_SKIPPED, -EINTR, "fdclose is stopping");
		else
			act_on_process(opt, &jobs[i], &ended, &ph);
	}
	/* Every reference closed: a socket is gone only then. */
	t0 = clock_now_ns();
	if (threaded)
		releaser_stop(&releaser);
	ph.release += (clock_now_ns() - t0) / 1000;
	t0 = clock_now_ns();
	confirm_gone(jobs, njobs);
	ph.confirm = (clock_now_ns() - t0) / 1000;
	t0 = clock_now_ns();
	for (i = 0; i < njobs; i++)
		report_process(opt, r, &jobs[i]);
	audit_close();
	report_backlogs(opt, r);
	ret = tally_sockets(jobs, njobs, r->count, &t);
	ph.report = (clock_now_ns() - t0) / 1000;
	/* A watch's pass that found nothing says so to syslog, not on every line of its log. */
	if (!ret && (opt->cmd != CMD_WATCH || r->count || r->nbacklogs || diag_verbose))
		print_summary(opt, &t, &ph, (clock_now_ns() - start) / 1000);
	out->closed = t.closed;
	out->failed = t.failed;
	out->skipped = t.skipped;
	out->processes = t.processes;
	free(t.frozen_us);
free_jobs:
	if (njobs) {
		free(jobs[0].targets);
		free(jobs[0].descs);
	}
	free(jobs);
	inode_map_free(&ended);
	if (ret)
		pr_errno(ret, "--all-closewait");
	return ret;
}

int cmd_sweep(const struct options *opt)
{
	struct scan_result r = { 0 };
	struct sweep_totals t;
	int ret;

	injector_init();
	ret = sweep_pass(opt, &r, &t, NULL);
	scan_result_free(&r);
	if (ret)
		return EXIT_FAILED;
	return t.failed ? EXIT_FAILED : EXIT_OK;
}
