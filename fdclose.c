// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose: close file descriptors inside a running process, without gdb.
 *
 * This file only reads the command line and hands the job to cli/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/diag.h"

#ifndef FDCLOSE_VERSION
#define FDCLOSE_VERSION "0.1.0"
#endif

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_MAX_PAUSE_US 20000

/* Keep in step with the SYNOPSIS of man/fdclose.8 and with README.md. */
static const char usage_text[] =
	"usage: fdclose [-n] [-f] [-j] [-t DURATION] PID FD...\n"
	"       fdclose -l [-j] [-p PID]... [-P PORT]\n";

static const char help_text[] =
	"Close file descriptors inside a running process, without gdb.\n"
	"\n"
	"  fdclose PID FD...        close each FD inside process PID\n"
	"  fdclose --list           list TCP sockets in CLOSE_WAIT and their holders\n"
	"\n"
	"Options:\n"
	"  -l, --list               list CLOSE_WAIT sockets and holders; change nothing\n"
	"  -n, --dry-run            say what would be closed; change nothing\n"
	"  -f, --force              also close fds 0-2 and TCP sockets not in CLOSE_WAIT\n"
	"  -j, --json               print JSON Lines, one object per fd\n"
	"  -p, --pid PID            only this process (repeatable; with --list)\n"
	"  -P, --port PORT          only sockets with this local or remote port\n"
	"  -t, --timeout DURATION   deadline for each wait on the target (default 2s)\n"
	"      --max-pause DURATION bound on each time a process is frozen (default 20ms)\n"
	"  -v, --verbose            say more, e.g. processes passed over while scanning\n"
	"  -q, --quiet              print errors only\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"DURATION is a number with an optional unit: us, ms, s (default), m.\n"
	"Exit status: 0 all done, 1 something failed, 2 usage error.\n";

/* Long options without a short form. */
enum {
	OPT_MAX_PAUSE = 256,
};

static const struct option long_options[] = {
	{ "list", no_argument, NULL, 'l' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'j' },
	{ "pid", required_argument, NULL, 'p' },
	{ "port", required_argument, NULL, 'P' },
	{ "timeout", required_argument, NULL, 't' },
	{ "max-pause", required_argument, NULL, OPT_MAX_PAUSE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage_error(const char *fmt, const char *arg)
{
	char what[256];

	snprintf(what, sizeof(what), fmt, arg);
	pr_err("%s", what);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

static void add_pid_filter(struct options *opt, const char *arg)
{
	static pid_t *pids;
	static size_t n;
	pid_t pid, *bigger;

	if (parse_pid(arg, &pid))
		usage_error("--pid takes a process id, not '%s'", arg);
	bigger = realloc(pids, (n + 1) * sizeof(*pids));
	if (!bigger) {
		pr_errno(ENOMEM, "reading --pid");
		exit(EXIT_FAILED);
	}
	pids = bigger;
	pids[n++] = pid;
	opt->filter.pids = pids;
	opt->filter.npids = n;
}

static void parse_timeout(struct options *opt, const char *arg)
{
	unsigned long long us;

	if (parse_duration_us(arg, &us) || us < 1000 || us > 3600ULL * 1000000)
		usage_error("--timeout takes a duration from 1ms to 1h, not '%s'", arg);
	opt->timeout_ms = (unsigned int)(us / 1000);
}

static void parse_max_pause(struct options *opt, const char *arg)
{
	unsigned long long us;

	if (parse_duration_us(arg, &us) || us < 100 || us > 60ULL * 1000000)
		usage_error("--max-pause takes a duration from 100us to 1m, not '%s'", arg);
	opt->max_pause_us = (long long)us;
}

static void parse_option(struct options *opt, int c, bool *list)
{
	switch (c) {
	case 'l': *list = true; break;
	case 'n': opt->dry_run = true; break;
	case 'f': opt->force = true; break;
	case 'j': opt->json = true; break;
	case 'p': add_pid_filter(opt, optarg); break;
	case 'P':
		if (parse_port(optarg, &opt->filter.port))
			usage_error("--port takes a number from 0 to 65535, not '%s'", optarg);
		break;
	case 't': parse_timeout(opt, optarg); break;
	case OPT_MAX_PAUSE: parse_max_pause(opt, optarg); break;
	case 'v': diag_verbose = 1; break;
	case 'q': diag_quiet = 1; break;
	case 'h': fputs(usage_text, stdout); fputs("\n", stdout);
		fputs(help_text, stdout); exit(EXIT_OK);
	case 'V': printf("fdclose %s\n", FDCLOSE_VERSION); exit(EXIT_OK);
	default: fputs(usage_text, stderr); exit(EXIT_USAGE);
	}
}

static void parse_close_operands(struct options *opt, int argc, char **argv)
{
	int i;

	if (argc < 1)
		usage_error("%s", "missing PID and FD");
	if (parse_pid(argv[0], &opt->target))
		usage_error("PID must be a process id, not '%s'", argv[0]);
	if (argc < 2)
		usage_error("%s", "missing FD after PID");
	opt->nfds = (size_t)(argc - 1);
	opt->fds = calloc(opt->nfds, sizeof(*opt->fds));
	if (!opt->fds) {
		pr_errno(ENOMEM, "reading FDs");
		exit(EXIT_FAILED);
	}
	for (i = 1; i < argc; i++)
		if (parse_fd(argv[i], &opt->fds[i - 1]))
			usage_error("FD must be a file descriptor number, not '%s'", argv[i]);
}

static void parse_args(struct options *opt, int argc, char **argv)
{
	bool list = false;
	int c;

	scan_filter_init(&opt->filter);
	opt->timeout_ms = DEFAULT_TIMEOUT_MS;
	opt->max_pause_us = DEFAULT_MAX_PAUSE_US;
	while ((c = getopt_long(argc, argv, "lnfjp:P:t:vqhV", long_options, NULL)) != -1)
		parse_option(opt, c, &list);
	if (diag_verbose && diag_quiet)
		usage_error("%s", "--verbose and --quiet exclude each other");
	if (list) {
		if (optind < argc)
			usage_error("--list takes no operands, but got '%s'", argv[optind]);
		if (opt->dry_run || opt->force)
			usage_error("%s", "--list changes nothing: --dry-run and --force do not apply");
		opt->cmd = CMD_LIST;
		return;
	}
	if (opt->filter.npids || opt->filter.port >= 0)
		usage_error("%s", "--pid and --port filter --list; to close, give PID FD...");
	opt->cmd = CMD_CLOSE;
	parse_close_operands(opt, argc - optind, argv + optind);
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };

	diag_set_progname(argv[0]);
	parse_args(&opt, argc, argv);
	switch (opt.cmd) {
	case CMD_LIST:
		return cmd_list(&opt);
	case CMD_CLOSE:
		return cmd_close(&opt);
	}
	return EXIT_FAILED;
}
