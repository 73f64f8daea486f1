// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor: the least a ptrace freeze can cost, to put fdclose's frozen time
 * in perspective.
 *
 *   floor -x EXE [-t THREADS] [-j TRACERS] [-r TRIPS] [-n COUNT] PID
 *
 * Runs COUNT (default 1) bare cycles of PTRACE_SEIZE + PTRACE_INTERRUPT +
 * waitpid + PTRACE_DETACH on every thread of the process PID and prints the
 * length of each, in microseconds, one per line.  That is fdclose's window
 * with nothing inside it: no /proc re-read, no register save, no injected
 * syscall.  With many threads it does what the kernel cannot do without:
 * every seize, then every interrupt, then a wait for each thread, then
 * every detach, the threads listed before the clock starts.  It is timed
 * the way fdclose times its own window, from just before the first seize
 * to just after the last detach, and before each cycle it takes (or not)
 * the real-time boost by fdclose's own rule (injector/boost.c, linked in),
 * so the two differ only by the work fdclose does.
 *
 * With -r, the first thread then makes TRIPS round trips before the
 * detach: resumed (PTRACE_CONT, its interrupted call restarts) and
 * interrupted again.  An injected syscall needs two trips at least (to its
 * entry stop, to its exit stop): -r 2 approximates them.  Only
 * approximates: a trip here also wakes the thread out of the call it
 * re-entered, and under load it measured from 1.2x to 10x the bare floor,
 * sometimes more than fdclose's whole window.
 *
 * With -j TRACERS (default 1) the threads are split among that many
 * tracer threads, each seizing, interrupting, waiting for and detaching
 * its own share at once with the others (ptrace requests come from the
 * thread that seized): what tracing in parallel could win on this
 * machine, which fdclose does not do.  Timed from the moment they are all
 * released to the last detach of any.
 *
 * It refuses any process whose executable is not EXE, or that has not
 * exactly THREADS threads (default 1): it is meant for a fixture the bench
 * itself started, never for somebody else's process.
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
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

#define MAX_THREADS 100000

static pid_t tids[MAX_THREADS];
static int sigs[MAX_THREADS];
static long trips;

/* Waits for tid's next stop: the signal it was taking, 0 for our interrupt, or -1. */
static int stop_of(pid_t tid)
{
	int status;

	while (waitpid(tid, &status, __WALL) < 0)
		if (errno != EINTR)
			return -1;
	/* A signal-delivery stop instead of ours: hand the signal back. */
	return WIFSTOPPED(status) && status >> 16 != PTRACE_EVENT_STOP ? WSTOPSIG(status) : 0;
}

/* Resumes tid and stops it again, trips times, as an injected syscall would. */
static int round_trips(pid_t tid, int *sig)
{
	long k;

	for (k = 0; k < trips; k++) {
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)*sig) ||
		    ptrace(PTRACE_INTERRUPT, tid, NULL, NULL))
			return -1;
		*sig = stop_of(tid);
		if (*sig < 0)
			return -1;
	}
	return 0;
}

/* Ours, by its executable, with the number of threads we were told, or we do not touch it. */
static int check_target(pid_t pid, const char *exe, long threads)
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
	while ((de = readdir(d)) && tasks < MAX_THREADS)
		if (de->d_name[0] != '.')
			tids[tasks++] = (pid_t)strtol(de->d_name, NULL, 10);
	closedir(d);
	if (tasks != threads) {
		snprintf(msg, sizeof(msg), "pid %d has %d threads, not %ld: refusing", (int)pid,
			 tasks, threads);
		die(msg);
	}
	return tasks;
}

/* One cycle over tids[0..n); returns its length in us, or a negative number on failure. */
static double cycle(int n)
{
	double t0, t1;
	int i;

	t0 = now_us();
	for (i = 0; i < n; i++)
		if (ptrace(PTRACE_SEIZE, tids[i], NULL, NULL))
			return -1;
	for (i = 0; i < n; i++)
		if (ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL))
			return -1;
	for (i = 0; i < n; i++) {
		sigs[i] = stop_of(tids[i]);
		if (sigs[i] < 0)
			return -1;
	}
	if (round_trips(tids[0], &sigs[0]))
		return -1;
	for (i = 0; i < n; i++)
		if (ptrace(PTRACE_DETACH, tids[i], NULL, (void *)(long)sigs[i]))
			return -1;
	t1 = now_us();
	return t1 - t0;
}

/* One tracer thread's share of the threads, tids[from..to). */
struct share {
	pthread_t thread;
	int from, to;
	double end_us;
	int err;
};

static pthread_barrier_t start_line, all_stopped;

static void *trace_share(void *arg)
{
	struct share *s = arg;
	int i;

	pthread_barrier_wait(&start_line);
	for (i = s->from; i < s->to && !s->err; i++)
		if (ptrace(PTRACE_SEIZE, tids[i], NULL, NULL))
			s->err = errno;
	for (i = s->from; i < s->to && !s->err; i++)
		if (ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL))
			s->err = errno;
	for (i = s->from; i < s->to && !s->err; i++) {
		sigs[i] = stop_of(tids[i]);
		if (sigs[i] < 0)
			s->err = errno;
	}
	/* Every thread of the target is held before the first one goes. */
	pthread_barrier_wait(&all_stopped);
	if (!s->err && s->from == 0 && round_trips(tids[0], &sigs[0]))
		s->err = errno;
	pthread_barrier_wait(&all_stopped);
	for (i = s->from; i < s->to && !s->err; i++)
		if (ptrace(PTRACE_DETACH, tids[i], NULL, (void *)(long)sigs[i]))
			s->err = errno;
	s->end_us = now_us();
	return NULL;
}

/* cycle() on that many tracer threads at once; the same result. */
static double cycle_shared(int n, int tracers)
{
	struct share shares[16];
	double t0, end = 0;
	int k, err = 0;

	pthread_barrier_init(&start_line, NULL, (unsigned int)tracers + 1);
	pthread_barrier_init(&all_stopped, NULL, (unsigned int)tracers);
	for (k = 0; k < tracers; k++) {
		shares[k] = (struct share){ .from = n * k / tracers, .to = n * (k + 1) / tracers };
		if (pthread_create(&shares[k].thread, NULL, trace_share, &shares[k]))
			die("cannot start a tracer thread");
	}
	t0 = now_us();
	pthread_barrier_wait(&start_line);
	for (k = 0; k < tracers; k++) {
		pthread_join(shares[k].thread, NULL);
		if (shares[k].end_us > end)
			end = shares[k].end_us;
		if (shares[k].err && !err)
			err = shares[k].err;
	}
	pthread_barrier_destroy(&start_line);
	pthread_barrier_destroy(&all_stopped);
	errno = err;
	return err ? -1 : end - t0;
}

int main(int argc, char **argv)
{
	const char *exe = NULL;
	long count = 1, threads = 1, tracers = 1, i;
	char *end;
	pid_t pid;
	double us;
	int c, n;

	while ((c = getopt(argc, argv, "j:n:r:t:x:")) != -1) {
		switch (c) {
		case 'j':
			tracers = strtol(optarg, &end, 10);
			if (*end || tracers < 1 || tracers > 16)
				goto usage;
			break;
		case 'r':
			trips = strtol(optarg, &end, 10);
			if (*end || trips < 0 || trips > 100)
				goto usage;
			break;
		case 't':
			threads = strtol(optarg, &end, 10);
			if (*end || threads < 1 || threads > MAX_THREADS)
				goto usage;
			break;
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
	n = check_target(pid, exe, threads);
	for (i = 0; i < count; i++) {
		struct frozen fz = { 0 };
		int err;

		/* Decided before each cycle and outside its timing, as fdclose does. */
		sched_boost(&fz, (size_t)n);
		us = tracers > 1 ? cycle_shared(n, (int)(tracers < n ? tracers : n)) : cycle(n);
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
	fputs("usage: floor -x EXE [-t THREADS] [-j TRACERS] [-r TRIPS] [-n COUNT] PID\n", stderr);
	return 2;
}
