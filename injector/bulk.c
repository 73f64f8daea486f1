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
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "injector/internal.h"

/*
 * Below this many fds the loop's setup (mmap, mprotect, munmap: ~100 us)
 * costs more than one injection per fd (~20 us each) saves.
 */
#define BULK_MIN 8
/* No close returns this: it marks a result the loop has not written yet. */
#define RESULT_UNSET 0x7fffffff

struct scratch {
	uint64_t addr;
	size_t len;
	uint64_t fds;
	uint64_t results;
};

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

static int remote_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* A syscall result in -4095..-1 is an error, anything else a value. */
static int syscall_error(int64_t result)
{
	return result < 0 && result >= -4095 ? (int)result : 0;
}

static int map_scratch(struct frozen *fz, size_t code_len, size_t n, struct scratch *s)
{
	size_t code = page_round(code_len);
	uint64_t args[6];
	int64_t result;
	int ret;

	s->len = code + page_round(2 * n * sizeof(int32_t));
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
	s->fds = s->addr + code;
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

/* Writes the loop and its inputs, then makes the code page executable only. */
static int fill_scratch(struct frozen *fz, const struct scratch *s, const uint8_t *code,
			size_t code_len, const int *fds, size_t n)
{
	uint64_t args[6] = { s->addr, page_round(code_len), PROT_READ | PROT_EXEC };
	int32_t *buf = malloc(2 * n * sizeof(*buf));
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
		ret = remote_write(fz->worker->tid, s->fds, buf, 2 * n * sizeof(*buf));
	free(buf);
	if (ret)
		return ret;
	ret = rsyscall(fz, SYSNO_MPROTECT, args, &result);
	return ret ? ret : syscall_error(result);
}

static bool loop_finished(const int32_t *results, size_t n)
{
	return n == 0 || results[n - 1] != RESULT_UNSET;
}

/*
 * Runs the loop until it stops itself.  A SIGSTOP from someone else can
 * stop it early: the last result tells, and that SIGSTOP is sent again
 * after thaw.
 */
static int run_loop(struct frozen *fz, const struct scratch *s, size_t n, int32_t *results)
{
	struct frozen_thread *t = fz->worker;
	struct arch_regs regs = t->regs;
	int status, ret;

	fz->arch->set_bulk_close(&regs, s->addr, s->fds, s->results, n, fz->pid, t->tid);
	ret = regs_set(t->tid, &regs);
	if (ret)
		return ret;
	for (;;) {
		ret = worker_resume(fz, PTRACE_CONT, &status);
		if (ret)
			return ret;
		if (status >> 16 != 0 || WSTOPSIG(status) != SIGSTOP)
			continue;	/* not ours: every other signal is blocked */
		ret = remote_read(t->tid, s->results, results, n * sizeof(*results));
		if (ret)
			return ret;
		if (loop_finished(results, n))
			return 0;
		fz->stop_after_thaw = true;
	}
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

int rclose_many(struct frozen *fz, const int *fds, int *results, size_t n)
{
	struct scratch s;
	const uint8_t *code;
	int32_t *out;
	size_t code_len, i;
	int ret, unmap_ret;

	if (!fz->worker) {
		ret = frozen_prepare(fz);
		if (ret) {
			for (i = 0; i < n; i++)
				results[i] = -ECANCELED;
			return ret;
		}
	}
	if (n < BULK_MIN || !fz->arch->bulk_close_code)
		return close_one_by_one(fz, fds, results, n);
	code_len = fz->arch->bulk_close_code(&code);
	out = malloc(n * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		out[i] = RESULT_UNSET;
	ret = map_scratch(fz, code_len, n, &s);
	if (ret)
		goto free_out;
	ret = fill_scratch(fz, &s, code, code_len, fds, n);
	if (!ret)
		ret = run_loop(fz, &s, n, out);
	unmap_ret = fz->worker ? unmap_scratch(fz, &s) : -ESRCH;
	if (!ret)
		ret = unmap_ret;
free_out:
	for (i = 0; i < n; i++)
		results[i] = ret && out[i] == RESULT_UNSET ? -ECANCELED : out[i];
	free(out);
	return ret;
}
