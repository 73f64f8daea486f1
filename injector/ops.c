// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Before the freeze fdclose takes its own reference to each fd's file with
 * pidfd_getfd().  Under the freeze kcmp() then tells in one syscall whether
 * the app's fd is still that file, getsockopt(TCP_INFO) on our reference
 * whether the socket is still in CLOSE_WAIT, and the close inside the target
 * only drops a reference: the socket's teardown (FIN, freeing) happens when
 * fdclose drops its own, after the target runs again.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch/arch.h"
#include "common/clock.h"
#include "common/diag.h"
#include "common/releaser.h"
#include "injector/evidence.h"
#include "injector/injector.h"
#include "injector/internal.h"
#include "injector/ops.h"
#include "injector/seccomp.h"
#include "proc/pid.h"
#include "proc/proc.h"

/* The first window's size; later ones are scaled to fill max_pause_us. */
#define FIRST_BATCH 1024
/*
 * Freezing costs at least this much per thread (17-18 us measured for 64
 * and 1,000 threads on 2 CPUs): below it a --max-pause is surely too short.
 */
#define FREEZE_NS_PER_THREAD_MIN 10000LL
/* fds fdclose keeps for itself besides the references it takes. */
#define FD_RESERVE 64

static void fail_pending(struct op_target *targets, size_t n, int err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (targets[i].result != OP_PENDING)
			continue;
		targets[i].result = OP_FAILED;
		targets[i].error = err;
	}
}

static void skip(struct op_target *t, int err)
{
	t->result = OP_SKIPPED;
	t->error = err;
}

/* How many references fdclose may hold at once; raises its own limit first. */
static size_t reference_budget(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < want + FD_RESERVE && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - 2 * FD_RESERVE : 0;
}

/*
 * fdclose's own reference to the very object a described fd named: the fd
 * may have been closed and its number reused since it was described, and a
 * reference to the new object would later prove only that the app still
 * holds that.  One rule: the same device and inode.  Returns the reference,
 * or -ENOENT (closed), -ESTALE (now another object), -errno.
 */
static int verified_reference(int pidfd, const struct fd_ident *id)
{
	int ref;

	ref = (int)syscall(SYS_pidfd_getfd, pidfd, id->fd, 0);
	if (ref < 0)
		return errno == EBADF ? -ENOENT : -errno;
	if (!fd_ident_matches(ref, id)) {
		close(ref);
		return -ESTALE;
	}
	return ref;
}

/*
 * The reference describing took, now the act's: still the object described,
 * or -ESTALE (closed then).  Describing took it after it read the identity,
 * and the number may have been reused in between.
 */
static int handed_reference(struct op_target *t)
{
	int ref = t->ref;

	t->has_ref = false;
	if (fd_ident_matches(ref, &t->id))
		return ref;
	close(ref);
	return -ESTALE;
}

/*
 * Our reference to the target's fd: the one describing took, or a new one;
 * -1 when there is none (then /proc stat verifies instead).
 */
static int take_reference(int pidfd, struct op_target *t)
{
	int ref;

	if (t->has_ref)
		ref = handed_reference(t);
	else
		ref = pidfd < 0 ? -EBADF : verified_reference(pidfd, &t->id);

	if (ref == -ENOENT || ref == -ESTALE)
		skip(t, ref);
	return ref < 0 ? -1 : ref;
}

static bool still_in_state(int ref, int state)
{
	struct tcp_info info;
	socklen_t len = sizeof(info.tcpi_state);

	if (getsockopt(ref, IPPROTO_TCP, TCP_INFO, &info, &len))
		return false;
	return info.tcpi_state == state;
}

/* Under the freeze: is the app's fd still the object we chose?  0 or -errno. */
static int verify(pid_t pid, pid_t self, const struct op_target *t, int ref)
{
	long same;

	if (ref < 0)
		return fd_ident_check(pid, &t->id);
	same = syscall(SYS_kcmp, pid, self, KCMP_FILE, t->id.fd, ref);
	if (same < 0)
		return errno == EBADF ? -ENOENT : -errno;
	if (same != 0)
		return -ESTALE;
	if (t->require_state && !still_in_state(ref, t->require_state))
		return -EALREADY;
	return 0;
}

/* What one frozen window does to the fds it verified. */
enum window_act {
	ACT_CLOSE,
	ACT_REPLACE,
};

struct batch {
	enum window_act act;
	pid_t fd_task;
	struct op_target *targets;
	int *refs;
	size_t n;
	struct placeholder *ph;	/* ACT_REPLACE */
	bool last;		/* the process's last window */
};

/*
 * The injection broke off before it could tell what became of some fds.
 * Once the target runs again, look: an fd that no longer names our object
 * was closed (by us, or by the application since, which ends the same);
 * one still there in a process that died (cause -ESRCH) goes with it.
 */
static void settle_unknown(struct batch *b, int cause)
{
	pid_t self = getpid();
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct op_target *t = &b->targets[i];
		struct op_target unchecked;
		int err;

		if (t->result != OP_FAILED || t->error != -ECANCELED)
			continue;
		unchecked = *t;
		unchecked.require_state = 0;
		err = verify(b->fd_task, self, &unchecked, b->refs[i]);
		if (err == -ENOENT || err == -ESTALE)
			t->result = OP_DONE;
		else if (err)
			t->error = err;
		else if (cause == -ESRCH)
			t->error = cause;	/* the fd went with the process */
	}
}

/*
 * Every syscall the window will inject, through the target's filters before
 * the first one runs.  The numbers replace's placeholder will get are not
 * known yet: 0 stands for them here, and rsyscall() checks each call again
 * with its real arguments.
 */
static int plan_allowed(struct frozen *fz, enum window_act act, const int *fds, size_t n)
{
	uint64_t args[6] = { 0 };
	size_t i;
	int ret = 0;

	if (!fz->filters)
		return 0;
	if (act == ACT_REPLACE) {
		args[1] = O_CLOEXEC;
		ret = rsyscall_allowed(fz, SYSNO_PIPE2, args);
		args[1] = 0;
		if (!ret)
			ret = rsyscall_allowed(fz, SYSNO_CLOSE, args);
	}
	for (i = 0; i < n && !ret; i++) {
		args[0] = act == ACT_REPLACE ? 0 : (uint64_t)fds[i];
		args[1] = act == ACT_REPLACE ? (uint64_t)fds[i] : 0;
		ret = rsyscall_allowed(fz, act == ACT_REPLACE ? SYSNO_DUP3 : SYSNO_CLOSE, args);
	}
	return ret;
}

static int act_verified(struct frozen *fz, struct batch *b)
{
	int *fds = malloc(b->n * sizeof(*fds));
	int *results = malloc(b->n * sizeof(*results));
	bool *cloexec = malloc(b->n * sizeof(*cloexec));
	size_t *which = malloc(b->n * sizeof(*which));
	pid_t self = getpid();
	size_t i, k = 0;
	int ret = -ENOMEM;

	if (!fds || !results || !cloexec || !which)
		goto free_arrays;
	for (i = 0; i < b->n; i++) {
		struct op_target *t = &b->targets[i];
		int err;

		if (t->result != OP_PENDING)
			continue;
		err = verify(b->fd_task, self, t, b->refs[i]);
		if (err) {
			skip(t, err);
			continue;
		}
		fds[k] = t->id.fd;
		cloexec[k] = t->cloexec;
		which[k++] = i;
	}
	ret = k ? plan_allowed(fz, b->act, fds, k) : 0;
	if (ret)
		k = 0;	/* nothing injected: the targets stay pending */
	else if (k && b->act == ACT_REPLACE)
		ret = rreplace_many(fz, fds, cloexec, results, k, b->ph);
	else if (k)
		ret = rclose_many(fz, fds, results, k);
	for (i = 0; i < k; i++) {
		struct op_target *t = &b->targets[which[i]];

		/* The filter stopped the injection before this one: never tried. */
		if (ret == -EDOM && results[i] == -ECANCELED)
			continue;
		/* Linux releases the fd even when close reports EINTR. */
		if (results[i] == 0 || results[i] == -EINTR) {
			t->result = OP_DONE;
		} else {
			t->result = OP_FAILED;
			t->error = results[i];
		}
	}
free_arrays:
	free(fds);
	free(results);
	free(cloexec);
	free(which);
	return ret;
}

/*
 * How often a window is given up because its only threads had just taken a
 * signal: under a storm of signals each freeze has some chance of that.
 */
#define SIGNAL_RETRIES 100

/* Thaws fz and counts its window; threads must be read before: thaw forgets them. */
static int thaw_counted(struct frozen *fz, struct op_stats *stats)
{
	size_t threads = fz->count;
	int ret = thaw(fz);
	long long us = frozen_us(fz);

	stats->last_window_us = us;
	stats->frozen_us += us;
	stats->windows++;
	if (us > stats->max_window_us)
		stats->max_window_us = us;
	if (threads > stats->threads)
		stats->threads = threads;
	return ret;
}

/*
 * Freezes pid with a worker ready to run syscalls; 0, or -errno with pid
 * thawed: -EBUSY when every try caught only threads taking a signal.
 */
/*
 * The process the caller pinned, or one opened by number (-1 with errno).
 * Through the pin, what pidfd_getfd() reaches is the admitted process's,
 * even if its pid was reused since.
 */
static int pidfd_of(pid_t pid, const struct op_params *p)
{
	return p->pinned ? p->pin : (int)syscall(SYS_pidfd_open, pid, 0);
}

static int freeze_with_worker(struct frozen *fz, pid_t pid, const struct op_params *p,
			      struct op_stats *stats)
{
	int attempt, ret;

	for (attempt = 0;; attempt++) {
		ret = freeze(fz, pid, p->timeout_ms);
		if (ret)
			return ret;
		/*
		 * The threads held are pid's: if the pinned process is still
		 * not reaped now, its pid cannot name another, so they are its.
		 */
		if (p->pinned && pidfd_reaped(p->pin)) {
			thaw_counted(fz, stats);
			return -ESRCH;
		}
		ret = frozen_prepare(fz);
		if (!ret)
			return 0;
		thaw_counted(fz, stats);
		if (ret != -EAGAIN)
			return ret;
		if (attempt == SIGNAL_RETRIES)
			return -EBUSY;
		pr_verbose("pid %d: every thread stopped was taking a signal; thawed it "
			   "to try again", pid);
	}
}

/* The seccomp mode of one thread, from its own status: 0 none, 1 strict, 2 filter. */
static int thread_seccomp(pid_t pid, pid_t tid)
{
	const char *field;
	char *status;
	size_t len;
	int mode = -1;

	if (proc_read_all(&status, &len, "%d/task/%d/status", pid, tid))
		return -1;
	field = proc_status_field(status, "Seccomp");
	if (field)
		mode = atoi(field);
	free(status);
	return mode;
}

/*
 * The worker's filters, read while every thread is stopped, so that one
 * added to all of them meanwhile (TSYNC) cannot slip in.  Filters are per
 * thread: the worker's are the ones its injected syscalls meet.
 */
static int load_filters(struct frozen *fz, struct seccomp_filters *f, const struct op_params *p,
			struct op_stats *stats)
{
	int ret;

	if (!p->seccomp_filtered)
		return 0;
	ret = seccomp_filters_read(fz->worker->tid, f);
	if (!ret) {
		fz->filters = f;
		return 0;
	}
	/* -EINVAL is also a thread that has no filter of its own. */
	if (ret == -EINVAL && thread_seccomp(fz->pid, fz->worker->tid) == 0)
		return 0;
	stats->filters_unread = ret;
	if (!p->force_unchecked)
		return -ENOMSG;
	fz->sigsys_watch = true;
	return 0;
}

static void stats_add_exposed(struct op_stats *stats, const struct frozen *fz)
{
	stats->exposed_us += fz->exposed_ns / 1000;
	if (fz->exposed_max_ns / 1000 > stats->exposed_max_us)
		stats->exposed_max_us = fz->exposed_max_ns / 1000;
	stats->loop_us += fz->loop_ns / 1000;
}

static int run_window(pid_t pid, struct batch *b, const struct op_params *p,
		      struct op_stats *stats)
{
	struct seccomp_filters filters = { 0 };
	struct frozen fz;
	int ret, thaw_ret;

	ret = freeze_with_worker(&fz, pid, p, stats);
	if (ret)
		return ret;
	fz.bulk_allowed = p->bulk_allowed;
	if (diag_verbose && !stats->evidence_printed) {
		evidence_print(&fz);
		stats->evidence_printed = true;
	}
	ret = load_filters(&fz, &filters, p, stats);
	if (!ret)
		ret = act_verified(&fz, b);
	if (b->act == ACT_REPLACE && (b->last || ret) && ret != -ESRCH) {
		int release_ret = placeholder_release(&fz, b->ph);

		ret = ret ? ret : release_ret;
	}
	stats->injections += fz.injections;
	stats_add_exposed(stats, &fz);
	stats->sigsys_swallowed |= fz.sigsys_swallowed;
	if (ret == -EDOM)
		stats->denied = fz.denied;
	if (fz.scratch_left)
		pr_warn("pid %d: fdclose was away too long, so its close loop put its thread "
			"back by itself; a few pages it mapped stay in the process", pid);
	thaw_ret = thaw_counted(&fz, stats);
	seccomp_filters_free(&filters);
	settle_unknown(b, ret);
	return ret ? ret : thaw_ret;
}

/* A run that ended before its last window still owes the placeholder's number back. */
static void release_placeholder_window(pid_t pid, struct placeholder *ph,
				       const struct op_params *p, struct op_stats *stats)
{
	int num = ph->num;
	struct frozen fz;

	if (freeze_with_worker(&fz, pid, p, stats))
		return;
	if (placeholder_release(&fz, ph))
		pr_warn("pid %d: could not close the placeholder's own fd %d", pid, num);
	stats->injections += fz.injections;
	stats_add_exposed(stats, &fz);
	thaw_counted(&fz, stats);
}

/* Scales the next window so that it fills about 3/4 of max_pause_us. */
static size_t next_batch(size_t done, long long window_us, const struct op_params *p)
{
	long long budget = p->max_pause_us * 3 / 4;
	size_t next;

	if (window_us <= 0)
		return done * 2;
	next = (size_t)((long long)done * budget / window_us);
	return next ? next : 1;
}

static size_t count_pending(const struct op_target *targets, size_t n)
{
	size_t i, pending = 0;

	for (i = 0; i < n; i++)
		pending += targets[i].result == OP_PENDING;
	return pending;
}

/* replace keeps each fd's close-on-exec flag: read it while nothing is held. */
static void read_cloexec(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->targets[i].result == OP_PENDING &&
		    fd_read_cloexec(b->fd_task, b->targets[i].id.fd, &b->targets[i].cloexec))
			b->targets[i].cloexec = false;
}

/*
 * capstone's first decode builds its tables (~0.7 ms): it is paid before
 * the window, and only when the window may need it, to find a syscall in
 * the [vdso] of a process whose thread is not in a syscall (busy, or
 * between two).  A thread in one offers the instruction behind its pc,
 * which needs no decoder (site.c).
 */
static int decoder_ready_for(pid_t tid)
{
	char buf[32];
	int fd = proc_open(0, "%d/syscall", tid);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n > 0 && buf[0] >= '0' && buf[0] <= '9')
		return 0;
	return site_decoder_prepare(arch_native());
}

static int ops_in_windows(enum window_act act, pid_t pid, pid_t fd_task,
			  struct op_target *targets, size_t n, const struct op_params *p,
			  struct op_stats *stats)
{
	size_t start = 0, size, budget;
	struct placeholder ph;
	int pidfd, ret = 0;
	int *refs;

	memset(stats, 0, sizeof(*stats));
	if (!count_pending(targets, n))
		return 0;	/* nothing to do: do not stop the target at all */
	if (p->threads * FREEZE_NS_PER_THREAD_MIN > p->max_pause_us * 1000) {
		ret = -ERANGE;
		goto fail_all;
	}
	ret = decoder_ready_for(fd_task);
	if (ret)
		goto fail_all;
	refs = malloc(n * sizeof(*refs));
	if (!refs) {
		ret = -ENOMEM;
		goto fail_all;
	}
	budget = reference_budget(n);
	/* A first guess of ~10 us per fd, so that even the first window keeps the bound. */
	size = (size_t)(p->max_pause_us / 10);
	if (size > FIRST_BATCH)
		size = FIRST_BATCH;
	if (size < 1)
		size = 1;
	/* A zombie main thread has no fd table: pidfd_getfd() cannot use it. */
	pidfd = fd_task == pid ? pidfd_of(pid, p) : -1;
	placeholder_init(&ph, fd_task, pidfd);
	while (start < n && !ret) {
		struct batch b = { act, fd_task, targets + start, refs + start, n - start, &ph,
				   false };
		long long t0;
		size_t i;

		if (b.n > size)
			b.n = size;
		if (pidfd >= 0 && b.n > budget)
			b.n = budget ? budget : 1;
		b.last = start + b.n == n;
		t0 = clock_now_ns();
		/* The references of earlier windows not closed yet count too. */
		releaser_wait_held(p->releaser, budget > b.n ? budget - b.n : 0);
		for (i = 0; i < b.n; i++)
			refs[start + i] = targets[start + i].result == OP_PENDING ?
				take_reference(pidfd, &targets[start + i]) : -1;
		stats->refs_us += (clock_now_ns() - t0) / 1000;
		if (act == ACT_REPLACE)
			read_cloexec(&b);
		stats->last_window_us = 0;
		if (count_pending(b.targets, b.n))
			ret = run_window(pid, &b, p, stats);
		t0 = clock_now_ns();
		releaser_close(p->releaser, b.refs, b.n);
		stats->release_us += (clock_now_ns() - t0) / 1000;
		/* One fd a window and still over: the freeze alone breaks the bound. */
		if (!ret && b.n == 1 && stats->last_window_us > p->max_pause_us &&
		    start + 1 < n)
			ret = -ERANGE;
		size = next_batch(b.n, stats->last_window_us, p);
		start += b.n;
	}
	if (ph.num >= 0)
		release_placeholder_window(pid, &ph, p, stats);
	if (pidfd >= 0 && !p->pinned)
		close(pidfd);
	free(refs);
	if (ret)
		goto fail_all;
	return 0;

fail_all:
	fail_pending(targets, n, ret);
	return ret;
}

int ops_close(pid_t pid, pid_t fd_task, struct op_target *targets, size_t n,
	      const struct op_params *p, struct op_stats *stats)
{
	return ops_in_windows(ACT_CLOSE, pid, fd_task, targets, n, p, stats);
}

int ops_replace(pid_t pid, pid_t fd_task, struct op_target *targets, size_t n,
		const struct op_params *p, struct op_stats *stats)
{
	return ops_in_windows(ACT_REPLACE, pid, fd_task, targets, n, p, stats);
}

/* One fd through fdclose's own reference: 0, or -errno when the process refuses us. */
static int shutdown_one(int pidfd, struct op_target *t)
{
	int ref, err = 0;

	if (t->has_ref)
		ref = handed_reference(t);
	else
		ref = verified_reference(pidfd, &t->id);
	if (ref == -ENOENT || ref == -ESTALE) {
		skip(t, ref);
		return 0;
	}
	if (ref < 0)
		return ref;
	if (t->require_state && !still_in_state(ref, t->require_state))
		err = -EALREADY;
	else if (shutdown(ref, SHUT_RDWR))
		err = errno == ENOTCONN ? -EALREADY : -errno;
	if (err == -EALREADY)
		skip(t, err);
	else if (err)
		fail_pending(t, 1, err);
	else
		t->result = OP_DONE;
	close(ref);
	return 0;
}

/*
 * The reference is the socket itself, so shutdown needs no stop: the FIN
 * the application never sent goes out, and its fd stays open.
 */
int ops_shutdown(pid_t pid, pid_t fd_task, struct op_target *targets, size_t n,
		 const struct op_params *p, struct op_stats *stats)
{
	int pidfd, ret = 0;
	size_t i;

	memset(stats, 0, sizeof(*stats));
	if (!count_pending(targets, n))
		return 0;
	/* A zombie main thread has no fd table: pidfd_getfd() cannot use it. */
	if (fd_task != pid) {
		ret = -EXDEV;
		goto fail_all;
	}
	pidfd = pidfd_of(pid, p);
	if (pidfd < 0) {
		ret = -errno;
		goto fail_all;
	}
	for (i = 0; i < n && !ret; i++)
		if (targets[i].result == OP_PENDING)
			ret = shutdown_one(pidfd, &targets[i]);
	if (!p->pinned)
		close(pidfd);
	if (ret)
		goto fail_all;
	return 0;

fail_all:
	fail_pending(targets, n, ret);
	return ret;
}

/*
 * A window of its own, before any act: the stacks take about a millisecond
 * a thread to walk, which the act's window must not carry.
 */
int ops_backtrace(pid_t pid, const struct op_params *p, struct evidence *ev)
{
	struct frozen fz;
	int ret, thaw_ret;

	ret = site_decoder_prepare(arch_native());
	if (!ret)
		ret = freeze(&fz, pid, p->timeout_ms);
	if (ret)
		return ret;
	ret = evidence_collect(&fz, ev);
	thaw_ret = thaw(&fz);
	ev->frozen_us = frozen_us(&fz);
	return ret ? ret : thaw_ret;
}
