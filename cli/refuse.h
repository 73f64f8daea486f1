/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether fdclose may act on a target at all, and what to tell the user when it cannot. */
#ifndef FDCLOSE_REFUSE_H
#define FDCLOSE_REFUSE_H

#include <stdbool.h>
#include <stddef.h>

#include "proc/target.h"

/*
 * Returns 0 when fdclose may act on the target, or -errno with the reason
 * in why (zombie, kernel thread, fdclose itself; when the method stops the
 * target also: traced, seccomp strict mode).
 */
int target_refuse(const struct target_info *ti, bool stops_target, char *why, size_t size);
/* Prints an actionable message for a freeze that failed with err. */
void target_explain(const struct target_info *ti, int err);

#endif
