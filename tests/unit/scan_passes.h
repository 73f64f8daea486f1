/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running the scan's passes one by one on the recorded tree, as
 * scan_closewait() runs them, so that each pass's test can look at the
 * context right after its own.  Include after <cmocka.h> and proc_tree.h.
 */
#ifndef FDCLOSE_TEST_SCAN_PASSES_H
#define FDCLOSE_TEST_SCAN_PASSES_H

#include <stdlib.h>
#include <string.h>

#include "scan/internal.h"

#define HOST_NS 4026531840ULL
#define CONTAINER_NS 4026532100ULL

struct passes {
	struct scan_filter f;
	struct scan_result r;
	struct netns_set set;
	struct scan_ctx ctx;
};

enum pass { PASS_TABLES, PASS_WALK, PASS_UNLISTED };

/* A fresh context with the default filters; set x->f before passes_run(). */
static inline void passes_init(struct passes *x)
{
	memset(x, 0, sizeof(*x));
	scan_filter_init(&x->f);
}

/* Every pass up to and with last, each asserted to succeed. */
static inline void passes_run(struct passes *x, enum pass last)
{
	use_recorded_proc();
	assert_int_equal(netns_discover(&x->set), 0);
	x->ctx.f = &x->f;
	x->ctx.r = &x->r;
	x->ctx.set = &x->set;
	assert_int_equal(inode_set_init(&x->ctx.seen, 64), 0);
	assert_int_equal(scan_read_tables(&x->ctx), 0);
	if (last == PASS_TABLES)
		return;
	assert_int_equal(scan_match_queues(&x->ctx), 0);
	assert_int_equal(scan_map_wanted(&x->ctx), 0);
	assert_int_equal(scan_index_by_pid(&x->ctx), 0);
	assert_int_equal(scan_walk(&x->ctx), 0);
	if (last == PASS_WALK)
		return;
	assert_int_equal(scan_resolve_candidates(&x->ctx), 0);
}

static inline void passes_done(struct passes *x)
{
	free(x->ctx.by_pid);
	inode_map_free(&x->ctx.seen);
	inode_map_free(&x->ctx.want);
	inode_map_free(&x->ctx.extra);
	tcp_table_free(&x->ctx.listeners);
	tcp_table_free(&x->ctx.queued);
	free(x->ctx.queues);
	free(x->ctx.cands);
	free(x->ctx.walked);
	free(x->ctx.lholders);
	scan_result_free(&x->r);
	netns_set_free(&x->set);
}

#endif
