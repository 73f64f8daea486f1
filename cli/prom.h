/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scan results as Prometheus text (the exposition format that
 * node_exporter's textfile collector reads).  Labels are the network
 * namespace and the command only: a pid or a port label would make a new
 * series for every process and connection, which is what a time-series
 * database must never be fed.
 */
#ifndef FDCLOSE_PROM_H
#define FDCLOSE_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scan/scan.h"

/* What a --watch has done since it started; the _total counters. */
struct prom_counters {
	const char *method;	/* its name, the method label */
	uint64_t passes;
	uint64_t closed;	/* sockets the method ended */
	uint64_t failed;	/* sockets it failed to end */
};

/*
 * The gauges of one scan (duration_s: how long it took), then, with c,
 * the watch's counters; every metric with its HELP and TYPE.  0 or -errno.
 */
int output_prometheus(FILE *out, const struct scan_result *r, double duration_s,
		      const struct prom_counters *c);
/*
 * Writes the same into DIR/fdclose.prom atomically: a temporary file in
 * DIR (whose name does not end in .prom, so that the collector never reads
 * it half written), then rename().  0 or -errno.
 */
int prom_write_textfile(const char *dir, const struct scan_result *r, double duration_s,
			const struct prom_counters *c);

#endif
