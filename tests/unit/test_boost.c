// SPDX-License-Identifier: GPL-2.0-or-later
/* When fdclose takes real-time priority: the rule and its input, on plain text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "injector/internal.h"

static void test_loadavg_runnable_reads_fourth_field(void **state)
{
	(void)state;
	assert_int_equal(loadavg_runnable("0.20 0.18 0.12 1/80 11206\n"), 1);
	assert_int_equal(loadavg_runnable("23.88 12.01 4.50 37/1234 99\n"), 37);
	assert_int_equal(loadavg_runnable("0.00 0.00 0.00 0/3 1"), 0);
}

static void test_loadavg_runnable_rejects_malformed(void **state)
{
	(void)state;
	assert_int_equal(loadavg_runnable(""), -EINVAL);
	assert_int_equal(loadavg_runnable("0.20 0.18 0.12"), -EINVAL);
	assert_int_equal(loadavg_runnable("0.20 0.18 0.12 /80 1"), -EINVAL);
	assert_int_equal(loadavg_runnable("0.20 0.18 0.12 1 80"), -EINVAL);
	assert_int_equal(loadavg_runnable("0.20 0.18 0.12 -1/80 1"), -EINVAL);
	assert_int_equal(loadavg_runnable("0.20 0.18 0.12 99999999999/80 1"), -EINVAL);
}

static void test_idle_or_just_busy_machine_small_target_stays_normal(void **state)
{
	(void)state;
	/* The bench's case: nothing else runs, one thread to stop, two CPUs. */
	assert_false(boost_pays_off(0, 2, 1, 2));
	/* Whoever started us may not be asleep yet: a phantom must not tip it. */
	assert_false(boost_pays_off(2, 2, 1, 2));
	assert_false(boost_pays_off(3, 2, 2, 2));
	assert_false(boost_pays_off(15, 8, 8, 8));
}

static void test_overloaded_cpus_or_many_threads_boost(void **state)
{
	(void)state;
	assert_true(boost_pays_off(4, 2, 1, 2));	/* two runnable tasks per CPU */
	assert_true(boost_pays_off(16, 8, 1, 8));
	assert_true(boost_pays_off(0, 2, 64, 2));	/* woken threads would preempt us */
	assert_true(boost_pays_off(0, 2, 3, 2));
	assert_true(boost_pays_off(0, 1, 2, 1));	/* one CPU for us and two threads */
}

static void test_runnable_count_is_held_to_every_cpu(void **state)
{
	(void)state;
	/* fdclose pinned to 2 CPUs of 64: normal background load is no reason. */
	assert_false(boost_pays_off(8, 64, 1, 2));
	assert_true(boost_pays_off(128, 64, 1, 2));
	/* Its threads compete with fdclose on fdclose's own CPUs. */
	assert_true(boost_pays_off(0, 64, 3, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loadavg_runnable_reads_fourth_field),
		cmocka_unit_test(test_loadavg_runnable_rejects_malformed),
		cmocka_unit_test(test_idle_or_just_busy_machine_small_target_stays_normal),
		cmocka_unit_test(test_overloaded_cpus_or_many_threads_boost),
		cmocka_unit_test(test_runnable_count_is_held_to_every_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
