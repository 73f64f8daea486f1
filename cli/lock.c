// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One --all-closewait acts at a time on a host, and never beside a
 * fdclose PID FD...: two sweeps at once would race for the same targets;
 * the second waits for the first, then scans a host the first has already
 * cleaned.  Runs by pid share byte 0 and each takes the byte at its
 * target's pid alone: runs on different processes go on side by side, a
 * second run on the same process waits (else it finds the process traced
 * by the first and refuses it, blaming a security module).  A sweep takes
 * the whole file.  Pids are as this pid namespace numbers them.
 * The lock is a POSIX record lock, so it dies with its process and F_GETLK
 * names the holder.  --list and --dry-run change nothing and take no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/diag.h"

#define LOCK_WAIT_NS (30 * 1000000000LL)
#define LOCK_POLL_NS (50 * 1000000L)

/*
 * In /run, which only root may write: in the world-writable /run/lock any
 * user could hold the lock and keep root's fdclose waiting.  A user who
 * cannot create it acts on their own processes only and goes without.
 */
#define LOCK_PATH "/run/fdclose.lock"

static int lock_fd = -1;

static int open_lock_file(void)
{
	int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	return fd < 0 ? -errno : fd;
}

/*
 * "pid 4711", or where the holder's pid has no number in our pid namespace
 * (the kernel then says 0: a run in a container, or in another's), so.
 */
static void lock_holder(int fd, const struct flock *want, char *buf, size_t size)
{
	struct flock fl = *want;

	if (fcntl(fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
		snprintf(buf, size, "gone by now");
	else if (fl.l_pid > 0)
		snprintf(buf, size, "pid %d", (int)fl.l_pid);
	else
		snprintf(buf, size, "in another pid namespace");
}

/* 0 locked, 1 going without a lock, -EBUSY the wait ran out. */
static int lock_range(int fd, short type, off_t start, off_t len, long long deadline,
		      bool *said)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start,
			    .l_len = len };
	struct timespec poll = { .tv_nsec = LOCK_POLL_NS };
	char holder[64];

	while (fcntl(fd, F_SETLK, &fl)) {
		if (errno != EAGAIN && errno != EACCES) {
			pr_verbose("no lock against a second fdclose: %s", strerror(errno));
			return 1;
		}
		lock_holder(fd, &fl, holder, sizeof(holder));
		if (clock_now_ns() > deadline) {
			pr_err("another fdclose (%s) is still at work after %lld s; "
			       "nothing was done: try again when it has finished",
			       holder, LOCK_WAIT_NS / 1000000000LL);
			return -EBUSY;
		}
		if (!*said)
			pr_warn("waiting for another fdclose (%s) to finish", holder);
		*said = true;
		nanosleep(&poll, NULL);
	}
	return 0;
}

int run_lock_take(pid_t target)
{
	long long deadline = clock_now_ns() + LOCK_WAIT_NS;
	bool said = false;
	int fd = open_lock_file(), ret;

	if (fd < 0) {
		pr_verbose("no lock against a second fdclose: cannot create %s: %s",
			   LOCK_PATH, strerror(-fd));
		return 0;
	}
	if (!target) {
		ret = lock_range(fd, F_WRLCK, 0, 0, deadline, &said);
	} else {
		ret = lock_range(fd, F_RDLCK, 0, 1, deadline, &said);
		if (!ret)
			ret = lock_range(fd, F_WRLCK, target, 1, deadline, &said);
	}
	if (ret) {
		close(fd);
		return ret < 0 ? ret : 0;
	}
	lock_fd = fd;
	return 0;	/* the fd stays open: the lock lasts until we exit or release it */
}

void run_lock_release(void)
{
	if (lock_fd < 0)
		return;
	close(lock_fd);
	lock_fd = -1;
}
