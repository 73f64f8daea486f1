// SPDX-License-Identifier: GPL-2.0-or-later
/* Two looks a moment apart: only what both saw is kept (scan_settle). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scan/scan.h"

static struct tcp_sock settle_socks[] = {
	{ .inode = 11, .state = TCPS_CLOSE_WAIT },
	{ .inode = 12, .state = TCPS_CLOSE_WAIT },
	{ .inode = 13, .state = TCPS_CLOSE },
	{ .inode = 14, .state = TCPS_LISTEN },
	{ .inode = 15, .state = TCPS_LISTEN },
	{ .inode = 99, .state = TCPS_CLOSE_WAIT },
};

static void test_settle(void **state)
{
	struct holder h1[] = {
		{ .pid = 5, .fd = 3, .sock = 0 },
		{ .pid = 5, .fd = 4, .sock = 1 },	/* gone by the second scan */
		{ .pid = 6, .fd = 3, .sock = 2, .dead = true },
		{ .pid = 7, .fd = 9, .sock = 0 },	/* fd 9 is another socket later */
		{ .pid = 8, .fd = 1, .sock = 1 },	/* pid 8 is gone */
	};
	struct holder h2[] = {
		{ .pid = 5, .fd = 3, .sock = 0 },
		{ .pid = 6, .fd = 3, .sock = 2, .dead = true },
		{ .pid = 7, .fd = 9, .sock = 5 },
		{ .pid = 9, .fd = 1, .sock = 0 },	/* new: not acted on */
	};
	struct backlog b1[] = {
		{ .pid = 0, .fd = -1, .listener = 4, .closewait = 3 },
		{ .pid = 5, .fd = 7, .listener = 3, .closewait = 5 },
		{ .pid = 6, .fd = 7, .listener = 3, .closewait = 5 },	/* emptied since */
	};
	struct backlog b2[] = {
		{ .pid = 0, .fd = -1, .listener = 4, .closewait = 4 },
		{ .pid = 5, .fd = 7, .listener = 3, .closewait = 2 },
	};
	struct proc_fds p1[] = {
		{ .pid = 5, .fds = 100 }, { .pid = 6, .fds = 50 }, { .pid = 7, .fds = 10 },
		{ .pid = 8, .fds = 5 },
	};
	struct proc_fds p2[] = {
		{ .pid = 5, .fds = 90, .nofile = 1024 }, { .pid = 6, .fds = 51 },
		{ .pid = 9, .fds = 1 },
	};
	struct scan_result first = {
		.socks = { .socks = settle_socks, .count = 6 },
		.holders = h1, .count = 5, .backlogs = b1, .nbacklogs = 3, .procs = p1, .nprocs = 4,
	};
	struct scan_result second = {
		.socks = { .socks = settle_socks, .count = 6 },
		.holders = h2, .count = 4, .backlogs = b2, .nbacklogs = 2, .procs = p2, .nprocs = 3,
	};

	(void)state;
	assert_int_equal(scan_settle(&first, &second), 0);
	assert_int_equal(first.count, 2);
	assert_int_equal(first.holders[0].pid, 5);
	assert_int_equal(first.holders[0].fd, 3);
	assert_int_equal(first.holders[1].pid, 6);
	assert_true(first.holders[1].dead);
	assert_int_equal(first.nbacklogs, 2);
	assert_int_equal(first.backlogs[0].pid, 0);
	assert_int_equal(first.backlogs[0].closewait, 3);	/* the smaller count */
	assert_int_equal(first.backlogs[1].pid, 5);
	assert_int_equal(first.backlogs[1].closewait, 2);
	assert_int_equal(first.nprocs, 2);			/* 7 and 8 have nothing left */
	assert_int_equal(first.procs[0].pid, 5);
	assert_int_equal(first.procs[0].fds, 90);		/* the newer count */
	assert_int_equal(first.procs[0].nofile, 1024);
	assert_int_equal(first.procs[1].pid, 6);
	assert_int_equal(first.procs[1].fds, 51);

	/* Against an empty scan nothing is left. */
	memset(&second, 0, sizeof(second));
	assert_int_equal(scan_settle(&first, &second), 0);
	assert_int_equal(first.count, 0);
	assert_int_equal(first.nbacklogs, 0);
	assert_int_equal(first.nprocs, 0);
}

static void test_age_from_the_later_look(void **state)
{
	struct tcp_sock older[] = { { .inode = 21, .state = TCPS_CLOSE_WAIT, .age_ms = 1000 } };
	struct tcp_sock newer[] = { { .inode = 21, .state = TCPS_CLOSE_WAIT, .age_ms = 1500 } };
	struct holder h1[] = { { .pid = 3, .fd = 5, .sock = 0 } };
	struct holder h2[] = { { .pid = 3, .fd = 5, .sock = 0 } };
	struct proc_fds p1[] = { { .pid = 3, .fds = 8 } };
	struct scan_result first = {
		.socks = { .socks = older, .count = 1 }, .holders = h1, .count = 1,
		.procs = p1, .nprocs = 1,
	};
	struct scan_result second = {
		.socks = { .socks = newer, .count = 1 }, .holders = h2, .count = 1,
	};

	(void)state;
	assert_int_equal(scan_settle(&first, &second), 0);
	assert_int_equal(first.count, 1);
	assert_int_equal(older[0].age_ms, 1500);
	/* A process the second look did not list keeps the first look's numbers. */
	assert_int_equal(first.nprocs, 1);
	assert_int_equal(first.procs[0].fds, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settle),
		cmocka_unit_test(test_age_from_the_later_look),
	};

	return cmocka_run_group_tests_name("settle", tests, NULL, NULL);
}
