// SPDX-License-Identifier: GPL-2.0-or-later
/* The fd-table pass on the recorded tree: holders, listener holders, candidates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include "tests/unit/scan_passes.h"

static bool holds(const struct passes *x, pid_t pid, int fd, uint64_t inode)
{
	size_t i;

	for (i = 0; i < x->r.count; i++)
		if (x->r.holders[i].pid == pid && x->r.holders[i].fd == fd)
			return x->r.socks.socks[x->r.holders[i].sock].inode == inode;
	return false;
}

static bool candidate(const struct passes *x, pid_t pid, int fd, uint64_t inode,
		      uint64_t netns)
{
	size_t i;

	for (i = 0; i < x->ctx.ncands; i++)
		if (x->ctx.cands[i].pid == pid && x->ctx.cands[i].fd == fd)
			return x->ctx.cands[i].inode == inode && x->ctx.cands[i].netns == netns;
	return false;
}

static void test_walk_everything(void **state)
{
	struct passes x;
	size_t i;

	(void)state;
	passes_init(&x);
	passes_run(&x, PASS_WALK);
	/* The CLOSE_WAITs a table lists, wherever their fd is. */
	assert_int_equal(x.r.count, 6);
	assert_true(holds(&x, 1, 3, 1001));
	assert_true(holds(&x, 1, 6, 1003));
	assert_true(holds(&x, 100, 3, 1001));
	assert_true(holds(&x, 100, 7, 1004));
	assert_true(holds(&x, 201, 4, 2001));
	assert_true(holds(&x, 600, 4, 1005));	/* through the zombie leader's thread */
	/* A process that holds something is named; one walked for nothing is not read. */
	for (i = 0; i < x.r.count; i++)
		if (x.r.holders[i].pid == 100)
			assert_string_equal(x.r.holders[i].comm, "worker");
	assert_false(scan_find_walked(&x.ctx, 200)->comm_known);
	/* Listeners with a queue: 1/10, 1/11, 1/12 and 100/10. */
	assert_int_equal(x.ctx.nlholders, 4);
	/* Socket fds in no table, each with its process's namespace. */
	assert_int_equal(x.ctx.ncands, 7);
	assert_true(candidate(&x, 1, 8, 1020, HOST_NS));
	assert_true(candidate(&x, 1, 9, 1021, HOST_NS));
	assert_true(candidate(&x, 1, 13, 1022, HOST_NS));
	assert_true(candidate(&x, 1, 14, 1023, HOST_NS));
	assert_true(candidate(&x, 100, 8, 1020, HOST_NS));
	assert_true(candidate(&x, 201, 5, 2010, CONTAINER_NS));
	assert_true(candidate(&x, 201, 6, 2011, CONTAINER_NS));
	/* Walked in pid order: the later passes look processes up by pid. */
	for (i = 1; i < x.ctx.nwalked; i++)
		assert_true(x.ctx.walked[i - 1].pid < x.ctx.walked[i].pid);
	assert_non_null(scan_find_walked(&x.ctx, 201));
	assert_int_equal(scan_find_walked(&x.ctx, 201)->netns, CONTAINER_NS);
	assert_null(scan_find_walked(&x.ctx, 300));	/* its fd is a file: unreadable */
	assert_int_equal(x.r.stats.unreadable, 1);
	passes_done(&x);
}

static void test_walk_comm_and_pids(void **state)
{
	static const pid_t pids[] = { 201, 1, 201 };
	struct passes x;

	(void)state;
	passes_init(&x);
	x.f.comm = "worker";
	passes_run(&x, PASS_WALK);
	/* Only pid 100 is named so; the others cost one comm read each. */
	assert_int_equal(x.r.count, 2);
	assert_true(holds(&x, 100, 3, 1001));
	assert_true(holds(&x, 100, 7, 1004));
	assert_string_equal(x.r.holders[0].comm, "worker");
	assert_int_equal(x.ctx.nwalked, 1);
	passes_done(&x);

	passes_init(&x);
	x.f.pids = pids;
	x.f.npids = 3;
	passes_run(&x, PASS_WALK);
	/* Each pid asked for walked once, whatever the order and repeats. */
	assert_int_equal(x.ctx.nwalked, 2);
	assert_int_equal(x.ctx.walked[0].pid, 1);
	assert_int_equal(x.ctx.walked[1].pid, 201);
	assert_int_equal(x.r.count, 3);
	passes_done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_everything),
		cmocka_unit_test(test_walk_comm_and_pids),
	};

	return cmocka_run_group_tests_name("walk", tests, NULL, NULL);
}
