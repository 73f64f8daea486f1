// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose PID FD...: describe each fd, apply the guard rails, act on the rest
 * with the method (close: inside one frozen window), then report each fd on
 * its own line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/audit.h"
#include "cli/refuse.h"
#include "cli/cli.h"
#include "cli/job.h"
#include "cli/report.h"
#include "common/diag.h"
#include "injector/injector.h"
#include "scan/fdtable.h"
#include "scan/sockdiag.h"

static const char *const std_names[] = { "stdin", "stdout", "stderr" };

static void refuse(struct op_target *t, const char *why)
{
	t->result = OP_REFUSED;
	snprintf(t->why, sizeof(t->why), "%s", why);
}

/*
 * fds 0-2 and live TCP connections are almost never what the user meant;
 * in a namespace's init, only a CLOSE-WAIT socket is worth its risk.
 */
static void apply_guard_rails(const struct options *opt, struct op_target *t,
			      const struct fd_desc *d, bool ns_init)
{
	char why[sizeof(t->why)];

	if (opt->force || t->result != OP_PENDING)
		return;
	if (t->id.fd <= 2) {
		snprintf(why, sizeof(why), "fd %d is the process's %s; use --force to close it",
			 t->id.fd, std_names[t->id.fd]);
		refuse(t, why);
	} else if (d->kind == FDK_TCP && d->tcp.state != TCPS_CLOSE_WAIT) {
		snprintf(why, sizeof(why), "a TCP socket in %s, not CLOSE-WAIT; "
			 "use --force to %s it", tcp_state_name(d->tcp.state),
			 opt->method->verb);
		refuse(t, why);
	} else if (ns_init && d->kind != FDK_TCP) {
		refuse(t, "the process is pid 1 of its pid namespace, which dies with it; "
		       "only CLOSE-WAIT sockets are closed there without --force");
	}
}

/* shutdown ends a TCP connection; any other fd needs a method that acts on fds. */
static void refuse_non_tcp(const struct options *opt, struct op_target *t,
			   const struct fd_desc *d)
{
	char why[sizeof(t->why)];

	if (!opt->method->sockets_only || t->result != OP_PENDING || d->kind == FDK_TCP)
		return;
	snprintf(why, sizeof(why), "--method=%s ends TCP connections, and this is not one; "
		 "--method=close or replace acts on any fd", opt->method->name);
	refuse(t, why);
}

/*
 * Each socket is described from a reference of fdclose's own (pidfd_getfd)
 * by an exact sock_diag lookup; only when that is not possible are its
 * protocol name and the namespace's tcp tables read, the latter walking
 * the kernel's whole hash table.
 * The references are taken through the job's pin, so they are the admitted
 * process's fds even if its pid was reused since.
 */
static void describe_sockets(const struct target_info *ti, struct job *job,
			     struct sockdiag *diags, bool *need_tables)
{
	/* A zombie main thread has no fd table: pidfd_getfd() cannot use it. */
	int pidfd = ti->fd_task == ti->pid ? job->pidfd : -1;
	size_t i;

	for (i = 0; i < job->n; i++) {
		struct op_target *t = &job->targets[i];
		struct fd_desc *d = &job->descs[i];
		int ref;

		if (t->result != OP_PENDING || d->kind != FDK_SOCKET)
			continue;
		ref = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, t->id.fd, 0);
		if (ref >= 0 && !sockdiag_describe(ref, &diags[i])) {
			d->kind = FDK_TCP;
			d->tcp = diags[i].sock;
		} else {
			fd_read_proto(ti->fd_task, t->id.fd, d);
			if (strncmp(d->proto, "TCP", 3) == 0 || !d->proto[0])
				*need_tables = true;
		}
		/* The act verifies and uses it rather than take its own. */
		if (ref >= 0) {
			t->ref = ref;
			t->has_ref = true;
		}
	}
}

static int describe_targets(const struct options *opt, const struct target_info *ti,
			    struct job *job, struct sockdiag *diags)
{
	struct tcp_table table = { 0 };
	bool need_tables = false, ns_init;
	size_t i;
	int ret;

	for (i = 0; i < opt->nfds; i++) {
		struct op_target *t = &job->targets[i];

		ret = fd_describe(ti->fd_task, opt->fds[i], &t->id, &job->descs[i]);
		/* /proc/PID/fd is readable only to whom may trace PID: explain that once. */
		if (ret == -ESRCH || ret == -EACCES || ret == -EPERM)
			return ret == -ESRCH ? ret : -EPERM;
		if (ret) {
			t->result = OP_FAILED;
			t->error = ret == -ENOENT ? -EBADF : ret;
			snprintf(t->why, sizeof(t->why), "%s",
				 ret == -ENOENT ? "not an open fd" : strerror(-ret));
		}
	}
	describe_sockets(ti, job, diags, &need_tables);
	if (need_tables) {
		ret = tcp_table_read(&table, ti->fd_task, 0, TCP_ALL_STATES);
		if (ret)
			return ret;
		for (i = 0; i < opt->nfds; i++)
			if (job->targets[i].result == OP_PENDING)
				fd_match_tcp(&job->descs[i], &table);
		tcp_table_free(&table);
	}
	ns_init = !opt->force && ti->ns_init;
	for (i = 0; i < opt->nfds; i++) {
		struct op_target *t = &job->targets[i];
		const struct fd_desc *d = &job->descs[i];

		apply_guard_rails(opt, t, d, ns_init);
		refuse_non_tcp(opt, t, d);
		if (!opt->force && d->kind == FDK_TCP)
			t->require_state = TCPS_CLOSE_WAIT;
	}
	return 0;
}

/* Is a socket we closed here still alive?  Then someone else holds it. */
static bool still_held(const struct fd_desc *d, struct sockdiag *diag,
		       struct tcp_table *table, pid_t pid, bool *table_read)
{
	uint64_t inode = d->tcp.inode;

	if (diag->nl >= 0)
		return !sockdiag_recheck(diag) && diag->sock.inode == inode;
	if (!*table_read) {
		*table_read = true;
		if (tcp_table_read(table, pid, 0, TCP_ALL_STATES))
			return false;
	}
	return tcp_find_inode(table, inode) != NULL;
}

/* Who else still holds a socket we closed here, so the user knows it lives on. */
static void find_other_holders(pid_t pid, struct job *job, struct sockdiag *diags)
{
	struct scan_result others = { 0 };
	struct tcp_table table = { 0 };
	struct inode_map want;
	bool table_read = false;
	size_t i;

	if (inode_map_init(&want, job->n))
		return;
	for (i = 0; i < job->n; i++) {
		const struct fd_desc *d = &job->descs[i];

		if (job->targets[i].result == OP_DONE && d->kind == FDK_TCP &&
		    still_held(d, &diags[i], &table, pid, &table_read))
			inode_map_put(&want, d->tcp.inode, i);
	}
	/* The walk of every process's fds is paid only when a socket lives on. */
	if (want.count && !fdtable_collect(&want, NULL, 0, false, &others))
		report_note_holders(job->targets, &others);
	scan_result_free(&others);
	inode_map_free(&want);
	tcp_table_free(&table);
}

static int exit_status(const struct op_target *targets, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (targets[i].result != OP_DONE && targets[i].result != OP_WOULD)
			return EXIT_FAILED;
	return EXIT_OK;
}

/* In --json every fd gets its object, even when the process as a whole refused. */
static void refuse_process(const struct options *opt, struct job *job, int err,
			   const char *why)
{
	struct op_stats none = { 0 };
	size_t i;

	if (!opt->json) {
		pr_err("%s", why);
		return;
	}
	for (i = 0; i < opt->nfds; i++)
		job->targets[i].id.fd = opt->fds[i];
	job_settle_all(job, err == -EPERM || err == -EBUSY ? OP_REFUSED : OP_FAILED, err, why);
	report_targets(opt, &job->ti, job->targets, job->descs, job->n, &none);
}

/* Reported while the target's signals are held: a ^C cannot cut the report short. */
static void report_now(const struct options *opt, struct job *job, void *diags)
{
	if (!opt->dry_run)
		find_other_holders(job->ti.fd_task, job, diags);
	report_targets(opt, &job->ti, job->targets, job->descs, job->n, &job->stats);
}

int cmd_close(const struct options *opt)
{
	struct job job = { .pid = opt->target, .n = opt->nfds, .after_act = report_now };
	struct sockdiag *diags;
	int ret, status = EXIT_FAILED;
	char why[256];
	size_t i;

	injector_init();
	job.targets = calloc(opt->nfds, sizeof(*job.targets));
	job.descs = calloc(opt->nfds, sizeof(*job.descs));
	diags = calloc(opt->nfds, sizeof(*diags));
	job.arg = diags;
	if (!job.targets || !job.descs || !diags) {
		pr_errno(ENOMEM, "pid %d", opt->target);
		goto free_targets;
	}
	for (i = 0; i < opt->nfds; i++)
		diags[i].nl = -1;
	ret = job_admit(opt, &job, why, sizeof(why));
	if (ret) {
		refuse_process(opt, &job, ret, why);
		goto release_job;
	}
	ret = describe_targets(opt, &job.ti, &job, diags);
	if (ret) {
		target_explain(&job.ti, ret);
		goto release_job;
	}
	audit_open(!opt->no_syslog && !opt->dry_run);
	job_act(opt, &job);
	audit_close();
	status = exit_status(job.targets, opt->nfds);
release_job:
	job_release(&job);
free_targets:
	for (i = 0; diags && job.targets && i < opt->nfds; i++) {
		sockdiag_done(&diags[i]);
		if (job.targets[i].has_ref)
			close(job.targets[i].ref);
	}
	free(diags);
	free(job.descs);
	free(job.targets);
	return status;
}
