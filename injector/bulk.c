// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Closing many fds in one frozen window.  Each injected syscall costs two
 * ptrace stops, ~15 us; a process with 10,000 leaked sockets would stay
 * frozen for 150 ms that way.  Instead the arch's close loop is copied into
 * a scratch mapping of the target, run once, and the mapping removed: the
 * cost is four injections plus the closes themselves.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/diag.h"
#include "injector/internal.h"

/*
 * Below this many fds the loop's setup (mmap, mprotect, munmap: ~100 us)
 * costs more than one injection per fd (~20 us each) saves.
 */
#define BULK_MIN 8
/* No close returns this: it marks a result the loop has not written yet. */
#define RESULT_UNSET 0x7fffffff
/*
 * How long the parked loop waits for fdclose before it restores the thread
 * by itself.  fdclose takes it back within microseconds of the park; only a
 * killed or stopped fdclose leaves it waiting this long.
 */
#define PARK_S 1
/* How often fdclose looks whether the loop has parked. */
#define POLL_NS 20000

struct scratch {
	uint64_t addr;
	size_t len;
	size_t code_len;	/* the executable part: data_offset bytes */
	uint64_t frame;
	uint64_t fds;
	uint64_t results;
};

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

static int map_scratch(struct frozen *fz, const struct arch_bulk_loop *loop, size_t n,
		       struct scratch *s)
{
	uint64_t args[6];
	int64_t result;
	int ret;

	s->code_len = loop->data_offset;
	s->len = s->code_len + page_round(loop->frame_len + 2 * n * sizeof(int32_t));
	args[0] = 0;
	args[1] = s->len;
	args[2] = PROT_READ | PROT_WRITE;
	args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	args[4] = (uint64_t)-1;
	args[5] = 0;
	ret = rsyscall(fz, SYSNO_MMAP, args, &result);
	if (ret)
		return ret;
	ret = syscall_error(result);
	if (ret)
		return ret;
	s->addr = (uint64_t)result;
	s->frame = s->addr + s->code_len;
	s->fds = s->frame + loop->frame_len;
	s->results = s->fds + n * sizeof(int32_t);
	return 0;
}

static int unmap_scratch(struct frozen *fz, const struct scratch *s)
{
	uint64_t args[6] = { s->addr, s->len };
	int64_t result;
	int ret = rsyscall(fz, SYSNO_MUNMAP, args, &result);

	return ret ? ret : syscall_error(result);
}

/*
 * The frame tells the loop how to go home unattended: the worker's own
 * mask, and its registers as thaw() would put them back.
 */
static int write_frame(struct frozen *fz, const struct arch_bulk_loop *loop,
		       const struct scratch *s)
{
	struct frozen_thread *t = fz->worker;
	struct arch_regs home = t->regs;
	uint8_t *frame = calloc(1, loop->frame_len);
	int ret;

	if (!frame)
		return -ENOMEM;
	fz->arch->apply_restart(&home);
	loop->fill_frame(frame, &home, t->sigmask, PARK_S);
	ret = remote_write(t->tid, s->frame, frame, loop->frame_len);
	free(frame);
	return ret;
}

/* Writes the loop and its inputs, then makes the code pages executable only. */
static int fill_scratch(struct frozen *fz, const struct arch_bulk_loop *loop,
			const struct scratch *s, const int *fds, size_t n)
{
	uint64_t args[6] = { s->addr, s->code_len, PROT_READ | PROT_EXEC };
	int32_t *buf = malloc(2 * n * sizeof(*buf));
	const uint8_t *code;
	size_t code_len = loop->code(&code);
	int64_t result;
	size_t i;
	int ret;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		buf[i] = fds[i];
		buf[n + i] = RESULT_UNSET;
	}
	ret = remote_write(fz->worker->tid, s->addr, code, code_len);
	if (!ret)
		ret = write_frame(fz, loop, s);
	if (!ret)
		ret = remote_write(fz->worker->tid, s->fds, buf, 2 * n * sizeof(*buf));
	free(buf);
	if (ret)
		return ret;
	ret = rsyscall(fz, SYSNO_MPROTECT, args, &result);
	return ret ? ret : syscall_error(result);
}

static int read_state(const struct frozen *fz, const struct scratch *s, uint32_t *state)
{
	return remote_read(fz->worker->tid, s->frame, state, sizeof(*state));
}

/*
 * Resumes the loop from a stop that is not ours.  The worker has every
 * signal blocked, so it is a SIGSTOP: held back, and sent again after thaw.
 */
static int swallow_stop(struct frozen *fz, int status)
{
	if (status >> 16 == 0 && WSTOPSIG(status) == SIGSTOP)
		fz->stop_after_thaw = true;
	return ptrace(PTRACE_CONT, fz->worker->tid, NULL, NULL) ? -errno : 0;
}

/*
 * Waits, while the loop runs, until it parks or the deadline passes; only
 * a SIGSTOP or its death can stop the worker meanwhile.
 */
static int wait_parked(struct frozen *fz, const struct scratch *s)
{
	struct timespec pause = { .tv_nsec = POLL_NS };
	struct frozen_thread *t = fz->worker;
	long long deadline = frozen_deadline(fz);
	uint32_t state = BULK_RUNNING;
	int status, ret;

	while (state == BULK_RUNNING && clock_now_ns() < deadline) {
		pid_t r = waitpid(t->tid, &status, __WALL | WNOHANG);

		if (r == t->tid) {
			ret = worker_check_alive(fz, status);
			if (!ret)
				ret = swallow_stop(fz, status);
			if (ret)
				return ret;
			continue;
		}
		ret = read_state(fz, s, &state);
		if (ret)
			return ret;
		if (state == BULK_RUNNING)
			nanosleep(&pause, NULL);
	}
	return 0;
}

/* Takes the worker back, parked or not, with an interrupt stop. */
static int interrupt_worker(struct frozen *fz)
{
	struct frozen_thread *t = fz->worker;
	int status, ret;

	if (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL))
		return -errno;
	for (;;) {
		ret = wait_thread(fz, t->tid, frozen_deadline(fz), &status);
		if (!ret)
			ret = worker_check_alive(fz, status);
		if (ret)
			return ret;
		if (status >> 16 == PTRACE_EVENT_STOP)
			return 0;
		ret = swallow_stop(fz, status);
		if (ret)
			return ret;
	}
}

/*
 * A loop that went home restored the worker itself and may be running the
 * application's code by now: thaw must not put the old image back, and
 * the scratch mapping can no longer be removed safely.
 */
static void forget_worker_state(struct frozen *fz)
{
	fz->worker->regs_saved = false;
	fz->worker->sigmask_saved = false;
	fz->scratch_left = true;
}

/* Runs the loop until it parks, then takes the worker back. */
static int run_loop(struct frozen *fz, const struct arch_bulk_loop *loop,
		    const struct scratch *s, size_t n, int32_t *results)
{
	struct frozen_thread *t = fz->worker;
	struct arch_regs regs = t->regs;
	uint32_t state;
	long long t0;
	int ret;

	loop->set_entry(&regs, s->addr, s->fds, s->results, n);
	t0 = clock_now_ns();
	ret = worker_enter(fz);
	if (!ret)
		ret = regs_set(t->tid, &regs);
	if (ret)
		return ret;
	if (ptrace(PTRACE_CONT, t->tid, NULL, NULL))
		return -errno;
	ret = wait_parked(fz, s);
	if (!ret)
		ret = interrupt_worker(fz);
	if (ret)
		return ret;
	ret = read_state(fz, s, &state);
	if (!ret)
		ret = remote_read(t->tid, s->results, results, n * sizeof(*results));
	if (ret)
		return ret;
	if (state == BULK_HOME) {
		forget_worker_state(fz);
		return 0;
	}
	ret = worker_leave(fz);
	fz->loop_ns += clock_now_ns() - t0;
	return ret ? ret : state == BULK_RUNNING ? -ETIME : 0;
}

static int close_one_by_one(struct frozen *fz, const int *fds, int *results, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t args[6] = { (uint64_t)fds[i] };
		int64_t result;
		int ret = rsyscall(fz, SYSNO_CLOSE, args, &result);

		if (ret) {
			for (; i < n; i++)
				results[i] = -ECANCELED;
			return ret;
		}
		results[i] = (int)result;
	}
	return 0;
}

static bool bulk_usable(const struct frozen *fz, size_t n)
{
	const struct arch_bulk_loop *loop = fz->arch->bulk;

	return fz->bulk_allowed && n >= BULK_MIN && loop &&
	       loop->data_offset % (size_t)sysconf(_SC_PAGESIZE) == 0;
}

int rclose_many(struct frozen *fz, const int *fds, int *results, size_t n)
{
	const struct arch_bulk_loop *loop;
	struct scratch s;
	int32_t *out;
	bool no_exec;
	size_t i;
	int ret, unmap_ret;

	if (!fz->worker) {
		ret = frozen_prepare(fz);
		if (ret) {
			for (i = 0; i < n; i++)
				results[i] = -ECANCELED;
			return ret;
		}
	}
	if (!bulk_usable(fz, n))
		return close_one_by_one(fz, fds, results, n);
	loop = fz->arch->bulk;
	out = malloc(n * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		out[i] = RESULT_UNSET;
	ret = map_scratch(fz, loop, n, &s);
	if (ret)
		goto free_out;
	ret = fill_scratch(fz, loop, &s, fds, n);
	/* No executable memory for us (PR_SET_MDWE, or an LSM): nothing closed yet. */
	no_exec = ret == -EACCES || ret == -EPERM;
	if (!ret)
		ret = run_loop(fz, loop, &s, n, out);
	unmap_ret = fz->worker && fz->worker->regs_saved ? unmap_scratch(fz, &s) : 0;
	if (no_exec && !unmap_ret) {
		pr_verbose("pid %d: no executable memory for the close loop (%s); "
			   "closing one by one", fz->pid, strerror(-ret));
		free(out);
		return close_one_by_one(fz, fds, results, n);
	}
	if (!ret)
		ret = unmap_ret;
free_out:
	for (i = 0; i < n; i++)
		results[i] = out[i] == RESULT_UNSET ? -ECANCELED : out[i];
	free(out);
	return ret;
}
