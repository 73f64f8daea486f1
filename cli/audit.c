// SPDX-License-Identifier: GPL-2.0-or-later
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli/audit.h"

static bool audit_enabled;
static char who[128];

/* Names the person behind the run: uid, user name, and the sudo caller if any. */
static void describe_caller(void)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	snprintf(who, sizeof(who), "uid %u (%s)%s%s", (unsigned int)getuid(),
		 pw ? pw->pw_name : "?", sudo ? " via sudo from " : "", sudo ? sudo : "");
}

void audit_open(bool enabled)
{
	audit_enabled = enabled;
	if (!enabled)
		return;
	describe_caller();
	openlog("fdclose", LOG_PID, LOG_AUTHPRIV);
}

void audit_target(const struct target_info *ti, const struct op_target *t)
{
	char what[512];

	if (!audit_enabled || (t->result != OP_CLOSED && t->result != OP_FAILED))
		return;
	fd_summary(&t->desc, what, sizeof(what));
	syslog(t->result == OP_CLOSED ? LOG_NOTICE : LOG_WARNING,
	       "%s fd %d in pid %d (%s): %s; method close (ptrace); result %s%s%s; run by %s",
	       t->result == OP_CLOSED ? "closed" : "failed to close", t->desc.fd, ti->pid,
	       ti->comm, what, t->result == OP_CLOSED ? "closed" : "failed",
	       t->error ? ": " : "", t->error ? strerror(-t->error) : "", who);
}

void audit_close(void)
{
	if (audit_enabled)
		closelog();
}
