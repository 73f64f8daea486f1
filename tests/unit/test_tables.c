// SPDX-License-Identifier: GPL-2.0-or-later
/* The tables pass on the recorded tree: each namespace read once, from /proc text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include "tests/unit/scan_passes.h"

static bool has(const struct tcp_table *t, uint64_t inode, uint64_t netns)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (t->socks[i].inode == inode && t->socks[i].netns == netns)
			return true;
	return false;
}

static void test_every_namespace_once(void **state)
{
	struct passes x;

	(void)state;
	passes_init(&x);
	passes_run(&x, PASS_TABLES);
	assert_true(proc_root_is_recorded());
	/* Two namespaces, both read; a recorded root takes the /proc text each time. */
	assert_int_equal(x.r.stats.netns, 2);
	assert_int_equal(x.r.stats.netns_proc, 2);
	assert_int_equal(x.r.stats.netns_failed, 0);
	assert_int_equal(x.r.stats.malformed, 1);	/* pid 1's garbage line */
	/* The CLOSE_WAITs with a file, in either family and namespace. */
	assert_int_equal(x.r.socks.count, 5);
	assert_true(has(&x.r.socks, 1001, HOST_NS));
	assert_true(has(&x.r.socks, 1005, HOST_NS));
	assert_true(has(&x.r.socks, 1003, HOST_NS));
	assert_true(has(&x.r.socks, 1004, HOST_NS));
	assert_true(has(&x.r.socks, 2001, CONTAINER_NS));
	/* Listeners and the queued CLOSE_WAITs (inode 0) wait for the queue pass. */
	assert_true(has(&x.ctx.listeners, 1010, HOST_NS));
	assert_true(has(&x.ctx.listeners, 1012, HOST_NS));
	assert_true(has(&x.ctx.listeners, 2003, CONTAINER_NS));
	assert_true(x.ctx.queued.count >= 5);
	assert_true(has(&x.ctx.queued, 0, CONTAINER_NS));
	/* Every listed inode is noted, ESTABLISHED ones too: they are no candidates. */
	assert_true(inode_map_get(&x.ctx.seen, 1002, NULL));
	assert_true(inode_map_get(&x.ctx.seen, 2002, NULL));
	assert_false(inode_map_get(&x.ctx.seen, 1020, NULL));	/* the dead one */
	passes_done(&x);
}

static void test_socket_filters_apply(void **state)
{
	struct passes x;

	(void)state;
	/* With --port 8080 only [::1]:8080 (1003) is kept. */
	passes_init(&x);
	x.f.port = 8080;
	passes_run(&x, PASS_TABLES);
	assert_int_equal(x.r.socks.count, 1);
	assert_true(has(&x.r.socks, 1003, HOST_NS));
	/* The rest are still seen: a fd holding them is no candidate. */
	assert_true(inode_map_get(&x.ctx.seen, 1001, NULL));
	passes_done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_namespace_once),
		cmocka_unit_test(test_socket_filters_apply),
	};

	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
