/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one module that prints diagnostics.  Every line starts with the program
 * name and is written with a single write(2), so lines from concurrent
 * processes never interleave.  Functions that act return 0 or -errno; their
 * callers turn that into a message here, naming the pid and fd concerned.
 */
#ifndef FDCLOSE_DIAG_H
#define FDCLOSE_DIAG_H

#include <stdarg.h>

#define DIAG_PRINTF(a, b) __attribute__((format(printf, a, b)))

extern int diag_verbose;
extern int diag_quiet;

void diag_set_progname(const char *name);

/* "fdclose: <message>" */
void pr_err(const char *fmt, ...) DIAG_PRINTF(1, 2);
/* "fdclose: <message>: strerror(err)"; err may be negative (-errno). */
void pr_errno(int err, const char *fmt, ...) DIAG_PRINTF(2, 3);
/* "fdclose: warning: <message>" unless --quiet */
void pr_warn(const char *fmt, ...) DIAG_PRINTF(1, 2);
/* "fdclose: <message>" only with --verbose */
void pr_verbose(const char *fmt, ...) DIAG_PRINTF(1, 2);

#endif
