// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "arch/arch.h"
#include "injector/injector.h"
#include "injector/ops.h"

const char *op_result_name(enum op_result r)
{
	switch (r) {
	case OP_PENDING: return "pending";
	case OP_CLOSED: return "closed";
	case OP_WOULD_CLOSE: return "would-close";
	case OP_SKIPPED: return "skipped";
	case OP_REFUSED: return "refused";
	case OP_FAILED: return "failed";
	}
	return "unknown";
}

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

/* Returns 0, or the -errno of an injection that failed (the window must end). */
static int close_one(struct frozen *fz, struct op_target *t)
{
	uint64_t args[6] = { (uint64_t)t->desc.fd };
	int64_t result;
	int ret = fd_still_same(fz->pid, &t->desc);

	if (ret) {
		/* The app closed it, or the number now names another object: not ours. */
		t->result = OP_SKIPPED;
		t->error = ret;
		return 0;
	}
	ret = rsyscall(fz, SYSNO_CLOSE, args, &result);
	if (ret) {
		t->result = OP_FAILED;
		t->error = ret;
		return ret;
	}
	/* Linux releases the fd even when close reports EINTR. */
	if (result == 0 || result == -EINTR) {
		t->result = OP_CLOSED;
	} else {
		t->result = OP_FAILED;
		t->error = (int)result;
	}
	return 0;
}

int ops_close(pid_t pid, struct op_target *targets, size_t n, unsigned int timeout_ms,
	      struct op_stats *stats)
{
	struct frozen fz;
	int ret, thaw_ret;
	size_t i;

	memset(stats, 0, sizeof(*stats));
	for (i = 0; i < n && targets[i].result != OP_PENDING; i++)
		;
	if (i == n)
		return 0;	/* nothing left to do: do not stop the target at all */
	ret = site_decoder_prepare(arch_native());
	if (ret)
		goto fail_all;
	ret = freeze(&fz, pid, timeout_ms);
	if (ret)
		goto fail_all;
	stats->threads = fz.count;
	for (i = 0; i < n && !ret; i++)
		if (targets[i].result == OP_PENDING)
			ret = close_one(&fz, &targets[i]);
	stats->injections = fz.injections;
	thaw_ret = thaw(&fz);
	if (thaw_ret && !ret)
		ret = thaw_ret;
	stats->frozen_us = frozen_us(&fz);
	fail_pending(targets, n, ret ? ret : -ECANCELED);
	return 0;

fail_all:
	fail_pending(targets, n, ret);
	return ret;
}
