// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose --list: the CLOSE_WAIT and dead sockets and their holders, the
 * accept queues nobody empties, and how many fds each process listed has
 * left.  Changes nothing.
 */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/report.h"
#include "common/diag.h"

static void report_stats(const struct scan_stats *st)
{
	pr_verbose("scanned %zu network namespace(s) (%zu unreadable), "
		   "%zu process fd table(s)", st->netns, st->netns_failed, st->procs);
	pr_verbose("passed over %zu vanished, %zu denied, %zu unreadable process(es); "
		   "%zu malformed tcp table line(s)",
		   st->vanished, st->denied, st->unreadable, st->malformed);
	pr_verbose("asked the kernel about %zu socket fd(s) in no table: %zu dead "
		   "(%zu judged by the tables alone), %zu in CLOSE_WAIT in a namespace "
		   "without a readable process; %zu accept-queue CLOSE_WAIT(s) without "
		   "a listener", st->probed, st->dead, st->dead_unverified, st->unlisted,
		   st->queued_unmatched);
}

int cmd_list(const struct options *opt)
{
	struct scan_result r = { 0 };
	int ret;

	ret = scan_closewait(&opt->filter, &r);
	if (ret) {
		pr_errno(ret, "cannot scan /proc for CLOSE_WAIT sockets");
		goto free_result;
	}
	report_stats(&r.stats);
	if (r.stats.malformed)
		pr_warn("skipped %zu malformed line(s) in the tcp tables", r.stats.malformed);
	report_unread(&opt->filter, &r.stats);
	report_unaged(&r.stats);
	ret = opt->json ? output_json(stdout, &r) : output_table(stdout, &r);
	if (!ret && fflush(stdout))
		ret = -EIO;
	if (ret)
		pr_errno(ret, "writing the list");
free_result:
	scan_result_free(&r);
	return ret ? EXIT_FAILED : EXIT_OK;
}
