// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command line: fdclose.c's parse_args(), getopt_long and all, on an
 * argv cut from the input at each NUL.  Only the parse runs: main() is
 * renamed away and every exit() of a usage error, --help or --version
 * comes back here by longjmp, its status checked (0, 1 or 2).  Messages
 * go to stderr, which run.sh closes (-close_fd_mask).
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"

static jmp_buf fuzz_exit_jmp;

static void __attribute__((noreturn)) fuzz_exit(int status)
{
	longjmp(fuzz_exit_jmp, status + 1);
}

/* fdclose.c as it is, but for its main() and its exits. */
int fdclose_main(int argc, char **argv);
#define main fdclose_main
#define exit fuzz_exit
#include "fdclose.c"
#undef exit
#undef main

#define MAX_ARGS 64

/* Static, so that its contents survive the longjmp. */
static struct options fuzz_opt;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *args = fuzz_string(data, size), *p;
	char *argv[MAX_ARGS + 2];
	int argc = 0, status;

	if (!args)
		return 0;
	argv[argc++] = "fdclose";
	for (p = args; argc <= MAX_ARGS && p <= args + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	memset(&fuzz_opt, 0, sizeof(fuzz_opt));
	diag_verbose = 0;
	diag_quiet = 0;
	optind = 0;	/* glibc: start getopt_long afresh */
	status = setjmp(fuzz_exit_jmp);
	if (!status) {
		parse_args(&fuzz_opt, argc, argv);
		/* A parse that returns chose a command and a method and is whole. */
		if (!fuzz_opt.method || (fuzz_opt.cmd == CMD_CLOSE && !fuzz_opt.nfds) ||
		    (fuzz_opt.cmd != CMD_CLOSE && fuzz_opt.nfds))
			abort();
	} else if (status - 1 != EXIT_OK && status - 1 != EXIT_FAILED &&
		   status - 1 != EXIT_USAGE) {
		abort();
	}
	free(fuzz_opt.fds);
	free((pid_t *)fuzz_opt.filter.pids);
	free(args);
	return 0;
}
