/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How scan results are shown: a table in the manner of
 * `ss -tanp state close-wait`, or JSON Lines.  Each function writes to the
 * stream it is given, so a test can capture it with open_memstream().
 */
#ifndef FDCLOSE_OUTPUT_H
#define FDCLOSE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/json.h"
#include "scan/scan.h"

/*
 * Adds the fields that describe one holder and its socket to an object
 * begun with json_begin(): pid, fd, comm, inode, netns, family ("inet" or
 * "inet6"), state, local, remote ("127.0.0.1:9999", "[::1]:9999"),
 * local_port, remote_port, recv_q, send_q, uid, dead, age_ms.  A dead
 * holder's state is "DEAD" and its local, remote, local_port, remote_port
 * and age_ms are null; age_ms is null too when the age is unknown.  The caller may add its own fields (e.g. "result") before
 * json_end().
 */
void output_holder_fields(struct json_line *j, const struct scan_result *r,
			  const struct holder *h);
/*
 * The socket's part of those fields, the same wherever a holder object is
 * printed (--list, PID FD..., --all-closewait): inode, netns, family,
 * state, local, remote, local_port, remote_port, recv_q, send_q, uid,
 * dead, age_ms.
 */
void output_socket_fields(struct json_line *j, const struct tcp_sock *s, bool dead,
			  const char *state);
/*
 * JSON Lines, nothing when nothing was found; 0 or -errno:
 *   {"type":"holder", the holder fields} per holder, then
 *   {"type":"backlog","pid","fd","comm","inode","local","netns","closewait"}
 *     per backlog (pid, fd and comm null when no process holds the listener),
 *   {"type":"process","pid","comm","fds","nofile", the age fields} per
 *     process (nofile 0: unlimited or unknown).
 */
int output_json(FILE *out, const struct scan_result *r);
/*
 * A header, then one line per holder, columns aligned (with a State column
 * in front, as ss has, when dead holders are among them); then, after an
 * empty line if any, one line per backlog and one per process.  0 or -errno.
 */
int output_table(FILE *out, const struct scan_result *r);
/*
 * "127.0.0.1:8080: 3 CLOSE-WAIT connections wait in the accept queue of
 * pid 4711 (java) fd 5: the application is not accepting"
 */
void output_backlog_line(FILE *out, const struct scan_result *r, const struct backlog *b);
/*
 * "java 4711: 16,003 fds of 65,536"; with fds_after other than SIZE_MAX
 * "java 4711: 16,003 -> 12 fds of 65,536"; "of unlimited" when nofile is 0,
 * no "of" part when the limit is unknown.  Then, when it holds CLOSE_WAIT
 * sockets, "; CLOSE_WAIT 412, oldest 3h (<1m 2, <10m 5, <1h 10, <1d 395,
 * older 0)", with ", unknown N" inside when some ages are unknown, or
 * "; CLOSE_WAIT 3 (age unknown)" when none is known.
 */
void output_process_line(FILE *out, const struct proc_fds *p, size_t fds_after);
/* Longest output_age() text, with its NUL. */
#define AGE_TEXT_LEN 24
/* "45s", "12m", "3h", "2d" (rounded down to the largest unit that fits); "-" unknown. */
void output_age(char *buf, size_t size, int64_t age_ms);
/* "age_ms": the age, or null when it is unknown (TCP_AGE_UNKNOWN). */
void output_age_field(struct json_line *j, int64_t age_ms);
/*
 * A process's "closewait", "oldest_ms" (null when no age is known) and
 * "ages": {"under_1m","under_10m","under_1h","under_1d","older","unknown"}.
 */
void output_process_age_fields(struct json_line *j, const struct proc_fds *p);
/*
 * A process object's fields, the same in --list and --all-closewait (which
 * adds what it did): type, pid, comm, fds, nofile and the age fields.
 */
void output_process_fields(struct json_line *j, const struct proc_fds *p);
/* n with a comma every three digits: "65,536". */
void output_count(char *buf, size_t size, uint64_t n);
/*
 * Copies a process name (arbitrary bytes) for a terminal: control
 * characters, C1 controls and bytes that are not valid UTF-8 become '?', so
 * the result is never longer.  Returns its width in characters.
 */
size_t output_printable(char *dst, size_t size, const char *name);

#endif
