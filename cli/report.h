/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reporting what was done to each fd: a line of text or a JSON object each. */
#ifndef FDCLOSE_REPORT_H
#define FDCLOSE_REPORT_H

#include <stddef.h>

#include "cli/cli.h"
#include "injector/ops.h"
#include "proc/target.h"
#include "scan/fdinfo.h"

/* One line or JSON object per fd: targets[i], which descs[i] describes. */
void report_targets(const struct options *opt, const struct target_info *ti,
		    const struct op_target *targets, const struct fd_desc *descs, size_t n,
		    const struct op_stats *stats);
/*
 * Says once, as a warning, how many sockets --older-than could not age and
 * why; nothing when it aged them all.
 */
void report_unaged(const struct scan_stats *st);
/* Says once how many processes' fd tables the scan was not allowed to read. */
void report_unread(const struct scan_filter *f, const struct scan_stats *st);
/* Records in each closed target which other (pid, fd) still hold its socket. */
void report_note_holders(struct op_target *targets, const struct scan_result *others);

#endif
