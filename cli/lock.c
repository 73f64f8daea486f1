// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One --all-closewait acts at a time on a host, and never beside a
 * fdclose PID FD...: two sweeps at once would race for the same targets;
 * the second waits for the first, then scans a host the first has already
 * cleaned.  Runs by pid share the lock: each names its own target.
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
static void lock_holder(int fd, short type, char *buf, size_t size)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
		snprintf(buf, size, "gone by now");
	else if (fl.l_pid > 0)
		snprintf(buf, size, "pid %d", (int)fl.l_pid);
	else
		snprintf(buf, size, "in another pid namespace");
}

int run_lock_take(bool exclusive)
{
	struct flock fl = { .l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };
	struct timespec poll = { .tv_nsec = LOCK_POLL_NS };
	long long deadline = clock_now_ns() + LOCK_WAIT_NS;
	bool said = false;
	int fd = open_lock_file();
	char holder[64];

	if (fd < 0) {
		pr_verbose("no lock against a second fdclose: cannot create %s: %s",
			   LOCK_PATH, strerror(-fd));
		return 0;
	}
	while (fcntl(fd, F_SETLK, &fl)) {
		if (errno != EAGAIN && errno != EACCES) {
			pr_verbose("no lock against a second fdclose: %s", strerror(errno));
			close(fd);
			return 0;
		}
		lock_holder(fd, fl.l_type, holder, sizeof(holder));
		if (clock_now_ns() > deadline) {
			pr_err("another fdclose (%s) is still at work after %lld s; "
			       "nothing was done: try again when it has finished",
			       holder, LOCK_WAIT_NS / 1000000000LL);
			close(fd);
			return -EBUSY;
		}
		if (!said)
			pr_warn("waiting for another fdclose (%s) to finish", holder);
		said = true;
		nanosleep(&poll, NULL);
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
