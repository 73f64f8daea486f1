// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose --list: the CLOSE_WAIT and dead sockets and their holders, the
 * accept queues nobody empties, and how many fds each process listed has
 * left.  Changes nothing.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prom.h"
#include "cli/report.h"
#include "common/clock.h"
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

static int print_list(const struct options *opt, const struct scan_result *r, double scan_s)
{
	/* opt->json alone (as --json sets it, with format) means JSON too. */
	switch (opt->json ? FORMAT_JSON : opt->format) {
	case FORMAT_JSON:
		return output_json(stdout, r);
	case FORMAT_PROMETHEUS:
		return output_prometheus(stdout, r, scan_s, NULL);
	case FORMAT_TABLE:
		break;
	}
	return output_table(stdout, r);
}

int cmd_list(const struct options *opt)
{
	struct scan_result r = { 0 };
	long long start = clock_now_ns();
	double scan_s;
	int ret;

	/*
	 * A fixed mmap threshold: each array past 128 KiB (the tables, the
	 * inode sets, the holders, the candidates) is mapped on its own, grows
	 * by mremap and goes back to the kernel when freed.  glibc's default
	 * raises the threshold to the size of the first such chunk freed, and
	 * the big arrays then grow in the heap by copying, leaving holes: 0.3
	 * to 0.6 MB more peak RSS on the bench's 100,000 fds, more or less from
	 * run to run.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	ret = scan_closewait(&opt->filter, &r);
	scan_s = (double)(clock_now_ns() - start) / 1e9;
	if (ret) {
		pr_errno(ret, "cannot scan /proc for CLOSE_WAIT sockets");
		goto free_result;
	}
	report_stats(&r.stats);
	if (r.stats.malformed)
		pr_warn("skipped %zu malformed line(s) in the tcp tables", r.stats.malformed);
	report_unread(&opt->filter, &r.stats);
	report_unaged(&r.stats);
	if (opt->textfile) {
		ret = prom_write_textfile(opt->textfile, &r, scan_s, NULL);
		if (ret) {
			pr_errno(ret, "writing %s/fdclose.prom", opt->textfile);
			goto free_result;
		}
		if (!opt->format_given)
			goto free_result;
	}
	ret = print_list(opt, &r, scan_s);
	if (!ret && fflush(stdout))
		ret = -EIO;
	if (ret)
		pr_errno(ret, "writing the list");
free_result:
	scan_result_free(&r);
	return ret ? EXIT_FAILED : EXIT_OK;
}
