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

#include "tests/unit/scan_passes.h"
#include "fake_probe.h"

static void resolve_recorded(struct passes *x)
{
	fake_probe_reset();
	passes_run(x, PASS_WALK);
	assert_int_equal(x->ctx.ncands, 7);
	x->r.stats.probed = 0;
	assert_int_equal(scan_resolve_candidates(&x->ctx), 0);
}

/* The holder the pass added for (pid, fd), or NULL. */
static const struct holder *added(const struct passes *x, pid_t pid, int fd)
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
	struct passes x;

	(void)state;
	passes_init(&x);
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
	passes_done(&x);
}

static void test_filters_judge_what_was_found(void **state)
{
	struct passes x;

	(void)state;
	/* A port names an endpoint a dead socket no longer has: only the unlisted one. */
	passes_init(&x);
	x.f.port = 5000;
	resolve_recorded(&x);
	assert_int_equal(x.r.stats.dead, 0);
	assert_int_equal(x.r.stats.unlisted, 1);
	assert_non_null(added(&x, 201, 6));
	passes_done(&x);

	/* A uid keeps the dead sockets of that user only. */
	passes_init(&x);
	x.f.uid = 33;
	resolve_recorded(&x);
	assert_int_equal(x.r.stats.dead, 1);
	assert_non_null(added(&x, 201, 5));
	assert_null(added(&x, 1, 8));
	passes_done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_and_unlisted),
		cmocka_unit_test(test_filters_judge_what_was_found),
	};

	return cmocka_run_group_tests_name("unlisted", tests, NULL, NULL);
}
