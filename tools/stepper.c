// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stepper LO HI OUT CMD [ARG...]: runs CMD one instruction at a time, every
 * thread of it, and appends to OUT, in hex, each distinct instruction
 * address in [LO, HI) that ran.  tools/hotpaths.sh runs fdclose under it to
 * learn which code a run touches.  Signals CMD gets are passed on; CMD dies
 * with the stepper (PTRACE_O_EXITKILL).  Exits with CMD's status.
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

struct trace {
	uint64_t lo, hi;
	unsigned char *seen;
	FILE *out;
	unsigned long steps;
};

static void record(struct trace *tr, pid_t tid)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs))
		return;
	tr->steps++;
	if (regs.rip >= tr->lo && regs.rip < tr->hi && !tr->seen[regs.rip - tr->lo]) {
		tr->seen[regs.rip - tr->lo] = 1;
		fprintf(tr->out, "%llx\n", regs.rip);
	}
}

/* The signal a stop owes the thread: none for our own traps and a new thread's first stop. */
static int signal_owed(int status, pid_t tid, pid_t main_tid)
{
	int sig = WSTOPSIG(status);

	if (sig == SIGTRAP)
		return 0;
	if (sig == SIGSTOP && tid != main_tid && status >> 16 == 0)
		return 0;
	return sig;
}

/*
 * Steps every thread until the main one exits: CMD's exit status, 128 +
 * the signal that killed it, or -errno when tracing failed.
 */
static int step_all(struct trace *tr, pid_t main_tid)
{
	int status, result = -ECHILD;
	pid_t tid;

	while ((tid = waitpid(-1, &status, __WALL)) > 0) {
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == main_tid)
				result = WIFEXITED(status) ? WEXITSTATUS(status) :
							     128 + WTERMSIG(status);
			continue;
		}
		record(tr, tid);
		/* A thread that vanished meanwhile reports its exit next. */
		ptrace(PTRACE_SINGLESTEP, tid, NULL,
		       (void *)(long)signal_owed(status, tid, main_tid));
	}
	return errno == ECHILD ? result : -errno;
}

static int start(char **argv, pid_t *pid)
{
	int status;

	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
			execv(argv[0], argv);
		_exit(127);
	}
	/* The stop at exec: from here on every instruction is CMD's. */
	if (waitpid(*pid, &status, 0) < 0)
		return -errno;
	if (!WIFSTOPPED(status))
		return -ECHILD;
	if (ptrace(PTRACE_SETOPTIONS, *pid, NULL,
		   (void *)(long)(PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL)))
		return -errno;
	if (ptrace(PTRACE_SINGLESTEP, *pid, NULL, NULL))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct trace tr = { 0 };
	pid_t pid;
	int ret;

	if (argc < 5) {
		fprintf(stderr, "usage: stepper LO HI OUT CMD [ARG...]\n");
		return 2;
	}
	tr.lo = strtoull(argv[1], NULL, 0);
	tr.hi = strtoull(argv[2], NULL, 0);
	if (tr.hi <= tr.lo || tr.hi - tr.lo > (1u << 30)) {
		fprintf(stderr, "stepper: bad range %s-%s\n", argv[1], argv[2]);
		return 2;
	}
	tr.seen = calloc(tr.hi - tr.lo, 1);
	tr.out = fopen(argv[3], "a");
	if (!tr.seen || !tr.out) {
		perror("stepper");
		goto free_seen;
	}
	ret = start(argv + 4, &pid);
	if (!ret)
		ret = step_all(&tr, pid);
	fclose(tr.out);
	free(tr.seen);
	if (ret < 0) {
		fprintf(stderr, "stepper: %s: %s\n", argv[4], strerror(-ret));
		return 1;
	}
	fprintf(stderr, "stepper: %lu instructions, %s exited %d\n", tr.steps, argv[4], ret);
	return ret;

free_seen:
	if (tr.out)
		fclose(tr.out);
	free(tr.seen);
	return 1;
}
