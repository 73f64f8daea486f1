/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line: parsed options and the commands they choose. */
#ifndef FDCLOSE_CLI_H
#define FDCLOSE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli/method.h"
#include "scan/scan.h"

/* Exit statuses, as documented in --help and the man page. */
#define EXIT_OK		0
#define EXIT_FAILED	1
#define EXIT_USAGE	2

enum command {
	CMD_CLOSE,		/* fdclose PID FD... */
	CMD_LIST,		/* fdclose --list */
	CMD_SWEEP,		/* fdclose --all-closewait */
	CMD_BACKTRACE,		/* fdclose --backtrace PID */
	CMD_WATCH,		/* fdclose --watch INTERVAL: --all-closewait every INTERVAL */
};

enum output_format {
	FORMAT_TABLE,
	FORMAT_JSON,		/* --json, --format=json */
	FORMAT_PROMETHEUS,	/* --list only */
};

struct options {
	enum command cmd;
	const struct method *method;	/* --method, or the command's default */
	bool json;		/* format == FORMAT_JSON */
	enum output_format format;
	bool format_given;	/* --format or --json: print even with --textfile */
	const char *textfile;	/* --textfile DIR: DIR/fdclose.prom */
	long long watch_us;	/* --watch INTERVAL */
	bool dry_run;
	bool force;
	bool filtered;		/* a filter option was given */
	bool include_dead;
	bool backtrace;		/* --backtrace: where each thread stood, first */
	bool no_syslog;
	long long settle_us;
	unsigned int timeout_ms;
	long long max_pause_us;
	struct scan_filter filter;
	pid_t target;		/* CMD_CLOSE */
	int *fds;		/* CMD_CLOSE, in the order given */
	size_t nfds;
};

/* Each returns an exit status. */
int cmd_list(const struct options *opt);
int cmd_close(const struct options *opt);
int cmd_sweep(const struct options *opt);
int cmd_backtrace(const struct options *opt);
int cmd_watch(const struct options *opt);
/*
 * Waits (30 s at most) for the run lock, held until exit: all of it for
 * --all-closewait (target 0), for a run by pid a share and the target's own
 * part; 0, or -EBUSY when the wait ran out.
 */
int run_lock_take(pid_t target);
/* Lets go of the run lock run_lock_take() took (--watch, between passes). */
void run_lock_release(void);

/* Argument parsers; each returns 0 or -EINVAL/-ERANGE (-EDOM: a leading zero). */
int parse_pid(const char *s, pid_t *pid);
int parse_fd(const char *s, int *fd);
int parse_port(const char *s, int *port);
/* "2", "2s", "500ms", "1.5s", "250us" -> microseconds */
int parse_duration_us(const char *s, unsigned long long *us);

#endif
