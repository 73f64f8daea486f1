// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * replace: the fd number stays taken, by a placeholder, so that the
 * application's next accept() or open() cannot get it while the application
 * still believes it is the old connection.
 *
 * The placeholder is the read end of a pipe whose write end is closed:
 *   read()                   0 at once, end of file, as on the socket the peer left
 *   write(), send()          EBADF, ENOTSOCK: no SIGPIPE (the end is not writable,
 *                            and not a socket)
 *   poll(), epoll_wait()     POLLHUP (a new EPOLL_CTL_ADD reports it at once;
 *                            MOD and DEL of the old registration say ENOENT, as
 *                            that registration went with the socket)
 *   getsockopt(), shutdown() ENOTSOCK
 *   close()                  0, and the number is free again
 * Every fd replaced in one process points at the same open file description.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "injector/internal.h"

/*
 * pipe2() needs 8 bytes of the target's memory for its two numbers.  They
 * go below the worker's red zone, where the kernel would build a signal
 * frame: nothing of the application lives there while it is stopped in the
 * kernel.  The bytes are put back all the same.
 */
static uint64_t scratch_below_stack(const struct frozen *fz)
{
	const struct arch_personality *arch = fz->arch;
	uint64_t sp = arch->get_sp(&fz->worker->regs);

	return (sp - arch->red_zone - 64) & ~(uint64_t)15;
}

static int inject_close(struct frozen *fz, int fd)
{
	uint64_t args[6] = { (uint64_t)fd };
	int64_t result;
	int ret = rsyscall(fz, SYSNO_CLOSE, args, &result);

	return ret ? ret : syscall_error(result);
}

/*
 * Fills ph->num, and fdclose's own reference to the placeholder when it can.
 * Returns 0 or -errno when the injection failed; pipe2's own failure (EMFILE
 * in a process at its limit) goes to *refused.
 */
static int make_placeholder(struct frozen *fz, struct placeholder *ph, int *refused)
{
	uint64_t addr = scratch_below_stack(fz);
	uint64_t args[6] = { addr, O_CLOEXEC };
	pid_t tid = fz->worker->tid;
	int32_t saved[2], ends[2];
	int64_t result;
	int ret, put_back;

	ret = remote_read(tid, addr, saved, sizeof(saved));
	if (ret)
		return ret;
	ret = rsyscall(fz, SYSNO_PIPE2, args, &result);
	if (!ret)
		*refused = syscall_error(result);
	if (!ret && !*refused)
		ret = remote_read(tid, addr, ends, sizeof(ends));
	put_back = remote_write(tid, addr, saved, sizeof(saved));
	if (ret || *refused)
		return ret;
	ph->num = ends[0];
	ret = inject_close(fz, ends[1]);
	if (!ret)
		ret = put_back;
	if (ph->pidfd >= 0)
		ph->ref = (int)syscall(SYS_pidfd_getfd, ph->pidfd, ph->num, 0);
	return ret;
}

/*
 * Between two windows the application ran: it may have closed the
 * placeholder's own number (a daemon closing every fd, say) and reused it.
 */
static bool placeholder_still_ours(const struct placeholder *ph)
{
	if (ph->num < 0 || ph->ref < 0)
		return false;
	return syscall(SYS_kcmp, ph->fd_task, getpid(), KCMP_FILE, ph->num, ph->ref) == 0;
}

void placeholder_init(struct placeholder *ph, pid_t fd_task, int pidfd)
{
	ph->num = -1;
	ph->ref = -1;
	ph->fd_task = fd_task;
	ph->pidfd = pidfd;
}

int placeholder_release(struct frozen *fz, struct placeholder *ph)
{
	int ret = 0;

	if (ph->num >= 0)
		ret = inject_close(fz, ph->num);
	if (ph->ref >= 0)
		close(ph->ref);
	ph->num = -1;
	ph->ref = -1;
	return ret;
}

int rreplace_many(struct frozen *fz, const int *fds, const bool *cloexec, int *results,
		  size_t n, struct placeholder *ph)
{
	int ret = 0, refused = 0;
	size_t i;

	for (i = 0; i < n; i++)
		results[i] = -ECANCELED;
	if (!placeholder_still_ours(ph)) {
		if (ph->ref >= 0)
			close(ph->ref);
		placeholder_init(ph, ph->fd_task, ph->pidfd);
		ret = make_placeholder(fz, ph, &refused);
	}
	if (refused) {
		for (i = 0; i < n; i++)
			results[i] = refused;
		return 0;
	}
	for (i = 0; i < n && !ret; i++) {
		uint64_t args[6] = { (uint64_t)ph->num, (uint64_t)fds[i],
				     cloexec[i] ? O_CLOEXEC : 0 };
		int64_t result;

		ret = rsyscall(fz, SYSNO_DUP3, args, &result);
		if (!ret)
			results[i] = result == fds[i] ? 0 : (int)result;
	}
	/* Without a reference of ours, the next window could not trust the number. */
	if (!ret && ph->ref < 0)
		ret = placeholder_release(fz, ph);
	return ret;
}
