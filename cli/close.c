// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose PID FD...: describe each fd, apply the guard rails, close the rest
 * inside one frozen window, then report each fd on its own line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audit.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "common/diag.h"
#include "injector/injector.h"
#include "injector/ops.h"
#include "injector/target.h"
#include "scan/fdtable.h"

static const char *const std_names[] = { "stdin", "stdout", "stderr" };

static void refuse(struct op_target *t, const char *why)
{
	t->result = OP_REFUSED;
	snprintf(t->why, sizeof(t->why), "%s", why);
}

/* fds 0-2 and live TCP connections are almost never what the user meant. */
static void apply_guard_rails(const struct options *opt, struct op_target *t)
{
	char why[sizeof(t->why)];

	if (opt->force || t->result != OP_PENDING)
		return;
	if (t->desc.fd <= 2) {
		snprintf(why, sizeof(why), "fd %d is the process's %s; use --force to close it",
			 t->desc.fd, std_names[t->desc.fd]);
		refuse(t, why);
	} else if (t->desc.kind == FDK_TCP && t->desc.tcp.state != TCPS_CLOSE_WAIT) {
		snprintf(why, sizeof(why), "a TCP socket in %s, not CLOSE-WAIT; "
			 "use --force to close it", tcp_state_name(t->desc.tcp.state));
		refuse(t, why);
	}
}

static int describe_targets(const struct options *opt, struct op_target *targets)
{
	struct tcp_table table = { 0 };
	bool any_socket = false;
	size_t i;
	int ret;

	for (i = 0; i < opt->nfds; i++) {
		struct op_target *t = &targets[i];

		ret = fd_describe(opt->target, opt->fds[i], &t->desc);
		if (ret == -ESRCH)
			return ret;
		if (ret) {
			t->result = OP_FAILED;
			t->error = ret == -ENOENT ? -EBADF : ret;
			snprintf(t->why, sizeof(t->why), "%s",
				 ret == -ENOENT ? "not an open fd" : strerror(-ret));
		}
		any_socket |= !ret && t->desc.kind == FDK_SOCKET;
	}
	if (any_socket) {
		ret = tcp_read(&table, opt->target, 0, TCP_ALL_STATES);
		if (ret)
			return ret;
		for (i = 0; i < opt->nfds; i++)
			if (targets[i].result == OP_PENDING)
				fd_match_tcp(&targets[i].desc, &table);
		tcp_table_free(&table);
	}
	for (i = 0; i < opt->nfds; i++) {
		struct op_target *t = &targets[i];

		apply_guard_rails(opt, t);
		t->require_closewait = !opt->force && t->desc.kind == FDK_TCP;
	}
	return 0;
}

/* Who else still holds a socket we closed here, so the user knows it lives on. */
static void find_other_holders(pid_t pid, struct op_target *targets, size_t n)
{
	struct scan_result others = { 0 };
	struct tcp_table table = { 0 };
	struct inode_map want;
	size_t i, nwant = 0;

	for (i = 0; i < n; i++)
		nwant += targets[i].result == OP_CLOSED && targets[i].desc.kind == FDK_TCP;
	if (!nwant || tcp_read(&table, pid, 0, TCP_ALL_STATES))
		return;
	if (inode_map_init(&want, nwant))
		goto free_table;
	for (i = 0; i < n; i++) {
		struct op_target *t = &targets[i];

		if (t->result == OP_CLOSED && t->desc.kind == FDK_TCP &&
		    tcp_find_inode(&table, t->desc.tcp.inode))
			inode_map_put(&want, t->desc.tcp.inode, i);
	}
	if (want.count && !fdtable_collect(&want, NULL, 0, false, &others))
		report_note_holders(targets, &others);
	free(others.holders);
	inode_map_free(&want);
free_table:
	tcp_table_free(&table);
}

static int exit_status(const struct op_target *targets, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (targets[i].result != OP_CLOSED && targets[i].result != OP_WOULD_CLOSE)
			return EXIT_FAILED;
	return EXIT_OK;
}

static void mark_dry_run(struct op_target *targets, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (targets[i].result == OP_PENDING)
			targets[i].result = OP_WOULD_CLOSE;
}

int cmd_close(const struct options *opt)
{
	struct op_params params = {
		.timeout_ms = opt->timeout_ms,
		.max_pause_us = opt->max_pause_us,
	};
	struct op_stats stats = { 0 };
	struct op_target *targets;
	struct target_info ti;
	char why[256];
	sigset_t held;
	int ret, status;
	size_t i;

	injector_init();
	ret = target_inspect(opt->target, &ti);
	if (ret) {
		if (ret == -ESRCH)
			pr_err("pid %d: no such process", opt->target);
		else
			pr_errno(ret, "pid %d: cannot read its /proc entry", opt->target);
		return EXIT_FAILED;
	}
	if (target_refuse(&ti, why, sizeof(why))) {
		pr_err("%s", why);
		return EXIT_FAILED;
	}
	targets = calloc(opt->nfds, sizeof(*targets));
	if (!targets) {
		pr_errno(ENOMEM, "pid %d", opt->target);
		return EXIT_FAILED;
	}
	ret = describe_targets(opt, targets);
	if (ret) {
		target_explain(&ti, ret);
		status = EXIT_FAILED;
		goto free_targets;
	}
	if (opt->dry_run) {
		mark_dry_run(targets, opt->nfds);
	} else {
		/* A ^C now must not leave the target frozen: it lands after thaw. */
		signals_hold(&held);
		ret = ops_close(opt->target, targets, opt->nfds, &params, &stats);
		if (ret)
			target_explain(&ti, ret);
		find_other_holders(opt->target, targets, opt->nfds);
	}
	report_targets(opt, &ti, targets, opt->nfds, &stats);
	audit_open(!opt->no_syslog && !opt->dry_run);
	for (i = 0; i < opt->nfds; i++)
		audit_target(&ti, &targets[i]);
	audit_close();
	status = exit_status(targets, opt->nfds);
	if (!opt->dry_run)
		signals_release(&held);
free_targets:
	free(targets);
	return status;
}
