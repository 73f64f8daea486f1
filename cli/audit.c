// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli/audit.h"

static bool audit_enabled;
static char who[128];

/*
 * The user name of uid from /etc/passwd.  fdclose is linked statically, so
 * getpwuid() and its NSS modules are out of reach; the uid is always
 * logged, the name when the local file has it.
 */
static void local_user_name(uid_t uid, char *name, size_t size)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[512];

	snprintf(name, size, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *user = strtok(line, ":"), *pass = strtok(NULL, ":");
		char *id = strtok(NULL, ":");

		if (user && pass && id && strtoul(id, NULL, 10) == uid) {
			snprintf(name, size, "%s", user);
			break;
		}
	}
	fclose(f);
}

/* Names the person behind the run: uid, user name, and the sudo caller if any. */
static void describe_caller(void)
{
	const char *sudo = getenv("SUDO_USER");
	char name[64];

	local_user_name(getuid(), name, sizeof(name));
	snprintf(who, sizeof(who), "uid %u (%s)%s%s", (unsigned int)getuid(), name,
		 sudo ? " via sudo from " : "", sudo ? sudo : "");
}

void audit_open(bool enabled)
{
	audit_enabled = enabled;
	if (!enabled)
		return;
	describe_caller();
	openlog("fdclose", LOG_PID, LOG_AUTHPRIV);
}

void audit_target(const struct method *m, const struct target_info *ti,
		  const struct op_target *t, const struct fd_desc *d)
{
	bool done = t->result == OP_DONE;
	char what[512];

	if (!audit_enabled || (!done && t->result != OP_FAILED))
		return;
	fd_summary(d, what, sizeof(what));
	syslog(done ? LOG_NOTICE : LOG_WARNING,
	       "%s%s fd %d in pid %d (%s): %s; method %s (%s); result %s%s%s; run by %s",
	       done ? "" : "failed to ", done ? m->done : m->verb, t->id.fd, ti->pid,
	       ti->comm, what, m->name, m->how, done ? m->done_json : "failed",
	       t->error ? ": " : "", t->error ? strerror(-t->error) : "", who);
}

void audit_close(void)
{
	if (audit_enabled)
		closelog();
}

void audit_watch_pass(const struct method *m, bool dry_run, unsigned long long pass,
		      size_t found, size_t closed, size_t failed, size_t skipped,
		      size_t processes)
{
	if (!who[0])
		describe_caller();
	openlog("fdclose", LOG_PID, LOG_AUTHPRIV);
	syslog(closed && !dry_run ? LOG_NOTICE : failed ? LOG_WARNING : LOG_INFO,
	       "watch pass %llu: %zu CLOSE_WAIT holder%s found; %s%s %zu socket%s in %zu "
	       "process%s; %zu failed; %zu skipped; method %s (%s); run by %s",
	       pass, found, found == 1 ? "" : "s", dry_run ? "would " : "",
	       dry_run ? m->verb : m->done, closed, closed == 1 ? "" : "s", processes,
	       processes == 1 ? "" : "es", failed, skipped, m->name, m->how, who);
	closelog();
}
