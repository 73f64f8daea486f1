/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One --all-closewait pass, for --all-closewait itself and for each pass of --watch. */
#ifndef FDCLOSE_SWEEP_H
#define FDCLOSE_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "scan/scan.h"

/* What one pass found and did, each socket counted once across its holders. */
struct sweep_totals {
	size_t found;		/* holders the filters selected */
	size_t closed;		/* sockets the method ended (with --dry-run: would end) */
	size_t failed;
	size_t skipped;
	size_t processes;	/* processes where something was done */
	double scan_s;		/* how long the scan took */
};

/*
 * Scans (leaving the result in r, which the caller zeroes first and frees),
 * acts on what the filters select, prints each process and the summary,
 * fills out.  0, or -errno when the scan or the pass itself failed (said).
 * When stopping (may be NULL) says true, the processes not yet acted on
 * are skipped: --watch asked to stop.
 */
int sweep_pass(const struct options *opt, struct scan_result *r, struct sweep_totals *out,
	       bool (*stopping)(void));

#endif
