/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operations on the fds of one frozen process: every fd is verified to be
 * the very object that was chosen before anything is done to it.
 */
#ifndef FDCLOSE_OPS_H
#define FDCLOSE_OPS_H

#include <stddef.h>
#include <sys/types.h>

#include "scan/fdinfo.h"

enum op_result {
	OP_PENDING,		/* not acted on yet */
	OP_CLOSED,
	OP_WOULD_CLOSE,		/* --dry-run */
	OP_SKIPPED,		/* closed or reused by the app meanwhile */
	OP_REFUSED,		/* a guard rail said no */
	OP_FAILED,
};

struct op_target {
	struct fd_desc desc;
	enum op_result result;
	int error;		/* -errno for OP_FAILED and OP_SKIPPED */
	char why[160];		/* OP_REFUSED and OP_FAILED: what to tell the user */
	char held_by[160];	/* OP_CLOSED: other holders keeping the socket alive */
};

struct op_stats {
	long long frozen_us;
	size_t threads;
	size_t injections;
};

/*
 * Closes every OP_PENDING target inside pid within one frozen window.
 * Returns 0 when the window opened and closed cleanly (each target then has
 * its own result), or -errno when the process could not be frozen, in which
 * case nothing was changed and every pending target is OP_FAILED.
 */
int ops_close(pid_t pid, struct op_target *targets, size_t n, unsigned int timeout_ms,
	      struct op_stats *stats);
const char *op_result_name(enum op_result r);

#endif
