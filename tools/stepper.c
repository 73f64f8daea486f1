// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stepper LO HI OUT CMD [ARG...]: runs CMD one instruction at a time and
 * appends to OUT, in hex, each distinct instruction address in [LO, HI)
 * that its main thread executed.  tools/hotpaths.sh runs fdclose under it
 * to learn which code a run touches.  Signals CMD gets are passed on.
 * x86_64 only: it reads the instruction pointer from user_regs_struct.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int step_until_exit(pid_t pid, uint64_t lo, uint64_t hi, unsigned char *seen,
			   FILE *out, unsigned long *steps)
{
	int status, sig = 0;

	for (;;) {
		struct user_regs_struct regs;

		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, (void *)(long)sig))
			return -errno;
		if (waitpid(pid, &status, 0) < 0)
			return -errno;
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
		sig = WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status);
		(*steps)++;
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			return -errno;
		if (regs.rip >= lo && regs.rip < hi && !seen[regs.rip - lo]) {
			seen[regs.rip - lo] = 1;
			fprintf(out, "%llx\n", regs.rip);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long steps = 0;
	unsigned char *seen;
	uint64_t lo, hi;
	int status, ret;
	FILE *out;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: stepper LO HI OUT CMD [ARG...]\n");
		return 2;
	}
	lo = strtoull(argv[1], NULL, 0);
	hi = strtoull(argv[2], NULL, 0);
	if (hi <= lo || hi - lo > (1u << 30)) {
		fprintf(stderr, "stepper: bad range %s-%s\n", argv[1], argv[2]);
		return 2;
	}
	seen = calloc(hi - lo, 1);
	out = fopen(argv[3], "a");
	if (!seen || !out) {
		perror("stepper");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("stepper: fork");
		return 1;
	}
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[4], argv + 4);
		_exit(127);
	}
	/* The stop at exec: from here on every instruction is CMD's. */
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
		fprintf(stderr, "stepper: %s did not start\n", argv[4]);
		return 1;
	}
	ret = step_until_exit(pid, lo, hi, seen, out, &steps);
	fclose(out);
	if (ret < 0) {
		fprintf(stderr, "stepper: ptrace: %s\n", strerror(-ret));
		return 1;
	}
	fprintf(stderr, "stepper: %lu instructions, %s exited %d\n", steps, argv[4], ret);
	return ret;
}
