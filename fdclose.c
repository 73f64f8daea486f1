// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose: close file descriptors inside a running process, without gdb.
 *
 * This file only reads the command line and hands the job to cli/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/diag.h"

#ifndef FDCLOSE_VERSION
#define FDCLOSE_VERSION "0.1.0"
#endif

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_MAX_PAUSE_US 20000

/* Keep in step with the SYNOPSIS of man/fdclose.8 and with README.md. */
static const char usage_text[] =
	"usage: fdclose [-n] [-f] [-j] [-m METHOD] [-t DURATION] PID FD...\n"
	"       fdclose -a [-n] [-j] [-m METHOD] [FILTER]... [--settle DURATION] [--include-dead]\n"
	"       fdclose --watch INTERVAL [-n] [-j] [-m METHOD] [FILTER]... [--textfile DIR]\n"
	"       fdclose -l [-j] [--format FORMAT] [--textfile DIR] [FILTER]...\n"
	"       fdclose --backtrace [-j] PID\n";

static const char help_text[] =
	"Close file descriptors inside a running process, without gdb.\n"
	"\n"
	"  fdclose PID FD...        close each FD inside process PID\n"
	"  fdclose --all-closewait  close every TCP socket in CLOSE_WAIT, in every holder\n"
	"  fdclose --list           list TCP sockets in CLOSE_WAIT and their holders\n"
	"  fdclose --watch INTERVAL --all-closewait every INTERVAL, until SIGTERM or SIGINT\n"
	"\n"
	"Options:\n"
	"  -a, --all-closewait      close every CLOSE_WAIT socket the filters select\n"
	"  -l, --list               list CLOSE_WAIT sockets and holders; change nothing\n"
	"      --watch INTERVAL     rescan and act every INTERVAL; a summary to syslog each pass\n"
	"  -n, --dry-run            say what would be closed; change nothing\n"
	"  -f, --force              also act on fds 0-2, TCP not in CLOSE_WAIT, fds of pid 1\n"
	"  -m, --method METHOD      close (default for PID FD...): free the fd;\n"
	"                           shutdown (default for -a): end the connection, no stop;\n"
	"                           replace: point the fd at a placeholder, number kept\n"
	"  -j, --json               print JSON Lines, one object per fd (--format=json)\n"
	"      --format FORMAT      table (default), json, or prometheus (--list only)\n"
	"      --textfile DIR       write Prometheus metrics to DIR/fdclose.prom (--list\n"
	"                           prints nothing else unless --format or --json is given)\n"
	"      --settle DURATION    scan twice DURATION apart; act on sockets seen both times\n"
	"      --include-dead       also close TCP socket fds found in no table (dead)\n"
	"      --backtrace          first show each thread's stack and instruction\n"
	"  -t, --timeout DURATION   deadline for each wait on the target (default 2s)\n"
	"      --max-pause DURATION bound on each time a process is frozen (default 20ms)\n"
	"      --no-syslog          do not write what was changed to syslog\n"
	"  -v, --verbose            say more, e.g. processes passed over while scanning\n"
	"  -q, --quiet              print only the summary and errors\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"Filters (for --list and --all-closewait; all must match):\n"
	"  -p, --pid PID            only this process (repeatable)\n"
	"  -P, --port PORT          only sockets with this local or remote port\n"
	"      --local ADDR[:PORT]  only this local address (IPv6 as [::1]:80; :PORT alone)\n"
	"      --remote ADDR[:PORT] only this remote address\n"
	"      --comm NAME          only processes with this name\n"
	"      --uid UID            only sockets owned by this uid\n"
	"      --older-than DURATION only sockets in CLOSE_WAIT at least this long\n"
	"\n"
	"DURATION is a number with an optional unit: us, ms, s (default), m, h.\n"
	"Exit status: 0 all done, 1 something failed, 2 usage error.\n";

/* Long options without a short form. */
enum {
	OPT_MAX_PAUSE = 256,
	OPT_SETTLE,
	OPT_INCLUDE_DEAD,
	OPT_NO_SYSLOG,
	OPT_LOCAL,
	OPT_REMOTE,
	OPT_COMM,
	OPT_UID,
	OPT_BACKTRACE,
	OPT_OLDER_THAN,
	OPT_FORMAT,
	OPT_TEXTFILE,
	OPT_WATCH,
};

static const struct option long_options[] = {
	{ "all-closewait", no_argument, NULL, 'a' },
	{ "list", no_argument, NULL, 'l' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "method", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "textfile", required_argument, NULL, OPT_TEXTFILE },
	{ "watch", required_argument, NULL, OPT_WATCH },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "include-dead", no_argument, NULL, OPT_INCLUDE_DEAD },
	{ "backtrace", no_argument, NULL, OPT_BACKTRACE },
	{ "timeout", required_argument, NULL, 't' },
	{ "max-pause", required_argument, NULL, OPT_MAX_PAUSE },
	{ "no-syslog", no_argument, NULL, OPT_NO_SYSLOG },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "pid", required_argument, NULL, 'p' },
	{ "port", required_argument, NULL, 'P' },
	{ "local", required_argument, NULL, OPT_LOCAL },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "older-than", required_argument, NULL, OPT_OLDER_THAN },
	{ NULL, 0, NULL, 0 },
};

/*
 * An argument as a message may show it: control characters and bytes that
 * are not UTF-8 as '?', cut after 60 bytes.  One buffer: one per message.
 */
static const char *shown(const char *arg)
{
	static char buf[64];
	char head[61];

	snprintf(head, sizeof(head), "%s", arg);
	output_printable(buf, sizeof(head), head);
	if (strlen(arg) >= sizeof(head))
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "...");
	return buf;
}

/* One line naming the problem: the usage is for --help to show. */
static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pr_err("%s; see fdclose --help", what);
	exit(EXIT_USAGE);
}

/* A long option getopt_long refused: unknown, ambiguous, or a value amiss. */
static void __attribute__((noreturn)) bad_long_option(int c, const char *arg)
{
	size_t len = strcspn(arg + 2, "=");
	const struct option *o, *match = NULL;
	int n = 0;

	for (o = long_options; len && o->name; o++) {
		if (strncmp(o->name, arg + 2, len))
			continue;
		match = o;
		n++;
		if (strlen(o->name) == len) {
			n = 1;
			break;
		}
	}
	if (c == ':' && match)
		usage_error("option --%s needs a value", match->name);
	if (n == 1 && arg[2 + len] == '=')
		usage_error("option --%s takes no value", match->name);
	if (n > 1)
		usage_error("option '%s' is ambiguous", shown(arg));
	usage_error("unknown option '%s'", shown(arg));
}

/* getopt_long's c for a bad option ('?') or a missing value (':'). */
static void __attribute__((noreturn)) bad_option(int c, char **argv, int prev_optind)
{
	/* A long option is always a whole argument; a short one may share it. */
	if (optind > prev_optind && !strncmp(argv[optind - 1], "--", 2))
		bad_long_option(c, argv[optind - 1]);
	char opt[2] = { (char)optopt, '\0' };

	if (c == ':')
		usage_error("option -%c needs a value", optopt);
	if (optopt >= '0' && optopt <= '9')
		usage_error("unknown option -%c: a PID or FD is never negative", optopt);
	usage_error("unknown option '-%s'", shown(opt));
}

/* What a parse_*() error adds to the message. */
static const char *number_hint(int err)
{
	return err == -EDOM ? " (a leading 0: octal or decimal?)" : "";
}

/* The list grows from opt->filter.pids, which only this function allocates. */
static void add_pid_filter(struct options *opt, const char *arg)
{
	size_t n = opt->filter.npids;
	pid_t pid, *bigger;
	int ret = parse_pid(arg, &pid);

	if (ret)
		usage_error("--pid takes a process id, not '%s'%s", shown(arg), number_hint(ret));
	bigger = realloc((pid_t *)opt->filter.pids, (n + 1) * sizeof(*bigger));
	if (!bigger) {
		pr_errno(ENOMEM, "reading --pid");
		exit(EXIT_FAILED);
	}
	bigger[n] = pid;
	opt->filter.pids = bigger;
	opt->filter.npids = n + 1;
}

/* A duration option within [min_us, max_us]; the range is said in words on error. */
static long long parse_duration_option(const char *name, const char *arg, long long min_us,
				       long long max_us, const char *range)
{
	unsigned long long us;

	if (parse_duration_us(arg, &us) || (long long)us < min_us || (long long)us > max_us)
		usage_error("%s takes a duration from %s, not '%s'", name, range, shown(arg));
	return (long long)us;
}

static void parse_filter_option(struct options *opt, int c)
{
	pid_t pid;
	int ret;

	switch (c) {
	case 'p': add_pid_filter(opt, optarg); break;
	case 'P':
		ret = parse_port(optarg, &opt->filter.port);
		if (ret)
			usage_error("--port takes a number from 0 to 65535, not '%s'%s",
				    shown(optarg), number_hint(ret));
		break;
	case OPT_LOCAL:
		if (parse_addr_filter(optarg, &opt->filter.local))
			usage_error("--local takes ADDR, ADDR:PORT, [IPV6]:PORT or :PORT, not '%s'",
				    shown(optarg));
		break;
	case OPT_REMOTE:
		if (parse_addr_filter(optarg, &opt->filter.remote))
			usage_error("--remote takes ADDR, ADDR:PORT, [IPV6]:PORT or :PORT, not '%s'",
				    shown(optarg));
		break;
	case OPT_COMM:
		if (!*optarg || strlen(optarg) >= COMM_LEN)
			usage_error("--comm takes a process name of 1 to 15 bytes, not '%s'",
				    shown(optarg));
		opt->filter.comm = optarg;
		break;
	case OPT_UID:
		/* uid 0 is valid, so parse_pid's lower bound of 1 does not fit. */
		pid = 0;
		ret = strcmp(optarg, "0") ? parse_pid(optarg, &pid) : 0;
		if (ret)
			usage_error("--uid takes a numeric uid, not '%s'%s", shown(optarg),
				    number_hint(ret));
		opt->filter.uid = pid;
		break;
	case OPT_OLDER_THAN:
		/* tcpi_last_ack_recv is 32-bit ms: past ~49 days it wraps. */
		opt->filter.older_than_ms = parse_duration_option("--older-than", optarg, 0,
								  1000 * 3600000000LL,
								  "0s to 1000h") / 1000;
		break;
	}
}

static void parse_method(struct options *opt, const char *arg)
{
	const struct method *m = method_by_name(arg);

	if (!m)
		usage_error("--method takes %s, not '%s'", method_names(), shown(arg));
	if (opt->method && opt->method != m)
		usage_error("--method given twice: %s and %s", opt->method->name, m->name);
	opt->method = m;
}

/* What parse_args() has seen so far. */
struct parse_state {
	enum command cmd;
	int ncmds;		/* different commands given */
	unsigned int once;	/* bits of check_once()'s options given */
	bool json_flag;		/* -j/--json given */
	bool format_option;	/* --format given */
};

static void parse_format(struct options *opt, int c, const char *arg, struct parse_state *ps)
{
	static const char *const names[] = {
		[FORMAT_TABLE] = "table", [FORMAT_JSON] = "json", [FORMAT_PROMETHEUS] = "prometheus",
	};
	enum output_format f = FORMAT_JSON;
	size_t i;

	if (c == OPT_FORMAT) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]) && strcmp(names[i], arg); i++)
			;
		if (i == sizeof(names) / sizeof(names[0]))
			usage_error("--format takes table, json or prometheus, not '%s'", shown(arg));
		f = (enum output_format)i;
	}
	ps->json_flag |= c == 'j';
	ps->format_option |= c == OPT_FORMAT;
	if (ps->json_flag && ps->format_option && f != FORMAT_JSON)
		usage_error("--json is --format=json: it excludes --format=%s", names[f]);
	if (ps->json_flag && ps->format_option && opt->format != FORMAT_JSON)
		usage_error("--json is --format=json: it excludes --format=%s", names[opt->format]);
	opt->format = f;
	opt->json = f == FORMAT_JSON;
	opt->format_given = true;
}

/* An option that takes one value, given twice: which one was meant? */
static void check_once(struct parse_state *ps, int c)
{
	static const struct {
		int c;
		const char *name;
	} once[] = {
		{ 't', "--timeout" }, { OPT_MAX_PAUSE, "--max-pause" }, { OPT_SETTLE, "--settle" },
		{ 'P', "--port" }, { OPT_LOCAL, "--local" }, { OPT_REMOTE, "--remote" },
		{ OPT_COMM, "--comm" }, { OPT_UID, "--uid" }, { OPT_OLDER_THAN, "--older-than" },
		{ OPT_FORMAT, "--format" }, { OPT_TEXTFILE, "--textfile" }, { OPT_WATCH, "--watch" },
	};
	size_t i;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		if (once[i].c != c)
			continue;
		if (ps->once & 1U << i)
			usage_error("%s is given twice; it takes one value (only --pid "
				    "may be repeated)", once[i].name);
		ps->once |= 1U << i;
	}
}

static void parse_option(struct options *opt, int c, struct parse_state *ps)
{
	check_once(ps, c);
	switch (c) {
	case 'a':
	case 'l':
		/* Repeating the same one is harmless; two different ones are not. */
		if (ps->ncmds && ps->cmd != (c == 'a' ? CMD_SWEEP : CMD_LIST))
			ps->ncmds++;
		ps->cmd = c == 'a' ? CMD_SWEEP : CMD_LIST;
		if (!ps->ncmds)
			ps->ncmds = 1;
		break;
	case 'n': opt->dry_run = true; break;
	case 'f': opt->force = true; break;
	case 'm': parse_method(opt, optarg); break;
	case 'j': case OPT_FORMAT: parse_format(opt, c, optarg, ps); break;
	case OPT_TEXTFILE:
		if (!*optarg)
			usage_error("%s", "--textfile takes a directory, not ''");
		opt->textfile = optarg;
		break;
	case OPT_WATCH:
		opt->watch_us = parse_duration_option("--watch", optarg, 10000, 86400000000LL,
						      "10ms to 24h");
		break;
	case OPT_SETTLE:
		opt->settle_us = parse_duration_option("--settle", optarg, 1000, 3600000000LL,
						       "1ms to 1h");
		break;
	case OPT_INCLUDE_DEAD: opt->include_dead = true; break;
	case OPT_BACKTRACE: opt->backtrace = true; break;
	case 't':
		opt->timeout_ms = (unsigned int)(parse_duration_option("--timeout", optarg, 1000,
				3600000000LL, "1ms to 1h") / 1000);
		break;
	case OPT_MAX_PAUSE:
		opt->max_pause_us = parse_duration_option("--max-pause", optarg, 100, 60000000LL,
							  "100us to 1m");
		break;
	case OPT_NO_SYSLOG: opt->no_syslog = true; break;
	case 'v': diag_verbose = 1; break;
	case 'q': diag_quiet = 1; break;
	case 'h': fputs(usage_text, stdout); fputs("\n", stdout);
		fputs(help_text, stdout); exit(EXIT_OK);
	case 'V': printf("fdclose %s\n", FDCLOSE_VERSION); exit(EXIT_OK);
	case 'p': case 'P': case OPT_LOCAL: case OPT_REMOTE: case OPT_COMM: case OPT_UID:
	case OPT_OLDER_THAN:
		parse_filter_option(opt, c);
		opt->filtered = true;
		break;
	}
}

static void parse_close_operands(struct options *opt, int argc, char **argv)
{
	int i, ret;

	if (argc < 1)
		usage_error("%s", "missing PID and FD");
	ret = parse_pid(argv[0], &opt->target);
	if (ret)
		usage_error("PID must be a process id, not '%s'%s", shown(argv[0]),
			    number_hint(ret));
	if (argc < 2 && opt->backtrace) {
		opt->cmd = CMD_BACKTRACE;
		return;
	}
	if (argc < 2)
		usage_error("%s", "missing FD after PID");
	opt->nfds = (size_t)(argc - 1);
	opt->fds = calloc(opt->nfds, sizeof(*opt->fds));
	if (!opt->fds) {
		pr_errno(ENOMEM, "reading FDs");
		exit(EXIT_FAILED);
	}
	for (i = 1; i < argc; i++) {
		ret = parse_fd(argv[i], &opt->fds[i - 1]);
		if (ret)
			usage_error("FD must be a file descriptor number, not '%s'%s",
				    shown(argv[i]), number_hint(ret));
	}
}

/* What each command accepts beyond the common options. */
static void check_combinations(const struct options *opt, int argc, char **argv)
{
	bool sweeps = opt->cmd == CMD_SWEEP || opt->cmd == CMD_WATCH;

	if (opt->cmd != CMD_CLOSE && optind < argc)
		usage_error("--list, --all-closewait and --watch take no operands, but got '%s'",
			    shown(argv[optind]));
	if (opt->format == FORMAT_PROMETHEUS && opt->cmd != CMD_LIST)
		usage_error("%s", "--format=prometheus goes with --list; --watch writes its "
			    "metrics with --textfile");
	if (opt->textfile && opt->cmd != CMD_LIST && opt->cmd != CMD_WATCH)
		usage_error("%s", "--textfile goes with --list and --watch");
	if (opt->cmd == CMD_LIST && opt->backtrace)
		usage_error("%s", "--backtrace goes with PID [FD...] and --all-closewait, not --list");
	if (opt->cmd == CMD_LIST && (opt->dry_run || opt->force || opt->method))
		usage_error("%s", "--list changes nothing: --dry-run, --force and --method "
			    "do not apply");
	if (sweeps && opt->force)
		usage_error("%s", "--all-closewait and --watch close only CLOSE_WAIT sockets: "
			    "--force does not apply");
	if (opt->cmd == CMD_CLOSE && opt->filtered)
		usage_error("%s", "filters select sockets for --list, --all-closewait and --watch; "
			    "to close by number, give PID FD...");
	if (!sweeps && (opt->settle_us || opt->include_dead))
		usage_error("%s", "--settle and --include-dead go with --all-closewait and --watch");
	/*
	 * Not yet: against fixtures/churn, a watch acting on dead sockets
	 * every 10 ms breaks the fixture's own check within a second, where
	 * back-to-back --all-closewait --include-dead runs do not.  Until that
	 * is understood, dead sockets are for a person at the keyboard.
	 */
	if (opt->cmd == CMD_WATCH && opt->include_dead)
		usage_error("%s", "--watch does not take --include-dead (yet): close dead sockets "
			    "with --all-closewait --include-dead");
}

static void parse_args(struct options *opt, int argc, char **argv)
{
	struct parse_state ps = { .cmd = CMD_CLOSE };
	int c, prev_optind = optind;

	scan_filter_init(&opt->filter);
	opt->timeout_ms = DEFAULT_TIMEOUT_MS;
	opt->max_pause_us = DEFAULT_MAX_PAUSE_US;
	opterr = 0;	/* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, ":alnfjm:p:P:t:vqhV", long_options, NULL)) != -1) {
		if (c == '?' || c == ':')
			bad_option(c, argv, prev_optind);
		parse_option(opt, c, &ps);
		prev_optind = optind;
	}
	if (ps.ncmds > 1)
		usage_error("%s", "--list and --all-closewait exclude each other");
	if (opt->watch_us && ps.cmd == CMD_LIST)
		usage_error("%s", "--list and --watch exclude each other: --watch --dry-run "
			    "reports without acting");
	/* --watch is --all-closewait again and again; saying -a too is harmless. */
	if (opt->watch_us)
		ps.cmd = CMD_WATCH;
	/* A watch acts on no dead socket: its idle passes walk no fd table. */
	opt->filter.closewait_only = ps.cmd == CMD_WATCH;
	if (diag_verbose && diag_quiet)
		usage_error("%s", "--verbose and --quiet exclude each other");
	opt->cmd = ps.cmd;
	check_combinations(opt, argc, argv);
	if (ps.cmd == CMD_CLOSE)
		parse_close_operands(opt, argc - optind, argv + optind);
	if (opt->cmd == CMD_BACKTRACE && (opt->dry_run || opt->force || opt->method))
		usage_error("%s", "--backtrace PID alone changes nothing: --dry-run, --force and "
			    "--method do not apply (give FDs too to act on them)");
	/*
	 * An fd named by hand is closed, as gdb's recipe does.  A sweep ends
	 * connections without freeing numbers: an event-loop server would give
	 * a freed number to a new client while it still holds the old one's state.
	 */
	if (!opt->method)
		opt->method = ps.cmd == CMD_SWEEP || ps.cmd == CMD_WATCH ? &method_shutdown :
							      &method_close;
}

/*
 * fdclose stops, reads and changes other processes with the rights of
 * whoever runs it.  Installed setuid, setgid or with file capabilities it
 * would lend those rights to every user, who also controls its environment
 * (FDCLOSE_PROC_ROOT) and arguments: it runs as root or as the targets'
 * owner, never in between.  0, or -EPERM after saying why.
 */
static int refuse_elevated(void)
{
	uid_t ruid = getuid(), euid = geteuid();
	gid_t rgid = getgid(), egid = getegid();

	if (ruid != euid || rgid != egid) {
		pr_err("refusing to run setuid or setgid (real uid %u, effective uid %u, "
		       "real gid %u, effective gid %u): run fdclose as root or as the owner "
		       "of the processes, and remove the set-id bit (chmod u-s,g-s)",
		       (unsigned int)ruid, (unsigned int)euid, (unsigned int)rgid,
		       (unsigned int)egid);
		return -EPERM;
	}
	if (getauxval(AT_SECURE)) {
		pr_err("refusing to run with privileges the caller does not have (file "
		       "capabilities): run fdclose as root, and remove them (setcap -r)");
		return -EPERM;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	int ret = EXIT_FAILED;

	diag_set_progname(argv[0]);
	if (refuse_elevated())
		return EXIT_FAILED;
	parse_args(&opt, argc, argv);
	/* --watch takes the lock for each pass, not for as long as it runs. */
	if (opt.cmd != CMD_LIST && opt.cmd != CMD_BACKTRACE && opt.cmd != CMD_WATCH &&
	    !opt.dry_run && run_lock_take(opt.cmd == CMD_SWEEP ? 0 : opt.target))
		goto free_opt;
	switch (opt.cmd) {
	case CMD_BACKTRACE:
		ret = cmd_backtrace(&opt);
		break;
	case CMD_LIST:
		ret = cmd_list(&opt);
		break;
	case CMD_CLOSE:
		ret = cmd_close(&opt);
		break;
	case CMD_SWEEP:
		ret = cmd_sweep(&opt);
		break;
	case CMD_WATCH:
		ret = cmd_watch(&opt);
		break;
	}
free_opt:
	free(opt.fds);
	free((pid_t *)opt.filter.pids);
	return ret;
}
