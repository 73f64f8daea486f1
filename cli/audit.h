/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The incident record: every change fdclose makes goes to syslog. */
#ifndef FDCLOSE_AUDIT_H
#define FDCLOSE_AUDIT_H

#include <stdbool.h>

#include "cli/method.h"
#include "injector/ops.h"
#include "proc/target.h"
#include "scan/fdinfo.h"

void audit_open(bool enabled);
/* Logs one target that was acted on (done or failed); others are not changes. */
void audit_target(const struct method *m, const struct target_info *ti,
		  const struct op_target *t, const struct fd_desc *d);
void audit_close(void);
/*
 * Logs one --watch pass: what it found and what the method did to it (with
 * dry_run: would do); notice when it changed or failed something, info
 * when not.  Opens and closes syslog itself.
 */
void audit_watch_pass(const struct method *m, bool dry_run, unsigned long long pass,
		      size_t found, size_t closed, size_t failed, size_t skipped,
		      size_t processes);

#endif
