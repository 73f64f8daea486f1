// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"

int diag_verbose;
int diag_quiet;
static const char *progname = "fdclose";

void diag_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

/* Format one whole line and hand it to the kernel in one write. */
__attribute__((format(printf, 3, 0)))
static void emit(const char *tag, int err, const char *fmt, va_list ap)
{
	char line[1024];
	size_t len;
	int n;

	n = snprintf(line, sizeof(line), "%s: %s", progname, tag);
	len = n < 0 ? 0 : (size_t)n;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		len += n < 0 ? 0 : (size_t)n;
	}
	if (err && len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
			     strerror(err < 0 ? -err : err));
		len += n < 0 ? 0 : (size_t)n;
	}
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0)
		return;	/* nowhere left to report it */
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", 0, fmt, ap);
	va_end(ap);
}

void pr_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", err, fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	if (diag_quiet)
		return;
	va_start(ap, fmt);
	emit("warning: ", 0, fmt, ap);
	va_end(ap);
}

void pr_verbose(const char *fmt, ...)
{
	va_list ap;

	if (!diag_verbose)
		return;
	va_start(ap, fmt);
	emit("", 0, fmt, ap);
	va_end(ap);
}
