// SPDX-License-Identifier: GPL-2.0-or-later
/* Ages: the buckets, the counts per process, and --older-than. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "scan/scan.h"

#define S 1000
#define MIN (60 * S)
#define HOUR (60 * MIN)
#define DAY (24 * (int64_t)HOUR)

/* Each bound belongs to the bucket above it: "<1m" means under a minute. */
static void test_bucket_bounds(void **state)
{
	(void)state;
	assert_int_equal(age_bucket_of(0), AGE_UNDER_1M);
	assert_int_equal(age_bucket_of(MIN - 1), AGE_UNDER_1M);
	assert_int_equal(age_bucket_of(MIN), AGE_UNDER_10M);
	assert_int_equal(age_bucket_of(10 * MIN - 1), AGE_UNDER_10M);
	assert_int_equal(age_bucket_of(10 * MIN), AGE_UNDER_1H);
	assert_int_equal(age_bucket_of(HOUR - 1), AGE_UNDER_1H);
	assert_int_equal(age_bucket_of(HOUR), AGE_UNDER_1D);
	assert_int_equal(age_bucket_of(DAY - 1), AGE_UNDER_1D);
	assert_int_equal(age_bucket_of(DAY), AGE_OLDER);
	assert_int_equal(age_bucket_of(UINT32_MAX), AGE_OLDER);
	assert_int_equal(age_bucket_of(TCP_AGE_UNKNOWN), AGE_UNKNOWN);
	assert_string_equal(age_bucket_names[AGE_UNDER_10M].text, "<10m");
	assert_string_equal(age_bucket_names[AGE_UNDER_1D].key, "under_1d");
	assert_string_equal(age_bucket_names[AGE_UNKNOWN].key, "unknown");
}

static void test_proc_ages(void **state)
{
	static const int64_t ages[] = {
		5 * S, 59 * S, 2 * MIN, 30 * MIN, 3 * HOUR, 3 * HOUR, 2 * DAY, TCP_AGE_UNKNOWN,
	};
	static const size_t want[AGE_BUCKETS] = { 2, 1, 1, 2, 1, 1 };
	struct proc_fds p;
	size_t i;

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	proc_ages_reset(&p);
	assert_int_equal(p.closewait, 0);
	assert_int_equal(p.oldest_ms, TCP_AGE_UNKNOWN);
	/* Unknown first: it must not stand for the oldest. */
	proc_ages_add(&p, TCP_AGE_UNKNOWN);
	assert_int_equal(p.oldest_ms, TCP_AGE_UNKNOWN);
	proc_ages_reset(&p);
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++)
		proc_ages_add(&p, ages[i]);
	assert_int_equal(p.closewait, 8);
	assert_int_equal(p.oldest_ms, 2 * DAY);
	assert_memory_equal(p.ages, want, sizeof(want));
}

/* The counts come from the holders of each process; dead ones have no age. */
static void test_scan_count_ages(void **state)
{
	struct tcp_sock socks[] = {
		{ .inode = 1, .state = TCPS_CLOSE_WAIT, .age_ms = 30 * S },
		{ .inode = 2, .state = TCPS_CLOSE_WAIT, .age_ms = 2 * HOUR },
		{ .inode = 3, .state = TCPS_CLOSE, .age_ms = TCP_AGE_UNKNOWN },
		{ .inode = 4, .state = TCPS_CLOSE_WAIT, .age_ms = TCP_AGE_UNKNOWN },
	};
	struct holder holders[] = {
		{ .pid = 10, .fd = 3, .sock = 0 },
		{ .pid = 10, .fd = 4, .sock = 1 },
		{ .pid = 10, .fd = 5, .sock = 2, .dead = true },
		{ .pid = 20, .fd = 3, .sock = 1 },	/* shared after a fork */
		{ .pid = 30, .fd = 3, .sock = 3 },
	};
	struct proc_fds procs[] = { { .pid = 5 }, { .pid = 10 }, { .pid = 20 }, { .pid = 30 } };
	struct scan_result r = { 0 };

	(void)state;
	r.socks.socks = socks;
	r.socks.count = 4;
	r.holders = holders;
	r.count = 5;
	r.procs = procs;
	r.nprocs = 4;
	scan_count_ages(&r);
	assert_int_equal(procs[0].closewait, 0);	/* a backlog's listener holder only */
	assert_int_equal(procs[0].oldest_ms, TCP_AGE_UNKNOWN);
	assert_int_equal(procs[1].closewait, 2);
	assert_int_equal(procs[1].oldest_ms, 2 * HOUR);
	assert_int_equal(procs[1].ages[AGE_UNDER_1M], 1);
	assert_int_equal(procs[1].ages[AGE_UNDER_1D], 1);
	assert_int_equal(procs[1].ages[AGE_UNKNOWN], 0);
	assert_int_equal(procs[2].closewait, 1);
	assert_int_equal(procs[2].ages[AGE_UNDER_1D], 1);
	assert_int_equal(procs[3].closewait, 1);
	assert_int_equal(procs[3].oldest_ms, TCP_AGE_UNKNOWN);
	assert_int_equal(procs[3].ages[AGE_UNKNOWN], 1);
	/* Counting again starts afresh. */
	scan_count_ages(&r);
	assert_int_equal(procs[1].closewait, 2);
}

static void test_older_than_filter(void **state)
{
	struct scan_filter f;

	(void)state;
	scan_filter_init(&f);
	assert_int_equal(f.older_than_ms, -1);
	assert_true(age_filter_match(&f, TCP_AGE_UNKNOWN));	/* not asked: all pass */
	assert_true(age_filter_match(&f, 0));
	f.older_than_ms = 3 * S;
	assert_false(age_filter_match(&f, 0));
	assert_false(age_filter_match(&f, 3 * S - 1));
	assert_true(age_filter_match(&f, 3 * S));
	assert_true(age_filter_match(&f, UINT32_MAX));
	assert_false(age_filter_match(&f, TCP_AGE_UNKNOWN));	/* never old enough */
	f.older_than_ms = 0;
	assert_true(age_filter_match(&f, 0));
	assert_false(age_filter_match(&f, TCP_AGE_UNKNOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_proc_ages),
		cmocka_unit_test(test_scan_count_ages),
		cmocka_unit_test(test_older_than_filter),
	};

	return cmocka_run_group_tests_name("age", tests, NULL, NULL);
}
