// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose --watch INTERVAL: an --all-closewait pass every INTERVAL (from
 * the start of one to the start of the next), until SIGTERM or SIGINT.
 * Those two stay blocked for the whole run and are taken only between
 * passes, with sigtimedwait(): a stop can never land while a target is
 * frozen, and the watch then ends at once, with status 0.  Each pass logs
 * a summary to syslog and, with --textfile, rewrites the metrics: the
 * gauges of its scan and the counters of the whole watch.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/audit.h"
#include "cli/cli.h"
#include "cli/prom.h"
#include "cli/sweep.h"
#include "common/clock.h"
#include "common/diag.h"
#include "injector/injector.h"

/*
 * Waits until deadline_ns (CLOCK_MONOTONIC) or a signal of stop; true
 * when a signal came.
 */
static bool wait_until_or_stopped(const sigset_t *stop, long long deadline_ns)
{
	for (;;) {
		long long left = deadline_ns - clock_now_ns();
		struct timespec ts;

		if (left <= 0)
			left = 0;
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		if (sigtimedwait(stop, NULL, &ts) > 0)
			return true;
		/* EINTR: another signal (the injector's SIGALRM); wait on. */
		if (errno == EAGAIN)
			return false;
	}
}

static sigset_t stop_signals;

/* A stop is pending: the pass leaves the processes it has not reached yet. */
static bool stop_pending(void)
{
	sigset_t pending;
	int i;

	if (sigpending(&pending))
		return false;
	for (i = 1; i < NSIG; i++)
		if (sigismember(&stop_signals, i) == 1 && sigismember(&pending, i) == 1)
			return true;
	return false;
}

/* One pass under the run lock (not needed with --dry-run); -errno when it failed. */
static int watch_pass(const struct options *opt, struct prom_counters *c)
{
	struct scan_result r = { 0 };
	struct sweep_totals t = { 0 };
	/* All of the lock, as a sweep takes it. */
	int ret = opt->dry_run ? 0 : run_lock_take(0);

	if (ret)
		return ret;	/* said; another fdclose held the lock 30 s: next time */
	ret = sweep_pass(opt, &r, &t, stop_pending);
	run_lock_release();
	c->passes++;
	if (!opt->dry_run) {
		c->closed += t.closed;
		c->failed += t.failed;
	}
	if (!opt->no_syslog)
		audit_watch_pass(opt->method, opt->dry_run, (unsigned long long)c->passes,
				 t.found, t.closed, t.failed, t.skipped, t.processes);
	if (!ret && opt->textfile) {
		ret = prom_write_textfile(opt->textfile, &r, t.scan_s, c);
		if (ret)
			pr_errno(ret, "writing %s/fdclose.prom", opt->textfile);
	}
	scan_result_free(&r);
	return ret;
}

int cmd_watch(const struct options *opt)
{
	long long next = clock_now_ns();
	struct prom_counters c = { .method = opt->method->name };
	struct stat st;
	sigset_t *stop = &stop_signals;

	if (opt->textfile && stat(opt->textfile, &st)) {
		pr_errno(errno, "--textfile %s", opt->textfile);
		return EXIT_FAILED;
	}
	if (opt->textfile && !S_ISDIR(st.st_mode)) {
		pr_err("--textfile %s: not a directory", opt->textfile);
		return EXIT_FAILED;
	}
	sigemptyset(stop);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGTERM);
	sigprocmask(SIG_BLOCK, stop, NULL);
	injector_init();
	do {
		watch_pass(opt, &c);
		fflush(stdout);
		/* A pass longer than INTERVAL: the next one starts at once, none piles up. */
		next += opt->watch_us * 1000;
		if (next < clock_now_ns())
			next = clock_now_ns();
	} while (!wait_until_or_stopped(stop, next));
	pr_verbose("stopped after %llu pass(es): %llu socket(s) %s, %llu failed",
		   (unsigned long long)c.passes, (unsigned long long)c.closed,
		   opt->method->done, (unsigned long long)c.failed);
	return EXIT_OK;
}
