// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runcmd: run one command and say how long it took and how much memory it
 * used at its peak.
 *
 *   runcmd [-c] [-f] [-o FILE] [-e FILE] CMD [ARG...]
 *
 * Prints one line on its own stdout:
 *
 *   WALL_US MAXRSS_KB STATUS
 *
 * or, with -c, WALL_US MAXRSS_KB CPU_US STATUS, CPU_US the child's user
 * and system time (ru_utime + ru_stime, as wait4() reports them); with -f
 * MINFLT, the child's minor page faults (ru_minflt), comes before STATUS
 * (and after CPU_US).  The faults the child takes between fork() and
 * exec() are the same for every command.
 *
 * WALL_US is CLOCK_MONOTONIC from just before fork() to the return of
 * wait4(), in microseconds with three decimals; MAXRSS_KB is ru_maxrss of
 * the child as wait4() reports it; STATUS is its exit code, or 128 + the
 * signal that killed it.  -o and -e send the child's stdout and stderr to
 * FILE (made anew before the clock starts); without them the child writes
 * to /dev/null, so that a terminal or a pipe never slows down what is
 * measured.
 *
 * Why not bash's `time`: it measures the shell's fork and bookkeeping too,
 * and it cannot see the peak RSS; GNU time is one more package.  Here the
 * same fork+exec cost is paid by every command, /bin/true included, which
 * is how the bench separates "starting a process" from the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * A new file, made before the clock starts.  Truncating the last run's
 * output instead would charge the command for the harness's bookkeeping:
 * ext4 takes about 90 us to empty it, and once a file has been truncated to
 * zero, ext4 flushes what is written next when it is closed (auto_da_alloc),
 * which /bin/true, writing to /dev/null, never pays.
 */
static int open_output(const char *path)
{
	struct stat st;
	int fd;

	/* Only a file of the harness's own is made anew, never a device. */
	if (!lstat(path, &st) && S_ISREG(st.st_mode) && unlink(path))
		goto fail;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		return fd;
fail:
	fprintf(stderr, "runcmd: %s: %s\n", path, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null", *err = "/dev/null";
	int cpu = 0, faults = 0;
	struct rusage ru;
	double t0, t1;
	int c, status, code;
	int out_fd, err_fd;
	pid_t pid;

	while ((c = getopt(argc, argv, "+cfo:e:")) != -1) {
		switch (c) {
		case 'c': cpu = 1; break;
		case 'f': faults = 1; break;
		case 'o': out = optarg; break;
		case 'e': err = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	out_fd = open_output(out);
	err_fd = open_output(err);
	if (out_fd < 0 || err_fd < 0)
		return 125;
	/* Anything buffered would otherwise be written twice after fork. */
	fflush(stdout);
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("runcmd: fork");
		return 125;
	}
	if (pid == 0) {
		/* dup2 clears O_CLOEXEC on the copies: they survive the exec. */
		if (dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) {
			dprintf(2, "runcmd: dup2: %s\n", strerror(errno));
			_exit(127);
		}
		execvp(argv[optind], argv + optind);
		dprintf(2, "runcmd: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runcmd: wait4");
			return 125;
		}
	}
	t1 = now_us();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%.3f %ld", t1 - t0, ru.ru_maxrss);
	if (cpu)
		printf(" %.0f", (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec));
	if (faults)
		printf(" %ld", ru.ru_minflt);
	printf(" %d\n", code);
	return 0;
usage:
	fputs("usage: runcmd [-c] [-f] [-o FILE] [-e FILE] CMD [ARG...]\n", stderr);
	return 125;
}
