/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One pipeline for acting on one process, whatever chose its fds (PID FD...
 * or a scan): admit (inspect, refuse), then act (dry-run, or hold signals,
 * act with the method, explain, report, audit, release signals).
 */
#ifndef FDCLOSE_JOB_H
#define FDCLOSE_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "injector/ops.h"
#include "proc/target.h"
#include "scan/fdinfo.h"

struct releaser;

struct job {
	pid_t pid;
	struct op_target *targets;
	struct fd_desc *descs;		/* what targets[i] is, for the report */
	size_t n;
	struct target_info ti;
	bool inspected;			/* ti was read: the process was there */
	struct op_stats stats;
	size_t fds_after;		/* SIZE_MAX when not counted */
	uint64_t confirmed_netns;	/* --all-closewait: the namespace it confirmed */
	/*
	 * The process, pinned by job_admit() before it reads anything of it,
	 * until job_release(); -1 when the kernel has no pidfd_open().
	 */
	int pidfd;
	/* Its start time when the scan saw it (0: no scan, or unread). */
	unsigned long long start_time;
	/* Where the act's references go once used; NULL: closed on the spot. */
	struct releaser *releaser;
	/*
	 * Runs after the act, while the target's signals are still held
	 * (e.g. to report at once); NULL for none.
	 */
	void (*after_act)(const struct options *opt, struct job *job, void *arg);
	void *arg;
};

/*
 * Pins the process (pidfd), then reads what it is and whether fdclose may
 * act on it at all.  Returns 0, or -errno with the reason in why: -ESRCH
 * gone, or its pid reused since the scan (another start time), or what
 * target_refuse() says.  job_release() undoes it, whatever it returned.
 */
int job_admit(const struct options *opt, struct job *job, char *why, size_t size);
void job_release(struct job *job);
/* Every target still pending gets result, error and why. */
void job_settle_all(struct job *job, enum op_result result, int err, const char *why);
/* Acts on every pending target with opt->method (or, with --dry-run, says it would). */
void job_act(const struct options *opt, struct job *job);

#endif
