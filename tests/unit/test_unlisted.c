// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pass over socket fds found in no table, on the recorded tree's
 * candidates, with the kernel's answers from fake_probe.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/proc_tree.h"

#include <stdlib.h>
#include <string.h>

#include "scan/internal.h"
#include "fake_probe.h"

#define HOST_NS 4026531840ULL
#define CONTAINER_NS 4026532100ULL

struct fixture {
	struct scan_filter f;
	struct scan_result r;
	struct netns_set set;
	struct scan_ctx ctx;
};

/* Every pass before this one, as scan_closewait() runs them; then this one. */
static void resolve_recorded(struct fixture *x)
{
	use_recorded_proc();
	fake_probe_reset();
	assert_int_equal(netns_discover(&x->set), 0);
	x->ctx.f = &x->f;
	x->ctx.r = &x->r;
	x->ctx.set = &x->set;
	assert_int_equal(inode_set_init(&x->ctx.seen, 64), 0);
	assert_int_equal(scan_read_tables(&x->ctx), 0);
	assert_int_equal(scan_match_queues(&x->ctx), 0);
	assert_int_equal(scan_map_wanted(&x->ctx), 0);
	assert_int_equal(scan_index_by_pid(&x->ctx), 0);
	assert_int_equal(scan_walk(&x->ctx), 0);
	assert_int_equal(x->ctx.ncands, 7);
	x->r.stats.probed = 0;
	assert_int_equal(scan_resolve_candidates(&x->ctx), 0);
}

static void done(struct fixture *x)
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

/* The holder the pass added for (pid, fd), or NULL. */
static const struct holder *added(const struct fixture *x, pid_t pid, int fd)
{
	size_t i;

	for (i = 0; i < x->r.count; i++)
		if (x->r.holders[i].pid == pid && x->r.holders[i].fd == fd)
			return &x->r.holders[i];
	return NULL;
}

static void test_dead_and_unlisted(void **state)
{
	const struct holder *h1, *h100, *h;
	const struct tcp_sock *s;
	struct fixture x;

	(void)state;
	memset(&x, 0, sizeof(x));
	scan_filter_init(&x.f);
	resolve_recorded(&x);
	/* Every candidate was asked what it is: fewer than 32, no unix table read. */
	assert_int_equal(x.r.stats.probed, 7);
	assert_int_equal(x.r.stats.dead, 3);
	assert_int_equal(x.r.stats.unlisted, 1);
	assert_int_equal(x.r.stats.dead_unverified, 0);
	/* A reset connection two processes share (a fork) is one socket. */
	h1 = added(&x, 1, 8);
	h100 = added(&x, 100, 8);
	assert_non_null(h1);
	assert_non_null(h100);
	assert_true(h1->dead && h100->dead);
	assert_int_equal(h1->sock, h100->sock);
	s = &x.r.socks.socks[h1->sock];
	assert_int_equal(s->inode, 1020);
	assert_int_equal(s->state, TCPS_CLOSE);
	assert_int_equal(s->rx_queue, 3);
	assert_int_equal(s->age_ms, TCP_AGE_UNKNOWN);
	assert_string_equal(h1->comm, "systemd");
	/* A CLOSE_WAIT of a namespace without processes keeps its own namespace. */
	h = added(&x, 201, 6);
	assert_non_null(h);
	assert_false(h->dead);
	s = &x.r.socks.socks[h->sock];
	assert_int_equal(s->state, TCPS_CLOSE_WAIT);
	assert_int_equal(s->netns, FAKE_CONTAINER_ORPHAN_NS);
	assert_int_equal(s->age_ms, 90 * 60000);
	/* Unix, never connected, connected since: nothing. */
	assert_null(added(&x, 1, 9));
	assert_null(added(&x, 1, 13));
	assert_null(added(&x, 1, 14));
	done(&x);
}

static void test_filters_judge_what_was_found(void **state)
{
	struct fixture x;

	(void)state;
	/* A port names an endpoint a dead socket no longer has: only the unlisted one. */
	memset(&x, 0, sizeof(x));
	scan_filter_init(&x.f);
	x.f.port = 5000;
	resolve_recorded(&x);
	assert_int_equal(x.r.stats.dead, 0);
	assert_int_equal(x.r.stats.unlisted, 1);
	assert_non_null(added(&x, 201, 6));
	done(&x);

	/* A uid keeps the dead sockets of that user only. */
	memset(&x, 0, sizeof(x));
	scan_filter_init(&x.f);
	x.f.uid = 33;
	resolve_recorded(&x);
	assert_int_equal(x.r.stats.dead, 1);
	assert_non_null(added(&x, 201, 5));
	assert_null(added(&x, 1, 8));
	done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_and_unlisted),
		cmocka_unit_test(test_filters_judge_what_was_found),
	};

	return cmocka_run_group_tests_name("unlisted", tests, NULL, NULL);
}
