// SPDX-License-Identifier: GPL-2.0-or-later
/* The tables pass on the recorded tree: each namespace read once, from /proc text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include <stdlib.h>
#include <string.h>

#include "scan/internal.h"

#define HOST_NS 4026531840ULL
#define CONTAINER_NS 4026532100ULL

struct fixture {
	struct scan_filter f;
	struct scan_result r;
	struct netns_set set;
	struct scan_ctx ctx;
};

static void read_recorded(struct fixture *x)
{
	memset(x, 0, sizeof(*x));
	use_recorded_proc();
	assert_true(proc_root_is_recorded());
	scan_filter_init(&x->f);
	assert_int_equal(netns_discover(&x->set), 0);
	x->ctx.f = &x->f;
	x->ctx.r = &x->r;
	x->ctx.set = &x->set;
	assert_int_equal(inode_set_init(&x->ctx.seen, 64), 0);
	assert_int_equal(scan_read_tables(&x->ctx), 0);
}

static void done(struct fixture *x)
{
	inode_map_free(&x->ctx.seen);
	tcp_table_free(&x->ctx.listeners);
	tcp_table_free(&x->ctx.queued);
	scan_result_free(&x->r);
	netns_set_free(&x->set);
}

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
	struct fixture x;

	(void)state;
	read_recorded(&x);
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
	done(&x);
}

static void test_socket_filters_apply(void **state)
{
	struct fixture x;

	(void)state;
	/* With --port 8080 only [::1]:8080 (1003) is kept. */
	memset(&x, 0, sizeof(x));
	use_recorded_proc();
	scan_filter_init(&x.f);
	x.f.port = 8080;
	assert_int_equal(netns_discover(&x.set), 0);
	x.ctx.f = &x.f;
	x.ctx.r = &x.r;
	x.ctx.set = &x.set;
	assert_int_equal(inode_set_init(&x.ctx.seen, 64), 0);
	assert_int_equal(scan_read_tables(&x.ctx), 0);
	assert_int_equal(x.r.socks.count, 1);
	assert_true(has(&x.r.socks, 1003, HOST_NS));
	/* The rest are still seen: a fd holding them is no candidate. */
	assert_true(inode_map_get(&x.ctx.seen, 1001, NULL));
	done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_namespace_once),
		cmocka_unit_test(test_socket_filters_apply),
	};

	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
