/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --backtrace: each thread's stack and instruction, printed before acting. */
#ifndef FDCLOSE_BACKTRACE_H
#define FDCLOSE_BACKTRACE_H

#include "cli/cli.h"
#include "proc/target.h"

/*
 * Freezes the target on its own, prints where each thread stood (a text
 * block, or a JSON object of type "backtrace" with a "threads" array) and
 * thaws it; 0, or -errno after saying why.
 */
int backtrace_take(const struct options *opt, const struct target_info *ti);

#endif
