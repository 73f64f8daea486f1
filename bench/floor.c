// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor: the least a ptrace freeze can cost, to put fdclose's frozen time
 * in perspective.
 *
 *   floor -x EXE [-n COUNT] PID
 *
 * Runs COUNT (default 1) bare cycles of PTRACE_SEIZE + PTRACE_INTERRUPT +
 * waitpid + PTRACE_DETACH on the single-threaded process PID and prints the
 * length of each, in microseconds, one per line.  That is fdclose's window
 * with nothing inside it: no /proc re-read, no register save, no injected
 * syscall.  It is timed the way fdclose times its own window, from just
 * before the first seize to just after the last detach, and before each
 * cycle it takes (or not) the real-time boost by fdclose's own rule
 * (injector/boost.c, linked in), so the two differ only by the work
 * fdclose does.
 *
 * It refuses any process whose executable is not EXE, or that has more
 * than one thread: it is meant for a fixture the bench itself started, never
 * for somebody else's process.
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "injector/internal.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void __attribute__((noreturn)) die(const char *msg)
{
	fprintf(stderr, "floor: %s\n", msg);
	exit(1);
}

/* Ours, by its executable, and single-threaded, or we do not touch it. */
static void check_target(pid_t pid, const char *exe)
{
	char link[64], got[PATH_MAX], want[PATH_MAX], msg[PATH_MAX * 2 + 64];
	struct dirent *de;
	ssize_t n;
	int tasks = 0;
	DIR *d;

	if (!realpath(exe, want))
		die("-x: no such file");
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, got, sizeof(got) - 1);
	if (n < 0)
		die("cannot read the target's /proc/PID/exe");
	got[n] = '\0';
	if (strcmp(got, want)) {
		snprintf(msg, sizeof(msg), "pid %d runs %s, not %s: refusing", (int)pid, got, want);
		die(msg);
	}
	snprintf(link, sizeof(link), "/proc/%d/task", (int)pid);
	d = opendir(link);
	if (!d)
		die("cannot list the target's threads");
	while ((de = readdir(d)))
		tasks += de->d_name[0] != '.';
	closedir(d);
	if (tasks != 1)
		die("the target must have exactly one thread");
}

/* One cycle; returns its length in us, or a negative number on failure. */
static double cycle(pid_t pid)
{
	double t0, t1;
	int status, sig = 0;

	t0 = now_us();
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL))
		return -1;
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL))
		goto detach;
	while (waitpid(pid, &status, __WALL) < 0)
		if (errno != EINTR)
			return -1;
	/* A signal-delivery stop instead of ours: hand the signal back. */
	if (WIFSTOPPED(status) && status >> 16 != PTRACE_EVENT_STOP)
		sig = WSTOPSIG(status);
detach:
	if (ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)sig))
		return -1;
	t1 = now_us();
	return t1 - t0;
}

int main(int argc, char **argv)
{
	const char *exe = NULL;
	long count = 1, i;
	char *end;
	pid_t pid;
	double us;
	int c;

	while ((c = getopt(argc, argv, "n:x:")) != -1) {
		switch (c) {
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1)
				goto usage;
			break;
		case 'x':
			exe = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (!exe || optind != argc - 1)
		goto usage;
	pid = (pid_t)strtol(argv[optind], &end, 10);
	if (*end || pid < 1)
		goto usage;
	check_target(pid, exe);
	for (i = 0; i < count; i++) {
		struct frozen fz = { 0 };
		int err;

		/* Decided before each cycle and outside its timing, as fdclose does. */
		sched_boost(&fz, 1);
		us = cycle(pid);
		err = errno;
		sched_unboost(&fz);
		if (us < 0) {
			fprintf(stderr, "floor: ptrace: %s\n", strerror(err));
			return 1;
		}
		printf("%.3f\n", us);
	}
	return 0;
usage:
	fputs("usage: floor -x EXE [-n COUNT] PID\n", stderr);
	return 2;
}
