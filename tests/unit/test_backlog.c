// SPDX-License-Identifier: GPL-2.0-or-later
/* The accept-queue pass: queued CLOSE_WAITs matched to listeners, then backlogs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scan/internal.h"

#define NS 7

static struct tcp_sock sock4(uint32_t ip, uint16_t port, int state, uint64_t inode)
{
	struct tcp_sock s = { .family = AF_INET, .local_port = port, .state = (uint8_t)state,
			      .inode = inode, .netns = NS, .age_ms = 60000 };

	memcpy(s.local_addr, &ip, sizeof(ip));
	return s;
}

static struct tcp_sock mapped6(uint32_t ip, uint16_t port, int state, uint64_t inode)
{
	struct tcp_sock s = sock4(ip, port, state, inode);

	s.family = AF_INET6;
	memset(s.local_addr, 0, 16);
	if (ip) {
		s.local_addr[10] = 0xff;
		s.local_addr[11] = 0xff;
		memcpy(s.local_addr + 12, &ip, sizeof(ip));
	}
	return s;
}

struct fixture {
	struct scan_filter f;
	struct scan_result r;
	struct scan_ctx ctx;
};

static void setup(struct fixture *x)
{
	memset(x, 0, sizeof(*x));
	scan_filter_init(&x->f);
	x->ctx.f = &x->f;
	x->ctx.r = &x->r;
}

static void teardown(struct fixture *x)
{
	tcp_table_free(&x->ctx.listeners);
	tcp_table_free(&x->ctx.queued);
	free(x->ctx.queues);
	free(x->ctx.lholders);
	scan_result_free(&x->r);
}

static void add(struct tcp_table *t, struct tcp_sock s)
{
	assert_int_equal(tcp_table_append(t, &s), 0);
}

/* The listener r->socks holds for queue i, and how many are queued on it. */
static void queue_is(const struct fixture *x, size_t i, uint64_t listener, size_t closewait)
{
	assert_true(i < x->ctx.nqueues);
	assert_int_equal(x->r.socks.socks[x->ctx.queues[i].listener].inode, listener);
	assert_int_equal(x->r.socks.socks[x->ctx.queues[i].listener].state, TCPS_LISTEN);
	assert_int_equal(x->ctx.queues[i].closewait, closewait);
}

static void test_exact_address_beats_wildcard(void **state)
{
	struct fixture x;

	(void)state;
	setup(&x);
	add(&x.ctx.listeners, sock4(0, 8080, TCPS_LISTEN, 502));		/* 0.0.0.0 */
	add(&x.ctx.listeners, sock4(htonl(0x7f000001), 8080, TCPS_LISTEN, 501));
	add(&x.ctx.queued, sock4(htonl(0x7f000001), 8080, TCPS_CLOSE_WAIT, 0));
	add(&x.ctx.queued, sock4(htonl(0x0a000001), 8080, TCPS_CLOSE_WAIT, 0));
	add(&x.ctx.queued, sock4(htonl(0x0a000001), 8080, TCPS_CLOSE_WAIT, 0));
	assert_int_equal(scan_match_queues(&x.ctx), 0);
	/* The three queued sockets join r->socks, then each listener with a queue. */
	assert_int_equal(x.r.socks.count, 5);
	assert_int_equal(x.ctx.nqueues, 2);
	queue_is(&x, 0, 501, 1);
	queue_is(&x, 1, 502, 2);
	assert_int_equal(x.r.stats.queued_unmatched, 0);
	teardown(&x);
}

static void test_family_port_and_namespace_must_match(void **state)
{
	struct tcp_sock other_ns = sock4(0, 8080, TCPS_LISTEN, 503);
	struct fixture x;

	(void)state;
	setup(&x);
	other_ns.netns = NS + 1;
	add(&x.ctx.listeners, other_ns);
	add(&x.ctx.listeners, mapped6(0, 8081, TCPS_LISTEN, 504));	/* [::]:8081 */
	/* A v4-mapped connection is in a dual-stack listener's queue; plain IPv4 is not. */
	add(&x.ctx.queued, mapped6(htonl(0x7f000001), 8081, TCPS_CLOSE_WAIT, 0));
	add(&x.ctx.queued, sock4(htonl(0x7f000001), 8081, TCPS_CLOSE_WAIT, 0));
	add(&x.ctx.queued, sock4(htonl(0x7f000001), 8080, TCPS_CLOSE_WAIT, 0));
	assert_int_equal(scan_match_queues(&x.ctx), 0);
	assert_int_equal(x.ctx.nqueues, 1);
	queue_is(&x, 0, 504, 1);
	assert_int_equal(x.r.stats.queued_unmatched, 2);
	assert_int_equal(x.r.socks.count, 4);	/* every queued one, and one listener */
	teardown(&x);
}

static void test_filters(void **state)
{
	struct tcp_sock young = sock4(htonl(0x7f000001), 9000, TCPS_CLOSE_WAIT, 0);
	struct fixture x;

	(void)state;
	setup(&x);
	add(&x.ctx.listeners, sock4(0, 9000, TCPS_LISTEN, 601));
	add(&x.ctx.queued, sock4(htonl(0x7f000001), 9000, TCPS_CLOSE_WAIT, 0));
	young.age_ms = 10;
	add(&x.ctx.queued, young);
	/* --local 0.0.0.0:9000 names the listener as ss -tln shows it: its queue. */
	assert_int_equal(parse_addr_filter("0.0.0.0:9000", &x.f.local), 0);
	x.f.older_than_ms = 1000;
	assert_int_equal(scan_match_queues(&x.ctx), 0);
	assert_int_equal(x.ctx.nqueues, 1);
	queue_is(&x, 0, 601, 1);		/* the young one is left out */
	teardown(&x);

	setup(&x);
	add(&x.ctx.listeners, sock4(0, 9000, TCPS_LISTEN, 601));
	add(&x.ctx.queued, sock4(htonl(0x7f000001), 9000, TCPS_CLOSE_WAIT, 0));
	x.f.port = 9001;
	assert_int_equal(scan_match_queues(&x.ctx), 0);
	assert_int_equal(x.ctx.nqueues, 0);
	assert_int_equal(x.r.socks.count, 0);
	teardown(&x);
}

static void test_backlogs(void **state)
{
	static const pid_t some_pid[] = { 5 };
	struct fixture x;

	(void)state;
	setup(&x);
	add(&x.ctx.listeners, sock4(0, 80, TCPS_LISTEN, 701));
	add(&x.ctx.listeners, sock4(0, 81, TCPS_LISTEN, 702));
	add(&x.ctx.queued, sock4(htonl(0x7f000001), 80, TCPS_CLOSE_WAIT, 0));
	add(&x.ctx.queued, sock4(htonl(0x7f000001), 81, TCPS_CLOSE_WAIT, 0));
	assert_int_equal(scan_match_queues(&x.ctx), 0);
	assert_int_equal(x.ctx.nqueues, 2);
	/* Two processes hold :80 (a fork); nobody we walked holds :81. */
	x.ctx.lholders = calloc(2, sizeof(*x.ctx.lholders));
	assert_non_null(x.ctx.lholders);
	x.ctx.lholders[0] = (struct listener_holder){ .pid = 9, .fd = 4, .comm = "b" };
	x.ctx.lholders[1] = (struct listener_holder){ .pid = 5, .fd = 3, .comm = "a" };
	x.ctx.lholders[0].sock = x.ctx.queues[0].listener;
	x.ctx.lholders[1].sock = x.ctx.queues[0].listener;
	x.ctx.nlholders = 2;
	assert_int_equal(scan_make_backlogs(&x.ctx), 0);
	assert_int_equal(x.r.nbacklogs, 3);
	/* In pid order; the listener nobody holds first, as pid 0. */
	assert_int_equal(x.r.backlogs[0].pid, 0);
	assert_int_equal(x.r.backlogs[0].fd, -1);
	assert_int_equal(x.r.socks.socks[x.r.backlogs[0].listener].inode, 702);
	assert_int_equal(x.r.backlogs[1].pid, 5);
	assert_string_equal(x.r.backlogs[1].comm, "a");
	assert_int_equal(x.r.backlogs[2].pid, 9);
	assert_int_equal(x.r.backlogs[2].closewait, 1);
	free(x.r.backlogs);
	x.r.backlogs = NULL;
	x.r.nbacklogs = 0;

	/* With a process filter, a listener no selected process holds is not shown. */
	x.f.pids = some_pid;
	x.f.npids = 1;
	assert_int_equal(scan_make_backlogs(&x.ctx), 0);
	assert_int_equal(x.r.nbacklogs, 2);
	teardown(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_address_beats_wildcard),
		cmocka_unit_test(test_family_port_and_namespace_must_match),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_backlogs),
	};

	return cmocka_run_group_tests_name("backlog", tests, NULL, NULL);
}
