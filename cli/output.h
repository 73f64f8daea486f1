/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How scan results are shown: a table in the manner of
 * `ss -tanp state close-wait`, or JSON Lines.  Each function writes to the
 * stream it is given, so a test can capture it with open_memstream().
 */
#ifndef FDCLOSE_OUTPUT_H
#define FDCLOSE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "common/json.h"
#include "scan/scan.h"

/*
 * Adds the fields that describe one holder and its socket to an object
 * begun with json_begin(): pid, fd, comm, inode, netns, family ("inet" or
 * "inet6"), state, local, remote ("127.0.0.1:9999", "[::1]:9999"),
 * local_port, remote_port, recv_q, send_q, uid.  The caller may add its own
 * fields (e.g. "result") before json_end().
 */
void output_holder_fields(struct json_line *j, const struct scan_result *r,
			  const struct holder *h);
/* One JSON line per holder, nothing when there is none; 0 or -errno. */
int output_json(FILE *out, const struct scan_result *r);
/* A header, then one line per holder, columns aligned; 0 or -errno. */
int output_table(FILE *out, const struct scan_result *r);
/*
 * Copies a process name (arbitrary bytes) for a terminal: control
 * characters, C1 controls and bytes that are not valid UTF-8 become '?', so
 * the result is never longer.  Returns its width in characters.
 */
size_t output_printable(char *dst, size_t size, const char *name);

#endif
