// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/output.h"
#include "cli/report.h"
#include "common/diag.h"
#include "common/json.h"

/* "closed", "would close", "failed to close", ... as the method words it. */
static void result_words(const struct method *m, enum op_result r, char *buf, size_t size)
{
	switch (r) {
	case OP_DONE: snprintf(buf, size, "%s", m->done); break;
	case OP_WOULD: snprintf(buf, size, "would %s", m->verb); break;
	case OP_SKIPPED: snprintf(buf, size, "skipped"); break;
	case OP_REFUSED: snprintf(buf, size, "refused to %s", m->verb); break;
	case OP_FAILED: snprintf(buf, size, "failed to %s", m->verb); break;
	case OP_PENDING: snprintf(buf, size, "did not %s", m->verb); break;
	}
}

/* Why a target was not acted on, in words; "" when it was. */
static void reason(const struct method *m, const struct op_target *t, char *buf, size_t size)
{
	if (t->why[0]) {
		snprintf(buf, size, "%s", t->why);
	} else if (t->result == OP_SKIPPED) {
		snprintf(buf, size, "%s", t->error == -ENOENT ?
			 "the process closed it meanwhile" :
			 t->error == -EALREADY ? "the socket left CLOSE-WAIT meanwhile" :
			 t->error == -ESRCH ? "the process exited" :
			 "the number now refers to another object");
	} else if (t->error == -ETIMEDOUT) {
		snprintf(buf, size, "not %s: a thread of the process did not stop in time "
			 "(see --timeout)", m->done);
	} else if (t->error == -ETIME) {
		snprintf(buf, size, "not %s: the injected close loop did not reach it "
			 "in time (see --timeout)", m->done);
	} else if (t->error == -ERANGE) {
		snprintf(buf, size, "not %s: --max-pause is shorter than freezing the "
			 "process takes", m->done);
	} else if (t->error == -EMFILE && m == &method_replace) {
		snprintf(buf, size, "not replaced: the process is at its open-file limit and "
			 "the placeholder needs two free fds; --method=close frees the number");
	} else if (t->error == -ENOSYS && m == &method_shutdown) {
		snprintf(buf, size, "not shut down: this kernel has no pidfd_getfd");
	} else if (t->error == -EDOM) {
		snprintf(buf, size, "not %s: the process's seccomp filter would not let the "
			 "syscall run", m->done);
	} else if (t->error == -ENOMSG) {
		snprintf(buf, size, "not %s: the process's seccomp filter cannot be read",
			 m->done);
	} else if (t->error == -ESRCH) {
		snprintf(buf, size, "not %s: the process exited meanwhile (its fds went with it)",
			 m->done);
	} else if (t->error == -EXDEV) {
		snprintf(buf, size, "not %s: the process's main thread has exited", m->done);
	} else if (t->result == OP_FAILED || t->result == OP_PENDING) {
		snprintf(buf, size, "%s", strerror(t->error < 0 ? -t->error : t->error));
	} else {
		buf[0] = '\0';
	}
}

static void print_text(const struct method *m, const struct target_info *ti,
		       const struct op_target *t, const struct fd_desc *d)
{
	char what[512], why[256], words[32];

	fd_summary(d, what, sizeof(what));
	reason(m, t, why, sizeof(why));
	result_words(m, t->result, words, sizeof(words));
	if (t->result == OP_DONE || t->result == OP_WOULD) {
		if (diag_quiet)
			return;
		printf("%s fd %d in pid %d (%s): %s%s%s\n", words, t->id.fd,
		       ti->pid, ti->comm, what, t->held_by[0] ? "; " : "", t->held_by);
		return;
	}
	if (t->result == OP_SKIPPED) {
		if (!diag_quiet)
			printf("skipped fd %d in pid %d (%s): %s\n", t->id.fd, ti->pid,
			       ti->comm, why);
		return;
	}
	if (d->link[0])
		pr_err("%s fd %d in pid %d (%s): %s: %s", words, t->id.fd,
		       ti->pid, ti->comm, what, why);
	else
		pr_err("%s fd %d in pid %d (%s): %s", words, t->id.fd,
		       ti->pid, ti->comm, why);
}

static void add_tcp_fields(struct json_line *j, const struct fd_desc *d)
{
	output_socket_fields(j, &d->tcp, d->dead, d->dead ? "DEAD" : tcp_state_name(d->tcp.state));
}

static int print_json(struct json_line *j, const struct method *m,
		      const struct target_info *ti, const struct op_target *t,
		      const struct fd_desc *d, const struct op_stats *stats)
{
	char what[512], why[256];

	fd_summary(d, what, sizeof(what));
	reason(m, t, why, sizeof(why));
	json_begin(j);
	json_add_str(j, "type", "holder");
	json_add_i64(j, "pid", ti->pid);
	json_add_i64(j, "fd", t->id.fd);
	json_add_str(j, "comm", ti->comm);
	json_add_str(j, "what", d->link[0] ? what : "");
	if (d->kind == FDK_TCP)
		add_tcp_fields(j, d);
	json_add_str(j, "method", m->name);
	json_add_str(j, "result", method_result_name(m, t->result));
	if (why[0])
		json_add_str(j, "error", why);
	else
		json_add_null(j, "error");
	if (t->held_by[0])
		json_add_str(j, "held_by", t->held_by);
	/* A failure too says how long the process was held (0: not at all). */
	if ((t->result == OP_DONE || t->result == OP_FAILED) && m->needs_ptrace)
		json_add_i64(j, "frozen_us", stats->frozen_us);
	return json_end(j, stdout);
}

/*
 * close frees the number, and an event-loop server keeps state by number:
 * its next accept may get it while the old connection's state lives on.
 * Said once a run, after the first fd closed.
 */
static void warn_number_reuse(const struct options *opt, const struct op_target *targets,
			      size_t n)
{
	static bool said;
	size_t i;

	if (said || opt->json || diag_quiet || !opt->method->frees_number)
		return;
	for (i = 0; i < n && targets[i].result != OP_DONE; i++)
		;
	if (i == n)
		return;
	said = true;
	pr_warn("a closed fd's number is free again; an event-loop server (redis, "
		"nginx, haproxy, memcached...) that keeps state by fd number may give it to "
		"a new client and send that client another's data: --method=shutdown or "
		"replace keeps the number taken");
}

void report_targets(const struct options *opt, const struct target_info *ti,
		    const struct op_target *targets, const struct fd_desc *descs, size_t n,
		    const struct op_stats *stats)
{
	struct json_line j = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		enum op_result r = targets[i].result;

		/* --quiet keeps errors only: what went as asked is not reported. */
		if (diag_quiet && (r == OP_DONE || r == OP_WOULD || r == OP_SKIPPED))
			continue;
		if (!opt->json)
			print_text(opt->method, ti, &targets[i], &descs[i]);
		else if (print_json(&j, opt->method, ti, &targets[i], &descs[i], stats))
			pr_errno(ENOMEM, "writing JSON");
	}
	json_free(&j);
	warn_number_reuse(opt, targets, n);
	if (stats->threads)
		pr_verbose("pid %d (%s): %zu thread(s) frozen for %lld us, %zu syscall(s) injected "
			   "(the worker ran them with fdclose's registers and mask for %lld us, "
			   "%lld us at most at once; the close loop ran %lld us)",
			   ti->pid, ti->comm, stats->threads, stats->frozen_us,
			   stats->injections, stats->exposed_us, stats->exposed_max_us,
			   stats->loop_us);
	fflush(stdout);
}

void report_note_holders(struct op_target *targets, const struct scan_result *others)
{
	size_t i;

	for (i = 0; i < others->count; i++) {
		const struct holder *h = &others->holders[i];
		struct op_target *t = &targets[h->sock];
		size_t len = strlen(t->held_by);

		if (len == 0)
			len = (size_t)snprintf(t->held_by, sizeof(t->held_by),
					       "socket still held by");
		if (len < sizeof(t->held_by))
			snprintf(t->held_by + len, sizeof(t->held_by) - len, "%s pid %d (%s) fd %d",
				 len > 20 ? "," : "", h->pid, h->comm, h->fd);
	}
}

void report_unread(const struct scan_filter *f, const struct scan_stats *st)
{
	/* A process named with --pid had its own warning already. */
	if (!st->denied || f->npids)
		return;
	pr_warn("may not read the fd tables of %zu process%s: the sockets they hold are "
		"not listed; run fdclose as root (or with CAP_SYS_PTRACE) to see the whole host",
		st->denied, st->denied == 1 ? "" : "es");
}

void report_unaged(const struct scan_stats *st)
{
	if (!st->unaged)
		return;
	pr_warn("--older-than passed over %zu CLOSE_WAIT socket%s of unknown age: %s",
		st->unaged, st->unaged == 1 ? "" : "s", st->netns_proc ?
		"a TCP table read from /proc/net/tcp has no timers (sock_diag, which "
		"has them, needs CAP_SYS_ADMIN to enter a network namespace)" :
		"the kernel gave no tcp_info for them");
}
