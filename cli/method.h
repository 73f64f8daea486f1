/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ways fdclose ends a connection.  Everything that says what was done
 * (report, audit, summary, exit status) asks the method: no verb is
 * spelled anywhere else.
 */
#ifndef FDCLOSE_METHOD_H
#define FDCLOSE_METHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "injector/ops.h"

struct method {
	const char *name;	/* as --method takes it; in JSON and syslog */
	const char *verb;	/* "close": "would close", "failed to close" */
	const char *done;	/* "closed": the text line and the summary */
	const char *done_json;	/* "closed": the JSON result */
	const char *would_json;	/* "would-close": the JSON result of --dry-run */
	const char *how;	/* "ptrace", "pidfd_getfd": for the syslog line */
	bool needs_ptrace;	/* the target is stopped while it acts */
	bool frees_number;	/* the fd's number is free again afterwards */
	bool sockets_only;	/* acts on TCP sockets, not on any fd */
	bool once_per_socket;	/* ends the socket itself, not one holder's fd */
	int (*run)(pid_t pid, pid_t fd_task, struct op_target *targets, size_t n,
		   const struct op_params *params, struct op_stats *stats);
};

/* The method of that name, or NULL. */
const struct method *method_by_name(const char *name);
/* "close, replace, shutdown": the names, for messages. */
const char *method_names(void);
/* The JSON result of r under m: "closed", "would-close", "skipped"... */
const char *method_result_name(const struct method *m, enum op_result r);

extern const struct method method_close, method_replace, method_shutdown;

#endif
